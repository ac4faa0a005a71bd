"""Run the GX suites of expectations/*.json against pandas frames read from DuckDB.

GX's SQL datasources do not work on DuckDB here, so each suite carries (meta.query) the
DuckDB query whose result is validated with a pandas datasource. Validation goes through a
checkpoint of a file-backed GX context (data/gx) so results are stored and the static Data
Docs site under GX_DOCS_DIR is rebuilt after every check.

Severity lives in each expectation's meta.severity ('error' | 'warn').
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from orchestration import config  # noqa: E402

SITE_NAME = "pipeline_docs"
DATASOURCE = "warehouse_frames"


@dataclass
class SuiteOutcome:
    suite: str
    n_rows: int
    n_expectations: int
    error_failures: list[dict] = field(default_factory=list)
    warn_failures: list[dict] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.error_failures and not self.warn_failures


def load_suite_json(name: str, directory: Path | None = None) -> dict:
    path = (directory or config.EXPECTATIONS_DIR) / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _context():
    import great_expectations as gx

    root = config.gx_context_dir()
    root.mkdir(parents=True, exist_ok=True)
    ctx = gx.get_context(mode="file", project_root_dir=str(root))
    ctx.variables.progress_bars = {"globally": False}
    site = {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                          "base_directory": str(config.gx_docs_dir())},
    }
    if SITE_NAME in ctx.get_site_names():
        ctx.update_data_docs_site(SITE_NAME, site)
    else:
        ctx.add_data_docs_site(SITE_NAME, site)
    return ctx


def _get_or_add(getter, adder, name):
    try:
        return getter(name)
    except Exception:  # GX raises assorted "not found" errors
        return adder(name)


def _describe(result) -> dict:
    cfg = result.expectation_config
    res = result.result or {}
    exc = (result.exception_info or {})
    out = {
        "expectation": cfg.type,
        "column": cfg.kwargs.get("column") or
                  f"{cfg.kwargs.get('column_A')},{cfg.kwargs.get('column_B')}".strip(","),
        "severity": (cfg.meta or {}).get("severity", "error"),
        "unexpected_count": res.get("unexpected_count"),
        "unexpected_percent": None if res.get("unexpected_percent") is None
        else round(float(res["unexpected_percent"]), 2),
        "sample_unexpected": [str(v)[:120] for v in (res.get("partial_unexpected_list") or [])[:5]],
    }
    if "observed_value" in res:
        out["observed_value"] = str(res["observed_value"])[:200]
    if exc.get("raised_exception"):
        out["exception"] = str(exc.get("exception_message"))[:300]
    return out


def validate_frame(df, suite_json: dict) -> SuiteOutcome:
    """Validate a pandas frame with a suite (dict as stored in expectations/), store the result
    in the file context and rebuild the Data Docs site."""
    import great_expectations as gx
    from great_expectations.core import ExpectationSuite

    name = suite_json["name"]
    ctx = _context()
    ds = _get_or_add(ctx.data_sources.get, ctx.data_sources.add_pandas, DATASOURCE)
    asset = _get_or_add(ds.get_asset, ds.add_dataframe_asset, name)
    batch_def = _get_or_add(asset.get_batch_definition, asset.add_batch_definition_whole_dataframe, "whole_frame")
    suite = ctx.suites.add_or_update(ExpectationSuite(
        name=name,
        expectations=[dict(e) for e in suite_json["expectations"]],
        meta={k: v for k, v in (suite_json.get("meta") or {}).items()},
    ))
    vd = ctx.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{name}_validation", data=batch_def, suite=suite))
    checkpoint = ctx.checkpoints.add_or_update(gx.Checkpoint(
        name=f"{name}_checkpoint",
        validation_definitions=[vd],
        actions=[gx.checkpoint.UpdateDataDocsAction(name="update_docs", site_names=[SITE_NAME])],
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": 10},
    ))
    run = checkpoint.run(batch_parameters={"dataframe": df})
    outcome = SuiteOutcome(suite=name, n_rows=len(df), n_expectations=len(suite_json["expectations"]))
    for suite_result in run.run_results.values():
        for r in suite_result.results:
            if r.success:
                continue
            d = _describe(r)
            (outcome.warn_failures if d["severity"] == "warn" else outcome.error_failures).append(d)
    return outcome


def run_suite(con, name: str) -> SuiteOutcome:
    suite_json = load_suite_json(name)
    df = con.execute(suite_json["meta"]["query"]).df()
    return validate_frame(df, suite_json)


def docs_index() -> Path:
    return config.gx_docs_dir() / "index.html"
