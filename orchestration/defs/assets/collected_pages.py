"""collected_pages: the enabled sources of SOURCES_FILE -> new article pages in the inbox.

Runs before raw_articles (which reads what it wrote, like any inbox file). With no enabled
source it makes no request and writes nothing. Its checks: orchestration/defs/checks/collect_checks.py.
"""

import dagster as dg

from orchestration import config
from orchestration.collect.sources import load_sources, sources_file
from orchestration.defs.resources import WarehouseResource

# Collection has a pool of its own (limit 1 in dagster.yaml): one collection at a time, so never
# two requests to one host at once. Its warehouse writes are covered by the run's warehouse lock.
COLLECT_POOL = "news_collection"


def make_clock():
    """The collector's clock (tests put a fake one here: the collector's waits then cost no time).
    The HTTP client and the collector are imported only when a run collects: loading the code
    location (every run, every `dagster dev` reload) does not pay for httpx."""
    from orchestration.collect.client import SystemClock

    return SystemClock()


def md_cell(v) -> str:
    return str(v if v is not None else "").replace("|", "\\|").replace("\n", " ")


def runs_table(runs) -> str:
    if not runs:
        return "no enabled source"
    lines = [
        "| source | status | requests | unchanged (304 / same body) | discovered | new articles "
        "| errors | skipped | next retry | error |",
        "|---|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for r in runs:
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(r.skipped.items())) or ""
        nxt = f"{r.next_fetch_at:%Y-%m-%d %H:%M} UTC" if r.next_fetch_at else ""
        lines.append(
            f"| {r.source_id} | {r.status} | {r.requests} | {r.unchanged} | {r.discovered} | "
            f"{r.new_pages} | {r.errors} | {md_cell(skipped)} | {nxt} | {md_cell(r.error)[:300]} |"
        )
    return "\n".join(lines)


@dg.asset(
    group_name="collect",
    pool=COLLECT_POOL,
    kinds={"python", "duckdb"},
    description="Fetches the feeds / news sitemaps of the enabled sources of SOURCES_FILE (robots.txt, "
    "per-host delay, conditional GET) and writes each new article page into the inbox "
    "(ARTICLES_DIR/collected/) for raw_articles. State in ops.collect_*.",
)
def collected_pages(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    path = sources_file()
    sources = load_sources(path)  # a bad file fails here, before any request, naming every bad entry
    enabled = [s for s in sources if s.enabled]
    base = {"sources_file": str(path), "sources": len(sources), "enabled_sources": len(enabled)}
    if not enabled:
        context.log.info(f"{path}: no enabled source ({len(sources)} listed), nothing collected")
        return dg.MaterializeResult(
            metadata={**base, "new_articles": 0, "requests": 0, "per_source": dg.MetadataValue.md("no enabled source")}
        )
    from orchestration.collect.collector import collect, collected_dir

    inbox = config.articles_dir()
    with warehouse.connect() as con:
        runs = collect(con, sources, inbox, run_id=context.run.run_id, log=context.log.info, clock=make_clock())
    failed = [r.source_id for r in runs if r.status == "failed"]
    if failed:
        context.log.warning(f"sources failed this run: {', '.join(failed)} (see per_source)")
    return dg.MaterializeResult(
        metadata={
            **base,
            "inbox": str(collected_dir(inbox)),
            "requests": sum(r.requests for r in runs),
            "unchanged_listings": sum(r.unchanged for r in runs),
            "discovered_urls": sum(r.discovered for r in runs),
            "new_articles": sum(r.new_pages for r in runs),
            "errors": sum(r.errors for r in runs),
            "failed_sources": ", ".join(failed) or "none",
            "deferred_sources": ", ".join(r.source_id for r in runs if r.status == "deferred") or "none",
            "per_source": dg.MetadataValue.md(runs_table(runs)),
        }
    )
