"""The one job: the whole graph, checks included.

Executor: in-process. Every step writes or reads the one DuckDB warehouse file, which allows a
single writing process, so steps must run one after another anyway; the in-process executor
makes that hold for `dagster job execute` (which has no run queue or pool limits configured)
and saves a process start per step. The extractor still uses both cores through its own
process pool when the batch is large.
"""
import dagster as dg

daily_pipeline = dg.define_asset_job(
    name="daily_pipeline",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest the inbox, clean, extract, dbt build (seeds, models, tests), GX checks, "
                "publish the analyst copy and exports.",
)
