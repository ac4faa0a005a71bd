"""Generate the dbt docs and serve them with the GX Data Docs on 127.0.0.1 (make docs).

python -m orchestration.cli.docs [--port N] [--no-serve] [--no-generate]
"""

import argparse
import logging
import sys

from orchestration import config
from orchestration.quality.dbt_docs import (
    DEFAULT_PORT,
    GX_PREFIX,
    docs_dir,
    generate,
    make_server,
    offline_gx_site,
    site_dir,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=config.env_number("DOCS_PORT", DEFAULT_PORT))
    parser.add_argument("--no-serve", action="store_true", help="generate, print the locations, exit")
    parser.add_argument("--no-generate", action="store_true", help="serve what was generated last")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        site = site_dir() if args.no_generate else generate()
        gx_site = offline_gx_site()
    except Exception as exc:  # DocsError, OfflineDocsError: their message says what to do
        print(f"make docs: {exc}", file=sys.stderr)
        return 1
    print(f"dbt docs:      {site / 'index.html'}  (served; {site / 'static_index.html'} opens as a file)")
    print(f"  catalog of:  {docs_dir() / 'catalog_db' / 'analyst.duckdb'}  (copy of the analyst copy, schema marts)")
    print(f"GX data docs:  {gx_site / 'index.html' if gx_site else 'none yet: make run builds them'}")
    if args.no_serve:
        return 0
    server = make_server(site, gx_site, args.port)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    print(f"Serving on 127.0.0.1 only (Ctrl+C stops):\n  dbt docs      {url}")
    if gx_site:
        print(f"  GX data docs  {url}{GX_PREFIX.lstrip('/')}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
