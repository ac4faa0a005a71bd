"""The cleaning stage: raw.articles -> clean.articles (boilerplate removed, language, publication date)."""

from __future__ import annotations

import functools

from orchestration import config
from orchestration.stages.clean_worker import CLEAN_COLUMNS, clean_chunk, local_today
from orchestration.utils.workers import WorkerPool, batches
from orchestration.warehouse.tables import arrow_view, ensure_tables, insert_rows, transaction, write_stamp

# Above this many articles cleaning is spread over both cores (below it, starting the workers
# costs more than it saves). CLEAN_PARALLEL_THRESHOLD overrides (tests, benchmarks).
PARALLEL_THRESHOLD = 400
CHUNK_SIZE = 50
# Articles read, cleaned and written per round: Python holds one batch of raw texts at a time.
BATCH_SIZE = 2000


def _threshold() -> int:
    return config.env_number("CLEAN_PARALLEL_THRESHOLD", PARALLEL_THRESHOLD)


def clean_new_articles(con) -> dict:
    ensure_tables(con)
    todo_ids = [
        r[0]
        for r in con.execute(
            "SELECT r.article_id FROM raw.articles r ANTI JOIN clean.articles c USING (article_id) "
            "ORDER BY r.article_id"
        ).fetchall()
    ]
    today, now = local_today(), write_stamp(con, "clean.articles", "cleaned_at")
    work = functools.partial(clean_chunk, today=today, now=now)
    by_source: dict[str, int] = {}
    with WorkerPool(len(todo_ids), threshold=_threshold()) as pool, transaction(con):
        for batch in batches(todo_ids, BATCH_SIZE):
            with arrow_view(con, "_batch_ids", ["article_id"], [[aid] for aid in batch]) as ids:
                todo = con.execute(
                    "SELECT r.article_id, r.raw_text, r.title, r.published_meta FROM raw.articles r "
                    f"SEMI JOIN {ids} USING (article_id) ORDER BY r.article_id"
                ).fetchall()
            rows = pool.map(work, todo, CHUNK_SIZE)
            insert_rows(con, "clean.articles", CLEAN_COLUMNS, rows)
            for r in rows:
                by_source[r[7]] = by_source.get(r[7], 0) + 1
    by_lang = dict(con.execute("SELECT language, count(*) FROM clean.articles GROUP BY 1").fetchall())
    return {
        "cleaned": len(todo_ids),
        "mode": pool.mode,
        "by_language": by_lang,
        "date_sources": by_source,
        "total": con.execute("SELECT count(*) FROM clean.articles").fetchone()[0],
    }
