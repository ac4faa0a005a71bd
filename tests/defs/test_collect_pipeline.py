"""daily_pipeline in process (dg.materialize) collecting from a news site on 127.0.0.1.

Three sources (RSS, Atom, news sitemap) of the demo site built from the bundled articles: its pages
carry no date metadata, so the feeds' dates must reach marts.dim_articles. The collector's clock is
a FakeClock (min_delay_s and Crawl-delay cost no real time).
"""

import datetime as dt

import dagster as dg
import duckdb
import pytest
from werkzeug import Request, Response

from orchestration.cli.collect_demo import ARTICLE_DATES, build_site
from orchestration.collect.client import user_agent
from orchestration.defs.assets import collected_pages as collect_asset
from orchestration.defs.checks.collect_checks import COLLECT_CHECKS
from tests.collect.collect_site import FakeClock, Site

pytestmark = pytest.mark.integration

SEEDS = __import__("pathlib").Path(__file__).resolve().parents[2] / "seeds" / "articles"
MIN_DELAY = 2.0


def _mount(site: Site, pages: dict) -> None:
    for path, (ctype, body) in pages.items():
        etag = f'"{abs(hash(body))}"'

        def handler(req: Request, body=body, ctype=ctype, etag=etag) -> Response:
            if req.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            return Response(
                body, content_type=ctype, headers={"ETag": etag, "Last-Modified": "Tue, 01 Dec 2026 06:00:00 GMT"}
            )

        site.handle(path, handler)


def _counts(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for t in (
                "raw.articles",
                "marts.dim_articles",
                "marts.fct_events",
                "marts.fct_event_reports",
                "ops.collect_urls",
            )
        }


def test_daily_pipeline_collects_from_a_local_site(pipeline_env, httpserver, monkeypatch, tmp_path):
    from orchestration.definitions import defs
    from orchestration.defs.resources import build_resources

    site = Site(httpserver)
    pages = build_site(SEEDS, site.base, f"http://localhost:{httpserver.port}/news/elsewhere.html")
    # one more sitemap entry, the oldest, whose page always answers 429: not retried within a run
    busy = site.url("/news/busy.html")
    ctype, sm = pages["/news-sitemap.xml"]
    pages["/news-sitemap.xml"] = (
        ctype,
        sm.replace(b"</urlset>", (f"<url><loc>{busy}</loc><lastmod>2019-01-01</lastmod></url></urlset>").encode()),
    )
    _mount(site, pages)
    site.handle("/news/busy.html", lambda req: Response("busy", status=429, headers={"Retry-After": "60"}))

    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n"
        + "".join(
            f"  - {{id: {sid}, name: {sid}, kind: {kind}, url: '{site.url(path)}', enabled: true, "
            f"min_delay_s: {MIN_DELAY}}}\n"
            for sid, kind, path in (
                ("local_rss", "rss", "/feeds/rss.xml"),
                ("local_atom", "atom", "/feeds/atom.xml"),
                ("local_sitemap", "sitemap", "/news-sitemap.xml"),
            )
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("SOURCES_FILE", str(sources))
    clock = FakeClock()
    monkeypatch.setattr(collect_asset, "make_clock", lambda: clock)
    warehouse = pipeline_env["WAREHOUSE_PATH"]

    result = dg.materialize([*defs.assets, *defs.asset_checks], resources=build_resources(), raise_on_error=False)
    assert result.success
    paths = site.paths()
    assert paths[0] == "/robots.txt"
    assert not [p for p in paths if p.startswith("/private/") or p == "/news/elsewhere.html"]
    assert paths.count("/news/busy.html") == 1  # the 429 is not retried in the run
    assert all(req.headers["User-Agent"] == user_agent() for req in site.requests())
    news = sorted(p for p in paths if p.startswith("/news/") and p != "/news/busy.html")
    assert news == sorted(f"/news/{stem}.html" for stem in ARTICLE_DATES)  # each page once (one is in 2 feeds)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        stamps = [
            r[0] for r in con.execute("SELECT requested_at FROM ops.collect_fetch_log ORDER BY requested_at").fetchall()
        ]
        assert all((b - a).total_seconds() >= MIN_DELAY for a, b in zip(stamps, stamps[1:])), stamps
        articles = dict(con.execute("SELECT url, published_date FROM marts.dim_articles").fetchall())
        listed = {
            r[0]
            for r in con.execute(
                "SELECT url FROM ops.collect_url_sources WHERE url LIKE '%000_7d542de0aa280a14%'"
            ).fetchall()
        }
        runs = con.execute(
            "SELECT source_id, status, new_pages FROM ops.collect_source_runs ORDER BY source_id"
        ).fetchall()
    assert articles == {site.url(f"/news/{stem}.html"): dt.date.fromisoformat(d) for stem, d in ARTICLE_DATES.items()}
    assert len(listed) == 1
    assert runs == [("local_atom", "ok", 1), ("local_rss", "ok", 3), ("local_sitemap", "ok", 1)]
    checks = {
        e.check_name: e.passed for e in result.get_asset_check_evaluations() if e.check_name.startswith("collect_")
    }
    assert checks == {"collect_sources_not_failing": True, "collect_sources_fresh": True}
    meta = next(
        e for e in result.get_asset_materialization_events() if e.asset_key.to_user_string() == "collected_pages"
    ).materialization.metadata
    assert meta["new_articles"].value == 5 and "local_rss" in meta["per_source"].value
    before = _counts(warehouse)

    # Second run, after the Retry-After: every listing polled conditionally, no known page again.
    clock.advance(seconds=120)
    httpserver.clear_log()
    again = dg.materialize([*defs.assets, *defs.asset_checks], resources=build_resources())
    assert again.success
    listings = [req for req in site.requests() if not req.path.startswith("/news/")]
    assert sorted(r.path for r in listings) == ["/feeds/atom.xml", "/feeds/rss.xml", "/news-sitemap.xml"]
    assert all(r.headers.get("If-None-Match") and r.headers.get("If-Modified-Since") for r in listings)
    assert [r.path for r in site.requests() if r.path.startswith("/news/")] == ["/news/busy.html"]
    assert _counts(warehouse) == before


def test_make_run_collects_nothing_without_an_enabled_source(pipeline_env, monkeypatch):
    """The shipped sources file (all disabled): the collection step makes no request at all."""
    import httpx

    from orchestration.defs.resources import build_resources

    monkeypatch.delenv("SOURCES_FILE", raising=False)
    monkeypatch.setattr(httpx.Client, "send", lambda *a, **k: pytest.fail("a request was made"))
    result = dg.materialize([collect_asset.collected_pages], resources=build_resources())
    meta = result.get_asset_materialization_events()[0].materialization.metadata
    assert meta["enabled_sources"].value == 0 and meta["requests"].value == 0
    assert not list(pipeline_env["ARTICLES_DIR"].rglob("*"))


def test_failing_and_stale_sources_are_reported_not_fatal(pipeline_env, httpserver, monkeypatch, tmp_path):
    from orchestration.defs.resources import build_resources

    site = Site(httpserver)
    site.robots()
    site.serve("/down.xml", "error", status=500)
    site.serve(
        "/up.xml",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>',
        content_type="application/rss+xml",
    )
    sources = tmp_path / "sources.yml"
    sources.write_text(
        "sources:\n"
        f"  - {{id: down, name: Down, kind: rss, url: '{site.url('/down.xml')}', enabled: true, min_delay_s: 1}}\n"
        f"  - {{id: up, name: Up, kind: rss, url: '{site.url('/up.xml')}', enabled: true, min_delay_s: 1}}\n"
        "  - {id: not_enabled, name: Disabled, kind: rss, url: 'https://example.invalid/rss', enabled: false}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SOURCES_FILE", str(sources))
    clock = FakeClock()
    monkeypatch.setattr(collect_asset, "make_clock", lambda: clock)

    def once():
        result = dg.materialize([collect_asset.collected_pages, *COLLECT_CHECKS], resources=build_resources())
        assert result.success  # a failing source fails no step
        return {e.check_name: e for e in result.get_asset_check_evaluations()}

    for _ in range(2):
        checks = once()
        assert checks["collect_sources_not_failing"].passed
        clock.advance(hours=6)
    checks = once()
    failing = checks["collect_sources_not_failing"]
    assert not failing.passed and failing.severity == dg.AssetCheckSeverity.WARN
    assert failing.metadata["failing_sources"].value == "down"
    assert checks["collect_sources_fresh"].passed  # 12 h since its first attempt
    clock.advance(hours=40)
    checks = once()
    stale = checks["collect_sources_fresh"]
    assert not stale.passed and stale.severity == dg.AssetCheckSeverity.WARN
    assert stale.metadata["stale_sources"].value == "down"  # 'up' succeeded in this very run


def test_a_bad_sources_file_fails_the_step_before_any_request(pipeline_env, monkeypatch, tmp_path):
    from orchestration.defs.resources import build_resources

    bad = tmp_path / "sources.yml"
    bad.write_text("sources:\n  - {id: Bad, name: x, kind: rss, url: 'ftp://x', enabled: true}\n", encoding="utf-8")
    monkeypatch.setenv("SOURCES_FILE", str(bad))
    result = dg.materialize([collect_asset.collected_pages], resources=build_resources(), raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    text = str(failure.event_specific_data.error)
    assert "source 1 (id 'Bad'): id:" in text and "source 1 (id 'Bad'): url:" in text
