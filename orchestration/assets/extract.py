"""extracted_reports: Arabic clean.articles -> extract.event_reports + extract.report_victims."""

import datetime as dt
import os

import dagster as dg

from orchestration import config
from orchestration.assets.parallel import map_chunks
from orchestration.assets.warehouse_ddl import arrow_view, ensure_tables, insert_rows, transaction
from orchestration.resources import DUCKDB_POOL, WarehouseResource

# Above this many articles the batch is spread over both cores; below it process start-up
# (dagster-free, but still a Python + lexicon load) costs more than it saves.
# EXTRACT_PARALLEL_THRESHOLD overrides (tests, benchmarks).
PARALLEL_THRESHOLD = 50
CHUNK_SIZE = 25

REPORT_COLUMNS = [
    "report_id", "article_id", "seq", "event_date", "date_precision", "date_rule", "date_text",
    "place_id", "location_text", "trigger_id", "trigger_text", "actor1_id", "actor2_id",
    "killed", "wounded", "killed_rule", "wounded_rule", "vague_text", "evidence",
    "extractor_version", "extracted_at",
]
VICTIM_COLUMNS = ["report_id", "victim_actor_id", "killed", "wounded", "evidence"]
LOG_COLUMNS = ["article_id", "extractor_version", "n_reports", "extracted_at"]


def _threshold() -> int:
    return int(os.environ.get("EXTRACT_PARALLEL_THRESHOLD", PARALLEL_THRESHOLD))


def run_extractor(todo: list[tuple], seeds_dir) -> tuple[list[tuple[str, list, str | None]], str]:
    """Extract every article of `todo`; returns ([(article_id, reports, error)], mode)."""
    from orchestration.assets import extract_worker

    return map_chunks(extract_worker.extract_chunk, todo, threshold=_threshold(), chunk_size=CHUNK_SIZE,
                      initializer=extract_worker.init_worker, initargs=(str(seeds_dir),))


def extraction_version(seeds_dir) -> str:
    """The extractor's code version and its lexicons' fingerprint: a change to either re-reads
    every Arabic article (an analyst's new alias or place applies to the archive too)."""
    from orchestration.arabic_nlp.extract import EXTRACTOR_VERSION  # late: keeps definitions light
    from orchestration.arabic_nlp.lexicon import Lexicon

    return f"{EXTRACTOR_VERSION}+lex.{Lexicon.fingerprint(seeds_dir)}"


def extract_new_articles(con, seeds_dir=None) -> dict:
    seeds_dir = seeds_dir or config.DBT_SEEDS_DIR
    version = extraction_version(seeds_dir)
    ensure_tables(con)
    todo = con.execute(
        """SELECT c.article_id, c.clean_text, c.published_date, c.title
           FROM clean.articles c
           LEFT JOIN ops.extraction_log l USING (article_id)
           WHERE c.language = 'ar' AND l.extractor_version IS DISTINCT FROM ?
           ORDER BY c.article_id""",
        [version],
    ).fetchall()
    results, mode = run_extractor(todo, seeds_dir) if todo else ([], "nothing to do")

    now = dt.datetime.now()
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
    with transaction(con):
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
    return {
        "articles_extracted": len(results),
        "extraction_failures": len(failures),
        "reports_written": len(report_rows),
        "victim_rows_written": len(victim_rows),
        "mode": mode,
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
