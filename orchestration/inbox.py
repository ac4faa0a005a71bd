"""Inbox reader: turns a folder of news files into article records, rejects and per-file outcomes.

Pure Python + trafilatura (no dagster, no duckdb): the Dagster ingest asset calls
`scan_inbox(articles_dir, known_sha256)` and writes the three lists to raw.articles,
ops.rejected_inputs and ops.ingested_files; the sensor calls `list_inbox_files(articles_dir)`.

Guarantees (trusted ingestion):
- Every regular file under the inbox whose sha256 is not already known gets exactly one
  FileOutcome ('ingested' | 'partial' | 'duplicate' | 'rejected'). Each rejected file has one
  RejectedInput (source_line NULL); each bad JSONL line has one RejectedInput with its 1-based line
  number; bad records of a JSON list are rejected with "record N: ..." in the reason.
- A failure inside one file (parser error, trafilatura crash, unreadable file) becomes a reject
  for that file; the batch never crashes.
- Hostile text (SQL, Jinja, <script> in plain text or JSON text) is kept literally: nothing here
  evaluates or templates it.

Behaviours decided (see the report in the commit history / tests/test_inbox.py):
- Walk: recursive, sorted by relative POSIX path, directory symlinks never followed.
- Hidden and temporary files ('.DS_Store', '.*', '*.part', '*.tmp', '*.crdownload', '*~', '~$*',
  'Thumbs.db', 'desktop.ini') and hidden directories are IGNORED: no FileOutcome, no reject row,
  not hashed, not listed by list_inbox_files. They are reported in InboxBatch.skipped (for logs).
  Reason: a partial download renamed to its final name has the same bytes; recording its sha256 as
  "seen" would make the finished file look already ingested, and a growing '.part' would spam
  ops.rejected_inputs on every run.
- Symlinks: a link whose resolved target is outside the inbox is rejected "symlink outside inbox"
  without touching the target; a link to a directory is rejected "symlink to directory (not
  followed)"; a dangling link "broken symlink"; a link to a file inside the inbox is read like a
  file (its articles then dedup against the target's). Their content_sha256 is a pseudo digest
  of the link path + link text (the target is not read), so re-scans do not re-reject them.
- Size: files over `max_bytes` (default env MAX_INPUT_BYTES or 20_000_000) are rejected
  "file too large (N bytes > LIMIT)" after reading at most 64 KiB; their content_sha256 is a pseudo
  digest sha256("oversize", size, first 64 KiB) so the next scan skips them too.
- HTML bigger than `max_html_chars` (default env MAX_HTML_CHARS or 1_000_000 characters) is first
  stripped of <script>/<style>/<svg>/comments (JSON-LD kept), then cut at the last tag boundary
  before the limit; lxml recovers the truncated tree. trafilatura's full mode is quadratic in the
  number of elements, so pages with more than FULL_MODE_MAX_ELEMENTS (3,000) elements use its
  fast mode (no readability/justext fallback), and pages with more than MAX_HTML_ELEMENTS (40,000)
  lose inline formatting tags and are cut further. Worst case is a few seconds per page.
- Encodings: BOM (UTF-8, UTF-16 LE/BE, UTF-32) > strict UTF-8 > the HTML meta charset >
  windows-1256 (only if the result is plausibly Arabic) > windows-1252 (plausible Latin text) >
  reject "binary content". Strict-valid UTF-8 wins over a meta charset because Arabic
  windows-1256 bytes practically never form valid UTF-8, while mislabelled UTF-8 pages are common.
  CRLF/CR become LF; NUL and other C0 control characters (except tab/newline) are removed.
- published_meta: html -> only structured metadata (meta tags such as article:published_time,
  JSON-LD datePublished, itemprop=datePublished, <time pubdate>); json -> the `date` field (or the
  embedded html's metadata). Kept only if a real date between 1990-01-01 and today + 1 day
  (one day of tolerance for time zones ahead of the server). Never guessed from body text.
- article_id: 'a_' + sha256(canonical url)[:16] when the url is an article url, else
  'a_' + text_fingerprint[:16]. A url with an empty path and no query (a site home page, a frequent
  wrong canonical) is stored but not used as identity.
- Duplicates inside a batch (same article_id or same text_fingerprint): first in walk order wins.
"""
from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

from orchestration.arabic_nlp.normalize import arabic_share, normalize
from orchestration.config import env_number

DEFAULT_MAX_INPUT_BYTES = 20_000_000
DEFAULT_MAX_HTML_CHARS = 1_000_000
# Longest article text accepted (characters): the clean_articles GX suite blocks a run on a text
# above 1,000,000 characters, so a longer one is quarantined here, with its reason, instead.
DEFAULT_MAX_ARTICLE_CHARS = 1_000_000
# A file modified less than this long ago is looked at again after the rest of this interval; if
# its size or mtime changed meanwhile (a copy or download still in progress) it is left for the
# next run instead of being stored cut off.
DEFAULT_SETTLE_SECONDS = 1.0
# trafilatura's full mode (with readability/justext fallbacks) is quadratic in the number of
# elements (~1.5 s at 2,500, ~13 s at 10,000); its fast mode is roughly linear (~0.1 ms/element).
FULL_MODE_MAX_ELEMENTS = 3_000
MAX_HTML_ELEMENTS = 40_000
_INLINE_TAGS = ("b", "i", "u", "em", "strong", "span", "font", "small", "big", "sup", "sub", "abbr",
                "mark", "s", "strike", "tt", "bdi", "bdo", "wbr")
MIN_DATE = date(1990, 1, 1)

HTML_EXT = {".html", ".htm"}
SUPPORTED_EXT = HTML_EXT | {".txt", ".json", ".jsonl"}
TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp", "~")
HIDDEN_NAMES = {"thumbs.db", "desktop.ini"}

_OVERSIZE_HEAD = 64 * 1024
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF87a", "gif"), (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"), (b"PK\x03\x04", "zip"), (b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"),
    (b"7z\xbc\xaf\x27\x1c", "7z"), (b"Rar!", "rar"), (b"\x7fELF", "elf"), (b"RIFF", "riff"),
    (b"SQLite format 3\x00", "sqlite"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ARABIC_BLOCKS = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_WALL = re.compile(
    r"cookie|consent|javascript|enable js|privacy (policy|settings)|ad ?blocker|subscribe to (read|continue)"
    r"|ملفات تعريف الارتباط|الكوكيز|جافا ?سكريبت|سياسة الخصوصية|اشترك (لقراءة|للمتابعة|الآن لقراءة)",
    re.IGNORECASE)
_WALL_MAX_CHARS = 600
_MIN_LETTERS = 20
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")
_BLOCK_OPEN = re.compile(r"<(script|style|svg)\b[^>]*>|<!--")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)

# meta names/properties/itemprops that carry the publication date (lower-case)
_DATE_META = {
    "article:published_time", "og:article:published_time", "og:published_time", "article:published",
    "datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "published_time",
    "article.published", "date", "dc.date", "dc.date.issued", "dcterms.issued", "dcterms.created",
    "dcterms.date", "sailthru.date", "parsely-pub-date", "citation_publication_date",
    "originalpublicationdate", "article_date_original", "cxenseparse:recs:publishtime",
}


# --------------------------------------------------------------------------------------------
# records


@dataclass(frozen=True)
class ArticleRecord:
    """One distinct article: the columns of raw.articles except ingested_at."""
    article_id: str
    source_path: str
    source_type: str            # 'html' | 'txt' | 'json' | 'jsonl'
    source_line: int | None     # 1-based line for jsonl, else None
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
    status: str                 # 'ingested' | 'partial' | 'duplicate' | 'rejected'
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
    n_unchanged: int = field(default=0, compare=False)   # skipped by stat key, not opened
    mode: str = field(default="sequential", compare=False)


class _Reject(Exception):
    """Whole-file rejection with a reason."""


# --------------------------------------------------------------------------------------------
# small helpers


def max_input_bytes() -> int:
    return env_number("MAX_INPUT_BYTES", DEFAULT_MAX_INPUT_BYTES)


def max_html_chars() -> int:
    return env_number("MAX_HTML_CHARS", DEFAULT_MAX_HTML_CHARS)


def max_article_chars() -> int:
    return env_number("MAX_ARTICLE_CHARS", DEFAULT_MAX_ARTICLE_CHARS)


def settle_seconds() -> float:
    return max(0.0, env_number("INBOX_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS, float))


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
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not k.lower().startswith("utm_")])
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


BAD_NAME_REASON = "file name is not valid UTF-8 (rename the file; it was not read)"


def _is_utf8(path: str) -> bool:
    """False for a name with bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        path.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def readable_path(path: str) -> str:
    """The path with bytes that are not UTF-8 written as \\xNN escapes (for rows and messages)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_ignored_name(name: str) -> str | None:
    low = name.lower()
    if name.startswith("."):
        return "hidden file"
    if low in HIDDEN_NAMES:
        return "hidden file"
    if name.startswith("~$") or low.endswith(TEMP_SUFFIXES):
        return "temporary file"
    return None


# --------------------------------------------------------------------------------------------
# decoding


# Text made only of these (ASCII, Latin-1, Arabic blocks, general punctuation) has no control,
# surrogate, private-use or unassigned character: no need to look at each one.
_PLAIN_TEXT = re.compile("[\t\n\r\f\v\x20-\x7e\xa0-\xff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"
                         "\ufb50-\ufdff\ufe70-\ufefe\u2000-\u206f]*")


def _bad_char_share(text: str) -> float:
    if not text or _PLAIN_TEXT.fullmatch(text):
        return 0.0
    bad = 0
    for ch in text:
        if ch in "\t\n\r\f\v":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cs", "Co", "Cn") or ch == "\ufffd":
            bad += 1
    return bad / len(text)


def _script_share(text: str) -> float:
    """Share of characters that are ASCII, Latin-1, Arabic blocks or general punctuation."""
    if not text:
        return 0.0
    ok = 0
    for ch in text:
        o = ord(ch)
        if o < 0x250 or 0x2000 <= o <= 0x206f or _ARABIC_BLOCKS.match(ch):
            ok += 1
    return ok / len(text)


def _sniff_binary(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode file bytes to text; raises _Reject('binary content') when no encoding fits."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(enc), enc
            except UnicodeDecodeError:
                raise _Reject("binary content") from None
    if _sniff_binary(data):
        raise _Reject("binary content")
    if b"\x00" in data:
        # BOM-less UTF-16 is the only text that has NULs; accept it only if it reads as text
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if _bad_char_share(text) < 0.001 and _script_share(text) > 0.97:
                return text, enc
        raise _Reject("binary content")
    try:
        text = data.decode("utf-8")
        if _bad_char_share(text) <= 0.01:
            return text, "utf-8"
        raise _Reject("binary content")
    except UnicodeDecodeError:
        pass
    candidates: list[str] = []
    if declared:
        try:
            name = codecs.lookup(declared).name
            if name not in ("utf-8", "ascii"):
                candidates.append(name)
        except LookupError:
            pass
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _bad_char_share(text) <= 0.01:
            return text, enc
    try:
        text = data.decode("cp1256")
        if _bad_char_share(text) <= 0.01 and _script_share(text) > 0.97 and arabic_share(text) >= 0.5:
            return text, "cp1256"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        if _bad_char_share(text) <= 0.01 and _script_share(text) > 0.97:
            return text, "cp1252"
    except UnicodeDecodeError:
        pass
    raise _Reject("binary content")


def _declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:8192])
    return m.group(1).decode("ascii", "ignore") if m else None


# --------------------------------------------------------------------------------------------
# HTML


def bound_html(html: str, limit: int | None = None) -> str:
    """Keep trafilatura's work bounded: drop scripts/styles/comments, then cut at a tag boundary."""
    limit = limit or max_html_chars()
    if len(html) <= limit:
        return html
    html = _strip_blocks(html)
    if len(html) <= limit:
        return html
    return _cut_at_tag(html, limit)


def _cut_at_tag(html: str, limit: int) -> str:
    if len(html) <= limit:
        return html
    cut = html.rfind(">", 0, limit)
    return html[: cut + 1 if cut > 0 else limit]


def _count_elements(tree) -> int:
    return sum(1 for _ in tree.iter())


def _strip_blocks(html: str) -> str:
    """Remove <script> (except JSON-LD), <style>, <svg> blocks and comments in one linear pass."""
    low = html.lower()
    out: list[str] = []
    pos = 0
    while True:
        m = _BLOCK_OPEN.search(low, pos)
        if not m:
            out.append(html[pos:])
            break
        if m.group(1) == "script" and "ld+json" in m.group(0):
            out.append(html[pos:m.end()])
            pos = m.end()
            continue
        out.append(html[pos:m.start()])
        closer = "-->" if m.group(0) == "<!--" else f"</{m.group(1)}"
        end = low.find(closer, m.end())
        if end < 0:  # unclosed block: the rest of the document is inside it
            break
        gt = low.find(">", end)
        pos = len(html) if gt < 0 else gt + 1
        out.append(" ")
    return "".join(out)


def _meta_published(tree, today: date | None) -> date | None:
    """Publication date from structured metadata only (never from body text)."""
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if key in _DATE_META:
            d = parse_meta_date(meta.get("content"), today)
            if d:
                return d
    for node in tree.xpath('//*[@itemprop="datePublished"]|//time[@pubdate]'):
        d = parse_meta_date(node.get("content") or node.get("datetime") or node.text_content(), today)
        if d:
            return d
    for script in tree.xpath('//script[contains(@type, "ld+json")]'):
        try:
            data = json.loads(script.text_content() or "")
        except (ValueError, TypeError):
            continue
        d = _ld_date(data, today)
        if d:
            return d
    return None


def _ld_date(data: object, today: date | None, depth: int = 0) -> date | None:
    if depth > 6:
        return None
    if isinstance(data, dict):
        d = parse_meta_date(data.get("datePublished"), today)
        if d:
            return d
        items = data.values()
    elif isinstance(data, list):
        items = data
    else:
        return None
    for item in items:
        if isinstance(item, (dict, list)):
            d = _ld_date(item, today, depth + 1)
            if d:
                return d
    return None


@dataclass
class _Extracted:
    text: str
    title: str | None
    url: str | None
    site: str | None
    published: date | None


def extract_html(html: str, url: str | None = None, today: date | None = None,
                 html_limit: int | None = None) -> _Extracted:
    """Main text + metadata of one HTML page via trafilatura; raises _Reject('no article text')."""
    import trafilatura
    from trafilatura.utils import load_html

    html = _XML_DECL.sub("", bound_html(html, html_limit), count=1)
    tree = load_html(html)
    if tree is None:
        raise _Reject("no article text")
    n_elements = _count_elements(tree)
    if n_elements > MAX_HTML_ELEMENTS:
        # pathological markup: drop inline formatting tags (text kept), then cut the page further
        etree.strip_tags(tree, *_INLINE_TAGS)
        n_elements = _count_elements(tree)
        if n_elements > MAX_HTML_ELEMENTS:
            keep = int(len(html) * MAX_HTML_ELEMENTS / n_elements)
            tree = load_html(_cut_at_tag(html, keep))
            if tree is None:
                raise _Reject("no article text")
            etree.strip_tags(tree, *_INLINE_TAGS)
            n_elements = _count_elements(tree)
    published = _meta_published(tree, today)
    doc = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=True,
        fast=n_elements > FULL_MODE_MAX_ELEMENTS,
        date_extraction_params={"extensive_search": False, "original_date": True})
    text = _clean_text(getattr(doc, "text", None) or "") if doc is not None else ""
    if _letters(text) < _MIN_LETTERS or (len(text) < _WALL_MAX_CHARS and _WALL.search(text)):
        raise _Reject("no article text")
    return _Extracted(
        text=text,
        title=(doc.title or "").strip() or None,
        url=canonical_url(doc.url) or canonical_url(url),
        site=(doc.sitename or "").strip() or None,
        published=published,
    )


# --------------------------------------------------------------------------------------------
# per-format readers: yield (source_line, record-dict) or (source_line, _Reject)


def _record_from_fields(rec: dict, today: date | None, html_limit: int | None) -> dict:
    url = rec.get("url") if isinstance(rec.get("url"), str) else None
    if not url and isinstance(rec.get("source"), str):
        url = rec["source"]
    url = canonical_url(url)
    title = rec.get("title").strip() if isinstance(rec.get("title"), str) else None
    site = None
    for key in ("sitename", "hostname"):
        if isinstance(rec.get(key), str) and rec[key].strip():
            site = rec[key].strip()
            break
    published = parse_meta_date(rec.get("date"), today)
    text = rec.get("text")
    if isinstance(text, str) and _clean_text(text):
        text = _clean_text(text)
    elif isinstance(rec.get("html"), str) and rec["html"].strip():
        ex = extract_html(rec["html"], url, today, html_limit)
        text = ex.text
        url = url or ex.url
        title = title or ex.title
        site = site or ex.site
        published = published or (ex.published if rec.get("date") is None else None)
    elif text is not None and not isinstance(text, str):
        raise _Reject("field 'text' is not a string")
    else:
        raise _Reject("no article text")
    # fallbacks from a news feed / sitemap (the collector's records): page metadata comes first
    if published is None and rec.get("date") is None:
        published = parse_meta_date(rec.get("feed_date"), today)
    if title is None and isinstance(rec.get("feed_title"), str):
        title = rec["feed_title"].strip() or None
    if _letters(text) == 0 and not any(ch.isdigit() for ch in text):
        raise _Reject("no article text")
    return {"url": url, "title": title, "site": site or _host(url), "published": published, "text": text}


def _safe_record(rec: dict, today: date | None, html_limit: int | None) -> dict:
    """One JSON/JSONL record; an unexpected failure rejects that record only."""
    try:
        return _record_from_fields(rec, today, html_limit)
    except _Reject:
        raise
    except Exception as exc:  # noqa: BLE001 - one broken record must not lose its siblings
        raise _Reject(f"internal error ({type(exc).__name__}: {exc})") from None


def _read_records(kind: str, data: bytes, today: date | None, html_limit: int | None):
    """Yield (source_line, record dict | _Reject) for one file's bytes."""
    declared = _declared_charset(data) if kind == "html" else None
    text, _enc = decode_bytes(data, declared)
    if not text.strip():
        raise _Reject("empty file")
    if kind == "txt":
        body = _clean_text(text)
        if _letters(body) == 0:
            raise _Reject("no article text")
        yield None, {"url": None, "title": None, "site": None, "published": None, "text": body}
    elif kind == "html":
        ex = extract_html(text, None, today, html_limit)
        yield None, {"url": ex.url, "title": ex.title, "site": ex.site or _host(ex.url),
                     "published": ex.published, "text": ex.text}
    elif kind == "json":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _Reject(f"invalid JSON: {exc}") from None
        if isinstance(obj, dict):
            yield None, _safe_record(obj, today, html_limit)
        elif isinstance(obj, list):
            if not obj:
                raise _Reject("no records (empty JSON list)")
            for i, rec in enumerate(obj, 1):
                try:
                    if not isinstance(rec, dict):
                        raise _Reject("record is not an object")
                    yield None, _safe_record(rec, today, html_limit)
                except _Reject as rej:
                    yield None, _Reject(f"record {i}: {rej}")
        else:
            raise _Reject("JSON is not an object or a list of objects")
    elif kind == "jsonl":
        for lineno, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
            if not line.strip():
                continue
            try:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise _Reject(f"invalid JSON: {exc}") from None
                if not isinstance(rec, dict):
                    raise _Reject("record is not an object")
                yield lineno, _safe_record(rec, today, html_limit)
            except _Reject as rej:
                yield lineno, rej


# --------------------------------------------------------------------------------------------
# walking


def _walk(root: Path):
    """Yield (path_as_given, kind, detail) in sorted relative-path order.

    kind: 'file' (regular file or in-inbox symlink to one), 'ignored', 'symlink_outside',
    'symlink_dir', 'broken_symlink', 'special'.
    """
    root_real = os.path.realpath(root)

    def inside(target: str) -> bool:
        try:
            return os.path.commonpath([root_real, target]) == root_real
        except ValueError:
            return False

    def rec(dirpath: Path):
        try:
            entries = sorted(os.scandir(dirpath), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            path = dirpath / entry.name
            why = _is_ignored_name(entry.name)
            if why:
                yield path, "ignored", why
                continue
            if entry.is_symlink():
                target = os.path.realpath(path)
                if not inside(target):
                    yield path, "symlink_outside", target
                elif not os.path.exists(target):
                    yield path, "broken_symlink", target
                elif os.path.isdir(target):
                    yield path, "symlink_dir", target
                elif os.path.isfile(target):
                    yield path, "file", target
                else:
                    yield path, "special", target
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    yield from rec(path)
                elif entry.is_file(follow_symlinks=False):
                    yield path, "file", str(path)
                else:
                    yield path, "special", str(path)
            except OSError:
                yield path, "special", str(path)

    # deterministic: entries sorted by name within each directory, depth-first
    yield from rec(Path(root))


def list_inbox_files(articles_dir: Path | str) -> list[Path]:
    """Files the ingest would read (same skipping rules): what the sensor watches.

    Hidden/temporary files are not listed; neither are symlinks pointing outside the inbox,
    to directories, or dangling (so a sensor never stats/reads outside the inbox). Those are
    still rejected by scan_inbox on the next run.
    """
    root = Path(articles_dir)
    if not root.is_dir():
        return []
    return [path for path, kind, _ in _walk(root) if kind == "file"]


def _pseudo_sha(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


# --------------------------------------------------------------------------------------------
# the batch
#
# Two phases so the expensive part can run on several cores with the same result:
# 1. per file, independent of every other file (read, hash, decode, trafilatura, fingerprint):
#    `_read_file` -> `_FileResult`; run in-process for small batches, in a "spawn" process pool
#    for big ones (`_pool_threshold()`);
# 2. in the parent, in walk order: in-batch dedup (first in walk order wins), statuses, rejects
#    (`_merge_file`). Phase 2 alone decides ids/dedup/outcomes, so pooled == sequential.
#
# Incremental: a file whose (source_path, size_bytes, mtime_ns) is in `known_files` is skipped
# after one stat, without being opened; any change of size or mtime (a rewrite under the same
# name) makes it read again, and the content hash (`known_sha256`) stays the final word.

# Above this many files to read, per-file work goes to a process pool (2 cores on our
# machines); below it, spawning interpreters costs more than it saves.
# INBOX_PARALLEL_THRESHOLD / INBOX_WORKERS override (tests, benchmarks).
PARALLEL_THRESHOLD = 50
N_WORKERS = 2
MAX_CHUNK = 16
# Files per slice of `iter_inbox`: the ingest step holds one slice of article texts at a time.
BATCH_FILES = 2000
# A file modified less than this long before the scan may still change within the same mtime
# tick without changing size ("racy" timestamps, cf. git): its mtime is not recorded, so the
# next scan hashes it again instead of trusting the stat.
RACY_MTIME_NS = 2_000_000_000


class KnownInputs(set):
    """Content hashes already recorded (a set of sha256), plus `files`: the recorded
    (source_path, size_bytes, mtime_ns) stat keys. Lets callers pass both through the one
    `known_sha256` argument of `scan_inbox`."""

    def __init__(self, sha256s=(), files=()):
        super().__init__(sha256s)
        self.files = set(files)


@dataclass
class _FileResult:
    """Outcome of phase 1 for one regular file (no dedup applied yet)."""
    sha: str | None = None               # None: content already known -> no outcome
    size: int = 0
    mtime_ns: int | None = None
    reject: str | None = None            # whole-file reject reason
    records: list = field(default_factory=list)   # [(line, ArticleRecord | reject reason str)]
    tail_reject: str | None = None       # a reject raised mid-file after some records
    deferred: bool = False               # still being written: not read, no outcome
    known_stat: tuple | None = None      # sha known but new stat: (sha, size, mtime_ns)


def _threshold() -> int:
    return env_number("INBOX_PARALLEL_THRESHOLD", PARALLEL_THRESHOLD)


def _n_workers() -> int:
    n = env_number("INBOX_WORKERS", N_WORKERS)
    if "INBOX_WORKERS" in os.environ:
        return max(1, n)
    return max(1, min(n, os.cpu_count() or 1))


def scan_inbox(articles_dir: Path | str, known_sha256: set[str] | frozenset[str] = frozenset(), *,
               known_files=None, max_bytes: int | None = None, html_limit: int | None = None,
               today: date | None = None, parallel: bool | None = None) -> InboxBatch:
    """Read every new inbox file into articles, rejects and file outcomes (never raises per file).

    known_files: (source_path, size_bytes, mtime_ns) of files already recorded (or pass a
    `KnownInputs` as known_sha256); such files are skipped without being read.
    parallel: None = process pool when more than INBOX_PARALLEL_THRESHOLD files must be read;
    True/False force it (tests).
    """
    whole = InboxBatch()
    for part in iter_inbox(articles_dir, known_sha256, known_files=known_files, max_bytes=max_bytes,
                           html_limit=html_limit, today=today, parallel=parallel, batch_files=None):
        for name in ("articles", "rejects", "files", "skipped", "refreshed"):
            getattr(whole, name).extend(getattr(part, name))
        whole.n_unchanged += part.n_unchanged
        whole.mode = part.mode
    return whole


def iter_inbox(articles_dir: Path | str, known_sha256: set[str] | frozenset[str] = frozenset(), *,
               known_files=None, max_bytes: int | None = None, html_limit: int | None = None,
               today: date | None = None, parallel: bool | None = None,
               batch_files: int | None = BATCH_FILES) -> Iterator[InboxBatch]:
    """`scan_inbox` in slices of `batch_files` files (walk order; None: one slice), so a caller
    holds one slice of article texts at a time however large the inbox. Each yielded batch has
    the outcomes of its own files; the first also the skipped files and the unchanged count.
    In-inbox dedup (first wins) spans the slices; the reader pool is started once."""
    root = Path(articles_dir)
    limit = max_bytes if max_bytes is not None else max_input_bytes()
    if known_files is None:
        known_files = getattr(known_sha256, "files", None)
    stat_keys = {(str(p), int(s), int(m)) for p, s, m in (known_files or ()) if m is not None}
    known = set(known_sha256 or ())
    head = InboxBatch()
    if not root.is_dir():
        yield head
        return
    scan_start_ns = time.time_ns()

    # phase 0 (parent): walk in sorted order, cheap outcomes, stat-skip; the rest is a task
    plan: list = []          # walk order: FileOutcome/RejectedInput pairs or task indexes
    tasks: list[tuple[str, str, str]] = []
    for path, kind, detail in _walk(root):
        sp = str(path)
        if kind != "ignored" and not _is_utf8(sp):
            # Not storable as text (and not safely printable): rejected under an escaped, readable
            # name; its pseudo digest (of the raw name) keeps the next scans from rejecting it again.
            shown = readable_path(sp)
            sha = _pseudo_sha(b"bad-name", sp.encode("utf-8", "surrogateescape"))
            if sha not in known:
                plan.append((RejectedInput(shown, None, BAD_NAME_REASON), FileOutcome(shown, sha, 0, "rejected", 0)))
            continue
        if kind == "ignored":
            head.skipped.append(SkippedFile(sp, f"temporary/hidden file ({detail})"))
            continue
        if kind != "file":
            reason = {"symlink_outside": "symlink outside inbox",
                      "symlink_dir": "symlink to directory (not followed)",
                      "broken_symlink": "broken symlink",
                      "special": "not a regular file"}[kind]
            try:
                link = os.readlink(path).encode("utf-8", "surrogateescape") if path.is_symlink() else b""
            except OSError:
                link = b""
            sha = _pseudo_sha(b"not-read", kind.encode(), sp.encode("utf-8", "surrogateescape"), link)
            if sha in known:
                continue
            plan.append((RejectedInput(sp, None, reason), FileOutcome(sp, sha, 0, "rejected", 0)))
            continue
        if stat_keys:
            try:
                st = os.stat(detail)
                if (sp, st.st_size, st.st_mtime_ns) in stat_keys:
                    head.n_unchanged += 1
                    continue
            except OSError:
                pass  # the reader turns it into an "unreadable file" reject
        plan.append(len(tasks))
        tasks.append((sp, detail, path.suffix.lower()))

    # phase 1 (sequential or pooled, results in task order) and phase 2 (parent: merge in walk
    # order), one slice of the plan at a time
    use_pool = parallel if parallel is not None else len(tasks) > _threshold()
    ctx = (limit, today, html_limit, known, scan_start_ns, max_article_chars(), int(settle_seconds() * 1e9))
    seen_ids: set[str] = set()
    seen_fps: set[str] = set()
    size = batch_files or max(1, len(plan))
    with _FileReader(ctx, use_pool and bool(tasks)) as read:
        for start in range(0, max(1, len(plan)), size):
            part = head if start == 0 else InboxBatch()
            items = plan[start:start + size]
            task_ids = [i for i in items if not isinstance(i, tuple)]
            results = dict(zip(task_ids, read.files([tasks[i] for i in task_ids])))
            for item in items:
                if isinstance(item, tuple):
                    part.rejects.append(item[0])
                    part.files.append(item[1])
                    continue
                _merge_file(tasks[item][0], results[item], part, seen_ids, seen_fps)
            part.mode = read.mode
            yield part


class _FileReader:
    """Reads files in this process, or on a pool of processes started once for all slices.
    A chunk whose worker died (OOM kill, crash in C code) is read again here; if the pool cannot
    start at all, everything is read here."""

    def __init__(self, ctx: tuple, use_pool: bool):
        self.ctx, self.pool, self.redone = ctx, None, 0
        self.n_workers = _n_workers() if use_pool else 0

    def __enter__(self) -> "_FileReader":
        if self.n_workers:
            from orchestration.assets.parallel import start_pool
            try:
                self.pool = start_pool(self.n_workers, _init_worker, (self.ctx,))
            except Exception:  # noqa: BLE001 - no pool: read in-process
                self.pool = None
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            try:
                self.pool.shutdown(wait=True)
            except Exception:  # noqa: BLE001 - a dead pool must not fail the scan
                pass

    @property
    def mode(self) -> str:
        if self.pool is None:
            return "sequential"
        return f"process_pool[{self.n_workers}]" + (f", {self.redone} chunk(s) redone in-process"
                                                    if self.redone else "")

    def files(self, tasks: list) -> list:
        if self.pool is None or not tasks:
            return [_read_file(t, self.ctx) for t in tasks]
        size = max(1, min(MAX_CHUNK, -(-len(tasks) // (self.n_workers * 4))))
        chunks = [tasks[i:i + size] for i in range(0, len(tasks), size)]
        out: list[list | None] = []
        try:
            futures = [self.pool.submit(_read_chunk, c) for c in chunks]
        except Exception:  # noqa: BLE001 - the pool broke: read here
            futures = [None] * len(chunks)
        for fut in futures:
            try:
                out.append(fut.result() if fut is not None else None)
            except Exception:  # noqa: BLE001 - a dead worker: redo its chunk below
                out.append(None)
        # Per-file errors are already rejects inside _read_file; a chunk only fails as a whole
        # when its worker process died.
        for i, part in enumerate(out):
            if part is None:
                out[i] = [_read_file(t, self.ctx) for t in chunks[i]]
                self.redone += 1
        return [r for part in out for r in part]


_WORKER_CTX: tuple | None = None


def _init_worker(ctx: tuple) -> None:
    global _WORKER_CTX
    _WORKER_CTX = ctx


def _read_chunk(chunk: list) -> list[_FileResult]:
    return [_read_file(t, _WORKER_CTX) for t in chunk]


def _read_file(task: tuple, ctx: tuple) -> _FileResult:
    """Phase 1 for one file; never raises (any failure is a reject of this file)."""
    sp, real, ext = task
    limit, today, html_limit, known, scan_start_ns, max_chars, settle_ns = ctx
    try:
        return _read_file_inner(sp, real, ext, limit, today, html_limit, known, scan_start_ns, max_chars, settle_ns)
    except Exception as exc:  # noqa: BLE001 - one broken file must never stop the batch
        sha = _pseudo_sha(b"unreadable", sp.encode("utf-8", "surrogateescape"))
        if sha in known:
            return _FileResult()
        return _FileResult(sha=sha, reject=f"internal error ({type(exc).__name__}: {exc})")


def _settled(real: str, settle_ns: int) -> os.stat_result | None:
    """The file's stat once it has not changed for `settle_ns` (waiting out the rest of that
    interval if it was modified more recently), or None when it changed meanwhile."""
    st = os.stat(real)
    wait_ns = min(settle_ns, st.st_mtime_ns + settle_ns - time.time_ns())
    if wait_ns <= 0:
        return st
    time.sleep(wait_ns / 1e9)
    again = os.stat(real)
    return st if (again.st_size, again.st_mtime_ns) == (st.st_size, st.st_mtime_ns) else None


def _setting_sha(sha: str, limit: int, max_chars: int) -> str:
    """The digest recorded for a file rejected (wholly or in part) because of a size setting: it
    names the settings, so a run with other settings reads the file again."""
    return _pseudo_sha(b"setting-dependent", sha.encode(), str(limit).encode(), str(max_chars).encode())


def _read_file_inner(sp: str, real: str, ext: str, limit: int, today: date | None,
                     html_limit: int | None, known: set[str], scan_start_ns: int,
                     max_chars: int = DEFAULT_MAX_ARTICLE_CHARS, settle_ns: int = 0) -> _FileResult:
    # read at most limit+1 bytes (a growing file cannot push us past the limit)
    try:
        st = _settled(real, settle_ns)
        if st is None:
            return _FileResult(deferred=True)
        if not stat.S_ISREG(st.st_mode):
            sha = _pseudo_sha(b"not-read", b"special", sp.encode("utf-8", "surrogateescape"))
            return _FileResult() if sha in known else _FileResult(sha=sha, reject="not a regular file")
        with open(real, "rb") as fh:
            if st.st_size > limit:
                head = fh.read(_OVERSIZE_HEAD)
                size = st.st_size
                data = None
            else:
                data = fh.read(limit + 1)
                size = len(data)
                if size > limit:
                    head, data = data[:_OVERSIZE_HEAD], None
    except OSError as exc:
        sha = _pseudo_sha(b"unreadable", sp.encode("utf-8", "surrogateescape"))
        if sha in known:
            return _FileResult()
        return _FileResult(sha=sha, reject=f"unreadable file ({type(exc).__name__}: {exc.strerror or exc})")
    try:
        after = os.stat(real)
    except OSError:
        after = None
    if after is None or (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
        return _FileResult(deferred=True)          # changed while we read it: next run
    # the stat key recorded for the next scan: only if the file was stable while we read it
    mtime = st.st_mtime_ns
    if size != st.st_size or mtime > scan_start_ns - RACY_MTIME_NS:
        mtime = None

    if data is None:
        # depends on MAX_INPUT_BYTES: no stat key (the 64 KiB head is read again on each scan) and
        # a digest naming the limit, so a run with a higher limit reads the whole file
        sha = _setting_sha(_pseudo_sha(b"oversize", str(size).encode(), head), limit, max_chars)
        if sha in known:
            return _FileResult()
        return _FileResult(sha=sha, size=size, reject=f"file too large ({size} bytes > {limit}, MAX_INPUT_BYTES)")

    sha = hashlib.sha256(data).hexdigest()
    if sha in known:
        return _FileResult(known_stat=(sha, size, mtime))
    res = _FileResult(sha=sha, size=size, mtime_ns=mtime)
    if ext not in SUPPORTED_EXT:
        res.reject = f"unsupported file type {ext}" if ext else "unsupported file type (no extension)"
        return res
    if not data.strip():
        res.reject = "empty file"
        return res
    kind = "html" if ext in HTML_EXT else ext[1:]
    records: list = []
    try:
        for line, rec in _read_records(kind, data, today, html_limit):
            if isinstance(rec, _Reject):
                records.append((line, str(rec)))
                continue
            if len(rec["text"]) > max_chars:
                records.append((line, f"article text too long ({len(rec['text'])} characters > {max_chars}, "
                                      "MAX_ARTICLE_CHARS)"))
                continue
            fp = text_fingerprint(rec["text"])
            records.append((line, ArticleRecord(
                article_id=make_article_id(rec["url"], fp), source_path=sp, source_type=kind,
                source_line=line if kind == "jsonl" else None, content_sha256=sha,
                text_fingerprint=fp, url=rec["url"], title=rec["title"], site=rec["site"],
                published_meta=rec["published"], raw_text=rec["text"])))
    except _Reject as rej:
        if records:  # a reject raised mid-file after some records: keep accounting
            res.tail_reject = str(rej)
        else:
            res.reject = str(rej)
            return res
    except Exception as exc:  # noqa: BLE001 - one broken file must never stop the batch
        res.reject = f"internal error ({type(exc).__name__}: {exc})"
        return res
    if not records:
        res.reject = "no records"
        return res
    if any(isinstance(rec, str) and rec.startswith("article text too long") for _, rec in records):
        res.sha, res.mtime_ns = _setting_sha(sha, limit, max_chars), None
        if res.sha in known:
            return _FileResult()
    res.records = records
    return res


def _merge_file(sp: str, res: _FileResult, batch: InboxBatch, seen_ids: set[str], seen_fps: set[str]) -> None:
    """Phase 2 for one file, in walk order: in-batch dedup (first wins), status, rejects."""
    if res.deferred:
        batch.skipped.append(SkippedFile(sp, "still being written (read on the next run)"))
        return
    if res.sha is None:
        if res.known_stat is not None:
            sha, size, mtime = res.known_stat
            batch.refreshed.append(FileOutcome(sp, sha, size, "known", 0, mtime))
        return
    if res.reject is not None:
        batch.rejects.append(RejectedInput(sp, None, res.reject))
        batch.files.append(FileOutcome(sp, res.sha, res.size, "rejected", 0, res.mtime_ns))
        return
    n_new = n_dup = n_bad = 0
    for line, rec in res.records:
        if isinstance(rec, str):
            n_bad += 1
            batch.rejects.append(RejectedInput(sp, line, rec))
            continue
        if rec.article_id in seen_ids or rec.text_fingerprint in seen_fps:
            n_dup += 1
            continue
        seen_ids.add(rec.article_id)
        seen_fps.add(rec.text_fingerprint)
        n_new += 1
        batch.articles.append(rec)
    if res.tail_reject is not None:
        batch.rejects.append(RejectedInput(sp, None, res.tail_reject))
        n_bad += 1
    if n_bad and (n_new or n_dup):
        status = "partial"
    elif n_bad:
        status = "rejected"
    elif n_new:
        status = "ingested"
    else:
        status = "duplicate"
    batch.files.append(FileOutcome(sp, res.sha, res.size, status, n_new, res.mtime_ns))
