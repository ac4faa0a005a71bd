"""extracted_reports: Arabic clean.articles -> extract.event_reports + extract.report_victims."""

import datetime as dt
from contextlib import contextmanager

import dagster as dg

from orchestration import config
from orchestration.assets.parallel import batches, worker_pool
from orchestration.assets.warehouse_ddl import arrow_view, ensure_tables, insert_rows, transaction
from orchestration.resources import DUCKDB_POOL, WarehouseResource

# Above this many articles the batch is spread over both cores; below it process start-up
# (dagster-free, but still a Python + lexicon load) costs more than it saves.
# EXTRACT_PARALLEL_THRESHOLD overrides (tests, benchmarks).
PARALLEL_THRESHOLD = 50
CHUNK_SIZE = 25
# Articles read, extracted and written per round: Python holds one batch at a time, so memory
# stays flat however large the backlog (a new extractor version re-reads the whole archive).
BATCH_SIZE = 2000

REPORT_COLUMNS = [
    "report_id", "article_id", "seq", "event_date", "date_precision", "date_rule", "date_text",
    "place_id", "location_text", "trigger_id", "trigger_text", "actor1_id", "actor2_id",
    "killed", "wounded", "killed_rule", "wounded_rule", "vague_text", "evidence",
    "extractor_version", "extracted_at",
]
VICTIM_COLUMNS = ["report_id", "victim_actor_id", "killed", "wounded", "evidence"]
LOG_COLUMNS = ["article_id", "extractor_version", "n_reports", "extracted_at"]


def _threshold() -> int:
    return config.env_number("EXTRACT_PARALLEL_THRESHOLD", PARALLEL_THRESHOLD)


@contextmanager
def extractor(n_articles: int, seeds_dir):
    """Yields (extract, mode): extract(todo) -> [(article_id, reports, error)] for rows
    (article_id, clean_text, published_date, title), on both cores for large backlogs."""
    from orchestration.assets import extract_worker

    with worker_pool(n_articles, threshold=_threshold(), chunk_size=CHUNK_SIZE,
                     initializer=extract_worker.init_worker, initargs=(str(seeds_dir),)) as (run, mode):
        yield (lambda todo: run(extract_worker.extract_chunk, todo)), mode


def extraction_version(seeds_dir) -> str:
    """The extractor's code version and its lexicons' fingerprint: a change to either re-reads
    every Arabic article (an analyst's new alias or place applies to the archive too)."""
    from orchestration.arabic_nlp.extract import EXTRACTOR_VERSION  # late: keeps definitions light
    from orchestration.arabic_nlp.lexicon import Lexicon

    return f"{EXTRACTOR_VERSION}+lex.{Lexicon.fingerprint(seeds_dir)}"


def _write_batch(con, results, version: str, now: dt.datetime) -> dict:
    report_rows, victim_rows, log_rows, failures = [], [], [], []
    for article_id, reports, error in results:
        if error:
            failures.append([article_id, error, now])
        for r in reports:
            report_id = f"{article_id}_r{r.seq}"
            report_rows.append([
                report_id, article_id, r.seq, r.event_date, r.date_precision, r.date_rule, r.date_text,
                r.place_id, r.location_text, r.trigger_id, r.trigger_text, r.actor1_id, r.actor2_id,
                r.killed, r.wounded, r.killed_rule, r.wounded_rule, r.vague_text, r.evidence,
                version, now,
            ])
            for v in r.victims:
                victim_rows.append([report_id, v.actor_id, v.killed, v.wounded, v.evidence])
        log_rows.append([article_id, version, len(reports), now])

    ids = [[aid] for aid, _, _ in results]
    if ids:
        # Re-extraction (new extractor version) replaces that article's rows wholesale.
        with arrow_view(con, "_extracted_ids", ["article_id"], ids) as done:
            con.execute(
                "DELETE FROM extract.report_victims WHERE report_id IN (SELECT report_id FROM "
                f"extract.event_reports WHERE article_id IN (SELECT article_id FROM {done}))")
            for table in ("extract.event_reports", "ops.extraction_log"):
                con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM {done})")
    insert_rows(con, "extract.event_reports", REPORT_COLUMNS, report_rows)
    insert_rows(con, "extract.report_victims", VICTIM_COLUMNS, victim_rows)
    insert_rows(con, "ops.extraction_log", LOG_COLUMNS, log_rows)
    if failures:
        # quarantined where analysts look for inputs that yielded nothing; a new extractor
        # version retries them
        con.executemany(
            "INSERT INTO ops.rejected_inputs (source_path, source_line, reason, detected_at) "
            "SELECT source_path, source_line, ?, ? FROM raw.articles WHERE article_id = ?",
            [[f"{error} (article {aid})", when, aid] for aid, error, when in failures])
    return {"articles_extracted": len(results), "extraction_failures": len(failures),
            "reports_written": len(report_rows), "victim_rows_written": len(victim_rows)}


def extract_new_articles(con, seeds_dir=None) -> dict:
    seeds_dir = seeds_dir or config.DBT_SEEDS_DIR
    version = extraction_version(seeds_dir)
    ensure_tables(con)
    todo_ids = [r[0] for r in con.execute(
        """SELECT c.article_id
           FROM clean.articles c
           LEFT JOIN ops.extraction_log l USING (article_id)
           WHERE c.language = 'ar' AND l.extractor_version IS DISTINCT FROM ?
           ORDER BY c.article_id""",
        [version],
    ).fetchall()]
    stats = {"articles_extracted": 0, "extraction_failures": 0, "reports_written": 0, "victim_rows_written": 0}
    now = dt.datetime.now()
    with extractor(len(todo_ids), seeds_dir) as (extract, mode), transaction(con):
        for batch in batches(todo_ids, BATCH_SIZE):
            with arrow_view(con, "_batch_ids", ["article_id"], [[aid] for aid in batch]) as ids:
                todo = con.execute(
                    "SELECT c.article_id, c.clean_text, c.published_date, c.title FROM clean.articles c "
                    f"SEMI JOIN {ids} USING (article_id) ORDER BY c.article_id").fetchall()
            written = _write_batch(con, extract(todo), version, now)
            stats = {k: stats[k] + written[k] for k in stats}
    return {
        **stats,
        "mode": mode if todo_ids else "nothing to do",
        "extractor_version": version,
        "total_reports": con.execute("SELECT count(*) FROM extract.event_reports").fetchone()[0],
    }


@dg.asset(
    group_name="extract",
    pool=DUCKDB_POOL,
    deps=["clean_articles"],
    kinds={"python", "duckdb"},
    description="Incidents as each Arabic article reports them (rule-based extractor over the dbt "
                "seed lexicons). Tables extract.event_reports and extract.report_victims; an article "
                "is re-extracted when EXTRACTOR_VERSION or a lexicon file changes.",
)
def extracted_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        stats = extract_new_articles(con)
    context.log.info(f"extracted {stats['articles_extracted']} articles ({stats['mode']}): "
                     f"{stats['reports_written']} reports")
    return dg.MaterializeResult(metadata={
        "articles_extracted": stats["articles_extracted"],
        "reports_written": stats["reports_written"],
        "victim_rows_written": stats["victim_rows_written"],
        "execution": stats["mode"],
        "extractor_version": stats["extractor_version"],
        "dagster/row_count": stats["total_reports"],
    })
