"""The code location: `defs` is what workspace.yaml, `dagster dev` and `dagster job execute -m` load.

Graph: raw_articles -> clean_articles -> extracted_reports -> dbt (seeds, staging, intermediate,
marts + dbt tests as asset checks) -> analyst_copy -> morning_brief, with a blocking GX suite at every stage.
"""
import dagster as dg

from orchestration.assets.brief import morning_brief
from orchestration.assets.clean import clean_articles
from orchestration.assets.dbt import DBT_ASSETS, mart_asset_keys
from orchestration.assets.extract import extracted_reports
from orchestration.assets.ingest import raw_articles
from orchestration.assets.publish import analyst_copy
from orchestration.checks.assets import build_gx_checks
from orchestration.jobs import daily_pipeline
from orchestration.resources import build_resources
from orchestration.schedules import daily_schedule
from orchestration.sensors import inbox_sensor

defs = dg.Definitions(
    assets=[raw_articles, clean_articles, extracted_reports, *DBT_ASSETS, analyst_copy, morning_brief],
    asset_checks=build_gx_checks(mart_asset_keys()),
    jobs=[daily_pipeline],
    schedules=[daily_schedule],
    sensors=[inbox_sensor],
    resources=build_resources(),
    # Ad-hoc materialisations from the UI run in-process too (one DuckDB writer at a time).
    executor=dg.in_process_executor,
)
