"""Worker side of the extraction stage: no dagster, no duckdb, so spawned processes start fast.

The lexicon is loaded once per worker process (initializer), articles arrive in chunks.
"""

from __future__ import annotations

from pathlib import Path

_LEXICON = None


def init_worker(seeds_dir: str) -> None:
    global _LEXICON
    from orchestration.arabic_nlp.lexicon import Lexicon

    _LEXICON = Lexicon.load(Path(seeds_dir))


def extract_chunk(chunk: list[tuple]) -> list[tuple[str, list, str | None]]:
    """chunk: (article_id, clean_text, published_date, title) -> [(article_id, [Report, ...], error)].

    One article the extractor cannot read is reported with its error, never stops the batch.
    """
    from orchestration.arabic_nlp.extractor import extract_article

    out = []
    for aid, text, pub, title in chunk:
        try:
            out.append((aid, list(extract_article(text or "", pub, _LEXICON, title)), None))
        except Exception as exc:  # noqa: BLE001 - quarantined with its reason below
            out.append((aid, [], f"extraction failed: {type(exc).__name__}: {exc}"[:500]))
    return out
