"""`make docs`: the dbt project's docs (models, columns, descriptions, tests, lineage), generated
from the analyst copy and served on 127.0.0.1 together with the GX Data Docs.

Where things are (DBT_DOCS_DIR, default data/dbt_docs):
  site/        dbt's target path for `dbt docs generate --static`: index.html (reads manifest.json
               and catalog.json, so it needs the server), static_index.html (both embedded: opens
               as file://), manifest.json, catalog.json. Not dbt_project/target (the manifest the
               pipeline's code location reads) nor <warehouse>.dbt/ (the pipeline's dbt state).
  catalog_db/  analyst.duckdb: a copy of the analyst copy (ANALYST_DB_PATH, schema marts) taken
               before generating, so dbt's catalog queries never hold a lock on a file the
               pipeline publishes to; the catalog therefore lists the marts tables and columns.
  logs/        dbt's log.

Served (`serve`): http://127.0.0.1:<port>/ the dbt docs, http://127.0.0.1:<port>/gx/ the GX
Data Docs (GX_DOCS_DIR). Both load nothing from the network: dbt's page is one self-contained
file (its only remote load, an analytics script, is off because the manifest records
send_anonymous_usage_stats false, which generate() checks), and the GX site is made offline by
gx_docs_offline.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from orchestration import config

log = logging.getLogger(__name__)

DEFAULT_PORT = 8580
GX_PREFIX = "/gx/"


class DocsError(RuntimeError):
    """The dbt docs cannot be generated; the message says why and what to do."""


def docs_dir() -> Path:
    raw = os.environ.get("DBT_DOCS_DIR", "").strip() or "data/dbt_docs"
    p = Path(raw).expanduser()
    return p if p.is_absolute() else (config.REPO_ROOT / p).resolve()


def site_dir(base: Path | None = None) -> Path:
    return (base or docs_dir()) / "site"


def generate(base: Path | None = None, analyst_db: Path | None = None) -> Path:
    """`dbt docs generate --static` over a copy of the analyst copy; returns the site folder."""
    base = base or docs_dir()
    analyst_db = analyst_db or config.analyst_db_path()
    if not analyst_db.is_file():
        raise DocsError(
            f"no analyst copy at {analyst_db} (ANALYST_DB_PATH): run `make run` first; "
            f"the dbt docs' catalog is read from its schema marts"
        )
    snapshot = base / "catalog_db" / "analyst.duckdb"  # the file name is the catalog's database name
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    tmp = snapshot.with_name(snapshot.name + ".tmp")
    shutil.copyfile(analyst_db, tmp)  # the publish swaps whole files: a complete copy
    tmp.replace(snapshot)
    site = site_dir(base)
    dbt = Path(sys.executable).parent / "dbt"
    env = {
        **os.environ,
        "WAREHOUSE_PATH": str(snapshot),
        "DBT_LOG_PATH": str(base / "logs"),
        "PIPELINE_INBOX_DIR": str(config.articles_dir()),  # compiled SQL as the pipeline's
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    cmd = [
        str(dbt if dbt.exists() else "dbt"),
        "docs",
        "generate",
        "--static",
        "--project-dir",
        str(config.DBT_PROJECT_DIR),
        "--profiles-dir",
        str(config.DBT_PROJECT_DIR),
        "--target-path",
        str(site),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise DocsError(
            f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}"
        )
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    if manifest["metadata"].get("send_anonymous_usage_stats") is not False:
        raise DocsError(
            f"{site / 'manifest.json'} allows usage stats: its index.html would load an analytics "
            f"script from the network; keep DBT_SEND_ANONYMOUS_USAGE_STATS=false"
        )
    return site


class _DocsHandler(SimpleHTTPRequestHandler):
    """dbt docs at /, GX Data Docs at /gx/."""

    def __init__(self, *args, dbt_site: Path, gx_site: Path | None, **kwargs):
        self.dbt_site, self.gx_site = dbt_site, gx_site
        super().__init__(*args, directory=str(dbt_site), **kwargs)

    def translate_path(self, path):
        if self.gx_site is not None and urlsplit(path).path.startswith(GX_PREFIX):
            self.directory = str(self.gx_site)
            path = path[len(GX_PREFIX) - 1 :]
        else:
            self.directory = str(self.dbt_site)
        return super().translate_path(path)

    def do_GET(self):
        if urlsplit(self.path).path == GX_PREFIX.rstrip("/"):
            self.send_response(301)
            self.send_header("Location", GX_PREFIX)
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format, *args):  # quiet: one line per request is noise in a terminal
        log.debug("%s - %s", self.address_string(), format % args)


def make_server(dbt_site: Path, gx_site: Path | None, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 only (port 0: any free port)."""
    handler = partial(_DocsHandler, dbt_site=dbt_site, gx_site=gx_site)
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    return server


def serve_in_thread(dbt_site: Path, gx_site: Path | None, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    server = make_server(dbt_site, gx_site, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def offline_gx_site() -> Path | None:
    """The GX Data Docs site, made offline (it may predate `make vendor`), or None."""
    gx_site = config.gx_docs_dir()
    if not (gx_site / "index.html").is_file():
        return None
    from orchestration.quality.gx_docs_offline import make_offline

    make_offline(gx_site)
    return gx_site
