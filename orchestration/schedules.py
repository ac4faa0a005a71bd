"""Daily run at 06:00 Baghdad time (articles of the previous day are in by then)."""
import dagster as dg

from orchestration.jobs import daily_pipeline

daily_schedule = dg.ScheduleDefinition(
    name="daily_pipeline_0600_baghdad",
    job=daily_pipeline,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Baghdad",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
