"""One blocking Dagster asset check per GX suite (stage boundary)."""

import dagster as dg

from orchestration.checks.gx import SuiteOutcome, docs_index, run_suite
from orchestration.resources import DUCKDB_POOL, WarehouseResource


def _markdown(failures: list[dict]) -> str:
    if not failures:
        return "none"
    lines = ["| severity | expectation | column | unexpected | sample |", "|---|---|---|---|---|"]
    for f in failures:
        sample = ", ".join(f["sample_unexpected"]) or f.get("exception") or f.get("observed_value", "")
        sample = sample.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {f['severity']} | {f['expectation']} | {f['column']} | "
                     f"{f['unexpected_count']} ({f['unexpected_percent']}%) | {sample} |")
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
        description=f"Great Expectations suite expectations/{suite}.json (error-level failures block "
                    f"downstream assets; warn-level ones are reported with WARN severity).",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            outcome = run_suite(con, suite)
        return outcome_to_result(outcome)

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
