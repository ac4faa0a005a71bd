"""daily_pipeline: the whole graph, checks included; collect_news: collection alone.

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
    description="Collect the enabled news sources into the inbox, ingest the inbox, clean, extract, dbt build (seeds, models, tests), GX checks, "
    "publish the analyst copy and exports.",
)

# Collection alone, for a schedule more frequent than the daily run (news sitemaps keep only two
# days of items): the pages it writes are ingested by the next daily_pipeline run, which the
# inbox sensor starts as soon as new files appear.
collect_news = dg.define_asset_job(
    name="collect_news",
    selection=dg.AssetSelection.assets("collected_pages"),
    executor_def=dg.in_process_executor,
    description="Collect the enabled news sources (SOURCES_FILE) into the inbox, nothing else.",
)
