"""clean_articles: raw.articles -> clean.articles (boilerplate removed, language, publication date)."""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.assets.warehouse_ddl import ensure_tables, insert_rows, transaction
from orchestration.resources import DUCKDB_POOL, WarehouseResource

LOCAL_TZ = ZoneInfo("Asia/Baghdad")
ARABIC_SHARE_MIN = 0.5

CLEAN_COLUMNS = [
    "article_id", "clean_text", "title", "n_chars", "arabic_share", "language", "published_date",
    "date_source", "date_evidence", "n_lines_removed", "cleaned_at",
]


def local_today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


def clean_row(article_id, raw_text, title, published_meta, today: dt.date, now: dt.datetime) -> list:
    from orchestration.arabic_nlp import cleaning, dates, normalize  # late: modules land in parallel

    cleaned = cleaning.clean_article(raw_text or "", title)
    text = cleaned.text
    share = float(normalize.arabic_share(text)) if text else 0.0
    language = "ar" if share >= ARABIC_SHARE_MIN else "other"
    if published_meta is not None:
        pub, source, evidence = published_meta, "metadata", "publication date from the page metadata"
    else:
        found = dates.detect_publication_date(raw_text or "")
        pub, source, evidence = found.date, found.source, found.evidence
    if isinstance(pub, dt.datetime):
        pub = pub.date()
    if pub is not None and pub > today:
        evidence = f"rejected future date {pub.isoformat()} ({source}): {evidence or ''}".strip()
        pub, source = None, "rejected_future"
    return [article_id, text, title, len(text), share, language, pub, source, evidence,
            int(cleaned.n_lines_removed), now]


def clean_new_articles(con) -> dict:
    ensure_tables(con)
    todo = con.execute(
        """SELECT r.article_id, r.raw_text, r.title, r.published_meta
           FROM raw.articles r ANTI JOIN clean.articles c USING (article_id)
           ORDER BY r.article_id"""
    ).fetchall()
    today, now = local_today(), dt.datetime.now()
    rows = [clean_row(*t, today=today, now=now) for t in todo]
    with transaction(con):
        insert_rows(con, "clean.articles", CLEAN_COLUMNS, rows)
    by_lang = dict(con.execute("SELECT language, count(*) FROM clean.articles GROUP BY 1").fetchall())
    by_source: dict[str, int] = {}
    for r in rows:
        by_source[r[7]] = by_source.get(r[7], 0) + 1
    return {"cleaned": len(rows), "by_language": by_lang, "date_sources": by_source,
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
    context.log.info(f"cleaned {stats['cleaned']} articles")
    return dg.MaterializeResult(metadata={
        "cleaned_this_run": stats["cleaned"],
        "by_language": dg.MetadataValue.json(stats["by_language"]),
        "date_sources_this_run": dg.MetadataValue.json(stats["date_sources"]),
        "dagster/row_count": stats["total"],
    })
