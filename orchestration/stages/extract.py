"""The extraction stage: Arabic clean.articles -> extract.event_reports + extract.report_victims."""

from __future__ import annotations

import datetime as dt

from orchestration import config
from orchestration.utils.workers import WorkerPool, batches
from orchestration.warehouse.tables import (
    INTEGER_MAX,
    arrow_table,
    arrow_view,
    column_types,
    ensure_tables,
    insert_rows,
    transaction,
    write_stamp,
)

# Above this many articles the batch is spread over both cores; below it process start-up
# (dagster-free, but still a Python + lexicon load) costs more than it saves.
# EXTRACT_PARALLEL_THRESHOLD overrides (tests, benchmarks).
PARALLEL_THRESHOLD = 50
CHUNK_SIZE = 25
# Articles read, extracted and written per round: Python holds one batch at a time, so memory
# stays flat however large the backlog (a new extractor version re-reads the whole archive).
BATCH_SIZE = 2000

REPORT_COLUMNS = [
    "report_id",
    "article_id",
    "seq",
    "event_date",
    "date_precision",
    "date_rule",
    "date_text",
    "place_id",
    "location_text",
    "trigger_id",
    "trigger_text",
    "actor1_id",
    "actor2_id",
    "killed",
    "wounded",
    "killed_rule",
    "wounded_rule",
    "vague_text",
    "evidence",
    "extractor_version",
    "extracted_at",
]
VICTIM_COLUMNS = ["report_id", "victim_actor_id", "killed", "wounded", "evidence"]
LOG_COLUMNS = ["article_id", "extractor_version", "n_reports", "extracted_at"]


def _threshold() -> int:
    return config.env_number("EXTRACT_PARALLEL_THRESHOLD", PARALLEL_THRESHOLD)


def extractor_pool(n_articles: int, seeds_dir) -> WorkerPool:
    """The pool that extracts rows (article_id, clean_text, published_date, title) into
    [(article_id, reports, error)] with `pool.map(extract_worker.extract_chunk, rows, CHUNK_SIZE)`,
    on both cores for large backlogs; each process loads the lexicons once."""
    from orchestration.stages import extract_worker

    return WorkerPool(
        n_articles, threshold=_threshold(), initializer=extract_worker.init_worker, initargs=(str(seeds_dir),)
    )


def extraction_version(seeds_dir) -> str:
    """The extractor's code version and its lexicons' fingerprint: a change to either re-reads
    every Arabic article (an analyst's new alias or place applies to the archive too)."""
    from orchestration.arabic_nlp.extractor import EXTRACTOR_VERSION  # late: keeps definitions light
    from orchestration.arabic_nlp.lexicon import Lexicon

    return f"{EXTRACTOR_VERSION}+lex.{Lexicon.fingerprint(seeds_dir)}"


def _clamp_toll(value, rule):
    """A toll beyond INTEGER (a figure like 99999999999 read literally) is stored as the INTEGER
    bound, and its rule keeps the figure: the review queue flags it as implausible, and the
    article's other reports are written as usual."""
    if isinstance(value, int) and abs(value) > INTEGER_MAX:
        return (INTEGER_MAX if value > 0 else -INTEGER_MAX), f"{rule or 'number'}+clamped_from({value})"
    return value, rule


def _article_rows(article_id: str, reports, version: str, now: dt.datetime) -> tuple[list, list]:
    report_rows, victim_rows = [], []
    for r in reports:
        report_id = f"{article_id}_r{r.seq}"
        killed, killed_rule = _clamp_toll(r.killed, r.killed_rule)
        wounded, wounded_rule = _clamp_toll(r.wounded, r.wounded_rule)
        report_rows.append(
            [
                report_id,
                article_id,
                r.seq,
                r.event_date,
                r.date_precision,
                r.date_rule,
                r.date_text,
                r.place_id,
                r.location_text,
                r.trigger_id,
                r.trigger_text,
                r.actor1_id,
                r.actor2_id,
                killed,
                wounded,
                killed_rule,
                wounded_rule,
                r.vague_text,
                r.evidence,
                version,
                now,
            ]
        )
        for v in r.victims:
            victim_rows.append(
                [report_id, v.actor_id, _clamp_toll(v.killed, None)[0], _clamp_toll(v.wounded, None)[0], v.evidence]
            )
    return report_rows, victim_rows


def _unstorable(rows: dict[str, tuple[list, list]], report_types: dict, victim_types: dict) -> dict[str, str]:
    """{article_id: reason} of the articles whose rows would not fit the tables (a value outside
    its column's type, a repeated report id). Checked before writing: one failed INSERT would
    abort the stage's transaction, and the same article would then fail every later run."""

    def problem(reports: list, victims: list) -> str | None:
        ids = [r[0] for r in reports]
        if len(ids) != len(set(ids)):
            return "repeated report id"
        try:
            arrow_table(REPORT_COLUMNS, reports, report_types)
            arrow_table(VICTIM_COLUMNS, victims, victim_types)
        except Exception as exc:  # noqa: BLE001 - pyarrow's conversion errors vary by type
            return f"{type(exc).__name__}: {exc}"
        return None

    all_reports = [r for reports, _ in rows.values() for r in reports]
    all_victims = [v for _, victims in rows.values() for v in victims]
    if problem(all_reports, all_victims) is None:  # the usual case: one check for the batch
        return {}
    return {
        aid: f"write failed: {why}"[:500]
        for aid, (reports, victims) in rows.items()
        if (why := problem(reports, victims)) is not None
    }


def _write_batch(con, results, version: str, now: dt.datetime) -> dict:
    rows = {aid: _article_rows(aid, reports, version, now) for aid, reports, error in results if not error}
    report_types = column_types(con, "extract.event_reports")
    victim_types = column_types(con, "extract.report_victims")
    unstorable = _unstorable(rows, report_types, victim_types)
    report_rows, victim_rows, log_rows, failures = [], [], [], []
    for article_id, reports, error in results:
        error = error or unstorable.get(article_id)
        if error:
            failures.append([article_id, error, now])
        else:
            report_rows += rows[article_id][0]
            victim_rows += rows[article_id][1]
        # a failed article is logged with 0 reports: retried when the extraction version changes
        log_rows.append([article_id, version, 0 if error else len(reports), now])

    ids = [[aid] for aid, _, _ in results]
    if ids:
        # Re-extraction (new extractor version) replaces that article's rows wholesale.
        with arrow_view(con, "_extracted_ids", ["article_id"], ids) as done:
            con.execute(
                "DELETE FROM extract.report_victims WHERE report_id IN (SELECT report_id FROM "
                f"extract.event_reports WHERE article_id IN (SELECT article_id FROM {done}))"
            )
            for table in ("extract.event_reports", "ops.extraction_log"):
                con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM {done})")
    insert_rows(con, "extract.event_reports", REPORT_COLUMNS, report_rows, report_types)
    insert_rows(con, "extract.report_victims", VICTIM_COLUMNS, victim_rows, victim_types)
    insert_rows(con, "ops.extraction_log", LOG_COLUMNS, log_rows)
    if failures:
        # quarantined where analysts look for inputs that yielded nothing (extractor errors and
        # rows that would not fit the tables); a new extraction version retries them
        con.executemany(
            "INSERT INTO ops.rejected_inputs (source_path, source_line, reason, detected_at) "
            "SELECT r.source_path, r.source_line, ?, ? FROM (SELECT ? AS article_id) a "
            "LEFT JOIN raw.articles r USING (article_id)",
            [[f"{error} (article {aid})", when, aid] for aid, error, when in failures],
        )
    return {
        "articles_extracted": len(results),
        "extraction_failures": len(failures),
        "reports_written": len(report_rows),
        "victim_rows_written": len(victim_rows),
    }


def extract_new_articles(con, seeds_dir=None) -> dict:
    seeds_dir = seeds_dir or config.DBT_SEEDS_DIR
    version = extraction_version(seeds_dir)
    ensure_tables(con)
    todo_ids = [
        r[0]
        for r in con.execute(
            """SELECT c.article_id
           FROM clean.articles c
           LEFT JOIN ops.extraction_log l USING (article_id)
           WHERE c.language = 'ar' AND l.extractor_version IS DISTINCT FROM ?
           ORDER BY c.article_id""",
            [version],
        ).fetchall()
    ]
    stats = {"articles_extracted": 0, "extraction_failures": 0, "reports_written": 0, "victim_rows_written": 0}
    now = write_stamp(con, "extract.event_reports", "extracted_at")
    from orchestration.stages.extract_worker import extract_chunk

    with extractor_pool(len(todo_ids), seeds_dir) as pool, transaction(con):
        for batch in batches(todo_ids, BATCH_SIZE):
            with arrow_view(con, "_batch_ids", ["article_id"], [[aid] for aid in batch]) as ids:
                todo = con.execute(
                    "SELECT c.article_id, c.clean_text, c.published_date, c.title FROM clean.articles c "
                    f"SEMI JOIN {ids} USING (article_id) ORDER BY c.article_id"
                ).fetchall()
            written = _write_batch(con, pool.map(extract_chunk, todo, CHUNK_SIZE), version, now)
            stats = {k: stats[k] + written[k] for k in stats}
    return {
        **stats,
        "mode": pool.mode if todo_ids else "nothing to do",
        "extractor_version": version,
        "total_reports": con.execute("SELECT count(*) FROM extract.event_reports").fetchone()[0],
    }
