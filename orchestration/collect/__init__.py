"""News collection: feeds and sitemaps of the configured outlets -> pages in the inbox.

sources.py   the sources file (SOURCES_FILE), validated
client.py    the one polite HTTP client: robots.txt, per-host delay, conditional GET, caps, retries
parse.py     RSS/Atom (feedparser) and sitemaps (news sitemaps, plain sitemaps, sitemap indexes)
state.py     per-URL state, per-source runs and the fetch log in the warehouse (ops.collect_*)
collector.py one collection run over every enabled source, writing each page into the inbox

Pure Python + httpx/protego/feedparser/lxml (no dagster): the Dagster asset lives in
orchestration/defs/assets/collected_pages.py.
"""
