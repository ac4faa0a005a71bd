"""morning_brief: after each publish, the brief an analyst reads first (orchestration/brief/).

Writes BRIEFS_DIR/<run date>.html and latest.html from the analyst copy just published. The run
date is the run's start day in Baghdad time (the schedule's zone). A run whose publish is
skipped (nothing new: the dbt step and the publish are left out) skips the brief too, and
latest.html stays the last published one; `make brief DATE=...` writes one for any day.
"""

import datetime as dt

import dagster as dg

from orchestration import config
from orchestration.brief.report import stored_gx_outcomes, write_brief
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.stages.clean_worker import LOCAL_TZ


def run_check_outcomes(instance, run_id: str) -> list[dict]:
    """Every asset check evaluated in this run (GX suites and dbt tests): name, target, outcome."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    out = []
    for record in records:
        ev = record.event_log_entry.dagster_event.event_specific_data
        out.append(
            {
                "name": ev.check_name,
                "target": ev.asset_key.to_user_string(),
                "passed": ev.passed,
                "severity": ev.severity.value,
                "detail": ev.description or _failures(ev.metadata or {}),
            }
        )
    return out


def _failures(metadata) -> str:
    """The failed expectations of a GX check ('failures_json', written by defs/checks/gx_checks.py)."""
    failures = getattr(metadata.get("failures_json"), "value", None) or []
    return "; ".join(
        f"{f.get('expectation')}({f.get('column')})"
        + (f": {f['unexpected_count']} unexpected" if f.get("unexpected_count") else "")
        + (f", observed {f['observed_value']}" if f.get("observed_value") else "")
        for f in failures[:4]
        if isinstance(f, dict)
    )


def run_started(instance, run_id: str) -> dt.datetime:
    """The run's start as a naive local time (how ops.rejected_inputs.detected_at is written)."""
    started = instance.get_run_stats(run_id).start_time
    return dt.datetime.fromtimestamp(started) if started else dt.datetime.now()


@dg.asset(
    group_name="publish",
    pool=DUCKDB_POOL,
    deps=["analyst_copy"],
    kinds={"html"},
    description="The morning brief: headline figures (24 h / 7 days against the previous period), the "
    "new events with their Arabic evidence, killed by governorate, the 90-day timeline, actor "
    "pairs, a map of the last 30 days and data quality, as one self-contained HTML file "
    "(BRIEFS_DIR/YYYY-MM-DD.html for the run date, and latest.html).",
)
def morning_brief(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    # `warehouse` holds the run lock; the warehouse is only read (rejected inputs), read-only.
    started = run_started(context.instance, context.run.run_id)
    run_date = started.astimezone(LOCAL_TZ).date()
    checks = run_check_outcomes(context.instance, context.run.run_id)
    # the brief materialised on its own (from the UI) has no checks in its run: the stored GX results
    outcomes = (checks, "this run") if checks else stored_gx_outcomes(config.gx_context_dir())
    result = write_brief(
        config.analyst_db_path(),
        config.briefs_dir(),
        run_date,
        mode="run",
        warehouse=warehouse.resolved_path(),
        rejected_since=started,
        checks=outcomes,
    )
    context.log.info(f"brief written: {result.path} ({result.brief.n_new_events} new events)")
    numbers = result.numbers()
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "latest": dg.MetadataValue.path(str(result.latest)),
            "preview": dg.MetadataValue.md(result.markdown),
            "window": dg.MetadataValue.text(result.brief.window_rule),
            **{name: dg.MetadataValue.int(value) for name, value in numbers.items()},
        }
    )
