"""Daily run at 06:00 Baghdad time (articles of the previous day are in by then); collection
every 4 hours (off by default: turn it on in the UI once sources are enabled)."""

import dagster as dg

from orchestration.defs.jobs import collect_news, daily_pipeline

daily_schedule = dg.ScheduleDefinition(
    name="daily_pipeline_0600_baghdad",
    job=daily_pipeline,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Baghdad",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)

collect_schedule = dg.ScheduleDefinition(
    name="collect_news_every_4h",
    job=collect_news,
    cron_schedule="30 */4 * * *",
    execution_timezone="Asia/Baghdad",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
