"""Listings -> items: RSS/Atom through feedparser, sitemaps through a namespace-aware lxml parser.

Both give `Item`s: an absolute URL, the title and date the listing gives (if any), and whether
the URL is an article page or a child sitemap (sitemap indexes). Nothing here makes a request:
feedparser gets the bytes already fetched (as a stream, so it never opens a URL or a file).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import zlib
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

MAX_SITEMAP_BYTES = 50_000_000  # sitemaps.org: at most 50 MB uncompressed


class ListingError(ValueError):
    """The body is not a feed / sitemap we can read."""


@dataclass(frozen=True)
class Item:
    url: str
    title: str | None = None
    date_text: str | None = None  # the listing's own date text (publication date, else updated/lastmod)
    published: dt.datetime | None = None  # the same as naive UTC, for max_age_days and ordering
    is_sitemap: bool = False  # a child sitemap of a sitemap index


def parse_date(text: str | None) -> dt.datetime | None:
    """W3C datetime (sitemaps, Atom) or RFC 822 (RSS) -> naive UTC; None when unreadable."""
    if not text or not text.strip():
        return None
    text = text.strip()
    d = None
    try:
        d = dt.datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        try:
            d = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if d.tzinfo is not None:
        d = d.astimezone(dt.UTC).replace(tzinfo=None)
    return d


def _http_url(url: str | None, base: str) -> str | None:
    if not url or not url.strip():
        return None
    absolute = urljoin(base, url.strip())
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts._replace(fragment="").geturl()


# ------------------------------------------------------------------ RSS / Atom


def parse_feed(body: bytes, base_url: str, content_type: str | None = None) -> list[Item]:
    """Entries of an RSS or Atom feed (relative links resolved against xml:base / the feed URL;
    the encoding from the XML declaration or the Content-Type charset, legacy ones included)."""
    import feedparser

    headers = {"content-location": base_url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False)
    if not parsed.get("version") and not parsed.entries:
        why = parsed.get("bozo_exception")
        raise ListingError(f"not an RSS/Atom feed ({type(why).__name__}: {why})" if why else "not an RSS/Atom feed")
    items = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:  # Atom entry without an alternate link: an http id is the article URL
            ident = entry.get("id") or ""
            link = ident if ident.startswith(("http://", "https://")) else None
        url = _http_url(link, base_url)
        if url is None:
            continue
        date_text = entry.get("published") or entry.get("updated") or None
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = dt.datetime(*stamp[:6]) if stamp else parse_date(date_text)
        title = (entry.get("title") or "").strip() or None
        items.append(Item(url=url, title=title, date_text=date_text, published=published))
    return items


# ------------------------------------------------------------------ sitemaps


def _inflate(body: bytes) -> bytes:
    if body[:2] != b"\x1f\x8b":
        return body
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as f:
            while chunk := f.read(1 << 16):
                out.write(chunk)
                if out.tell() > MAX_SITEMAP_BYTES:
                    raise ListingError(f"gzipped sitemap inflates past {MAX_SITEMAP_BYTES} bytes")
    except (OSError, EOFError, zlib.error) as exc:
        raise ListingError(f"broken gzip sitemap ({exc})") from None
    return out.getvalue()


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _child_text(el, *path: str) -> str | None:
    """Text of the first descendant along local names `path` (any namespace)."""
    nodes = [el]
    for name in path:
        nodes = [c for n in nodes for c in n if _local(c) == name]
        if not nodes:
            return None
    text = (nodes[0].text or "").strip()
    return text or None


def parse_sitemap(body: bytes, base_url: str) -> list[Item]:
    """<urlset> (plain or with news:news) -> article items; <sitemapindex> -> child sitemaps.

    Keeps news:publication_date (else lastmod) and news:title. Entities and network access are
    off in the XML parser (no XXE, no billion laughs)."""
    body = _inflate(body)
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True, remove_pis=True
    )
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        raise ListingError(f"not a sitemap (XML error: {exc})") from None
    kind = _local(root)
    if kind not in ("urlset", "sitemapindex"):
        raise ListingError(f"not a sitemap (root element <{kind}>)")
    items = []
    for node in root:
        name = _local(node)
        if name not in ("url", "sitemap"):
            continue
        url = _http_url(_child_text(node, "loc"), base_url)
        if url is None:
            continue
        lastmod = _child_text(node, "lastmod")
        if name == "sitemap":
            items.append(Item(url=url, date_text=lastmod, published=parse_date(lastmod), is_sitemap=True))
            continue
        news_date = _child_text(node, "news", "publication_date")
        date_text = news_date or lastmod
        items.append(
            Item(
                url=url, title=_child_text(node, "news", "title"), date_text=date_text, published=parse_date(date_text)
            )
        )
    return items
