"""The inbox reader: a folder of news files (html, txt, json, jsonl) to article records, rejects
and per-file outcomes. Pure Python and trafilatura: no Dagster, dbt or DuckDB.

One module per job: `limits`, `records` (what is produced, article identity), `decoding`, `html`,
`formats`, `walk` (the directory walk), `dedup` (what is already known, first wins) and `reader`
(the scan, on the worker pool). The reader's guarantees are in `reader`'s docstring.
"""

from orchestration.inbox.decoding import declared_charset, decode_bytes
from orchestration.inbox.dedup import KnownInputs
from orchestration.inbox.html import bound_html, extract_html
from orchestration.inbox.limits import (
    DEFAULT_MAX_ARTICLE_CHARS,
    DEFAULT_MAX_HTML_CHARS,
    DEFAULT_MAX_INPUT_BYTES,
    max_article_chars,
    max_html_chars,
    max_input_bytes,
    settle_seconds,
)
from orchestration.inbox.reader import iter_inbox, scan_inbox
from orchestration.inbox.records import (
    ArticleRecord,
    FileOutcome,
    InboxBatch,
    Rejected,
    RejectedInput,
    SkippedFile,
    canonical_url,
    make_article_id,
    parse_meta_date,
    text_fingerprint,
)
from orchestration.inbox.walk import list_inbox_files

__all__ = [
    "DEFAULT_MAX_ARTICLE_CHARS",
    "DEFAULT_MAX_HTML_CHARS",
    "DEFAULT_MAX_INPUT_BYTES",
    "ArticleRecord",
    "FileOutcome",
    "InboxBatch",
    "KnownInputs",
    "RejectedInput",
    "SkippedFile",
    "bound_html",
    "canonical_url",
    "Rejected",
    "declared_charset",
    "decode_bytes",
    "extract_html",
    "iter_inbox",
    "list_inbox_files",
    "make_article_id",
    "max_article_chars",
    "max_html_chars",
    "max_input_bytes",
    "parse_meta_date",
    "scan_inbox",
    "settle_seconds",
    "text_fingerprint",
]
