"""The code location: `defs` is what workspace.yaml, `dagster dev` and `dagster job execute -m` load.

Graph: collected_pages -> raw_articles -> clean_articles -> extracted_reports -> dbt (seeds, staging,
intermediate, marts + dbt tests as asset checks) -> analyst_copy -> morning_brief, with a blocking GX
suite at every stage.

This module is the one place that sets the process up (runtime.prepare_process: offline switches,
dbt on PATH, telemetry off) and reads the dbt manifest; the modules under defs/ only define.
"""

import logging

import dagster as dg

from orchestration import runtime
from orchestration.defs.assets.analyst_copy import build_analyst_copy, upstream_keys
from orchestration.defs.assets.clean_articles import clean_articles
from orchestration.defs.assets.collected_pages import collected_pages
from orchestration.defs.assets.dbt_warehouse import build_dbt_assets, load_manifest, mart_asset_keys
from orchestration.defs.assets.extracted_reports import extracted_reports
from orchestration.defs.assets.morning_brief import morning_brief
from orchestration.defs.assets.raw_articles import raw_articles
from orchestration.defs.checks.collect_checks import COLLECT_CHECKS
from orchestration.defs.checks.gx_checks import build_gx_checks
from orchestration.defs.dbt_project import dbt_project
from orchestration.defs.jobs import collect_news, daily_pipeline
from orchestration.defs.resources import build_resources
from orchestration.defs.schedules import collect_schedule, daily_schedule
from orchestration.defs.sensors import inbox_sensor


def build_definitions() -> dg.Definitions:
    for entry, why in runtime.prepare_process().items():
        logging.getLogger("orchestration.compat").warning(f"compat: stock Dagster behaviour for the {entry}: {why}")
    dbt_project.prepare_if_dev()  # under `dagster dev` only: re-parse so model edits show up at once
    manifest_path, manifest = load_manifest() or (None, None)
    dbt_assets = build_dbt_assets(manifest_path, manifest)
    mart_keys = mart_asset_keys(manifest)
    return dg.Definitions(
        assets=[
            collected_pages,
            raw_articles,
            clean_articles,
            extracted_reports,
            *dbt_assets,
            build_analyst_copy(upstream_keys(list(mart_keys.values()), dbt_assets)),
            morning_brief,
        ],
        asset_checks=[*COLLECT_CHECKS, *build_gx_checks(mart_keys)],
        jobs=[daily_pipeline, collect_news],
        schedules=[daily_schedule, collect_schedule],
        sensors=[inbox_sensor],
        resources=build_resources(),
        # Ad-hoc materialisations from the UI run in-process too (one DuckDB writer at a time).
        executor=dg.in_process_executor,
    )


defs = build_definitions()
