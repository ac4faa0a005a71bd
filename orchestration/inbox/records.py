"""What the reader produces (articles, rejects, file outcomes) and the identity of an article: canonical URL, text fingerprint, article id, metadata dates."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from orchestration.arabic_nlp.normalize import normalize

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MIN_DATE = date(1990, 1, 1)

_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")


@dataclass(frozen=True)
class ArticleRecord:
    """One distinct article: the columns of raw.articles except ingested_at."""

    article_id: str
    source_path: str
    source_type: str  # 'html' | 'txt' | 'json' | 'jsonl'
    source_line: int | None  # 1-based line for jsonl, else None
    content_sha256: str
    text_fingerprint: str
    url: str | None
    title: str | None
    site: str | None
    published_meta: date | None
    raw_text: str


@dataclass(frozen=True)
class RejectedInput:
    source_path: str
    source_line: int | None
    reason: str


@dataclass(frozen=True)
class FileOutcome:
    source_path: str
    content_sha256: str
    size_bytes: int
    status: str  # 'ingested' | 'partial' | 'duplicate' | 'rejected'
    n_articles: int
    # st_mtime_ns when read (None if the file was still changing): with source_path and
    # size_bytes the key that lets the next scan skip the file without reading it
    mtime_ns: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SkippedFile:
    """A hidden/temporary file that was ignored (not an input yet); for logging only."""

    source_path: str
    reason: str


@dataclass
class InboxBatch:
    articles: list[ArticleRecord] = field(default_factory=list)
    rejects: list[RejectedInput] = field(default_factory=list)
    files: list[FileOutcome] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    # files whose content was already known but whose stat key was not (touched, or recorded
    # before mtimes were): status 'known'; the caller may record the new key, nothing else
    refreshed: list[FileOutcome] = field(default_factory=list)
    n_unchanged: int = field(default=0, compare=False)  # skipped by stat key, not opened
    mode: str = field(default="sequential", compare=False)


class Rejected(Exception):
    """Whole-file rejection with a reason."""


def canonical_url(url: object) -> str | None:
    """http(s) url without fragment, utm_* params, trailing slash; scheme and host lower-cased."""
    if not isinstance(url, str) or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        return None
    netloc = host.lower()
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{netloc}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_")]
    )
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, netloc, path, query, ""))


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _is_article_url(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    return bool(parts.path.strip("/") or parts.query)


def text_fingerprint(text: str) -> str:
    """sha256 of the matching form with everything but letters/digits dropped, lower-cased."""
    core = "".join(ch for ch in normalize(text).lower() if ch.isalnum())
    return hashlib.sha256(core.encode("utf-8")).hexdigest()


def make_article_id(url: str | None, fingerprint: str) -> str:
    if _is_article_url(url):
        return "a_" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
    return "a_" + fingerprint[:16]


def parse_meta_date(value: object, today: date | None = None) -> date | None:
    """A publication date from metadata: ISO 8601 or RFC 2822; None unless 1990-01-01..today+1."""
    if not isinstance(value, str) or not value.strip():
        return None
    d: date | None = None
    m = _ISO_DATE.match(value)
    if m:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    else:
        try:
            d = parsedate_to_datetime(value.strip()).date()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    today = today or date.today()
    if d < MIN_DATE or d > today + timedelta(days=1):
        return None
    return d


def _clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = _CONTROL.sub("", text)
    return text.strip()


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())
