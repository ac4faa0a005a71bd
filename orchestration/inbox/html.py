"""HTML pages to article text and metadata with trafilatura, bounded so that no page costs more than a few seconds."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from lxml import etree

from orchestration.inbox.limits import max_html_chars
from orchestration.inbox.records import Rejected, _clean_text, _letters, canonical_url, parse_meta_date

# trafilatura's full mode (with readability/justext fallbacks) is quadratic in the number of
# elements (seconds for a few thousand elements; benchmarks/RESULTS.md); its fast mode is roughly linear.
FULL_MODE_MAX_ELEMENTS = 3_000

MAX_HTML_ELEMENTS = 40_000

_INLINE_TAGS = (
    "b",
    "i",
    "u",
    "em",
    "strong",
    "span",
    "font",
    "small",
    "big",
    "sup",
    "sub",
    "abbr",
    "mark",
    "s",
    "strike",
    "tt",
    "bdi",
    "bdo",
    "wbr",
)


_WALL = re.compile(
    r"cookie|consent|javascript|enable js|privacy (policy|settings)|ad ?blocker|subscribe to (read|continue)"
    r"|ملفات تعريف الارتباط|الكوكيز|جافا ?سكريبت|سياسة الخصوصية|اشترك (لقراءة|للمتابعة|الآن لقراءة)",
    re.IGNORECASE,
)


_WALL_MAX_CHARS = 600

_MIN_LETTERS = 20

_BLOCK_OPEN = re.compile(r"<(script|style|svg)\b[^>]*>|<!--")

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


# meta names/properties/itemprops that carry the publication date (lower-case)
_DATE_META = {
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "article:published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "published_time",
    "article.published",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.issued",
    "dcterms.created",
    "dcterms.date",
    "sailthru.date",
    "parsely-pub-date",
    "citation_publication_date",
    "originalpublicationdate",
    "article_date_original",
    "cxenseparse:recs:publishtime",
}


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
            out.append(html[pos : m.end()])
            pos = m.end()
            continue
        out.append(html[pos : m.start()])
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


def extract_html(
    html: str, url: str | None = None, today: date | None = None, html_limit: int | None = None
) -> _Extracted:
    """Main text + metadata of one HTML page via trafilatura; raises Rejected('no article text')."""
    import trafilatura
    from trafilatura.utils import load_html

    html = _XML_DECL.sub("", bound_html(html, html_limit), count=1)
    tree = load_html(html)
    if tree is None:
        raise Rejected("no article text")
    n_elements = _count_elements(tree)
    if n_elements > MAX_HTML_ELEMENTS:
        # pathological markup: drop inline formatting tags (text kept), then cut the page further
        etree.strip_tags(tree, *_INLINE_TAGS)
        n_elements = _count_elements(tree)
        if n_elements > MAX_HTML_ELEMENTS:
            keep = int(len(html) * MAX_HTML_ELEMENTS / n_elements)
            tree = load_html(_cut_at_tag(html, keep))
            if tree is None:
                raise Rejected("no article text")
            etree.strip_tags(tree, *_INLINE_TAGS)
            n_elements = _count_elements(tree)
    published = _meta_published(tree, today)
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        fast=n_elements > FULL_MODE_MAX_ELEMENTS,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = _clean_text(getattr(doc, "text", None) or "") if doc is not None else ""
    if _letters(text) < _MIN_LETTERS or (len(text) < _WALL_MAX_CHARS and _WALL.search(text)):
        raise Rejected("no article text")
    return _Extracted(
        text=text,
        title=(doc.title or "").strip() or None,
        url=canonical_url(doc.url) or canonical_url(url),
        site=(doc.sitename or "").strip() or None,
        published=published,
    )
