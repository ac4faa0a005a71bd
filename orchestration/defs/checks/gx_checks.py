"""One blocking Dagster asset check per GX suite (stage boundary).

Each check validates the batch: the rows written after the watermark recorded in the metadata
of this check's last evaluation that did not fail with ERROR severity (against the same
warehouse). An ERROR failure does not advance the watermark, so rows that failed the gate are
validated again on the next run until they are fixed. No earlier evaluation (a new warehouse or
DAGSTER_HOME), or GX_SCOPE=full in the environment: the whole table is validated.

The Data Docs site is rebuilt once per run, when the `gx_docs` resource the checks share is torn
down (with the in-process executor: at the end of the run).
"""

import datetime as dt
import os

import dagster as dg

from orchestration import compat
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.quality import gx
from orchestration.quality.gx import SuiteOutcome, docs_index, run_suite

HISTORY_LIMIT = 100  # earlier evaluations looked at for a watermark


@dg.resource(
    description="Rebuilds the GX Data Docs site once, when the run's resources are torn "
    "down, if a GX suite stored results during the run."
)
def gx_docs_resource(init_context):
    try:
        yield None
    finally:
        try:
            for index in gx.build_all_pending_docs():
                init_context.log.info(f"GX Data Docs rebuilt: {index}")
        except Exception as exc:  # docs are a report, not the gate: never fail the run on them
            init_context.log.warning(f"GX Data Docs rebuild failed: {exc!r}")


GX_DOCS_RESOURCE = gx_docs_resource


def _meta_value(metadata, key):
    v = metadata.get(key)
    return getattr(v, "value", v)


def previous_watermark(
    instance, check_key: dg.AssetCheckKey, warehouse: str, current_run_id: str | None = None
) -> tuple[dt.datetime | None, str]:
    """(since, why): the watermark of the last non-blocking evaluation of this check on this
    warehouse, or (None, reason) to validate the whole table."""
    if os.environ.get("GX_SCOPE", "").strip().lower() == "full":
        return None, "whole table (GX_SCOPE=full)"
    try:
        records = compat.asset_check_history(instance, check_key, HISTORY_LIMIT)
    except Exception as exc:  # storage without asset-check support
        return None, f"whole table (no check history: {exc.__class__.__name__})"
    for rec in records:
        if rec.run_id == current_run_id:
            continue
        ev = rec.evaluation
        if not isinstance(ev, dg.AssetCheckEvaluation):
            continue  # planned or skipped: no outcome, no watermark
        if not ev.passed and ev.severity == dg.AssetCheckSeverity.ERROR:
            continue  # a blocked batch is validated again
        md = ev.metadata or {}
        if _meta_value(md, "warehouse") != warehouse or "batch_watermark" not in md:
            continue
        wm = _meta_value(md, "batch_watermark")
        if not wm:
            return None, "whole table (the last validation saw no rows)"
        return dt.datetime.fromisoformat(wm), f"batch: rows written after {wm} (run {rec.run_id[:8]})"
    return None, "whole table (no earlier validation of this warehouse)"


def _markdown(failures: list[dict]) -> str:
    if not failures:
        return "none"
    lines = ["| severity | expectation | column | unexpected | sample |", "|---|---|---|---|---|"]
    for f in failures:
        sample = ", ".join(f["sample_unexpected"]) or f.get("exception") or f.get("observed_value", "")
        sample = sample.replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {f['severity']} | {f['expectation']} | {f['column']} | "
            f"{f['unexpected_count']} ({f['unexpected_percent']}%) | {sample} |"
        )
    return "\n".join(lines)


def outcome_to_result(outcome: SuiteOutcome) -> dg.AssetCheckResult:
    failures = outcome.error_failures + outcome.warn_failures
    severity = dg.AssetCheckSeverity.ERROR if outcome.error_failures else dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(
        passed=outcome.passed,
        severity=severity,
        metadata={
            "suite": outcome.suite,
            "rows_validated": outcome.n_rows,
            "batch_scope": outcome.scope,
            "batch_since": outcome.since.isoformat() if outcome.since else "",
            "batch_watermark": outcome.watermark.isoformat() if outcome.watermark else "",
            "whole_table_rows_checked": outcome.n_table_rows if outcome.n_table_rows is not None else 0,
            "expectations": outcome.n_expectations,
            "error_failures": len(outcome.error_failures),
            "warn_failures": len(outcome.warn_failures),
            "failing_expectations": dg.MetadataValue.md(_markdown(failures)),
            "failures_json": dg.MetadataValue.json(failures),
            "data_docs": dg.MetadataValue.path(str(docs_index())),
        },
    )


def make_gx_check(asset_key: dg.AssetKey | str, suite: str) -> dg.AssetChecksDefinition:
    key = dg.AssetKey.from_coercible(asset_key)

    @dg.asset_check(
        asset=key,
        name=f"gx_{suite}",
        blocking=True,
        pool=DUCKDB_POOL,
        resource_defs={"gx_docs": GX_DOCS_RESOURCE},
        description=f"Great Expectations suite expectations/{suite}.json on the rows written since "
        f"its last passing validation, plus whole-table key uniqueness (error-level "
        f"failures block downstream assets; warn-level ones are reported with WARN severity).",
    )
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, gx_docs: dg.ResourceParam[None]
    ) -> dg.AssetCheckResult:
        path = str(warehouse.resolved_path())
        since, why = previous_watermark(
            context.instance, dg.AssetCheckKey(key, f"gx_{suite}"), path, context.run.run_id
        )
        context.log.info(f"gx_{suite}: {why}")
        with warehouse.connect(read_only=True) as con:
            outcome = run_suite(con, suite, since, build=False)
        result = outcome_to_result(outcome)
        return dg.AssetCheckResult(
            passed=result.passed,
            severity=result.severity,
            metadata={**result.metadata, "warehouse": path, "batch_rule": why},
        )

    return _check


def build_gx_checks(mart_keys: dict[str, dg.AssetKey]) -> list[dg.AssetChecksDefinition]:
    checks = [
        make_gx_check("raw_articles", "raw_articles"),
        make_gx_check("clean_articles", "clean_articles"),
        make_gx_check("extracted_reports", "extracted_reports"),
    ]
    for model in ("fct_event_reports", "fct_events", "report_review_queue"):
        if model in mart_keys:
            checks.append(make_gx_check(mart_keys[model], model))
    return checks
