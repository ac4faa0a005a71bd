"""collected_pages: the enabled sources of SOURCES_FILE -> new article pages in the inbox.

Runs before raw_articles (which reads what it wrote, like any inbox file). With no enabled
source it makes no request and writes nothing. Its two checks warn, never block: a source
failing COLLECT_FAILING_RUNS runs in a row, and an enabled source without a success for
COLLECT_STALE_HOURS.
"""

import datetime as dt

import dagster as dg

from orchestration import config
from orchestration.collect import state as state_mod
from orchestration.collect.sources import load_sources, sources_file
from orchestration.resources import DUCKDB_POOL, WarehouseResource

# Collection has a pool of its own (limit 1 in dagster.yaml): one collection at a time, so never
# two requests to one host at once. Its warehouse writes are covered by the run's warehouse lock.
COLLECT_POOL = "news_collection"
DEFAULT_FAILING_RUNS = 3
DEFAULT_STALE_HOURS = 48.0


def make_clock():
    """The collector's clock (tests put a fake one here: the collector's waits then cost no time).
    The HTTP client and the collector are imported only when a run collects: loading the code
    location (every run, every `dagster dev` reload) does not pay for httpx."""
    from orchestration.collect.client import SystemClock

    return SystemClock()


def _md_cell(v) -> str:
    return str(v if v is not None else "").replace("|", "\\|").replace("\n", " ")


def runs_table(runs) -> str:
    if not runs:
        return "no enabled source"
    lines = ["| source | status | requests | unchanged (304 / same body) | discovered | new articles "
             "| errors | skipped | next retry | error |", "|---|---|---:|---:|---:|---:|---:|---|---|---|"]
    for r in runs:
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(r.skipped.items())) or ""
        nxt = f"{r.next_fetch_at:%Y-%m-%d %H:%M} UTC" if r.next_fetch_at else ""
        lines.append(f"| {r.source_id} | {r.status} | {r.requests} | {r.unchanged} | {r.discovered} | "
                     f"{r.new_pages} | {r.errors} | {_md_cell(skipped)} | {nxt} | {_md_cell(r.error)[:300]} |")
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
    sources = load_sources(path)   # a bad file fails here, before any request, naming every bad entry
    enabled = [s for s in sources if s.enabled]
    base = {"sources_file": str(path), "sources": len(sources), "enabled_sources": len(enabled)}
    if not enabled:
        context.log.info(f"{path}: no enabled source ({len(sources)} listed), nothing collected")
        return dg.MaterializeResult(metadata={**base, "new_articles": 0, "requests": 0,
                                              "per_source": dg.MetadataValue.md("no enabled source")})
    from orchestration.collect.collector import collect, collected_dir

    inbox = config.articles_dir()
    with warehouse.connect() as con:
        runs = collect(con, sources, inbox, run_id=context.run.run_id, log=context.log.info, clock=make_clock())
    failed = [r.source_id for r in runs if r.status == "failed"]
    if failed:
        context.log.warning(f"sources failed this run: {', '.join(failed)} (see per_source)")
    return dg.MaterializeResult(metadata={
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
    })


def _enabled_health(warehouse: WarehouseResource):
    enabled = [s.id for s in load_sources() if s.enabled]
    if not enabled or not warehouse.resolved_path().exists():
        return enabled, []
    with warehouse.connect() as con:
        return enabled, state_mod.source_health(con, enabled)


def _health_md(rows) -> str:
    if not rows:
        return "none"
    lines = ["| source | failed runs in a row | last success (UTC) | last status | last error |",
             "|---|---:|---|---|---|"]
    for h in rows:
        ok = f"{h['last_success']:%Y-%m-%d %H:%M}" if h["last_success"] else "never"
        lines.append(f"| {h['source_id']} | {h['consecutive_failures']} | {ok} | {h['last_status'] or ''} | "
                     f"{_md_cell(h['last_error'])[:300]} |")
    return "\n".join(lines)


@dg.asset_check(asset=collected_pages, name="collect_sources_not_failing", blocking=False, pool=DUCKDB_POOL,
                description="Warns when an enabled source has failed COLLECT_FAILING_RUNS (3) collection "
                            "runs in a row: its listing could not be fetched or read.")
def collect_sources_not_failing(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    limit = max(1, config.env_number("COLLECT_FAILING_RUNS", DEFAULT_FAILING_RUNS))
    enabled, health = _enabled_health(warehouse)
    failing = [h for h in health if h["consecutive_failures"] >= limit]
    return dg.AssetCheckResult(
        passed=not failing, severity=dg.AssetCheckSeverity.WARN,
        metadata={"enabled_sources": len(enabled), "failing_runs_limit": limit,
                  "failing_sources": ", ".join(h["source_id"] for h in failing) or "none",
                  "sources": dg.MetadataValue.md(_health_md(health))})


@dg.asset_check(asset=collected_pages, name="collect_sources_fresh", blocking=False, pool=DUCKDB_POOL,
                description="Warns when an enabled source has not had a successful collection for "
                            "COLLECT_STALE_HOURS (48) hours (failed or deferred since, or never succeeded).")
def collect_sources_fresh(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    hours = config.env_number("COLLECT_STALE_HOURS", DEFAULT_STALE_HOURS, float)
    now = make_clock().now()
    enabled, health = _enabled_health(warehouse)
    stale = [h for h in health
             if (h["last_success"] or h["first_attempt"]) is not None
             and now - (h["last_success"] or h["first_attempt"]) > dt.timedelta(hours=hours)]
    return dg.AssetCheckResult(
        passed=not stale, severity=dg.AssetCheckSeverity.WARN,
        metadata={"enabled_sources": len(enabled), "stale_after_hours": hours,
                  "stale_sources": ", ".join(h["source_id"] for h in stale) or "none",
                  "sources": dg.MetadataValue.md(_health_md(health))})


COLLECT_CHECKS = [collect_sources_not_failing, collect_sources_fresh]
