"""Worker side of clean_articles: no dagster, no duckdb, so spawned processes start fast."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from orchestration.arabic_nlp import cleaning, dates, normalize

LOCAL_TZ = ZoneInfo("Asia/Baghdad")
ARABIC_SHARE_MIN = 0.5

CLEAN_COLUMNS = [
    "article_id",
    "clean_text",
    "title",
    "n_chars",
    "arabic_share",
    "language",
    "published_date",
    "date_source",
    "date_evidence",
    "n_lines_removed",
    "cleaned_at",
]


def local_today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


def clean_row(article_id, raw_text, title, published_meta, today: dt.date, now: dt.datetime) -> list:
    """One clean.articles row (CLEAN_COLUMNS order) from one raw.articles row."""
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
    return [
        article_id,
        text,
        title,
        len(text),
        share,
        language,
        pub,
        source,
        evidence,
        int(cleaned.n_lines_removed),
        now,
    ]


def clean_chunk(chunk: list[tuple], today: dt.date, now: dt.datetime) -> list[list]:
    """(article_id, raw_text, title, published_meta) tuples -> clean.articles rows."""
    return [clean_row(*t, today=today, now=now) for t in chunk]
