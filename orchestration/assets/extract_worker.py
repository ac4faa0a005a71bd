"""Worker side of extracted_reports: no dagster, no duckdb, so spawned processes start fast.

The lexicon is loaded once per worker process (initializer), articles arrive in chunks.
"""
from __future__ import annotations

from pathlib import Path

_LEXICON = None


def init_worker(seeds_dir: str) -> None:
    global _LEXICON
    from orchestration.arabic_nlp.lexicon import Lexicon

    _LEXICON = Lexicon.load(Path(seeds_dir))


def extract_chunk(chunk: list[tuple]) -> list[tuple[str, list]]:
    """chunk: (article_id, clean_text, published_date, title) -> [(article_id, [Report, ...])]."""
    from orchestration.arabic_nlp.extract import extract_article

    return [(aid, list(extract_article(text or "", pub, _LEXICON, title))) for aid, text, pub, title in chunk]
