"""The collector against a real HTTP server on 127.0.0.1 (pytest-httpserver), never the internet.

Time is a FakeClock: the per-host delays, Crawl-delay and retry backoff advance it instead of
sleeping, and the fetch log's requested_at shows the gaps the collector kept.
"""

import datetime as dt
import time

import duckdb
import pytest
from werkzeug import Response

from orchestration.collect import collector as collector_mod
from orchestration.collect.client import BOT_NAME, user_agent
from orchestration.collect.collector import collect, inbox_path_for
from orchestration.collect.sources import SourcesError, load_sources, parse_sources
from orchestration.collect.state import source_health
from tests.collect.collect_site import (
    FakeClock,
    Site,
    article,
    atom,
    gz,
    news_sitemap,
    page_html,
    plain_sitemap,
    records,
    rfc822,
    rss,
    sitemap_index,
    source,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def site(httpserver):
    return Site(httpserver)


@pytest.fixture
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    yield c
    c.close()


@pytest.fixture
def inbox(tmp_path):
    return tmp_path / "inbox"


@pytest.fixture
def clock():
    return FakeClock()


def run(con, sources, inbox, clock, run_id="r1"):
    runs = collect(con, sources if isinstance(sources, list) else [sources], inbox, run_id=run_id, clock=clock)
    return {r.source_id: r for r in runs}


def urls(con, where="TRUE"):
    return {
        r[0]: r[1:]
        for r in con.execute(
            f"SELECT url, status, http_status, error, next_fetch_at, final_url FROM ops.collect_urls WHERE {where}"
        ).fetchall()
    }


def log(con):
    return con.execute(
        "SELECT requested_at, url, status, attempt, if_none_match FROM ops.collect_fetch_log "
        "ORDER BY requested_at, rowid"
    ).fetchall()


# --------------------------------------------------------------------------- the sources file


def test_sources_file_names_every_bad_entry(tmp_path):
    bad = {
        "sources": [
            {"id": "ok_one", "name": "A", "kind": "rss", "url": "https://a.example/rss"},
            {"id": "Bad-Id", "name": "B", "kind": "rss", "url": "https://b.example/rss"},
            {"id": "c", "name": "C", "kind": "json", "url": "ftp://c.example/feed", "colour": "red"},
            {"id": "ok_one", "name": "D", "kind": "atom", "url": "https://d.example/atom"},
            {"id": "e", "name": "E", "kind": "sitemap", "url": "https://user:pw@e.example/s.xml", "min_delay_s": -1},
            {"id": "f", "name": "F", "kind": "rss", "url": "https://f.example/", "allowed_hosts": ["https://x/y"]},
            "not a mapping",
        ]
    }
    with pytest.raises(SourcesError) as err:
        parse_sources(bad, "sources.yml")
    msg = str(err.value)
    assert "source 2 (id 'Bad-Id'): id:" in msg
    assert "source 3 (id 'c'): kind:" in msg and "source 3 (id 'c'): url:" in msg
    assert "source 3 (id 'c'): colour: unknown field" in msg
    assert "source 4 (id 'ok_one'): id 'ok_one' is already used by source 1" in msg
    assert "source 5 (id 'e'): url:" in msg and "source 5 (id 'e'): min_delay_s:" in msg
    assert "source 6 (id 'f'): allowed_hosts:" in msg
    assert "source 7: expected a mapping" in msg
    with pytest.raises(SourcesError, match=r"id: Input should be a valid string \(got False\)"):
        parse_sources({"sources": [{"id": False, "name": "x", "kind": "rss", "url": "https://x.example/"}]})
    assert "source 1 " not in msg

    p = tmp_path / "s.yml"
    p.write_text("sources:\n  - id: x\n    name: [unclosed\n", encoding="utf-8")
    with pytest.raises(SourcesError, match="not valid YAML"):
        load_sources(p)
    with pytest.raises(SourcesError, match="cannot be read"):
        load_sources(tmp_path / "missing.yml")
    assert parse_sources({"sources": []}) == [] and parse_sources(None) == []


def test_shipped_sources_are_real_outlets_all_disabled():
    sources = load_sources()  # SOURCES_FILE unset: seeds/sources.yml
    assert len(sources) >= 8
    assert not [s.id for s in sources if s.enabled]
    assert {s.kind for s in sources} == {"rss", "atom", "sitemap"}
    assert all(s.url.startswith("https://") and "unverified" in (s.note or "") for s in sources)


def test_only_the_sources_host_or_its_allowed_hosts_may_be_fetched():
    s = parse_sources(
        {
            "sources": [
                {
                    "id": "b",
                    "name": "B",
                    "kind": "rss",
                    "url": "https://feeds.example.com/r.xml",
                    "allowed_hosts": ["www.example.org", "cdn.example.org:8443"],
                }
            ]
        }
    )[0]
    assert s.may_fetch("https://feeds.example.com/a") and s.may_fetch("http://www.feeds.example.com/a")
    assert s.may_fetch("https://example.org/a") and s.may_fetch("https://cdn.example.org:8443/a")
    for bad in (
        "https://evil.example/a",
        "https://feeds.example.com.evil.example/a",
        "http://127.0.0.1/a",
        "https://user@feeds.example.com/a",
        "file:///etc/passwd",
        "https://cdn.example.org/a",
        "https://feeds.example.com:8080/a",
    ):
        assert not s.may_fetch(bad), bad


# --------------------------------------------------------------------------- feeds and politeness


def test_rss_robots_first_crawl_delay_relative_links_and_user_agent(site, con, inbox, clock, httpserver):
    site.robots("User-agent: *\nDisallow: /private/\nCrawl-delay: 3\n")
    d = rfc822(clock.now() - dt.timedelta(hours=5))
    site.serve(
        "/news/feed.xml",
        rss(
            [
                ("/news/1", "الخبر الأول", d),  # root-relative
                ("2", "الخبر الثاني", d),  # relative to the feed's directory
                (site.url("/news/3"), "الخبر الثالث", None),  # absolute, no date
                ("/private/x", "ممنوع", d),  # robots.txt disallows it
                (f"http://localhost:{httpserver.port}/news/4", "موقع آخر", d),  # another host
            ]
        ),
        content_type="application/rss+xml",
    )
    for i in (1, 2, 3):
        site.serve(f"/news/{i}", article(i))

    r = run(con, source(site, "/news/feed.xml", min_delay_s=1), inbox, clock)["site"]

    assert site.paths() == ["/robots.txt", "/news/feed.xml", "/news/1", "/news/2", "/news/3"]
    assert all(req.headers["User-Agent"] == user_agent() for req in site.requests())
    assert user_agent().startswith(BOT_NAME + "/")
    times = [row[0] for row in log(con)]
    assert all((b - a).total_seconds() >= 3 for a, b in zip(times, times[1:])), times  # Crawl-delay > min_delay_s
    assert r.status == "ok" and r.new_pages == 3 and r.discovered == 4
    assert r.skipped == {"off_host": 1, "disallowed": 1}
    state = urls(con)
    assert state[site.url("/private/x")][0] == "disallowed"
    assert f"http://localhost:{httpserver.port}/news/4" not in state  # never even recorded as to fetch
    recs = {rec["url"]: rec for rec in records(inbox)}
    assert set(recs) == {site.url(f"/news/{i}") for i in (1, 2, 3)}
    assert recs[site.url("/news/1")]["feed_date"] == d and recs[site.url("/news/1")]["feed_title"] == "الخبر الأول"
    assert "الخبر 1" in recs[site.url("/news/1")]["html"] and recs[site.url("/news/3")]["feed_date"] is None

    # Next run: robots.txt from the warehouse (fetched < 24 h ago), the feed polled, no page again.
    clock.advance(hours=2)
    httpserver.clear_log()
    r2 = run(con, source(site, "/news/feed.xml", min_delay_s=1), inbox, clock, "r2")["site"]
    assert site.paths() == ["/news/feed.xml"] and r2.new_pages == 0
    clock.advance(hours=23)
    httpserver.clear_log()
    run(con, source(site, "/news/feed.xml", min_delay_s=1), inbox, clock, "r3")
    assert site.paths() == ["/robots.txt", "/news/feed.xml"]


def test_min_delay_between_requests_to_one_host(site, con, inbox, clock):
    site.robots()
    site.serve("/feed.xml", rss([(f"/a/{i}", f"t{i}", None) for i in range(4)]), content_type="application/rss+xml")
    for i in range(4):
        site.serve(f"/a/{i}", article(i))
    run(con, source(site, "/feed.xml", min_delay_s=7), inbox, clock)
    times = [row[0] for row in log(con)]
    assert len(times) == 6
    assert all((b - a).total_seconds() >= 7 for a, b in zip(times, times[1:])), times
    assert clock.sleeps and min(clock.sleeps) >= 0


def test_atom_feed_with_xml_base(site, con, inbox, clock):
    site.robots()
    published = (clock.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+03:00")
    site.serve(
        "/atom.xml",
        atom([("a1", "مقال أطوم", published), ("/b/2", "مقال ثان", None)], xml_base=site.url("/articles/")),
        content_type="application/atom+xml",
    )
    site.serve("/articles/a1", article(1))
    site.serve("/b/2", article(2))
    r = run(con, source(site, "/atom.xml", kind="atom"), inbox, clock)["site"]
    assert r.status == "ok" and r.new_pages == 2
    recs = {rec["url"]: rec for rec in records(inbox)}
    assert set(recs) == {site.url("/articles/a1"), site.url("/b/2")}
    assert recs[site.url("/articles/a1")]["feed_date"] == published


def test_feed_and_page_in_windows_1256(site, con, inbox, clock):
    site.robots()
    title = "مقتل ثلاثة في هجوم على نقطة تفتيش"
    site.serve(
        "/legacy.xml",
        rss([("/p/1", title, None), ("/p/2", "خبر آخر", None)], encoding="windows-1256"),
        content_type="text/xml",
    )
    site.serve(
        "/p/1",
        page_html(title, ["نص الخبر الأول بالترميز العربي القديم."], charset=None).encode("cp1256"),
        content_type="text/html; charset=windows-1256",
    )  # charset only in the header
    site.serve(
        "/p/2",
        page_html("خبر آخر", ["نص الخبر الثاني والترميز في الصفحة."], charset="windows-1256").encode("cp1256"),
        content_type="text/html",
    )  # charset only in the page
    run(con, source(site, "/legacy.xml"), inbox, clock)
    recs = {rec["url"]: rec for rec in records(inbox)}
    assert recs[site.url("/p/1")]["feed_title"] == title
    assert "نص الخبر الأول بالترميز العربي القديم" in recs[site.url("/p/1")]["html"]
    assert "نص الخبر الثاني والترميز في الصفحة" in recs[site.url("/p/2")]["html"]


def test_news_sitemap_plain_sitemap_and_index(site, con, inbox, clock, httpserver):
    site.robots()
    today = clock.now().date()
    recent = today.isoformat()
    site.conditional(
        "/sitemap_index.xml",
        {
            "body": sitemap_index(
                [
                    (site.url("/news-sitemap.xml"), recent),
                    (site.url("/posts-sitemap.xml.gz"), recent),
                    (site.url("/archive-2019.xml"), "2019-01-31"),  # older than max_age_days
                    (f"http://localhost:{httpserver.port}/other.xml", recent),  # another host
                ]
            )
        },
        content_type="application/xml",
    )
    site.serve(
        "/news-sitemap.xml",
        news_sitemap(
            [
                (site.url("/n/1"), f"{recent}T08:00:00+03:00", "عنوان الخبر الأول"),
                (site.url("/n/2"), (today - dt.timedelta(days=1)).isoformat(), "عنوان الخبر الثاني"),
            ]
        ),
        content_type="application/xml",
    )
    site.serve(
        "/posts-sitemap.xml.gz",
        gz(plain_sitemap([(site.url("/n/3"), recent), (site.url("/n/old"), "2019-01-02")])),
        content_type="application/gzip",
    )
    for i in (1, 2, 3):
        site.serve(f"/n/{i}", article(i))
    src = source(site, "/sitemap_index.xml", kind="sitemap", max_age_days=30)

    r = run(con, src, inbox, clock)["site"]
    assert r.status == "ok" and r.new_pages == 3, r
    assert site.hits("/archive-2019.xml") == 0 and site.hits("/other.xml") == 0 and site.hits("/n/old") == 0
    assert r.skipped == {"off_host": 1, "too_old": 2}
    recs = {rec["url"]: rec for rec in records(inbox)}
    assert recs[site.url("/n/1")]["feed_title"] == "عنوان الخبر الأول"
    assert recs[site.url("/n/1")]["feed_date"] == f"{recent}T08:00:00+03:00"
    assert recs[site.url("/n/3")]["feed_date"] == recent  # lastmod of a plain sitemap

    # The index is unchanged (304): its children are not asked for again, nor any page.
    clock.advance(hours=3)
    httpserver.clear_log()
    r2 = run(con, src, inbox, clock, "r2")["site"]
    assert site.paths() == ["/sitemap_index.xml"] and r2.unchanged == 1 and r2.new_pages == 0


# --------------------------------------------------------------------------- conditional GET


def test_conditional_get_304_and_an_etag_that_lies(site, con, inbox, clock, httpserver):
    site.robots()
    feed = {"body": rss([("/x/1", "one", None)]), "etag": '"v1"'}
    site.conditional("/feed.xml", feed)
    site.serve("/x/1", article(1))
    site.serve("/x/2", article(2))
    src = source(site, "/feed.xml")
    assert run(con, src, inbox, clock)["site"].new_pages == 1

    # 304 on If-None-Match (If-Modified-Since is sent too)
    httpserver.clear_log()
    r = run(con, src, inbox, clock, "r2")["site"]
    req = site.requests()[0]
    assert req.headers["If-None-Match"] == '"v1"' and req.headers["If-Modified-Since"]
    assert r.unchanged == 1 and r.requests == 1 and r.status == "ok"

    # A server that ignores the validators and answers 200 with the same body: unchanged by hash.
    feed["ignore_conditional"] = True
    httpserver.clear_log()
    r = run(con, src, inbox, clock, "r3")["site"]
    assert r.unchanged == 1 and r.discovered == 0 and site.paths() == ["/feed.xml"]

    # The ETag lies: same ETag, new content. The body hash differs, so the feed is read again.
    feed["body"] = rss([("/x/2", "two", None), ("/x/1", "one", None)])
    httpserver.clear_log()
    r = run(con, src, inbox, clock, "r4")["site"]
    assert site.paths() == ["/feed.xml", "/x/2"] and r.discovered == 1 and r.new_pages == 1
    n_runs = con.execute("SELECT count(*), sum(unchanged) FROM ops.collect_source_runs").fetchall()[0]
    assert n_runs == (4, 2)


# --------------------------------------------------------------------------- faults


def test_429_retry_after_is_not_retried_and_the_host_is_left_alone(site, con, inbox, clock, httpserver):
    site.robots()
    now = clock.now()
    site.serve(
        "/feed.xml",
        rss([(f"/p/{i}", f"t{i}", rfc822(now - dt.timedelta(hours=i))) for i in (1, 2, 3)]),
        content_type="application/rss+xml",
    )
    state = {"limited": True}

    def limited(req):
        if state["limited"]:
            return Response("slow down", status=429, headers={"Retry-After": "120"})
        return Response(article(int(req.path.rsplit("/", 1)[1])), content_type="text/html; charset=utf-8")

    for i in (1, 2, 3):
        site.handle(f"/p/{i}", limited)
    src = source(site, "/feed.xml")

    r = run(con, src, inbox, clock)["site"]
    assert site.paths() == ["/robots.txt", "/feed.xml", "/p/1"]  # once, no retry, nothing more from the host
    assert r.next_fetch_at == now + dt.timedelta(seconds=120) and r.new_pages == 0
    pages = urls(con, "kind = 'page'")
    assert {v[0] for v in pages.values()} == {"deferred"}
    assert pages[site.url("/p/1")][1] == 429 and pages[site.url("/p/1")][3] == now + dt.timedelta(seconds=120)
    assert all(sleep < 120 for sleep in clock.sleeps)  # never slept on Retry-After

    clock.advance(seconds=60)  # not due yet: the host is left alone
    httpserver.clear_log()
    r = run(con, src, inbox, clock, "r2")["site"]
    assert site.paths() == [] and r.status == "deferred"

    clock.advance(seconds=120)
    state["limited"] = False
    httpserver.clear_log()
    r = run(con, src, inbox, clock, "r3")["site"]
    assert sorted(p for p in site.paths() if p.startswith("/p/")) == ["/p/1", "/p/2", "/p/3"] and r.new_pages == 3


def test_503_with_retry_after_on_the_feed_defers_the_source(site, con, inbox, clock, httpserver):
    site.robots()
    when = clock.now() + dt.timedelta(hours=2)
    site.serve(
        "/feed.xml", "maintenance", status=503, headers={"Retry-After": when.strftime("%a, %d %b %Y %H:%M:%S GMT")}
    )
    src = source(site, "/feed.xml")
    r = run(con, src, inbox, clock)["site"]
    assert r.status == "deferred" and r.next_fetch_at == when and site.hits("/feed.xml") == 1
    clock.advance(hours=1)
    httpserver.clear_log()
    r = run(con, src, inbox, clock, "r2")["site"]
    assert site.paths() == [] and r.status == "deferred" and r.requests == 0


def test_503_then_200_is_retried_within_the_run_with_backoff(site, con, inbox, clock):
    site.robots()
    site.serve("/feed.xml", rss([("/p/1", "t", None)]), content_type="application/rss+xml")
    hits = {"n": 0}

    def flaky(req):
        hits["n"] += 1
        if hits["n"] == 1:
            return Response("busy", status=503)  # no Retry-After: an ordinary 5xx, retried
        return Response(article(1), content_type="text/html; charset=utf-8")

    site.handle("/p/1", flaky)
    r = run(con, source(site, "/feed.xml"), inbox, clock)["site"]
    assert r.new_pages == 1 and hits["n"] == 2
    attempts = [(row[1].rsplit("/", 1)[1], row[2], row[3]) for row in log(con) if "/p/" in row[1]]
    assert attempts == [("1", 503, 1), ("1", 200, 2)]
    assert any(0.5 <= s <= 1.5 for s in clock.sleeps)  # jittered backoff, on the fake clock


def test_persistent_5xx_page_is_retried_over_runs_then_given_up(site, con, inbox, clock):
    site.robots()
    site.serve("/feed.xml", rss([("/p/1", "t", None)]), content_type="application/rss+xml")
    site.serve("/p/1", "broken", status=500)
    src = source(site, "/feed.xml")
    r = run(con, src, inbox, clock)["site"]
    assert site.hits("/p/1") == 3 and r.errors == 1  # 1 + 2 retries
    assert urls(con)[site.url("/p/1")][:2] == ("error", 500)
    for n in (2, 3):
        clock.advance(hours=1)
        run(con, src, inbox, clock, f"r{n}")
    assert urls(con)[site.url("/p/1")][0] == "failed" and site.hits("/p/1") == 9
    clock.advance(hours=1)
    run(con, src, inbox, clock, "r4")
    assert site.hits("/p/1") == 9  # given up


def test_404_and_410_are_recorded_and_not_asked_again(site, con, inbox, clock):
    site.robots()
    site.serve("/feed.xml", rss([("/gone", "a", None), ("/missing", "b", None)]), content_type="application/rss+xml")
    site.serve("/gone", "", status=410)
    src = source(site, "/feed.xml")
    r = run(con, src, inbox, clock)["site"]
    state = urls(con)
    assert state[site.url("/gone")][:2] == ("gone", 410) and state[site.url("/missing")][:2] == ("not_found", 404)
    assert r.errors == 2 and r.skipped == {"gone": 1, "not_found": 1}
    clock.advance(hours=1)
    run(con, src, inbox, clock, "r2")
    assert site.hits("/gone") == 1 and site.hits("/missing") == 1


def test_redirect_chain_records_the_final_url(site, con, inbox, clock, httpserver):
    site.robots()
    site.serve(
        "/feed.xml",
        rss([("/old/1", "a", None), ("/loop/0", "b", None), ("/away", "c", None)]),
        content_type="application/rss+xml",
    )
    site.serve("/old/1", "", status=301, headers={"Location": "/mid/1"})
    site.serve("/mid/1", "", status=302, headers={"Location": site.url("/story/1")})
    site.serve("/story/1", article(1))
    for i in range(7):
        site.serve(f"/loop/{i}", "", status=302, headers={"Location": f"/loop/{i + 1}"})
    site.serve("/away", "", status=302, headers={"Location": f"http://localhost:{httpserver.port}/elsewhere"})
    run(con, source(site, "/feed.xml"), inbox, clock)
    state = urls(con)
    assert state[site.url("/old/1")][0] == "fetched" and state[site.url("/old/1")][4] == site.url("/story/1")
    assert [rec["url"] for rec in records(inbox)] == [site.url("/story/1")]
    assert state[site.url("/loop/0")][0] == "redirect_error" and site.hits("/loop/6") == 0
    assert site.hits("/loop/5") == 1  # 5 redirects followed, not a 6th
    assert state[site.url("/away")][0] == "off_host" and site.hits("/elsewhere") == 0


def test_oversize_body_is_cut_while_streaming(site, con, inbox, clock, monkeypatch):
    monkeypatch.setenv("COLLECT_MAX_BYTES", "20000")
    site.robots()
    site.serve(
        "/feed.xml",
        rss([("/big", "a", None), ("/chunked", "b", None), ("/small", "c", None)]),
        content_type="application/rss+xml",
    )
    site.serve("/big", "x" * 100_000)  # Content-Length says too much

    def chunked(req):
        return Response((b"<p>" + b"y" * 4096 + b"</p>" for _ in range(50)), content_type="text/html")

    site.handle("/chunked", chunked)  # no Content-Length
    site.serve("/small", article(1))
    run(con, source(site, "/feed.xml"), inbox, clock)
    state = urls(con)
    assert state[site.url("/big")][0] == "too_large" and state[site.url("/chunked")][0] == "too_large"
    assert "20000" in state[site.url("/chunked")][2]
    assert state[site.url("/small")][0] == "fetched"


def test_a_slow_response_hits_the_timeout(site, con, inbox, clock, monkeypatch):
    monkeypatch.setenv("COLLECT_READ_TIMEOUT", "0.2")
    site.robots()
    site.serve("/feed.xml", rss([("/slow", "a", None)]), content_type="application/rss+xml")

    def slow(req):
        time.sleep(0.5)  # the server is slow (real time); the collector's waits stay on the fake clock
        return Response(article(1), content_type="text/html")

    site.handle("/slow", slow)
    r = run(con, source(site, "/feed.xml"), inbox, clock)["site"]
    assert r.errors == 1
    status, http_status, error = urls(con)[site.url("/slow")][:3]
    assert status == "error" and http_status is None and "Timeout" in error
    assert [row[3] for row in log(con) if row[1].endswith("/slow")] == [1, 2, 3]
    deadline = time.monotonic() + 10  # let the (single-threaded) server finish the abandoned requests
    while site.hits("/slow") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)


def test_robots_unreachable_means_nothing_is_fetched(site, con, inbox, clock, httpserver):
    site.serve("/robots.txt", "oops", status=500)
    site.serve("/feed.xml", rss([("/p/1", "a", None)]), content_type="application/rss+xml")
    r = run(con, source(site, "/feed.xml"), inbox, clock)["site"]
    assert site.paths() == ["/robots.txt"] and r.status == "failed" and "robots.txt unreachable" in r.error
    # No robots.txt at all (404): everything may be fetched.
    httpserver.clear()
    Site(httpserver).serve("/feed.xml", rss([("/p/1", "a", None)]), content_type="application/rss+xml")
    Site(httpserver).serve("/p/1", article(1))
    r = run(con, source(site, "/feed.xml"), inbox, clock, "r2")["site"]
    assert r.status == "ok" and r.new_pages == 1


def test_one_source_failing_never_stops_the_others(site, con, inbox, clock, httpserver):
    site.robots()
    site.serve("/broken.xml", "err", status=500)
    site.serve("/not-a-feed", "<html><body>hello</body></html>")
    site.serve("/good.xml", rss([("/g/1", "a", None)]), content_type="application/rss+xml")
    site.serve("/g/1", article(1))
    sources = [
        source(site, "/broken.xml", id="broken"),
        source(site, "/not-a-feed", id="notfeed", kind="sitemap"),
        {
            "id": "dead",
            "name": "Dead",
            "kind": "rss",
            "url": "http://127.0.0.1:9/feed.xml",
            "enabled": True,
            "min_delay_s": 0,
        },
        source(site, "/good.xml", id="good"),
    ]
    from orchestration.collect.sources import Source

    sources = [s if isinstance(s, Source) else Source.model_validate(s) for s in sources]
    for n in range(3):
        runs = run(con, sources, inbox, clock, f"r{n}")
        clock.advance(hours=6)
    assert runs["good"].status == "ok"
    assert {sid: runs[sid].status for sid in ("broken", "notfeed", "dead")} == dict.fromkeys(
        ("broken", "notfeed", "dead"), "failed"
    )
    assert "http_error" in runs["broken"].error
    assert "robots.txt unreachable" in runs["dead"].error and "ConnectError" in runs["dead"].error
    assert "unreadable listing" in runs["notfeed"].error
    assert [rec["url"] for rec in records(inbox)] == [site.url("/g/1")]
    health = {h["source_id"]: h for h in source_health(con, ["broken", "notfeed", "dead", "good"])}
    assert health["broken"]["consecutive_failures"] == 3 and health["good"]["consecutive_failures"] == 0
    assert health["good"]["last_success"] is not None and health["dead"]["last_success"] is None


def test_a_crash_mid_collection_loses_nothing_and_fetches_nothing_twice(site, con, inbox, clock, monkeypatch):
    site.robots()
    now = clock.now()
    site.serve(
        "/feed.xml",
        rss([(f"/p/{i}", f"t{i}", rfc822(now - dt.timedelta(hours=i))) for i in range(1, 5)]),
        content_type="application/rss+xml",
    )
    for i in range(1, 5):
        site.serve(f"/p/{i}", article(i))

    class Crash(BaseException):
        pass

    real_write = collector_mod.write_record
    written = []

    def write_then_die(path, record):
        real_write(path, record)  # the page is in the inbox ...
        written.append(path)
        if len(written) == 2:
            raise Crash()  # ... and the process dies before its row says 'fetched'

    monkeypatch.setattr(collector_mod, "write_record", write_then_die)
    src = source(site, "/feed.xml")
    with pytest.raises(Crash):
        run(con, src, inbox, clock)
    assert [site.hits(f"/p/{i}") for i in range(1, 5)] == [1, 1, 0, 0]

    monkeypatch.setattr(collector_mod, "write_record", real_write)
    clock.advance(minutes=10)
    r = run(con, src, inbox, clock, "r2")["site"]
    assert [site.hits(f"/p/{i}") for i in range(1, 5)] == [1, 1, 1, 1]  # every page fetched exactly once
    assert {v[0] for v in urls(con, "kind = 'page'").values()} == {"fetched"}
    assert len(records(inbox)) == 4 and r.new_pages == 2
    assert inbox_path_for(inbox, "site", site.url("/p/2")).exists()
    assert not list(inbox.rglob("*.part"))


def test_time_budget_leaves_the_rest_for_the_next_run(site, con, inbox, clock):
    site.robots()
    site.serve("/feed.xml", rss([(f"/p/{i}", f"t{i}", None) for i in range(1, 4)]), content_type="application/rss+xml")
    for i in range(1, 4):
        site.serve(f"/p/{i}", article(i))
    src = source(site, "/feed.xml", min_delay_s=10)
    # robots.txt at t=0, the feed at 10, one page at 20; the next would start at 30 > 25
    runs = collect(con, [src], inbox, run_id="r1", clock=clock, budget=25)
    assert runs[0].status == "ok" and runs[0].new_pages == 1
    assert sorted(v[0] for v in urls(con, "kind = 'page'").values()) == ["fetched", "pending", "pending"]
    clock.advance(hours=1)
    runs = collect(con, [src], inbox, run_id="r2", clock=clock, budget=100)
    assert runs[0].new_pages == 2 and len(records(inbox)) == 3
