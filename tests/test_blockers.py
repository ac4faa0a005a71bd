"""Issue 13: inputs, states and settings that used to stop every later run, each reproduced on a
small real warehouse (no Dagster run; tests/test_hardening.py has the whole-pipeline version).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from orchestration.assets import extract_worker
from orchestration.assets.extract import extract_new_articles
from orchestration.assets.warehouse_ddl import INTEGER_MAX, ensure_tables

PUBLISHED = dt.date(2023, 3, 10)
HUGE_TOLL_TEXT = ("قتل 99999999999 مدنياً وأصيب 5 آخرون في انفجار سيارة مفخخة استهدف سوقا شعبيا في مدينة "
                  "كركوك صباح الخميس، بحسب ما أفاد مصدر أمني.")
PLAIN_TEXT = ("قتل ثلاثة جنود عراقيين وأصيب خمسة آخرون بجروح في هجوم شنه مسلحون من تنظيم داعش على نقطة "
              "عسكرية في قضاء الدبس بمحافظة كركوك، بحسب ما أفاد مصدر أمني.")


def _warehouse(path: Path, articles: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """A warehouse whose raw.articles and clean.articles hold `articles` ({id: Arabic text})."""
    con = duckdb.connect(str(path))
    ensure_tables(con)
    now = dt.datetime(2024, 1, 1)
    for aid, text in articles.items():
        con.execute("INSERT INTO raw.articles (article_id, source_path, source_type, raw_text, ingested_at) "
                    "VALUES (?, ?, 'txt', ?, ?)", [aid, f"/inbox/{aid}.txt", text, now])
        con.execute("INSERT INTO clean.articles (article_id, clean_text, language, published_date, cleaned_at) "
                    "VALUES (?, ?, 'ar', ?, ?)", [aid, text, PUBLISHED, now])
    return con


# ----------------------------------------------------------------------------- 1. toll above INTEGER

def test_toll_above_integer_range_is_stored_clamped_and_the_batch_goes_on(tmp_path):
    con = _warehouse(tmp_path / "wh.duckdb", {"a_huge": HUGE_TOLL_TEXT, "a_plain": PLAIN_TEXT})
    stats = extract_new_articles(con)
    assert stats["articles_extracted"] == 2 and stats["extraction_failures"] == 0
    killed, rule, wounded = con.execute(
        "SELECT killed, killed_rule, wounded FROM extract.event_reports WHERE article_id = 'a_huge'").fetchone()
    # the bound is far above max_plausible_casualties: the review queue flags it, the rule keeps the figure
    assert killed == INTEGER_MAX and "clamped_from(99999999999)" in rule and wounded == 5
    assert con.execute("SELECT max(killed) FROM extract.report_victims").fetchone()[0] == INTEGER_MAX
    assert con.execute("SELECT killed FROM extract.event_reports WHERE article_id = 'a_plain'").fetchone() == (3,)
    assert con.execute("SELECT count(*) FROM ops.rejected_inputs").fetchone() == (0,)
    assert extract_new_articles(con)["articles_extracted"] == 0      # nothing left over for the next run


def test_an_article_whose_rows_cannot_be_written_is_quarantined_alone(tmp_path, monkeypatch):
    """Whatever makes one article's rows unwritable (here a lone surrogate in its evidence, which
    no UTF-8 column can hold) quarantines that article with its id and the reason."""
    real = extract_worker.extract_chunk

    def with_bad_evidence(chunk):
        out = real(chunk)
        for aid, reports, _ in out:
            if aid == "a_bad":
                reports[0].evidence = "\ud800 broken"
        return out

    monkeypatch.setattr(extract_worker, "extract_chunk", with_bad_evidence)
    con = _warehouse(tmp_path / "wh.duckdb", {"a_bad": PLAIN_TEXT, "a_good": HUGE_TOLL_TEXT.replace("99999999999", "4")})
    stats = extract_new_articles(con)
    assert stats["extraction_failures"] == 1
    assert con.execute("SELECT DISTINCT article_id FROM extract.event_reports").fetchall() == [("a_good",)]
    (path, reason), = con.execute("SELECT source_path, reason FROM ops.rejected_inputs").fetchall()
    assert path == "/inbox/a_bad.txt" and reason.startswith("write failed: ") and reason.endswith("(article a_bad)")
    # logged as read by this version: the next run does not trip over it again
    assert extract_new_articles(con)["articles_extracted"] == 0


# ----------------------------------------------------------------------------- 2. file name not UTF-8

def _ingest(wh: Path, inbox: Path) -> dict:
    from orchestration.assets.ingest import ingest_inbox

    with duckdb.connect(str(wh)) as con:
        return ingest_inbox(con, inbox)


def test_a_file_name_that_is_not_utf8_is_a_readable_reject_and_the_batch_goes_on(tmp_path):
    from orchestration.sensors import inbox_state

    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    raw_name = b"\xd8\xae\xd8\xa8\xd8\xb1 \xff\xfe.txt"          # Arabic, then two bytes that are not UTF-8
    with open(bytes(inbox / "sub") + b"/" + raw_name, "wb") as fh:
        fh.write(PLAIN_TEXT.encode("utf-8"))
    (inbox / "good.txt").write_text(PLAIN_TEXT.replace("ثلاثة", "أربعة"), encoding="utf-8")

    digest, n_files = inbox_state(inbox)                       # the sensor sees both files, no error
    assert n_files == 2 and len(digest) == 64
    stats = _ingest(tmp_path / "wh.duckdb", inbox)
    assert stats["new_articles"] == 1
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        (path, reason), = con.execute("SELECT source_path, reason FROM ops.rejected_inputs").fetchall()
        assert con.execute("SELECT status FROM ops.ingested_files WHERE source_path = ?", [path]).fetchone() == ("rejected",)
    assert path == str(inbox / "sub" / "خبر \\xff\\xfe.txt") and "not valid UTF-8" in reason
    again = _ingest(tmp_path / "wh.duckdb", inbox)            # known: not rejected a second time
    assert again["new_articles"] == 0 and again["rejects"] == []
