"""`make demo-collect`: the bundled articles served as a small news site on 127.0.0.1, collected
by the real pipeline, twice, with no network.

The site (build_site) has a robots.txt (Disallow: /private/, Crawl-delay), an RSS feed, an Atom
feed and a news sitemap; its pages carry no date metadata, so the feeds' dates become the
articles' publication dates. One feed item is disallowed by robots.txt and one points at another
host: neither is fetched. The first run collects and builds everything; the second polls the
feeds with If-None-Match / If-Modified-Since, gets 304s and fetches nothing again.

    python -m orchestration.cli.collect_demo [--dir data/demo] [--serve-only]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
import threading
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

from orchestration import config

# Publication dates of the bundled articles, as their texts give them (the seed annotation).
# The served pages do not carry them: only the feeds do.
ARTICLE_DATES = {
    "000_7d542de0aa280a14": "2022-12-21",
    "001_62fccf27a8b5f28f": "2022-01-23",
    "002_ddbb9326de54cf8b": "2024-04-09",
    "003_536c95e773eed155": "2020-05-25",
    "004_4a403a024812939a": "2021-08-03",
}
# which listing announces which article (one article is in two listings)
RSS_ITEMS = ["000_7d542de0aa280a14", "001_62fccf27a8b5f28f", "002_ddbb9326de54cf8b"]
ATOM_ITEMS = ["003_536c95e773eed155", "000_7d542de0aa280a14"]
SITEMAP_ITEMS = ["004_4a403a024812939a"]
CRAWL_DELAY_S = 1
ETAG_PREFIX = '"demo-'


def _page(text: str) -> tuple[str, str]:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    title = next((ln for ln in lines if any("\u0600" <= ch <= "\u06ff" for ch in ln)), lines[0] if lines else "")
    body = "\n".join(f"<p>{escape(ln)}</p>" for ln in lines)
    html = (
        f"<!doctype html><html lang='ar' dir='rtl'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title></head><body>"
        f"<header><a href='/'>الرئيسية</a> | <a href='/feeds/rss.xml'>RSS</a></header>"
        f"<main><article><h1>{escape(title)}</h1>\n{body}\n</article></main>"
        f"<footer>موقع تجريبي محلي</footer></body></html>"
    )
    return title, html


def _when(stem: str) -> dt.datetime:
    d = dt.date.fromisoformat(ARTICLE_DATES.get(stem, "2024-01-01"))
    return dt.datetime(d.year, d.month, d.day, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))


def build_site(articles_dir: Path, base_url: str, other_host_url: str) -> dict[str, tuple[str, bytes]]:
    """path -> (content type, body) of the demo site built from the inbox's .txt articles."""
    site: dict[str, tuple[str, bytes]] = {}
    titles = {}
    for f in sorted(Path(articles_dir).glob("*.txt")):
        title, html = _page(f.read_text(encoding="utf-8"))
        titles[f.stem] = title
        site[f"/news/{f.stem}.html"] = ("text/html; charset=utf-8", html.encode("utf-8"))
    site["/robots.txt"] = (
        "text/plain; charset=utf-8",
        (
            f"User-agent: *\nDisallow: /private/\nCrawl-delay: {CRAWL_DELAY_S}\nSitemap: {base_url}/news-sitemap.xml\n"
        ).encode(),
    )
    site["/private/draft.html"] = ("text/html; charset=utf-8", b"<html><body>draft</body></html>")

    items = "".join(
        f"<item><title>{escape(titles[s])}</title><link>/news/{s}.html</link>"
        f"<pubDate>{format_datetime(_when(s))}</pubDate></item>"
        for s in RSS_ITEMS
        if s in titles
    )
    items += (
        f"<item><title>مسودة</title><link>/private/draft.html</link></item>"
        f"<item><title>موقع آخر</title><link>{escape(other_host_url)}</link></item>"
    )
    site["/feeds/rss.xml"] = (
        "application/rss+xml; charset=utf-8",
        (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>أخبار تجريبية</title>'
            f"<link>{base_url}/</link><description>demo</description>{items}</channel></rss>"
        ).encode(),
    )

    entries = "".join(
        f'<entry><title>{escape(titles[s])}</title><link rel="alternate" href="{s}.html"/><id>urn:demo:{s}</id>'
        f"<published>{_when(s).isoformat()}</published><updated>{_when(s).isoformat()}</updated></entry>"
        for s in ATOM_ITEMS
        if s in titles
    )
    site["/feeds/atom.xml"] = (
        "application/atom+xml; charset=utf-8",
        (
            f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
            f'xml:base="{base_url}/news/"><title>أخبار تجريبية</title><id>urn:demo</id>'
            f"<updated>2024-04-09T09:00:00+03:00</updated>{entries}</feed>"
        ).encode(),
    )

    urls = "".join(
        f"<url><loc>{base_url}/news/{s}.html</loc><news:news><news:publication><news:name>demo</news:name>"
        f"<news:language>ar</news:language></news:publication>"
        f"<news:publication_date>{_when(s).isoformat()}</news:publication_date>"
        f"<news:title>{escape(titles[s])}</news:title></news:news></url>"
        for s in SITEMAP_ITEMS
        if s in titles
    )
    site["/news-sitemap.xml"] = (
        "application/xml; charset=utf-8",
        (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
        ).encode(),
    )
    return site


def sources_yaml(base_url: str, min_delay_s: float = 0.5) -> str:
    out = ["# written by orchestration/cli/collect_demo.py: the local demo site", "sources:"]
    for sid, kind, path in (
        ("demo_rss", "rss", "/feeds/rss.xml"),
        ("demo_atom", "atom", "/feeds/atom.xml"),
        ("demo_sitemap", "sitemap", "/news-sitemap.xml"),
    ):
        out += [
            f"  - id: {sid}",
            f"    name: Demo site ({kind})",
            f"    kind: {kind}",
            f"    url: {base_url}{path}",
            "    enabled: true",
            f"    min_delay_s: {min_delay_s}",
        ]
    return "\n".join(out) + "\n"


def serve(site_for_port, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Start the site on an ephemeral port of `host` in a daemon thread; ETag + 304 on every path."""
    pages: dict[str, tuple[str, bytes]] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            found = pages.get(self.path.split("?")[0])
            if found is None:
                self.send_error(404)
                return
            ctype, body = found
            etag = f'{ETAG_PREFIX}{hashlib.sha256(body).hexdigest()[:16]}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *args):
            sys.stderr.write(
                f"  demo site: {self.command} {self.path} -> {args[1] if len(args) > 1 else ''} "
                f"({self.headers.get('User-Agent', '')})\n"
            )

    server = ThreadingHTTPServer((host, 0), Handler)
    pages.update(site_for_port(server.server_address[1]))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _summary(warehouse: Path, analyst: Path) -> None:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        print("\nPer source and run (ops.collect_source_runs):")
        con.sql(
            "SELECT run_id[:8] AS run, source_id, status, requests, unchanged, discovered, new_pages, errors, "
            "skipped FROM ops.collect_source_runs ORDER BY started_at, source_id"
        ).show(max_width=200)
        print("Requests (ops.collect_fetch_log):")
        con.sql(
            "SELECT run_id[:8] AS run, regexp_replace(url, '^https?://[^/]+', '') AS path, status, "
            "if_none_match IS NOT NULL AS conditional FROM ops.collect_fetch_log "
            "ORDER BY requested_at, rowid"
        ).show(max_rows=100, max_width=200)
    with duckdb.connect(str(analyst), read_only=True) as con:
        print("Articles (marts.dim_articles in the analyst copy):")
        con.sql("SELECT url, published_date, date_source, n_reports FROM marts.dim_articles ORDER BY url").show(
            max_width=200
        )
        print("Events (marts.fct_events):")
        con.sql(
            "SELECT event_date, admin1, event_type, actor1, fatalities_best, injured_best FROM marts.fct_events "
            "ORDER BY event_date"
        ).show(max_width=200)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--dir", default="data/demo", help="where the demo's inbox, warehouse and outputs go (emptied first)"
    )
    ap.add_argument("--serve-only", action="store_true", help="only serve the site until Ctrl-C")
    args = ap.parse_args(argv)
    root = Path(args.dir)
    root = root if root.is_absolute() else (config.REPO_ROOT / root).resolve()
    seeds = config.REPO_ROOT / "seeds" / "articles"

    server = serve(lambda port: build_site(seeds, f"http://127.0.0.1:{port}", f"http://localhost:{port}/news/x.html"))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"Demo news site on {base}/ (robots.txt, feeds/rss.xml, feeds/atom.xml, news-sitemap.xml)")
    if args.serve_only:
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            return 0
    if root.exists():
        shutil.rmtree(root)
    (root / "inbox").mkdir(parents=True)
    (root / "sources.yml").write_text(sources_yaml(base), encoding="utf-8")
    env = {
        **os.environ,
        "SOURCES_FILE": str(root / "sources.yml"),
        "ARTICLES_DIR": str(root / "inbox"),
        "WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
        "ANALYST_DB_PATH": str(root / "analyst.duckdb"),
        "EXPORTS_DIR": str(root / "exports"),
        "GX_DOCS_DIR": str(root / "gx_docs"),
    }
    dagster = str(Path(sys.executable).parent / "dagster")
    try:
        for n in (1, 2):
            print(f"\n=== run {n} of daily_pipeline against {base} ===", flush=True)
            proc = subprocess.run(
                [dagster, "job", "execute", "-m", "orchestration.definitions", "-j", "daily_pipeline"],
                cwd=config.REPO_ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            if proc.returncode != 0:
                print(proc.stderr[-4000:], file=sys.stderr)
                print(f"run {n} failed", file=sys.stderr)
                return 1
    finally:
        server.shutdown()
    _summary(root / "warehouse.duckdb", root / "analyst.duckdb")
    print(f"\nEverything is under {root}/ (sources.yml, inbox/collected/, warehouse.duckdb, analyst.duckdb).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
