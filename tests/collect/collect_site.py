"""Helpers for the collector's tests: a fake clock and a small news site on pytest-httpserver."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from xml.sax.saxutils import escape

from werkzeug import Request, Response

from orchestration.collect.sources import Source


class FakeClock:
    """The collector's clock without real time: sleep() only moves the clock forward."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.start = start or dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        self.t = 0.0
        self.sleeps: list[float] = []

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.t)

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)

    def advance(self, **kw) -> None:
        self.t += dt.timedelta(**kw).total_seconds()


def rfc822(d: dt.datetime) -> str:
    return d.strftime("%a, %d %b %Y %H:%M:%S +0000")


def page_html(title: str, paragraphs: list[str], meta_date: str | None = None, charset: str | None = "utf-8") -> str:
    meta = f'<meta property="article:published_time" content="{meta_date}">' if meta_date else ""
    cs = f'<meta charset="{charset}">' if charset else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html lang='ar' dir='rtl'><head>{cs}<title>{escape(title)}</title>{meta}</head>"
        f"<body><nav><a href='/'>الرئيسية</a></nav><article><h1>{escape(title)}</h1>{body}</article>"
        f"<footer>جميع الحقوق محفوظة</footer></body></html>"
    )


ARABIC_PARAS = [
    "قالت مصادر أمنية إن قوة مشتركة نفذت عملية تفتيش واسعة في عدد من القرى شمالي المحافظة.",
    "وأضافت المصادر أن العملية استمرت عدة ساعات وشملت مناطق زراعية ووديانا وعرة.",
    "ولم تصدر السلطات المحلية أي بيان رسمي حول نتائج العملية حتى الآن.",
]


def article(n: int, title: str | None = None) -> str:
    title = title or f"خبر رقم {n} عن عملية أمنية في المحافظة"
    return page_html(title, [f"{p} (الخبر {n})" for p in ARABIC_PARAS])


def rss(items: list[tuple[str, str, str | None]], xml_base: str | None = None, encoding: str = "utf-8") -> bytes:
    """items: (link, title, pubDate or None)."""
    base = f' xml:base="{xml_base}"' if xml_base else ""
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        + (f"<pubDate>{d}</pubDate>" if d else "")
        + "</item>"
        for link, t, d in items
    )
    doc = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0" '
        f'xmlns:xml="http://www.w3.org/XML/1998/namespace"><channel{base}><title>موقع</title>'
        f"<link>/</link><description>x</description>{entries}</channel></rss>"
    )
    return doc.encode(encoding)


def atom(entries: list[tuple[str, str, str | None]], xml_base: str | None = None) -> bytes:
    base = f' xml:base="{xml_base}"' if xml_base else ""
    body = "".join(
        f'<entry><title>{escape(t)}</title><link rel="alternate" href="{escape(href)}"/>'
        f"<id>urn:x:{i}</id>" + (f"<published>{d}</published><updated>{d}</updated>" if d else "") + "</entry>"
        for i, (href, t, d) in enumerate(entries)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"{base}>'
        f"<title>موقع</title><id>urn:x</id><updated>2026-01-01T00:00:00Z</updated>{body}</feed>"
    ).encode()


def news_sitemap(urls: list[tuple[str, str | None, str | None]]) -> bytes:
    """urls: (loc, publication_date, title)."""
    body = ""
    for loc, d, t in urls:
        news = ""
        if d or t:
            news = (
                "<news:news><news:publication><news:name>موقع</news:name><news:language>ar</news:language>"
                "</news:publication>"
                + (f"<news:publication_date>{d}</news:publication_date>" if d else "")
                + (f"<news:title>{escape(t)}</news:title>" if t else "")
                + "</news:news>"
            )
        body += f"<url><loc>{escape(loc)}</loc>{news}</url>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + body + "</urlset>"
    ).encode()


def plain_sitemap(urls: list[tuple[str, str | None]]) -> bytes:
    body = "".join(
        f"<url><loc>{escape(loc)}</loc>" + (f"<lastmod>{m}</lastmod>" if m else "") + "</url>" for loc, m in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + body
        + "</urlset>"
    ).encode()


def sitemap_index(children: list[tuple[str, str | None]]) -> bytes:
    body = "".join(
        f"<sitemap><loc>{escape(loc)}</loc>" + (f"<lastmod>{m}</lastmod>" if m else "") + "</sitemap>"
        for loc, m in children
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + body
        + "</sitemapindex>"
    ).encode()


class Site:
    """Routes on a pytest-httpserver; unknown paths answer 404."""

    def __init__(self, server) -> None:
        self.server = server
        server.no_handler_status_code = 404

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve(
        self,
        path: str,
        body,
        *,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict | None = None,
    ) -> None:
        self.server.expect_request(path).respond_with_data(
            body, status=status, headers=headers or {}, content_type=content_type
        )

    def handle(self, path: str, func) -> None:
        self.server.expect_request(path).respond_with_handler(func)

    def conditional(self, path: str, body_ref: dict, content_type: str = "application/rss+xml") -> None:
        """Serve body_ref['body'] with an ETag that changes with it; 304 on a matching If-None-Match."""

        def handler(req: Request) -> Response:
            body = body_ref["body"]
            etag = body_ref.get("etag") or '"%x"' % (hash(body) & 0xFFFFFFFF)
            if req.headers.get("If-None-Match") == etag and not body_ref.get("ignore_conditional"):
                return Response(status=304, headers={"ETag": etag})
            return Response(
                body,
                status=200,
                content_type=content_type,
                headers={"ETag": etag, "Last-Modified": "Mon, 01 Jan 2026 00:00:00 GMT"},
            )

        self.handle(path, handler)

    def robots(self, text: str = "User-agent: *\nAllow: /\n") -> None:
        self.serve("/robots.txt", text, content_type="text/plain")

    def paths(self) -> list[str]:
        return [req.full_path.rstrip("?") for req, _ in self.server.log]

    def requests(self) -> list[Request]:
        return [req for req, _ in self.server.log]

    def hits(self, path: str) -> int:
        return sum(1 for p in self.paths() if p == path)


def source(site: Site, path: str, kind: str = "rss", **kw) -> Source:
    data = {
        "id": kw.pop("id", "site"),
        "name": kw.pop("name", "Test site"),
        "kind": kind,
        "url": site.url(path),
        "enabled": True,
        "min_delay_s": kw.pop("min_delay_s", 0),
    }
    return Source.model_validate({**data, **kw})


def records(inbox: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(inbox.rglob("*.json"))]


def gz(data: bytes) -> bytes:
    return gzip.compress(data)
