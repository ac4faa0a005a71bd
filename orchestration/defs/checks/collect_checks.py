"""The checks of collected_pages. They warn, never block: a source failing COLLECT_FAILING_RUNS
runs in a row, and an enabled source without a success for COLLECT_STALE_HOURS."""

import datetime as dt

import dagster as dg

from orchestration import config
from orchestration.collect import state as state_mod
from orchestration.collect.sources import load_sources
from orchestration.defs.assets import collected_pages as collect_asset
from orchestration.defs.assets.collected_pages import collected_pages, md_cell
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource

DEFAULT_FAILING_RUNS = 3
DEFAULT_STALE_HOURS = 48.0


def _enabled_health(warehouse: WarehouseResource):
    enabled = [s.id for s in load_sources() if s.enabled]
    if not enabled or not warehouse.resolved_path().exists():
        return enabled, []
    with warehouse.connect() as con:
        return enabled, state_mod.source_health(con, enabled)


def _health_md(rows) -> str:
    if not rows:
        return "none"
    lines = [
        "| source | failed runs in a row | last success (UTC) | last status | last error |",
        "|---|---:|---|---|---|",
    ]
    for h in rows:
        ok = f"{h['last_success']:%Y-%m-%d %H:%M}" if h["last_success"] else "never"
        lines.append(
            f"| {h['source_id']} | {h['consecutive_failures']} | {ok} | {h['last_status'] or ''} | "
            f"{md_cell(h['last_error'])[:300]} |"
        )
    return "\n".join(lines)


@dg.asset_check(
    asset=collected_pages,
    name="collect_sources_not_failing",
    blocking=False,
    pool=DUCKDB_POOL,
    description="Warns when an enabled source has failed COLLECT_FAILING_RUNS (3) collection "
    "runs in a row: its listing could not be fetched or read.",
)
def collect_sources_not_failing(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    limit = max(1, config.env_number("COLLECT_FAILING_RUNS", DEFAULT_FAILING_RUNS))
    enabled, health = _enabled_health(warehouse)
    failing = [h for h in health if h["consecutive_failures"] >= limit]
    return dg.AssetCheckResult(
        passed=not failing,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "enabled_sources": len(enabled),
            "failing_runs_limit": limit,
            "failing_sources": ", ".join(h["source_id"] for h in failing) or "none",
            "sources": dg.MetadataValue.md(_health_md(health)),
        },
    )


@dg.asset_check(
    asset=collected_pages,
    name="collect_sources_fresh",
    blocking=False,
    pool=DUCKDB_POOL,
    description="Warns when an enabled source has not had a successful collection for "
    "COLLECT_STALE_HOURS (48) hours (failed or deferred since, or never succeeded).",
)
def collect_sources_fresh(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    hours = config.env_number("COLLECT_STALE_HOURS", DEFAULT_STALE_HOURS, float)
    now = collect_asset.make_clock().now()  # looked up here: tests replace the clock
    enabled, health = _enabled_health(warehouse)
    stale = [
        h
        for h in health
        if (h["last_success"] or h["first_attempt"]) is not None
        and now - (h["last_success"] or h["first_attempt"]) > dt.timedelta(hours=hours)
    ]
    return dg.AssetCheckResult(
        passed=not stale,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "enabled_sources": len(enabled),
            "stale_after_hours": hours,
            "stale_sources": ", ".join(h["source_id"] for h in stale) or "none",
            "sources": dg.MetadataValue.md(_health_md(health)),
        },
    )


COLLECT_CHECKS = [collect_sources_not_failing, collect_sources_fresh]
