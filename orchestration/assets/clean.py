"""clean_articles: raw.articles -> clean.articles (boilerplate removed, language, publication date)."""

import datetime as dt
import functools
import os

import dagster as dg

from orchestration.assets.clean_worker import CLEAN_COLUMNS, clean_chunk, local_today
from orchestration.assets.parallel import map_chunks
from orchestration.assets.warehouse_ddl import ensure_tables, insert_rows, transaction
from orchestration.resources import DUCKDB_POOL, WarehouseResource

# Above this many articles cleaning is spread over both cores (spawning the two workers costs
# ~0.5 s). CLEAN_PARALLEL_THRESHOLD overrides (tests, benchmarks).
PARALLEL_THRESHOLD = 400
CHUNK_SIZE = 50


def _threshold() -> int:
    return int(os.environ.get("CLEAN_PARALLEL_THRESHOLD", PARALLEL_THRESHOLD))


def clean_new_articles(con) -> dict:
    ensure_tables(con)
    todo = con.execute(
        """SELECT r.article_id, r.raw_text, r.title, r.published_meta
           FROM raw.articles r ANTI JOIN clean.articles c USING (article_id)
           ORDER BY r.article_id"""
    ).fetchall()
    today, now = local_today(), dt.datetime.now()
    rows, mode = map_chunks(functools.partial(clean_chunk, today=today, now=now), todo,
                            threshold=_threshold(), chunk_size=CHUNK_SIZE)
    with transaction(con):
        insert_rows(con, "clean.articles", CLEAN_COLUMNS, rows)
    by_lang = dict(con.execute("SELECT language, count(*) FROM clean.articles GROUP BY 1").fetchall())
    by_source: dict[str, int] = {}
    for r in rows:
        by_source[r[7]] = by_source.get(r[7], 0) + 1
    return {"cleaned": len(rows), "mode": mode, "by_language": by_lang, "date_sources": by_source,
            "total": con.execute("SELECT count(*) FROM clean.articles").fetchone()[0]}


@dg.asset(
    group_name="clean",
    pool=DUCKDB_POOL,
    deps=["raw_articles"],
    kinds={"python", "duckdb"},
    description="Cleaned article text with language (Arabic share of letters >= 0.5 -> 'ar') and "
                "publication date (metadata, else detected in the text; future dates rejected). "
                "Table clean.articles.",
)
def clean_articles(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        stats = clean_new_articles(con)
    context.log.info(f"cleaned {stats['cleaned']} articles ({stats['mode']})")
    return dg.MaterializeResult(metadata={
        "cleaned_this_run": stats["cleaned"],
        "by_language": dg.MetadataValue.json(stats["by_language"]),
        "date_sources_this_run": dg.MetadataValue.json(stats["date_sources"]),
        "dagster/row_count": stats["total"],
    })
