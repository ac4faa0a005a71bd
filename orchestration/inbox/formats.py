"""One inbox file (html, txt, json, jsonl) to article records, each bad record a reject with its reason."""

from __future__ import annotations

import json
from datetime import date

from orchestration.inbox.decoding import declared_charset, decode_bytes
from orchestration.inbox.html import extract_html
from orchestration.inbox.records import Rejected, _clean_text, _host, _letters, canonical_url, parse_meta_date

HTML_EXT = {".html", ".htm"}

SUPPORTED_EXT = HTML_EXT | {".txt", ".json", ".jsonl"}


# per-format readers: yield (source_line, record-dict) or (source_line, Rejected)
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
        raise Rejected("field 'text' is not a string")
    else:
        raise Rejected("no article text")
    # fallbacks from a news feed / sitemap (the collector's records): page metadata comes first
    if published is None and rec.get("date") is None:
        published = parse_meta_date(rec.get("feed_date"), today)
    if title is None and isinstance(rec.get("feed_title"), str):
        title = rec["feed_title"].strip() or None
    if _letters(text) == 0 and not any(ch.isdigit() for ch in text):
        raise Rejected("no article text")
    return {"url": url, "title": title, "site": site or _host(url), "published": published, "text": text}


def _safe_record(rec: dict, today: date | None, html_limit: int | None) -> dict:
    """One JSON/JSONL record; an unexpected failure rejects that record only."""
    try:
        return _record_from_fields(rec, today, html_limit)
    except Rejected:
        raise
    except Exception as exc:  # noqa: BLE001 - one broken record must not lose its siblings
        raise Rejected(f"internal error ({type(exc).__name__}: {exc})") from None


def _read_records(kind: str, data: bytes, today: date | None, html_limit: int | None):
    """Yield (source_line, record dict | Rejected) for one file's bytes."""
    declared = declared_charset(data) if kind == "html" else None
    text, _enc = decode_bytes(data, declared)
    if not text.strip():
        raise Rejected("empty file")
    if kind == "txt":
        body = _clean_text(text)
        if _letters(body) == 0:
            raise Rejected("no article text")
        yield None, {"url": None, "title": None, "site": None, "published": None, "text": body}
    elif kind == "html":
        ex = extract_html(text, None, today, html_limit)
        yield (
            None,
            {
                "url": ex.url,
                "title": ex.title,
                "site": ex.site or _host(ex.url),
                "published": ex.published,
                "text": ex.text,
            },
        )
    elif kind == "json":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Rejected(f"invalid JSON: {exc}") from None
        if isinstance(obj, dict):
            yield None, _safe_record(obj, today, html_limit)
        elif isinstance(obj, list):
            if not obj:
                raise Rejected("no records (empty JSON list)")
            for i, rec in enumerate(obj, 1):
                try:
                    if not isinstance(rec, dict):
                        raise Rejected("record is not an object")
                    yield None, _safe_record(rec, today, html_limit)
                except Rejected as rej:
                    yield None, Rejected(f"record {i}: {rej}")
        else:
            raise Rejected("JSON is not an object or a list of objects")
    elif kind == "jsonl":
        for lineno, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
            if not line.strip():
                continue
            try:
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise Rejected(f"invalid JSON: {exc}") from None
                if not isinstance(rec, dict):
                    raise Rejected("record is not an object")
                yield lineno, _safe_record(rec, today, html_limit)
            except Rejected as rej:
                yield lineno, rej
