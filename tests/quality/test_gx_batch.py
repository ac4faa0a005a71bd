"""GX gates validate the new batch, keep whole-table uniqueness, and stay cheap to load.

- run_suite(since=...) validates only rows written after `since` (old bad rows do not re-fail a
  clean batch; a bad row in the batch does), while uniqueness is checked over the whole table;
- an empty batch passes with 0 rows validated;
- through Dagster, the watermark is carried from one evaluation to the next (not advanced by a
  blocking failure), and the Data Docs site is built once per run;
- loading the code location does not import great_expectations.
"""

import datetime as dt
import subprocess
import sys

import dagster as dg
import duckdb
import pytest

from orchestration import config
from orchestration.defs.checks.gx_checks import make_gx_check, outcome_to_result
from orchestration.defs.resources import WarehouseResource
from orchestration.quality import gx as gx_mod
from orchestration.quality.gx import run_suite
from orchestration.warehouse.tables import ensure_tables

pytestmark = pytest.mark.integration

OLD = dt.datetime(2024, 1, 1, 8, 0)
SINCE = dt.datetime(2024, 1, 15)
NEW = dt.datetime(2024, 2, 1, 8, 0)
LONG_AR = "نص عربي طويل " * 40


def _con():
    p = config.warehouse_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(p))


def _clean(con, rows):
    if not rows:
        return
    con.executemany(
        "INSERT INTO clean.articles (article_id, clean_text, n_chars, arabic_share, language, "
        "published_date, date_source, cleaned_at) VALUES (?, ?, ?, 0.9, 'ar', DATE '2024-01-01', "
        "'text_dateline', ?)",
        rows,
    )


def _raw(con, rows):
    if not rows:
        return
    con.executemany(
        "INSERT INTO raw.articles (article_id, source_path, source_type, text_fingerprint, raw_text, "
        "ingested_at) VALUES (?, 'inbox/x.txt', 'txt', ?, ?, ?)",
        rows,
    )


def _failures(outcome):
    return outcome.error_failures + outcome.warn_failures


def _create_marts(con):
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute("""CREATE TABLE marts.dim_articles (article_id VARCHAR, published_date DATE)""")
    con.execute("""CREATE TABLE marts.fct_event_reports (
        report_id VARCHAR, article_id VARCHAR, event_id VARCHAR, event_date DATE, country VARCHAR,
        admin1 VARCHAR, latitude DOUBLE, longitude DOUBLE, event_type VARCHAR, killed INTEGER,
        wounded INTEGER, evidence VARCHAR, extracted_at TIMESTAMP)""")
    con.execute("""CREATE TABLE marts.fct_events (
        event_id VARCHAR, country VARCHAR, admin1 VARCHAR, latitude DOUBLE, longitude DOUBLE,
        event_type VARCHAR, fatalities_low INTEGER, fatalities_best INTEGER, fatalities_high INTEGER,
        injured_low INTEGER, injured_best INTEGER, injured_high INTEGER, n_reports INTEGER)""")
    con.execute("""CREATE TABLE marts.report_review_queue (
        report_id VARCHAR, quality_issue VARCHAR, extracted_at TIMESTAMP)""")


def _report(con, report_id, event_id, killed, when):
    con.execute(
        "INSERT INTO marts.fct_event_reports VALUES (?, 'a_1', ?, DATE '2023-12-30', 'Iraq', "
        "'Kirkuk', 35.4, 44.4, 'Battles', ?, 0, 'e', ?)",
        [report_id, event_id, killed, when],
    )


# --------------------------------------------------------------------------- batch scope


def test_old_bad_rows_do_not_refail_a_clean_batch_but_a_bad_new_row_does(pipeline_env):
    with _con() as con:
        ensure_tables(con)
        _clean(
            con,
            [
                ["a_old", "قديم <b>وسم</b> " + LONG_AR, -1, OLD],  # bad length (error)
                ["a_new", LONG_AR, 500, NEW],
            ],
        )
    with duckdb.connect(str(config.warehouse_path()), read_only=True) as con:
        whole = run_suite(con, "clean_articles", build=False)
        batch = run_suite(con, "clean_articles", SINCE, build=False)
    assert whole.error_failures and whole.n_rows == 2  # the history has a bad row
    assert batch.passed and batch.n_rows == 1 and batch.scope == "batch", _failures(batch)
    assert batch.n_table_rows == 2 and batch.watermark == NEW

    with _con() as con:
        _clean(con, [["a_bad", "جديد <script>x</script> " + LONG_AR, -1, NEW]])
    with duckdb.connect(str(config.warehouse_path()), read_only=True) as con:
        outcome = run_suite(con, "clean_articles", SINCE, build=False)
    result = outcome_to_result(outcome)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    length = [f for f in outcome.error_failures if f["column"] == "n_chars"]
    assert length and length[0]["unexpected_count"] == 1
    # quoted markup warns (text is data) and its sample is the new row's tag only
    markup = [f for f in outcome.warn_failures if f["expectation"] == "expect_column_values_to_not_match_regex"]
    assert markup and markup[0]["unexpected_count"] == 1
    assert "<script>" in markup[0]["sample_unexpected"][0] and "<b>" not in markup[0]["sample_unexpected"][0]
    assert result.metadata["rows_validated"].value == 2


def test_raw_batch_does_not_load_old_text_and_keeps_fingerprint_uniqueness(pipeline_env):
    with _con() as con:
        ensure_tables(con)
        _raw(
            con,
            [
                ["a_0000000000000001", "fp1", "", OLD],  # bad (empty), old
                ["a_0000000000000002", "fp2", LONG_AR, NEW],
                ["a_0000000000000003", "fp1", LONG_AR, NEW],
            ],
        )  # same fingerprint as an old row
    with duckdb.connect(str(config.warehouse_path()), read_only=True) as con:
        frame = con.execute(gx_mod.load_suite_json("raw_articles")["meta"]["query"], {"since": SINCE}).df()
        outcome = run_suite(con, "raw_articles", SINCE, build=False)
    assert len(frame) == 2 and frame["raw_text"].str.len().max() <= 120
    assert not outcome.error_failures, outcome.error_failures  # the empty old text is not re-checked
    dup = [f for f in outcome.warn_failures if f["column"] == "text_fingerprint"]
    assert dup and dup[0]["unexpected_count"] == 2 and dup[0]["sample_unexpected"] == ["fp1", "fp1"]


def test_uniqueness_is_checked_across_the_whole_table(pipeline_env):
    with _con() as con:
        ensure_tables(con)
        _create_marts(con)
        _report(con, "a_1_r1", "ev1", 3, OLD)
        _report(con, "a_1_r1", "ev1", 3, NEW)  # dbt bug: the new report duplicates an old id
    with duckdb.connect(str(config.warehouse_path()), read_only=True) as con:
        outcome = run_suite(con, "fct_event_reports", SINCE, build=False)
    assert outcome.n_rows == 1 and outcome.n_table_rows == 2
    unique = [f for f in outcome.error_failures if f["expectation"] == "expect_column_values_to_be_unique"]
    assert unique and unique[0]["column"] == "report_id" and unique[0]["unexpected_count"] == 2


def test_with_nothing_new_the_keys_are_checked_in_sql_exactly_as_gx_checks_them(pipeline_env):
    later = dt.datetime(2030, 1, 1)
    with _con() as con:
        ensure_tables(con)
        _raw(
            con,
            [
                ["a_0000000000000001", "fp1", LONG_AR, OLD],
                ["a_0000000000000002", "fp2", LONG_AR, OLD],
                ["a_0000000000000003", "fp1", LONG_AR, OLD],
                ["a_0000000000000004", None, LONG_AR, OLD],
            ],
        )
    with duckdb.connect(str(config.warehouse_path()), read_only=True) as con:
        by_gx = run_suite(con, "raw_articles", None, build=False)  # whole table: GX on the keys
        by_sql = run_suite(con, "raw_articles", later, build=False)  # nothing new: SQL only
    gx_dup = [f for f in by_gx.warn_failures if f["column"] == "text_fingerprint"]
    assert by_sql.n_rows == 0 and by_sql.n_table_rows == by_gx.n_table_rows == 4
    assert by_sql.warn_failures == gx_dup and not by_sql.error_failures
    assert gx_dup[0]["unexpected_count"] == 2 and gx_dup[0]["unexpected_percent"] == 66.67


def test_fct_events_batch_is_the_events_of_new_reports(pipeline_env):
    with _con() as con:
        ensure_tables(con)
        _create_marts(con)
        _report(con, "a_1_r1", "ev_old", 3, OLD)
        _report(con, "a_2_r1", "ev_new", 5, NEW)
        con.execute(
            "INSERT INTO marts.fct_events VALUES ('ev_old', 'Iraq', 'Kirkuk', 35.4, 44.4, 'Battles', "
            "-1, 3, 3, 0, 0, 0, 1), ('ev_new', 'Iraq', 'Kirkuk', 35.4, 44.4, 'Battles', 5, 5, 5, 0, 0, 0, 1)"
        )
    with duckdb.connect(str(config.warehouse_path()), read_only=True) as con:
        batch = run_suite(con, "fct_events", SINCE, build=False)
        whole = run_suite(con, "fct_events", None, build=False)
    assert batch.passed and batch.n_rows == 1, _failures(batch)
    assert any(f["column"] == "fatalities_low" for f in whole.error_failures)


def test_empty_batch_passes_for_every_suite(pipeline_env):
    later = dt.datetime(2030, 1, 1)
    with _con() as con:
        ensure_tables(con)
        _create_marts(con)
        _raw(con, [["a_0000000000000001", "fp1", "", OLD]])
        _clean(con, [["a_old", "<b>", 3, OLD]])
        _report(con, "a_1_r1", "ev1", -5, OLD)
    with duckdb.connect(str(config.warehouse_path()), read_only=True) as con:
        for suite in (
            "raw_articles",
            "clean_articles",
            "extracted_reports",
            "fct_event_reports",
            "fct_events",
            "report_review_queue",
        ):
            outcome = run_suite(con, suite, later, build=False)
            result = outcome_to_result(outcome)
            assert result.passed, (suite, _failures(outcome))
            assert result.metadata["rows_validated"].value == 0 and result.metadata["batch_scope"].value == "batch"
            assert outcome.watermark == later  # nothing newer: the watermark stays


# --------------------------------------------------------------------------- through Dagster


@pytest.fixture
def staged(pipeline_env):
    """Stub raw_articles / clean_articles assets that write the rows staged in a dict."""
    todo = {"raw": [], "clean": []}

    @dg.asset(name="raw_articles")
    def raw_stub(warehouse: WarehouseResource):
        with warehouse.connect() as con:
            ensure_tables(con)
            now = dt.datetime.now()
            _raw(con, [r + [now] for r in todo["raw"]])
        todo["raw"] = []

    @dg.asset(name="clean_articles", deps=["raw_articles"])
    def clean_stub(warehouse: WarehouseResource):
        with warehouse.connect() as con:
            ensure_tables(con)
            now = dt.datetime.now()
            _clean(con, [r + [now] for r in todo["clean"]])
        todo["clean"] = []

    checks = [make_gx_check("raw_articles", "raw_articles"), make_gx_check("clean_articles", "clean_articles")]
    instance = dg.DagsterInstance.ephemeral()

    def run():
        res = dg.materialize(
            [raw_stub, clean_stub, *checks],
            instance=instance,
            resources={"warehouse": WarehouseResource()},
            raise_on_error=False,
        )
        return {e.check_name: e for e in res.get_asset_check_evaluations()}

    return todo, run


def test_dagster_checks_carry_the_watermark_and_revalidate_blocked_rows(staged):
    todo, run = staged
    todo["raw"] = [["a_0000000000000001", "fp1", LONG_AR], ["bad-id", "fp2", LONG_AR]]  # warn: id pattern
    todo["clean"] = [["a_0000000000000001", LONG_AR, 500]]
    first = run()
    assert first["gx_raw_articles"].severity == dg.AssetCheckSeverity.WARN and not first["gx_raw_articles"].passed
    assert first["gx_raw_articles"].metadata["batch_scope"].value == "whole table"
    assert first["gx_clean_articles"].passed

    second = run()  # nothing new: an empty batch passes
    for name in ("gx_raw_articles", "gx_clean_articles"):
        md = second[name].metadata
        assert second[name].passed and md["rows_validated"].value == 0 and md["batch_scope"].value == "batch"
        assert md["whole_table_rows_checked"].value >= 1

    todo["clean"] = [["a_0000000000000002", "<p>وسم</p> " + LONG_AR, -1]]  # a bad new row blocks
    third = run()
    assert not third["gx_clean_articles"].passed
    assert third["gx_clean_articles"].severity == dg.AssetCheckSeverity.ERROR
    assert third["gx_clean_articles"].metadata["rows_validated"].value == 1

    fourth = run()  # the blocked row is validated again
    assert not fourth["gx_clean_articles"].passed and fourth["gx_clean_articles"].metadata["rows_validated"].value == 1

    with _con() as con:
        con.execute("DELETE FROM clean.articles WHERE article_id = 'a_0000000000000002'")
    fifth = run()
    assert fifth["gx_clean_articles"].passed


def test_data_docs_are_built_once_per_run(staged, monkeypatch):
    from great_expectations.data_context.data_context.abstract_data_context import AbstractDataContext

    calls = []
    real = AbstractDataContext.build_data_docs

    def counting(self, *args, **kwargs):
        calls.append(kwargs.get("site_names"))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(AbstractDataContext, "build_data_docs", counting)
    todo, run = staged
    todo["raw"] = [["a_0000000000000001", "fp1", LONG_AR]]
    todo["clean"] = [["a_0000000000000001", LONG_AR, 500]]
    assert len(run()) == 2 and len(calls) == 1
    index = (config.gx_docs_dir() / "index.html").read_text(encoding="utf-8")
    assert "raw_articles" in index and "clean_articles" in index and "__whole_table" in index
    run()  # nothing new: nothing validated by GX, nothing to render
    assert len(calls) == 1
    todo["raw"] = [["a_0000000000000002", "fp2", LONG_AR]]
    run()
    assert len(calls) == 2


# --------------------------------------------------------------------------- start-up cost


def test_loading_the_code_location_does_not_import_great_expectations():
    code = (
        "import sys, orchestration.definitions as d; "
        "assert d.defs is not None; "
        "print('great_expectations' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=config.REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_validation_history_is_pruned_to_the_newest_results_per_suite(tmp_path):
    from orchestration.quality.gx import prune_validations

    root, docs = tmp_path / "gx", tmp_path / "gx_docs"
    stamps = [f"20261123T1{i}0000.000000Z" for i in range(5)]
    for suite in ("raw_articles", "fct_events"):
        for stamp in stamps:
            (root / "uncommitted" / "validations" / suite / "__none__" / stamp).mkdir(parents=True)
            (root / "uncommitted" / "validations" / suite / "__none__" / stamp / "r.json").write_text("{}")
            (docs / "validations" / suite / "__none__" / stamp).mkdir(parents=True)
    assert prune_validations(root, docs, keep=2) == 2 * 2 * 3
    for base in (root / "uncommitted" / "validations", docs / "validations"):
        for suite in ("raw_articles", "fct_events"):
            assert sorted(p.name for p in (base / suite / "__none__").iterdir()) == stamps[-2:]
    assert prune_validations(root, docs, keep=2) == 0
