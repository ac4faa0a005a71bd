"""Issue 13: inputs, states and settings that used to stop every later run, each reproduced on a
small real warehouse (no Dagster run; tests/pipeline/test_hardening.py has the whole-pipeline version).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.stages import extract_worker
from orchestration.stages.extract import extract_new_articles
from orchestration.warehouse.tables import INTEGER_MAX, ensure_tables

pytestmark = pytest.mark.integration

PUBLISHED = dt.date(2023, 3, 10)
HUGE_TOLL_TEXT = (
    "قتل 99999999999 مدنياً وأصيب 5 آخرون في انفجار سيارة مفخخة استهدف سوقا شعبيا في مدينة "
    "كركوك صباح الخميس، بحسب ما أفاد مصدر أمني."
)
PLAIN_TEXT = (
    "قتل ثلاثة جنود عراقيين وأصيب خمسة آخرون بجروح في هجوم شنه مسلحون من تنظيم داعش على نقطة "
    "عسكرية في قضاء الدبس بمحافظة كركوك، بحسب ما أفاد مصدر أمني."
)


def _warehouse(path: Path, articles: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """A warehouse whose raw.articles and clean.articles hold `articles` ({id: Arabic text})."""
    con = duckdb.connect(str(path))
    ensure_tables(con)
    now = dt.datetime(2024, 1, 1)
    for aid, text in articles.items():
        con.execute(
            "INSERT INTO raw.articles (article_id, source_path, source_type, raw_text, ingested_at) "
            "VALUES (?, ?, 'txt', ?, ?)",
            [aid, f"/inbox/{aid}.txt", text, now],
        )
        con.execute(
            "INSERT INTO clean.articles (article_id, clean_text, language, published_date, cleaned_at) "
            "VALUES (?, ?, 'ar', ?, ?)",
            [aid, text, PUBLISHED, now],
        )
    return con


# ----------------------------------------------------------------------------- 1. toll above INTEGER


def test_toll_above_integer_range_is_stored_clamped_and_the_batch_goes_on(tmp_path):
    con = _warehouse(tmp_path / "wh.duckdb", {"a_huge": HUGE_TOLL_TEXT, "a_plain": PLAIN_TEXT})
    stats = extract_new_articles(con)
    assert stats["articles_extracted"] == 2 and stats["extraction_failures"] == 0
    killed, rule, wounded = con.execute(
        "SELECT killed, killed_rule, wounded FROM extract.event_reports WHERE article_id = 'a_huge'"
    ).fetchone()
    # the bound is far above max_plausible_casualties: the review queue flags it, the rule keeps the figure
    assert killed == INTEGER_MAX and "clamped_from(99999999999)" in rule and wounded == 5
    assert con.execute("SELECT max(killed) FROM extract.report_victims").fetchone()[0] == INTEGER_MAX
    assert con.execute("SELECT killed FROM extract.event_reports WHERE article_id = 'a_plain'").fetchone() == (3,)
    assert con.execute("SELECT count(*) FROM ops.rejected_inputs").fetchone() == (0,)
    assert extract_new_articles(con)["articles_extracted"] == 0  # nothing left over for the next run


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
    con = _warehouse(
        tmp_path / "wh.duckdb", {"a_bad": PLAIN_TEXT, "a_good": HUGE_TOLL_TEXT.replace("99999999999", "4")}
    )
    stats = extract_new_articles(con)
    assert stats["extraction_failures"] == 1
    assert con.execute("SELECT DISTINCT article_id FROM extract.event_reports").fetchall() == [("a_good",)]
    ((path, reason),) = con.execute("SELECT source_path, reason FROM ops.rejected_inputs").fetchall()
    assert path == "/inbox/a_bad.txt" and reason.startswith("write failed: ") and reason.endswith("(article a_bad)")
    # logged as read by this version: the next run does not trip over it again
    assert extract_new_articles(con)["articles_extracted"] == 0


# ----------------------------------------------------------------------------- 2. file name not UTF-8


def _ingest(wh: Path, inbox: Path) -> dict:
    from orchestration.stages.ingest import ingest_inbox

    with duckdb.connect(str(wh)) as con:
        return ingest_inbox(con, inbox)


def test_a_file_name_that_is_not_utf8_is_a_readable_reject_and_the_batch_goes_on(tmp_path):
    from orchestration.defs.sensors import inbox_state

    inbox = tmp_path / "inbox"
    (inbox / "sub").mkdir(parents=True)
    raw_name = b"\xd8\xae\xd8\xa8\xd8\xb1 \xff\xfe.txt"  # Arabic, then two bytes that are not UTF-8
    with open(bytes(inbox / "sub") + b"/" + raw_name, "wb") as fh:
        fh.write(PLAIN_TEXT.encode("utf-8"))
    (inbox / "good.txt").write_text(PLAIN_TEXT.replace("ثلاثة", "أربعة"), encoding="utf-8")

    digest, n_files = inbox_state(inbox)  # the sensor sees both files, no error
    assert n_files == 2 and len(digest) == 64
    stats = _ingest(tmp_path / "wh.duckdb", inbox)
    assert stats["new_articles"] == 1
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as con:
        ((path, reason),) = con.execute("SELECT source_path, reason FROM ops.rejected_inputs").fetchall()
        assert con.execute("SELECT status FROM ops.ingested_files WHERE source_path = ?", [path]).fetchone() == (
            "rejected",
        )
    assert path == str(inbox / "sub" / "خبر \\xff\\xfe.txt") and "not valid UTF-8" in reason
    again = _ingest(tmp_path / "wh.duckdb", inbox)  # known: not rejected a second time
    assert again["new_articles"] == 0 and again["rejects"] == []


# ----------------------------------------------------------------------------- 3, 4. the published copy


def _marts_warehouse(path: Path, generation: int, view: bool = False) -> Path:
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(
        "CREATE TABLE marts.fct_events AS SELECT 'e' || i AS event_id, 35.0 + i / 100 AS latitude, "
        f"44.0 AS longitude, {generation} AS fatalities_best FROM range(2000) t(i)"
    )
    con.execute(f"CREATE TABLE marts.dim_articles AS SELECT 'a_{generation}' AS article_id")
    if view:
        con.execute("CREATE VIEW marts.v_events AS SELECT event_id FROM marts.fct_events")
    con.close()
    return path


def _published(analyst: Path) -> tuple:
    with duckdb.connect(str(analyst), read_only=True) as con:
        return con.execute("SELECT count(*), min(fatalities_best) FROM marts.fct_events").fetchone()


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_a_damaged_analyst_copy_is_detected_and_rebuilt_whole(tmp_path, damage):
    from orchestration.warehouse.publish import publish_marts

    wh, analyst, exports = (
        tmp_path / "warehouse.duckdb",
        tmp_path / "pub" / "analyst.duckdb",
        tmp_path / "pub" / "exports",
    )
    publish_marts(_marts_warehouse(wh, 1), analyst, exports)
    size = analyst.stat().st_size

    def spoil():
        if damage == "truncated":
            with open(analyst, "r+b") as fh:
                fh.truncate(size // 2)
        else:
            with open(analyst, "r+b") as fh:  # the headers stay, the blocks behind them do not
                fh.seek(3 * 4096)
                fh.write(b"\xde\xad\xbe\xef" * ((size - 3 * 4096) // 4))

    spoil()
    # nothing new in the warehouse: the run must not report success over a copy nobody can open
    unchanged = publish_marts(wh, analyst, exports)
    assert unchanged["damaged_copy"] and not unchanged["unchanged"]
    assert _published(analyst) == (2000, 1)
    # new data after another damage: the copy is built from the warehouse, not from the damaged file
    spoil()
    changed = publish_marts(_marts_warehouse(wh, 2), analyst, exports)
    assert changed["damaged_copy"] and not changed["refreshed_in_place"]
    assert _published(analyst) == (2000, 2)
    assert publish_marts(wh, analyst, exports)["unchanged"]  # whole again: trusted as before


@pytest.mark.parametrize(
    "warehouse_name, analyst_name",
    [
        ("conflict.duckdb", "conflict.analyst.duckdb"),
        ("memory.duckdb", "analyst.duckdb"),
        ("temp.duckdb", "analyst.duckdb"),
        ("system.duckdb", "analyst.duckdb"),
        ("main.duckdb", "main.analyst.duckdb"),
    ],
)
def test_publish_works_whatever_the_files_are_called(tmp_path, warehouse_name, analyst_name):
    from orchestration.warehouse.publish import publish_marts

    wh, analyst, exports = tmp_path / "data" / warehouse_name, tmp_path / "data" / analyst_name, tmp_path / "exports"
    wh.parent.mkdir()
    first = publish_marts(_marts_warehouse(wh, 1), analyst, exports)
    assert first["row_counts"] == {"dim_articles": 1, "fct_events": 2000}
    second = publish_marts(_marts_warehouse(wh, 2), analyst, exports)  # the in-place refresh path too
    assert second["row_counts"]["fct_events"] == 2000 and _published(analyst) == (2000, 2)


def test_a_view_mart_whose_catalog_name_collides_is_refused_with_what_to_rename(tmp_path):
    from orchestration.warehouse.publish import publish_marts

    wh = _marts_warehouse(tmp_path / "memory.duckdb", 1, view=True)
    with pytest.raises(RuntimeError, match=r"v_events.*'memory'.*WAREHOUSE_PATH or ANALYST_DB_PATH"):
        publish_marts(wh, tmp_path / "analyst.duckdb", tmp_path / "exports")
    ok = publish_marts(
        _marts_warehouse(tmp_path / "conflict.duckdb", 1, view=True), tmp_path / "analyst.duckdb", tmp_path / "exports"
    )
    assert ok["row_counts"]["v_events"] == 2000


# ----------------------------------------------------------------------------- 5, 6. size settings


def _table(wh: Path, sql: str) -> list:
    with duckdb.connect(str(wh), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_raising_max_input_bytes_reads_the_files_it_rejected(tmp_path, monkeypatch):
    inbox, wh = tmp_path / "inbox", tmp_path / "wh.duckdb"
    inbox.mkdir()
    big = inbox / "long.txt"
    big.write_text("\n".join([PLAIN_TEXT] * 12), encoding="utf-8")
    monkeypatch.setenv("MAX_INPUT_BYTES", str(big.stat().st_size - 1))
    assert _ingest(wh, inbox)["rejects"][0][2].startswith("file too large")
    assert _ingest(wh, inbox)["rejects"] == []  # same setting: not rejected again
    monkeypatch.setenv("MAX_INPUT_BYTES", str(big.stat().st_size))
    assert _ingest(wh, inbox)["new_articles"] == 1
    # the file has one row (its outcome under the current setting) and no stale reject
    assert _table(wh, "SELECT status FROM ops.ingested_files") == [("ingested",)]
    assert _table(wh, "SELECT count(*) FROM ops.rejected_inputs") == [(0,)]


def test_an_article_over_the_gx_length_bound_is_quarantined_at_ingest_and_the_gate_passes(tmp_path, monkeypatch):
    from orchestration.quality.gx import run_suite
    from orchestration.stages.clean import clean_new_articles

    monkeypatch.setenv("GX_DOCS_DIR", str(tmp_path / "gx_docs"))
    inbox, wh = tmp_path / "inbox", tmp_path / "wh.duckdb"
    inbox.mkdir()
    long_text = "\n".join([PLAIN_TEXT] * 8000)  # ~2 MB of UTF-8, > 1,000,000 characters
    assert len(long_text) > 1_000_000 and len(long_text.encode()) < 20_000_000
    (inbox / "dump.txt").write_text(long_text, encoding="utf-8")
    (inbox / "feed.jsonl").write_text(
        '{"url": "https://x.iq/news/1", "text": "%s"}\n{"url": "https://x.iq/news/2", "text": "%s"}\n'
        % ("ملحق " + long_text.replace("\n", " "), PLAIN_TEXT),
        encoding="utf-8",
    )
    stats = _ingest(wh, inbox)
    assert stats["new_articles"] == 1
    assert sorted((Path(p).name, line, why.split(" (")[0]) for p, line, why in stats["rejects"]) == [
        ("dump.txt", None, "article text too long"),
        ("feed.jsonl", 1, "article text too long"),
    ]
    assert "MAX_ARTICLE_CHARS" in stats["rejects"][0][2]
    with duckdb.connect(str(wh)) as con:
        clean_new_articles(con)
        outcome = run_suite(con, "clean_articles", None, build=False)
    assert not outcome.error_failures, outcome.error_failures
    # a setting-dependent rejection: a higher limit reads both files again
    monkeypatch.setenv("MAX_ARTICLE_CHARS", "3000000")
    again = _ingest(wh, inbox)
    assert again["new_articles"] == 2 and again["rejects"] == []
    assert sorted(_table(wh, "SELECT regexp_extract(source_path, '[^/]+$'), status FROM ops.ingested_files")) == [
        ("dump.txt", "ingested"),
        ("feed.jsonl", "ingested"),
    ]


# ----------------------------------------------------------------------------- 8. growing and edited files


def test_a_file_still_being_written_is_left_for_the_next_run(tmp_path):
    import threading

    inbox, wh = tmp_path / "inbox", tmp_path / "wh.duckdb"
    inbox.mkdir()
    target = inbox / "growing.txt"
    lines = [PLAIN_TEXT.replace("ثلاثة", str(i)) for i in range(30)]
    target.write_text(lines[0] + "\n", encoding="utf-8")
    done = threading.Event()

    def writer():
        for line in lines[1:]:
            time.sleep(0.1)
            with open(target, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        first = _ingest(wh, inbox)
    finally:
        thread.join()
    assert done.is_set()
    assert first["new_articles"] == 0 and first["rejects"] == [] and first["files_scanned"] == 0
    second = _ingest(wh, inbox)
    assert second["new_articles"] == 1
    assert _table(wh, "SELECT raw_text FROM raw.articles") == [("\n".join(lines),)]


def test_an_edited_file_updates_its_article_instead_of_adding_a_second(tmp_path):
    from orchestration.stages.clean import clean_new_articles

    inbox, wh = tmp_path / "inbox", tmp_path / "wh.duckdb"
    inbox.mkdir()
    txt, html = inbox / "note.txt", inbox / "page.html"
    page = (
        '<html><head><link rel="canonical" href="https://example.iq/news/42"><title>خبر</title></head>'
        "<body><article><p>{}</p></article></body></html>"
    )
    txt.write_text(PLAIN_TEXT, encoding="utf-8")
    html_text = HUGE_TOLL_TEXT.replace("99999999999", "7")
    html.write_text(page.format(html_text), encoding="utf-8")
    assert _ingest(wh, inbox)["new_articles"] == 2
    with duckdb.connect(str(wh)) as con:
        clean_new_articles(con)
        extract_new_articles(con)
    first_ids = dict(_table(wh, "SELECT regexp_extract(source_path, '[^/]+$'), article_id FROM raw.articles"))

    edited = PLAIN_TEXT.replace("ثلاثة", "أربعة")
    txt.write_text(edited, encoding="utf-8")  # a .txt has no URL: a new id
    html.write_text(page.format(html_text + " وأضاف المصدر أن التحقيقات جارية."), encoding="utf-8")
    stats = _ingest(wh, inbox)
    assert (stats["new_articles"], stats["updated_articles"], stats["duplicates"]) == (0, 2, 0)
    rows = _table(wh, "SELECT regexp_extract(source_path, '[^/]+$'), article_id, raw_text FROM raw.articles ORDER BY 1")
    assert [r[0] for r in rows] == ["note.txt", "page.html"]
    assert rows[0][2] == edited and rows[0][1] != first_ids["note.txt"]
    assert rows[1][1] == first_ids["page.html"] and "التحقيقات جارية" in rows[1][2]
    # what was derived from the old versions is gone, and the new versions are read again
    with duckdb.connect(str(wh)) as con:
        assert con.execute("SELECT count(*) FROM clean.articles").fetchone() == (0,)
        assert con.execute(
            "SELECT count(*) FROM extract.event_reports WHERE article_id = ?", [first_ids["note.txt"]]
        ).fetchone() == (0,)
        assert clean_new_articles(con)["cleaned"] == 2
        extract_new_articles(con)
        assert con.execute(
            "SELECT killed FROM extract.event_reports WHERE article_id = ?", [rows[0][1]]
        ).fetchone() == (4,)
    assert _table(wh, "SELECT count(*) FROM ops.ingested_files") == [(2,)]


# ----------------------------------------------------------------------------- 7. GX batch watermark


def test_a_clock_that_goes_back_does_not_let_new_rows_slip_under_the_gx_watermark(tmp_path, monkeypatch):
    """The rows of a stage are stamped after every earlier stamp: after a DST fall-back (the
    previous run's rows stamped an hour "ahead" of the clock) the new rows are still in the batch
    the next check validates."""
    from orchestration.quality.gx import batch_watermark, load_suite_json, run_suite
    from orchestration.stages.clean import clean_new_articles

    monkeypatch.setenv("GX_DOCS_DIR", str(tmp_path / "gx_docs"))
    inbox, wh = tmp_path / "inbox", tmp_path / "wh.duckdb"
    inbox.mkdir()
    (inbox / "first.txt").write_text(PLAIN_TEXT, encoding="utf-8")
    _ingest(wh, inbox)
    with duckdb.connect(str(wh)) as con:
        clean_new_articles(con)
        extract_new_articles(con)
        for table, column in (
            ("raw.articles", "ingested_at"),
            ("clean.articles", "cleaned_at"),
            ("extract.event_reports", "extracted_at"),
        ):
            con.execute(f"UPDATE {table} SET {column} = {column} + INTERVAL 1 HOUR")  # the clock went back 1 h
        marks = {
            s: batch_watermark(con, load_suite_json(s)) for s in ("raw_articles", "clean_articles", "extracted_reports")
        }
    (inbox / "second.txt").write_text(HUGE_TOLL_TEXT.replace("99999999999", "6"), encoding="utf-8")
    _ingest(wh, inbox)
    with duckdb.connect(str(wh)) as con:
        clean_new_articles(con)
        extract_new_articles(con)
        for suite, since in marks.items():
            assert run_suite(con, suite, since, build=False).n_rows == 1, suite


# ----------------------------------------------------------------------------- 9. markup in Data Docs


def test_article_markup_never_reaches_the_generated_data_docs(tmp_path, monkeypatch):
    from orchestration.quality.gx import build_docs, run_suite

    monkeypatch.setenv("GX_DOCS_DIR", str(tmp_path / "gx_docs"))
    payloads = ['<script>alert("xss")</script>', "<img src=x onerror=alert(1)>"]
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        ensure_tables(con)
        for i, payload in enumerate(payloads):
            text = f"{PLAIN_TEXT} {payload} {PLAIN_TEXT}"
            con.execute(
                "INSERT INTO clean.articles (article_id, clean_text, n_chars, arabic_share, language, "
                "published_date, date_source, cleaned_at) VALUES (?, ?, ?, 0.9, 'ar', DATE '2023-01-01', "
                "'metadata', now())",
                [f"a_{i:016d}", text, len(text)],
            )
        outcome = run_suite(con, "clean_articles", None, build=False)
    markup = [f for f in outcome.warn_failures if f["expectation"] == "expect_column_values_to_not_match_regex"]
    assert markup and markup[0]["unexpected_count"] == 2  # the check still sees the markup
    index = build_docs()
    pages = [p.read_text(encoding="utf-8", errors="replace") for p in index.parent.rglob("*.html")]
    assert len(pages) >= 2
    for page in pages:  # the text is shown, inert: no tag of it survives
        assert "<script>alert" not in page and "<img src=x" not in page
    assert any("\u2039script\u203aalert" in page for page in pages)


# ----------------------------------------------------------------------------- 14. GX history pruned


def test_stored_gx_results_are_pruned_where_gx_keeps_them(tmp_path, monkeypatch):
    from orchestration import config
    from orchestration.quality.gx import build_docs, run_suite

    monkeypatch.setenv("GX_DOCS_DIR", str(tmp_path / "gx_docs"))
    monkeypatch.setenv("GX_KEEP_VALIDATIONS", "2")
    with duckdb.connect(str(tmp_path / "wh.duckdb")) as con:
        ensure_tables(con)
        con.execute(
            "INSERT INTO clean.articles (article_id, clean_text, n_chars, arabic_share, language, "
            "cleaned_at) VALUES ('a_0000000000000001', ?, 10, 0.9, 'ar', now())",
            [PLAIN_TEXT],
        )
        for _ in range(4):
            run_suite(con, "clean_articles", None, build=False)
            build_docs()
    stored = config.gx_context_dir() / "gx" / "uncommitted" / "validations" / "clean_articles"
    assert len(list(stored.glob("*/*"))) == 2
    assert len(list((tmp_path / "gx_docs" / "validations" / "clean_articles").glob("*/*"))) == 2


# ----------------------------------------------------------------------------- 10-13. messages


def test_a_missing_inbox_fails_the_run_and_the_sensor_naming_the_path(tmp_path, monkeypatch):
    import dagster as dg

    from orchestration.config import ConfigError
    from orchestration.defs.assets.raw_articles import raw_articles
    from orchestration.defs.resources import WarehouseResource
    from orchestration.defs.sensors import inbox_sensor

    typo = tmp_path / "inobx"
    monkeypatch.setenv("ARTICLES_DIR", str(typo))
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "wh.duckdb"))
    result = dg.materialize([raw_articles], resources={"warehouse": WarehouseResource()}, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    error = failure.event_specific_data.error.to_string()
    assert "ConfigError" in error and f"the inbox {typo} (ARTICLES_DIR=" in error and "does not exist" in error
    with pytest.raises(ConfigError, match=re.escape(str(typo)) + ".*does not exist"):
        inbox_sensor(dg.build_sensor_context())
    typo.write_text("not a folder")
    with pytest.raises(ConfigError, match="is not a directory"):
        inbox_sensor(dg.build_sensor_context())


@pytest.mark.parametrize(
    "var, value",
    [
        ("MAX_INPUT_BYTES", "abc"),
        ("MAX_INPUT_BYTES", "20MB"),
        ("WAREHOUSE_LOCK_TIMEOUT", "ten"),
        ("GX_KEEP_VALIDATIONS", "3.5"),
    ],
)
def test_a_malformed_number_is_an_error_naming_the_variable(monkeypatch, var, value):
    from orchestration import inbox
    from orchestration.config import ConfigError
    from orchestration.quality import gx
    from orchestration.warehouse import lock

    monkeypatch.setenv(var, value)
    read = {
        "MAX_INPUT_BYTES": inbox.max_input_bytes,
        "WAREHOUSE_LOCK_TIMEOUT": lock.lock_timeout,
        "GX_KEEP_VALIDATIONS": gx.keep_validations,
    }[var]
    with pytest.raises(ConfigError, match=f"{var}={value!r} is not a"):
        read()
    monkeypatch.setenv(var, "")  # empty: the default
    assert read() > 0


def test_a_malformed_memory_limit_is_an_error_naming_the_variable(tmp_path, monkeypatch):
    from orchestration.config import ConfigError
    from orchestration.defs.resources import WarehouseResource

    monkeypatch.setenv("WAREHOUSE_MEMORY_LIMIT", "lots")
    with pytest.raises(ConfigError, match="WAREHOUSE_MEMORY_LIMIT='lots'.*512MB"):
        with WarehouseResource(path=str(tmp_path / "wh.duckdb")).connect():
            pass
    monkeypatch.setenv("WAREHOUSE_MEMORY_LIMIT", "1GB")
    with WarehouseResource(path=str(tmp_path / "wh.duckdb")).connect() as con:
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "953.6 MiB"  # 1 GB


def test_a_damaged_warehouse_file_is_named_with_what_to_do(tmp_path):
    from orchestration.defs.resources import WarehouseResource
    from orchestration.warehouse.lock import warehouse_lock

    wh = tmp_path / "wh.duckdb"
    with WarehouseResource(path=str(wh)).connect() as con:
        ensure_tables(con)
    with open(wh, "r+b") as fh:
        fh.truncate(wh.stat().st_size // 3)
    with pytest.raises(RuntimeError, match=re.escape(str(wh)) + r" \(WAREHOUSE_PATH\) cannot be opened.*move it"):
        with WarehouseResource(path=str(wh)).connect():
            pass
    with pytest.raises(RuntimeError, match="cannot be opened"):  # the run lock's check says the same
        with warehouse_lock(wh, timeout=0):
            pass


def test_a_full_disk_is_the_headline_not_the_failed_rollback(tmp_path):
    from orchestration.warehouse.tables import transaction

    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    with pytest.raises(duckdb.IOException, match="No space left on device") as err, transaction(con):
        con.execute("ROLLBACK")  # DuckDB ends the transaction itself on such an error
        raise duckdb.IOException("Could not write file: No space left on device")
    assert "rollback" not in str(err.value).lower()


def test_a_damaged_dbt_manifest_is_parsed_again(tmp_path):
    import shutil
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    manifest = repo / "dbt_project" / "target" / "manifest.json"
    keep = tmp_path / "manifest.json"
    shutil.copy(manifest, keep)
    try:
        manifest.write_bytes(keep.read_bytes()[:5000])  # cut off mid-write
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                "from orchestration.defs.assets.dbt_warehouse import load_manifest; "
                "print(len(load_manifest()[1]['nodes']) > 10)",
            ],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.strip().splitlines()[-1] == "True"
    finally:
        shutil.copy(keep, manifest)


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
sys.stdin.readline()
"""


def test_a_reader_holding_the_warehouse_is_named_quickly_not_blamed_on_dbt(tmp_path, monkeypatch):
    import subprocess
    import sys

    from orchestration.warehouse import lock

    wh = tmp_path / "wh.duckdb"
    duckdb.connect(str(wh)).close()
    monkeypatch.setattr(lock, "READER_WAIT_S", 1.0)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(wh)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout.readline().strip() == "open"
        t0 = time.monotonic()
        with pytest.raises(lock.WarehouseBusyError) as err, lock.warehouse_lock(wh, timeout=600):
            pass
        assert time.monotonic() - t0 < 30  # not the 15-minute lock timeout
        msg = str(err.value)
        assert f"process {reader.pid}" in msg and "ANALYST_DB_PATH" in msg and "orphaned dbt" not in msg
    finally:
        reader.kill()
        reader.wait(timeout=30)


def test_a_run_that_ended_normally_raises_no_crash_alarm(tmp_path):
    import dagster as dg

    from orchestration.defs.resources.warehouse import recover_crashed_runs
    from orchestration.warehouse.lock import WAREHOUSE_LOCKS

    wh = tmp_path / "wh.duckdb"
    assert WAREHOUSE_LOCKS.acquire(wh, run_id="run-1") == {}
    WAREHOUSE_LOCKS.release(wh)
    assert WAREHOUSE_LOCKS.acquire(wh, run_id="run-2") == {}  # a clean end leaves no holder behind
    WAREHOUSE_LOCKS.release(wh)

    @dg.asset
    def noop():
        return 1

    instance = dg.DagsterInstance.ephemeral()
    done = dg.materialize([noop], instance=instance)
    warnings = []

    class Log:
        def warning(self, msg):
            warnings.append(msg)

    gone = subprocess_pid_that_exited()
    previous = {"run_id": done.run_id, "pid": gone, "host": __import__("socket").gethostname()}
    assert recover_crashed_runs(instance, "run-3", previous, Log()) == [] and warnings == []


def subprocess_pid_that_exited() -> int:
    import subprocess
    import sys

    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


# ----------------------------------------------------------------------------- 15. workers die with the run

POOL_OWNER = """
import os, time
from orchestration.inbox import reader as inbox_reader
from orchestration.utils.workers import WorkerPool
from orchestration.stages import extract_worker

# the pools of the extract stage and of the inbox reader, as they start them
stage_pool = WorkerPool(4, threshold=0, initializer=extract_worker.init_worker, initargs=("dbt_project/seeds",)).__enter__()
[f.result() for f in [stage_pool.pool.submit(time.sleep, 0.5) for _ in range(4)]]
reader = WorkerPool(4, threshold=0, initializer=inbox_reader._init_worker, initargs=((0, None, None, set(), 0, 0, 0),)).__enter__()
[f.result() for f in [reader.pool.submit(time.sleep, 0.5) for _ in range(4)]]
print("ready", flush=True)
time.sleep(600)
"""


def test_worker_processes_die_when_the_run_is_killed(tmp_path):
    import signal
    import subprocess
    import sys

    import psutil

    owner = subprocess.Popen(
        [sys.executable, "-c", POOL_OWNER], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2]
    )
    try:
        assert owner.stdout.readline().strip() == "ready"
        workers = [
            c.pid
            for c in psutil.Process(owner.pid).children(recursive=True)
            if "multiprocessing" in " ".join(c.cmdline()) and "resource_tracker" not in " ".join(c.cmdline())
        ]
        assert len(workers) >= 3
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.2)
    assert not [p for p in workers if _alive(p)]


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


# ----------------------------------------------------------------------------- 16. telemetry


def test_telemetry_is_off_with_a_bare_dagster_home(tmp_path):
    import subprocess
    import sys

    home = tmp_path / "home"
    home.mkdir()
    env = {**__import__("os").environ, "DAGSTER_HOME": str(home)}
    check = "import dagster as dg; print(dg.DagsterInstance.get().telemetry_enabled)"
    out = subprocess.run(
        [sys.executable, "-c", "import orchestration.definitions; " + check],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"
    # a later process that never loads the code (the webserver, the daemon) reads it off too
    later = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=300)
    assert later.stdout.strip().splitlines()[-1] == "False", later.stderr[-2000:]
    assert "enabled: false" in (home / "dagster.yaml").read_text()


DBT_OWNER = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.argv[1], "600"], env={**os.environ, "PIPELINE_DBT": "/bin/sleep"})
print(child.pid, flush=True)
time.sleep(600)
"""


def test_the_dbt_of_a_run_dies_with_it(tmp_path):
    """The run's dbt goes through orchestration/bin/dbt-in-run: when the run is killed -9, its dbt
    does not live on as an orphan that holds (or is about to open) the warehouse."""
    import signal
    import subprocess
    import sys

    from orchestration.defs.resources import DBT_IN_RUN, build_resources

    assert build_resources()["dbt"].dbt_executable == DBT_IN_RUN
    owner = subprocess.Popen([sys.executable, "-c", DBT_OWNER, DBT_IN_RUN], stdout=subprocess.PIPE, text=True)
    try:
        child = int(owner.stdout.readline())
        time.sleep(0.5)
        assert _alive(child)
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _alive(child):
        time.sleep(0.2)
    assert not _alive(child)
