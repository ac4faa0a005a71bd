"""Stable event ids and analyst corrections, on the dbt project over a hand-written warehouse.

Event ids: an event keeps its id when a matching article arrives later, whichever of the two
articles came first (the earlier scheme, md5 of the smallest report_id, changed the id when the
newcomer's report_id sorted first); when two events merge, the older id stays and the other is
recorded in marts.event_id_aliases; a full refresh keeps the ids (the registry is never rebuilt).

Corrections (seed report_corrections): a correction row changes the marts on the next build, still
applies after a re-extraction that renumbers the article's reports (it is keyed by article and
evidence, not report_id), and an orphaned one fails the build with a test that says what is wrong.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from test_dbt_models import DBT_BIN, ROUTINE_ARGS, make_scratch, run_dbt

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not DBT_BIN.exists(), reason="dbt not installed next to the interpreter"),
]

LATER = datetime(2024, 6, 3, 9, 0, 0)
KIRKUK_A, KIRKUK_B = "a_kirkuk_alsumaria", "a_kirkuk_shafaq"  # two articles on one ambush


# After a first `dbt build`, the id tests only need the models: `dbt run` (the data tests ran in
# the first build and run in every other test module).
RUN = ("run",)


def _build(project: Path, warehouse: Path, tmp_path: Path, *args: str) -> str:
    target = ("--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"))
    result = run_dbt(project, warehouse, *(args or RUN), *target)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    return result.stdout


def _one(warehouse: Path, sql: str, params=None):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _event_of(warehouse: Path, report_id: str) -> str:
    rows = _one(warehouse, "select event_id from marts.fct_event_reports where report_id = ?", [report_id])
    assert rows, f"{report_id} is in no event"
    return rows[0][0]


def _stash_article(warehouse: Path, article_id: str) -> None:
    """Move an article and its reports out of the source tables (into stash.*), as if not yet ingested."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists stash")
        for schema, table, key in (
            ("raw", "articles", "article_id"),
            ("clean", "articles", "article_id"),
            ("extract", "event_reports", "article_id"),
        ):
            con.execute(
                f"create table stash.{schema}_{table} as select * from {schema}.{table} where {key} = ?", [article_id]
            )
            con.execute(f"delete from {schema}.{table} where {key} = ?", [article_id])
    finally:
        con.close()


def _arrive(warehouse: Path) -> None:
    """The stashed article arrives (ingested, cleaned and extracted in a later run)."""
    con = duckdb.connect(str(warehouse))
    try:
        for schema, table in (("raw", "articles"), ("clean", "articles"), ("extract", "event_reports")):
            con.execute(f"insert into {schema}.{table} select * from stash.{schema}_{table}")
            stamp = {"raw": "ingested_at", "clean": "cleaned_at", "extract": "extracted_at"}[schema]
            con.execute(
                f"update {schema}.{table} set {stamp} = ? where article_id in "
                f"(select article_id from stash.{schema}_{table})",
                [LATER],
            )
        con.execute("drop schema stash cascade")
    finally:
        con.close()


@pytest.mark.parametrize("first, second", [(KIRKUK_A, KIRKUK_B), (KIRKUK_B, KIRKUK_A)])
def test_event_id_survives_a_matching_article_arriving_later_in_either_order(tmp_path, first, second):
    project, warehouse = make_scratch(tmp_path / "scratch")
    _stash_article(warehouse, second)
    _build(project, warehouse, tmp_path, "build")
    before = _event_of(warehouse, f"{first}_r1")

    _arrive(warehouse)
    _build(project, warehouse, tmp_path)
    # the newcomer joined the event, which kept its id (in order B the newcomer's report_id sorts
    # first, so md5(smallest report_id) would have changed it)
    assert _event_of(warehouse, f"{second}_r1") == before
    assert _event_of(warehouse, f"{first}_r1") == before
    (n_reports,) = _one(warehouse, "select n_reports from marts.fct_events where event_id = ?", [before])[0]
    assert n_reports == 2
    assert _one(warehouse, "select count(*) from marts.event_id_aliases")[0][0] == 0

    # a full refresh (what a project change runs) keeps the ids
    ids_cnty = _one(warehouse, "select event_id_cnty from marts.fct_events order by 1")
    _build(project, warehouse, tmp_path, "run", "--full-refresh")
    assert _event_of(warehouse, f"{second}_r1") == before
    assert _one(warehouse, "select event_id_cnty from marts.fct_events order by 1") == ids_cnty


def test_a_merge_keeps_the_older_id_and_records_the_other_as_alias(tmp_path):
    project, warehouse = make_scratch(tmp_path / "scratch")
    # B's report first, alone; A arrives later dated 3 days off (no match: a second event)
    _stash_article(warehouse, KIRKUK_A)
    _build(project, warehouse, tmp_path, "build")
    older = _event_of(warehouse, f"{KIRKUK_B}_r1")
    con = duckdb.connect(str(warehouse))
    con.execute("update stash.extract_event_reports set event_date = date '2024-03-07'")
    con.close()
    _arrive(warehouse)
    _build(project, warehouse, tmp_path)
    newer = _event_of(warehouse, f"{KIRKUK_A}_r1")
    assert newer != older

    # A is re-extracted with the right date: the two events are one, the older id stays
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update extract.event_reports set event_date = date '2024-03-10', extracted_at = ? where report_id = ?",
        [datetime(2024, 6, 4), f"{KIRKUK_A}_r1"],
    )
    con.close()
    _build(project, warehouse, tmp_path)
    assert _event_of(warehouse, f"{KIRKUK_A}_r1") == older
    assert _event_of(warehouse, f"{KIRKUK_B}_r1") == older
    aliases = _one(warehouse, "select alias_event_id, event_id, alias_type, merged_into from marts.event_id_aliases")
    assert aliases == [(newer, older, "merged", older)]
    assert _one(warehouse, "select count(*) from marts.fct_events where event_id = ?", [newer])[0][0] == 0

    # the report leaves again (re-extraction moves it 9 days away): it gets a new id, the old one
    # stays with the founding report, the alias is unchanged
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update extract.event_reports set event_date = date '2024-03-01', extracted_at = ? where report_id = ?",
        [datetime(2024, 6, 5), f"{KIRKUK_A}_r1"],
    )
    con.close()
    _build(project, warehouse, tmp_path)
    assert _event_of(warehouse, f"{KIRKUK_B}_r1") == older
    assert _event_of(warehouse, f"{KIRKUK_A}_r1") not in (older, newer)
    assert _one(warehouse, "select alias_event_id, event_id from marts.event_id_aliases") == [(newer, older)]


def test_an_event_whose_reports_all_leave_is_listed_as_no_longer_an_event(tmp_path):
    project, warehouse = make_scratch(tmp_path / "scratch")
    _build(project, warehouse, tmp_path, "build")
    gone = _event_of(warehouse, "a_syria_txt_r1")
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update extract.event_reports set killed = 50000, extracted_at = ? where report_id = 'a_syria_txt_r1'", [LATER]
    )  # now flagged: in the review queue, in no event
    con.close()
    _build(project, warehouse, tmp_path)
    assert _one(
        warehouse, "select event_id, alias_type from marts.event_id_aliases where alias_event_id = ?", [gone]
    ) == [(None, "no_longer_an_event")]
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update extract.event_reports set killed = 2, extracted_at = ? where report_id = 'a_syria_txt_r1'",
        [datetime(2024, 6, 4)],
    )
    con.close()
    _build(project, warehouse, tmp_path)
    assert _event_of(warehouse, "a_syria_txt_r1") == gone  # back under its id
    assert _one(warehouse, "select count(*) from marts.event_id_aliases")[0][0] == 0


# --------------------------------------------------------------------------- corrections

EVIDENCE = {  # distinct evidence per report, as the extractor writes it
    "a_kirkuk_alsumaria_r1": "قتل تسعة من الجيش العراقي في كمين لداعش في الحويجة",
    "a_kirkuk_shafaq_r1": "ارتفعت حصيلة كمين داعش في كركوك الى 11 قتيلا",
    "a_kirkuk_shafaq_r2": "وفي ديالى هاجم مسلحون مدنيين في المقدادية فقتلوا ثلاثة",
    "a_hasakeh_hawar_r1": "قتل ثلاثة بينهم مدني بغارة طائرة مسيرة تركية على القامشلي",
    "a_syria_txt_r1": "اندلعت اشتباكات بين قسد وداعش في سوريا أسفرت عن مقتل اثنين",
    "a_undated_txt_r1": "قتل اثنان من الجيش العراقي امس في هجوم لداعش في المقدادية بديالى",
}
FIELDS = [
    "correction_id",
    "article_id",
    "evidence_match",
    "field",
    "corrected_value",
    "analyst",
    "reason",
    "corrected_on",
]


def _write_corrections(project: Path, rows: list[dict]) -> None:
    with open(project / "seeds" / "report_corrections.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({"analyst": "rana", "corrected_on": "2024-06-10", **row})


def _with_evidence(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        for report_id, text in EVIDENCE.items():
            con.execute("update extract.event_reports set evidence = ? where report_id = ?", [text, report_id])
    finally:
        con.close()


CORRECTIONS = [
    # the toll of the Shafaq report, keyed by words of its evidence
    {
        "correction_id": "c1",
        "article_id": "a_kirkuk_shafaq",
        "evidence_match": "حصيلة كمين داعش",
        "field": "killed",
        "corrected_value": "12",
        "reason": "the article's update says 12",
    },
    # the undated report has a date: it leaves the review queue
    {
        "correction_id": "c2",
        "article_id": "a_undated_txt",
        "evidence_match": "",
        "field": "event_date",
        "corrected_value": "2024-05-30",
        "reason": "dated from the print edition",
    },
    # not an event
    {
        "correction_id": "c3",
        "article_id": "a_syria_txt",
        "evidence_match": "اشتباكات بين قسد",
        "field": "not_an_event",
        "corrected_value": "",
        "reason": "an anniversary piece",
    },
    # the Diyala attack is the same event as the undated Muqdadiya report (now dated)
    {
        "correction_id": "c4",
        "article_id": "a_kirkuk_shafaq",
        "evidence_match": "هاجم مسلحون مدنيين",
        "field": "same_event_as",
        "corrected_value": "a_undated_txt | هجوم لداعش",
        "reason": "same attack",
    },
]


def _corrected_state(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:

        def q(sql, p=None):
            return con.execute(sql, p or []).fetchall()

        shafaq = q(
            "select killed, killed_rule, is_corrected, correction_reason, event_id from marts.fct_event_reports "
            "where article_id = 'a_kirkuk_shafaq' and evidence like '%حصيلة%'"
        )
        return {
            "shafaq": shafaq,
            "event_best": q(
                "select fatalities_best, is_corrected from marts.fct_events where event_id = ?", [shafaq[0][4]]
            ),
            "acled": q(
                "select fatalities from marts.acled_format where event_id_cnty = "
                "(select event_id_cnty from marts.fct_events where event_id = ?)",
                [shafaq[0][4]],
            ),
            "undated_in_queue": q("select count(*) from marts.report_review_queue where article_id = 'a_undated_txt'")[
                0
            ][0],
            "undated": q(
                "select event_date, date_precision, date_rule, event_id from marts.fct_event_reports "
                "where article_id = 'a_undated_txt'"
            ),
            "syria": q("select count(*) from marts.fct_event_reports where article_id = 'a_syria_txt'")[0][0]
            + q("select count(*) from marts.report_review_queue where article_id = 'a_syria_txt'")[0][0],
            "diyala_event": q(
                "select event_id, clustering_rule from marts.fct_event_reports "
                "where article_id = 'a_kirkuk_shafaq' and evidence like '%ديالى%'"
            ),
            "status": q("select correction_id, status from marts.report_correction_status order by 1"),
        }
    finally:
        con.close()


def test_corrections_apply_and_survive_reextraction_and_an_orphan_fails_the_build(tmp_path):
    project, warehouse = make_scratch(tmp_path / "scratch")
    _with_evidence(warehouse)
    _build(project, warehouse, tmp_path, "build")
    assert (
        _one(warehouse, "select count(*) from marts.report_review_queue where article_id = 'a_undated_txt'")[0][0] == 1
    )

    _write_corrections(project, CORRECTIONS)
    _build(project, warehouse, tmp_path, "build", "--full-refresh")  # a seed edit: what the dbt step runs
    state = _corrected_state(warehouse)
    ((killed, rule, corrected, reason, event_id),) = state["shafaq"]
    assert (killed, rule, corrected) == (12, "analyst_correction", True)
    assert "the article's update says 12" in reason and "c1" in reason
    assert state["event_best"] == [(12, True)] and state["acled"] == [(12,)]
    assert state["undated_in_queue"] == 0
    ((undated_date, precision, date_rule, undated_event),) = state["undated"]
    assert (str(undated_date), precision, date_rule) == ("2024-05-30", "day", "analyst_correction")
    assert state["syria"] == 0
    assert state["diyala_event"] == [(undated_event, "analyst_same_event")]
    assert state["status"] == [("c1", "applied"), ("c2", "applied"), ("c3", "applied"), ("c4", "applied")]

    # re-extraction by a new extractor version renumbers a_kirkuk_shafaq's reports (r1 <-> r2):
    # the corrections follow the evidence, not the report ids
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update extract.event_reports set seq = 3 - seq, report_id = 'a_kirkuk_shafaq_r' || (3 - seq), "
        "extractor_version = 'v2', extracted_at = ? where article_id = 'a_kirkuk_shafaq'",
        [LATER],
    )
    con.execute(
        "update extract.event_reports set extractor_version = 'v2', extracted_at = ? "
        "where article_id in ('a_undated_txt', 'a_syria_txt')",
        [LATER],
    )
    con.close()
    _build(project, warehouse, tmp_path, *ROUTINE_ARGS)
    again = _corrected_state(warehouse)
    assert again["shafaq"][0][:3] == (12, "analyst_correction", True)
    assert again["shafaq"][0][4] == event_id  # and the event kept its id
    assert again["event_best"] == [(12, True)] and again["acled"] == [(12,)]
    assert again["undated_in_queue"] == 0 and again["syria"] == 0
    assert again["diyala_event"][0][1] == "analyst_same_event"
    assert again["status"] == state["status"]

    # a re-extraction that no longer has the corrected sentence: the correction is orphaned and
    # the build fails on a test that names it and says what to do
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update extract.event_reports set evidence = 'ارتفع عدد القتلى', extracted_at = ? "
        "where article_id = 'a_kirkuk_shafaq' and evidence like '%حصيلة%'",
        [datetime(2024, 6, 4)],
    )
    con.close()
    target = ("--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"))
    result = run_dbt(project, warehouse, *ROUTINE_ARGS, *target)  # what the dbt step runs
    assert result.returncode != 0
    assert "assert_corrections_match_one_report" in result.stdout
    failures = _one(
        warehouse, "select correction_id, status, problem from dbt_test__audit.assert_corrections_match_one_report"
    )
    assert [(c, s) for c, s, _ in failures] == [("c1", "no_match")]
    assert "matches no report" in failures[0][2] and "evidence_match" in failures[0][2]
