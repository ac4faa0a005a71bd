"""Inbox sensor fires on a changed inbox and only then; the schedule requests the daily job."""

import datetime as dt
import os

import dagster as dg

from orchestration.definitions import defs
from orchestration.defs.sensors import inbox_sensor


def _evaluate(instance, cursor):
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
    result = inbox_sensor.evaluate_tick(ctx)
    return result, result.cursor


def test_sensor_fires_once_per_inbox_change(pipeline_env):
    inbox = pipeline_env["ARTICLES_DIR"]
    with dg.instance_for_test() as instance:
        result, cursor = _evaluate(instance, None)
        assert not result.run_requests  # empty inbox: nothing to do

        (inbox / "a.txt").write_text("خبر أول", encoding="utf-8")
        result, cursor = _evaluate(instance, cursor)
        assert len(result.run_requests) == 1
        first_key = result.run_requests[0].run_key
        assert first_key and result.run_requests[0].job_name in (None, "daily_pipeline")
        # ingest onwards, without collecting again (the change may be pages a collection just wrote)
        selection = set(result.run_requests[0].asset_selection)
        assert dg.AssetKey("raw_articles") in selection and dg.AssetKey("collected_pages") not in selection
        assert dg.AssetKey("analyst_copy") in selection

        result, cursor2 = _evaluate(instance, cursor)
        assert not result.run_requests  # no change, no run
        assert cursor2 == cursor

        (inbox / "b.txt").write_text("خبر ثان", encoding="utf-8")
        result, cursor = _evaluate(instance, cursor)
        assert len(result.run_requests) == 1
        assert result.run_requests[0].run_key != first_key

        # Same name, new content (size + mtime change) also triggers.
        (inbox / "a.txt").write_text("خبر أول معدل بنص أطول", encoding="utf-8")
        st = (inbox / "a.txt").stat()
        os.utime(inbox / "a.txt", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
        result, cursor = _evaluate(instance, cursor)
        assert len(result.run_requests) == 1

        # Hidden / temporary files (a copy in progress) do not.
        (inbox / ".c.txt.part").write_text("...", encoding="utf-8")
        result, cursor = _evaluate(instance, cursor)
        assert not result.run_requests


def test_schedule_requests_daily_pipeline():
    schedule = defs.resolve_schedule_def("daily_pipeline_0600_baghdad")
    with dg.instance_for_test() as instance:
        ctx = dg.build_schedule_context(
            instance=instance,
            scheduled_execution_time=dt.datetime(2024, 6, 30, 6, 0, tzinfo=dt.timezone(dt.timedelta(hours=3))),
        )
        data = schedule.evaluate_tick(ctx)
        assert data.run_requests and len(data.run_requests) == 1
