"""Bytes to text: BOMs, strict UTF-8, the declared charset, windows-1256 / windows-1252 when plausible, and binary content recognised and rejected."""

from __future__ import annotations

import codecs
import re
import unicodedata

from orchestration.arabic_nlp.normalize import arabic_share
from orchestration.inbox.records import Rejected

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!", "rar"),
    (b"\x7fELF", "elf"),
    (b"RIFF", "riff"),
    (b"SQLite format 3\x00", "sqlite"),
)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)


_ARABIC_BLOCKS = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


# decoding
# Text made only of these (ASCII, Latin-1, Arabic blocks, general punctuation) has no control,
# surrogate, private-use or unassigned character: no need to look at each one.
_PLAIN_TEXT = re.compile(
    "[\t\n\r\f\v\x20-\x7e\xa0-\xff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefe\u2000-\u206f]*"
)


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
        if o < 0x250 or 0x2000 <= o <= 0x206F or _ARABIC_BLOCKS.match(ch):
            ok += 1
    return ok / len(text)


def _sniff_binary(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode file bytes to text; raises Rejected('binary content') when no encoding fits."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc), enc
            except UnicodeDecodeError:
                raise Rejected("binary content") from None
    if _sniff_binary(data):
        raise Rejected("binary content")
    if b"\x00" in data:
        # BOM-less UTF-16 is the only text that has NULs; accept it only if it reads as text
        for enc in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if _bad_char_share(text) < 0.001 and _script_share(text) > 0.97:
                return text, enc
        raise Rejected("binary content")
    try:
        text = data.decode("utf-8")
        if _bad_char_share(text) <= 0.01:
            return text, "utf-8"
        raise Rejected("binary content")
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
    raise Rejected("binary content")


def declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:8192])
    return m.group(1).decode("ascii", "ignore") if m else None
