"""The morning brief, on a small synthetic archive of marts and on the bundled articles.

The synthetic marts are written by hand (columns as in the real marts), so every figure the
brief shows is known here; the bundled run goes through the real pipeline and compares the
brief with queries on the analyst copy it read.
"""

import base64
import datetime as dt
import html
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.brief import report
from orchestration.cli.brief import main as brief_cli
from tests.paths import paths_under

pytestmark = pytest.mark.integration

D = dt.date.fromisoformat
SCRIPT = "<script>alert('x')</script>"
NEWEST = D("2023-05-10")

# event_id, date, precision, country, admin1, admin2, location, lat, lon, type, sub-type, actor1, actor2,
# killed low/best/high, wounded low/best/high, reports, sources
EVENTS = [
    (
        "e01",
        "2023-05-10",
        "day",
        "Iraq",
        "Kirkuk",
        "Hawija",
        "Hawija",
        35.32,
        43.77,
        "Battles",
        "Armed clash",
        "ISIS",
        "Iraqi Security Forces",
        2,
        4,
        5,
        1,
        1,
        3,
        2,
        2,
    ),
    (
        "e02",
        "2023-05-10",
        "day",
        "Syria",
        "Deir ez-Zor",
        "Al Mayadin",
        "Al Mayadin",
        35.02,
        40.45,
        "Explosions/Remote violence",
        "Air/drone strike",
        "Turkish Armed Forces",
        None,
        3,
        3,
        3,
        None,
        None,
        None,
        1,
        1,
    ),
    (
        "e03",
        "2023-05-09",
        "day",
        "Iraq",
        "Ninewa",
        "Mosul",
        "Mosul",
        36.34,
        43.13,
        "Violence against civilians",
        "Attack",
        "ISIS",
        "Civilians",
        None,
        None,
        None,
        2,
        2,
        2,
        1,
        1,
    ),
    (
        "e04",
        "2023-05-06",
        "day",
        "Syria",
        "Idleb",
        "Idleb",
        "Idleb",
        35.93,
        36.63,
        "Battles",
        "Armed clash",
        "Syrian Arab Army",
        "HTS",
        7,
        7,
        7,
        0,
        0,
        0,
        1,
        1,
    ),
    (
        "e05",
        "2023-04-30",
        "day",
        "Iraq",
        "Baghdad",
        "Karkh",
        "Baghdad",
        33.34,
        44.40,
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        None,
        None,
        1,
        1,
        1,
        4,
        4,
        4,
        1,
        1,
    ),
    (
        "e06",
        "2023-04-20",
        "day",
        "Iraq",
        "Anbar",
        "Ramadi",
        "Ramadi",
        33.42,
        43.30,
        "Battles",
        "Armed clash",
        "ISIS",
        "Iraqi Security Forces",
        10,
        10,
        10,
        None,
        None,
        None,
        1,
        1,
    ),
    (
        "e07",
        "2023-03-01",
        "day",
        "Syria",
        "Aleppo",
        "Aleppo",
        "Aleppo",
        36.20,
        37.16,
        "Battles",
        "Armed clash",
        "Syrian Arab Army",
        "SDF",
        5,
        5,
        5,
        None,
        None,
        None,
        1,
        1,
    ),
    (
        "e08",
        "2023-05-01",
        "week",
        "Iraq",
        "Diyala",
        None,
        None,
        33.75,
        44.60,
        "Battles",
        "Armed clash",
        "ISIS",
        None,
        6,
        6,
        6,
        None,
        None,
        None,
        1,
        1,
    ),
    (
        "e09",
        "2023-05-08",
        "day",
        "Iraq",
        "Salah al-Din",
        None,
        None,
        None,
        None,
        "Battles",
        "Armed clash",
        "ISIS",
        None,
        1,
        1,
        1,
        None,
        None,
        None,
        1,
        1,
    ),
    (
        "e10",
        "2022-01-01",
        "day",
        "Iraq",
        "Basra",
        "Basra",
        "Basra",
        30.51,
        47.78,
        "Battles",
        "Armed clash",
        None,
        None,
        100,
        100,
        100,
        None,
        None,
        None,
        1,
        1,
    ),
]
EVENT_COLUMNS = (
    "event_id VARCHAR, event_date DATE, date_precision VARCHAR, country VARCHAR, admin1 VARCHAR, "
    "admin2 VARCHAR, location VARCHAR, latitude DOUBLE, longitude DOUBLE, event_type VARCHAR, "
    "sub_event_type VARCHAR, actor1 VARCHAR, actor2 VARCHAR, fatalities_low INT, fatalities_best INT, "
    "fatalities_high INT, injured_low INT, injured_best INT, injured_high INT, n_reports INT, "
    "n_sources INT, first_published_date DATE"
)


def _build_marts(path: Path, events=EVENTS, extra_reports=()) -> None:
    """An analyst copy with the marts the brief reads, one report per event (e01 has two)."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute(f"CREATE TABLE marts.fct_events ({EVENT_COLUMNS})")
    for e in events:
        con.execute(f"INSERT INTO marts.fct_events VALUES ({', '.join('?' * 22)})", [*e, e[1]])
    con.execute(
        "CREATE TABLE marts.fct_event_reports (report_id VARCHAR, event_id VARCHAR, article_id VARCHAR, "
        "evidence VARCHAR, url VARCHAR, published_date DATE)"
    )
    con.execute("CREATE TABLE marts.dim_articles (article_id VARCHAR, source_path VARCHAR)")
    reports = [
        (f"a_{e[0]}_r1", e[0], f"a_{e[0]}", f"قتل {e[14] or 0} في {e[6] or 'مكان'} يوم الحادث", None, e[1])
        for e in events
    ]
    if any(e[0] == "e01" for e in events):
        reports[0] = (
            "a_e01_r1",
            "e01",
            "a_e01",
            f"هاجم مسلحون قرية قرب الحويجة {SCRIPT}",
            "javascript:alert(1)",
            "2023-05-10",
        )
        reports.append(
            (
                "a_e01b_r1",
                "e01",
                "a_e01b",
                "قتل أربعة من عناصر الأمن في الحويجة",
                "https://news.example.org/a?x=1&y=<b>",
                "2023-05-11",
            )
        )
    reports += list(extra_reports)
    for r in reports:
        con.execute("INSERT INTO marts.fct_event_reports VALUES (?, ?, ?, ?, ?, ?)", r)
        con.execute("INSERT INTO marts.dim_articles VALUES (?, ?)", [r[2], f"inbox/{r[2]}.txt"])
    con.execute("CREATE TABLE marts.report_review_queue (report_id VARCHAR, quality_issue VARCHAR)")
    con.executemany(
        "INSERT INTO marts.report_review_queue VALUES (?, ?)",
        [
            ("q1", "event date unknown (yesterday)"),
            ("q2", "implausible killed (12000); event date 2023-05-12 after published_date 2023-05-10"),
            ("q3", "event date unknown (weekday)"),
        ],
    )
    con.close()


class Resources(HTMLParser):
    """Every address the page would load or link, with the tag it is on."""

    def __init__(self):
        super().__init__()
        self.refs, self.tags, self.style = [], [], ""
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("src", "href", "action", "poster", "data", "srcset", "xlink:href", "background"):
                self.refs.append((tag, dict(attrs).get("class"), name, value or ""))
            if name == "style":
                self.style += value or ""

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style += data


def external_references(page: str) -> list:
    """Addresses that would reach out of the file: anything but data: URIs and source links."""
    parser = Resources()
    parser.feed(page)
    bad = [
        r
        for r in parser.refs
        if not r[3].startswith("data:") and not (r[0] == "a" and r[1] == "source" and re.match(r"https?://[^/]", r[3]))
    ]
    bad += re.findall(r"@import|url\(\s*['\"]?(?!data:)[^)]*\)", parser.style)
    bad += [t for t in parser.tags if t in ("script", "link", "iframe", "object", "embed", "base")]
    return bad


def _svgs(page: str) -> list[str]:
    return [base64.b64decode(m).decode("utf-8") for m in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)]


@pytest.fixture
def archive(tmp_path):
    db = tmp_path / "analyst.duckdb"
    _build_marts(db)
    return db


def _period(brief, label):
    return brief.headline[label]


def test_archive_brief_figures_and_window_rule(archive, tmp_path):
    out = tmp_path / "briefs"
    result = report.write_brief(archive, out, D("2026-12-01"), mode="run")
    b = result.brief
    # nothing is dated on the run date: the windows end at the newest incident, and say so
    assert b.window_end == NEWEST
    assert "newest incident date" in b.window_rule and "2026-12-01" in b.window_rule
    day, prev_day = _period(b, "last 24 h"), _period(b, "previous 24 h")
    week, prev_week = _period(b, "last 7 days"), _period(b, "previous 7 days")
    assert (day.events, day.killed_best, day.killed_low, day.killed_high, day.wounded_best) == (2, 7, 5, 8, 1)
    assert (prev_day.events, prev_day.killed_best, prev_day.wounded_best) == (1, 0, 2)
    assert (week.start, week.end, week.events, week.killed_best) == (D("2023-05-04"), NEWEST, 5, 15)
    # e08 is dated only to the week of 2023-05-01: not counted in any window
    assert (prev_week.events, prev_week.killed_best, prev_week.wounded_best) == (1, 1, 4)
    assert b.n_coarse_dates == 1
    assert day.by_country == [("Iraq", 1, 4), ("Syria", 1, 3)]
    assert [(a1, k) for _, a1, _, k, _, _ in b.killed_by_governorate][:4] == [
        ("Anbar", 10),
        ("Idleb", 7),
        ("Kirkuk", 4),
        ("Deir ez-Zor", 3),
    ]
    assert len(b.daily) == 90 and b.daily[0][0] == D("2023-02-10") and b.daily[-1] == (NEWEST, 2, 7)
    assert {d: k for d, _, k in b.daily}[D("2023-03-01")] == 5
    assert b.actor_pairs[0] == ("ISIS", "Iraqi Security Forces", 2, 14)
    assert len(b.map_points) == 6 and b.n_map_without_coordinates == 1  # e09 has no coordinates
    assert b.review_total == 3
    assert dict(b.review_by_issue) == {
        "event date unknown": 2,
        "implausible killed": 1,
        "event date after publication date": 1,
    }
    # first brief from this copy: every event is new, largest toll first
    assert b.n_new_events == 10 and [e.event_id for e in b.new_events[:2]] == ["e10", "e06"]
    e01 = next(e for e in b.new_events if e.event_id == "e01")
    assert e01.fatalities == (2, 4, 5) and e01.n_sources == 2
    assert e01.note == "Armed clash in Hawija, Kirkuk, Iraq: ISIS against Iraqi Security Forces; 4 killed, 1 wounded."
    assert result.path == out / "2026-12-01.html" and result.latest.read_text() == result.path.read_text()
    assert result.numbers()["killed_7d"] == 15 and result.numbers()["reports_in_review"] == 3


def test_figures_equal_queries_on_the_marts(archive, tmp_path):
    b = report.write_brief(archive, tmp_path / "b", NEWEST, mode="run").brief
    con = duckdb.connect(str(archive), read_only=True)
    for p in b.periods:
        assert (p.events, p.killed_best, p.wounded_best) == con.execute(
            "SELECT count(*), coalesce(sum(fatalities_best), 0), coalesce(sum(injured_best), 0) "
            "FROM marts.fct_events WHERE date_precision = 'day' AND event_date BETWEEN ? AND ?",
            [p.start, p.end],
        ).fetchone(), p.label
    assert (
        sum(k for *_, k, _, _ in b.killed_by_governorate)
        == con.execute(
            "SELECT sum(fatalities_best) FROM marts.fct_events WHERE date_precision = 'day' "
            "AND event_date > ?::DATE - 30",
            [NEWEST],
        ).fetchone()[0]
    )
    assert b.review_total == con.execute("SELECT count(*) FROM marts.report_review_queue").fetchone()[0]
    con.close()


def test_page_is_self_contained_and_escapes_article_text(archive, tmp_path):
    page = report.write_brief(archive, tmp_path / "b", D("2026-12-01"), mode="run").path.read_text()
    assert external_references(page) == []
    # the article's markup is text: escaped in the evidence cell, never a tag
    assert html.escape(SCRIPT) in page and SCRIPT not in page and "<script" not in page.lower()
    # a javascript: URL is not a link; an http one is, with its query escaped
    assert 'href="javascript' not in page and "javascript:alert(1)" in page
    assert 'class="source" href="https://news.example.org/a?x=1&amp;y=&lt;b&gt;"' in page
    # Arabic evidence in a right-to-left cell, in a font with Arabic glyphs named with fallbacks
    assert re.search(r"<td class='ar' dir='rtl' lang='ar'>(<p>[^<]*</p>)*<p>هاجم مسلحون", page)
    assert re.search(r'\.ar \{ font-family: "Noto Naskh Arabic", "Amiri", .*serif; direction: rtl', page)
    svgs = _svgs(page)
    assert len(svgs) == 4 and all(s.lstrip().startswith("<?xml") and "<svg" in s for s in svgs)
    # no address but the XML namespace names (identifiers, never fetched)
    assert all("http" not in re.sub(r'xmlns(:\w+)?="[^"]+"', "", s) for s in svgs)
    assert "Natural Earth" in page and "GeoNames" in page  # sources credited


def test_second_brief_lists_only_what_the_run_published(archive, tmp_path):
    out = tmp_path / "b"
    report.write_brief(archive, out, D("2026-12-01"), mode="run")
    again = report.write_brief(archive, out, D("2026-12-02"), mode="run").brief
    assert again.n_new_events == 0 and again.new_events == []
    assert "No new events." in (out / "2026-12-02.html").read_text()
    # next run: a new event e11 and a new report of e01 (an update, not a new event)
    e11 = (
        "e11",
        "2023-03-15",
        "day",
        "Syria",
        "Raqqa",
        "Raqqa",
        "Raqqa",
        35.95,
        39.01,
        "Battles",
        "Armed clash",
        "SDF",
        "ISIS",
        2,
        2,
        2,
        None,
        None,
        None,
        1,
        1,
    )
    _build_marts(
        archive, EVENTS + [e11], extra_reports=[("a_late_r1", "e01", "a_late", "تحديث الحصيلة", None, "2023-05-12")]
    )
    third = report.write_brief(archive, out, D("2026-12-03"), mode="run").brief
    assert [e.event_id for e in third.new_events] == ["e11"] and third.n_updated_events == 1
    assert "1 earlier event received new reports" in (out / "latest.html").read_text()


def test_cli_day_range_and_empty_day(archive, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ANALYST_DB_PATH", str(archive))
    monkeypatch.setenv("BRIEFS_DIR", str(tmp_path / "briefs"))
    monkeypatch.setenv("WAREHOUSE_PATH", str(tmp_path / "no_warehouse.duckdb"))
    monkeypatch.setenv("GX_DOCS_DIR", str(tmp_path / "gx_docs"))
    assert brief_cli(["--date", "2023-05-10"]) == 0
    page = (tmp_path / "briefs" / "brief_2023-05-10.html").read_text()
    assert "New events: 2" in page  # e01 and e02 were first reported that day
    assert "Windows end on 2023-05-10, the chosen date." in page
    assert "the warehouse is not available" in page and "no stored GX validation results" in page
    # a day with nothing reported, after the newest incident: says so, windows end before it
    assert brief_cli(["--date", "2023-05-07"]) == 0
    page = (tmp_path / "briefs" / "brief_2023-05-07.html").read_text()
    assert "No new events." in page and "Windows end on 2023-05-06, the newest incident date" in page
    assert "nothing is dated on 2023-05-07 (the chosen date)" in page
    assert not (tmp_path / "briefs" / "latest.html").exists()  # the pipeline's, not the CLI's
    # a range adds its own column beside the 24 h and 7 days
    assert brief_cli(["--from", "2023-04-11", "--to", "2023-05-10"]) == 0
    page = (tmp_path / "briefs" / "brief_2023-04-11_to_2023-05-10.html").read_text()
    assert "selected range" in page and "New events: 8" in page  # e08 too (dated to a week)
    capsys.readouterr()
    with pytest.raises(SystemExit):
        brief_cli(["--from", "2023-05-10", "--to", "2023-05-01"])
    assert "after --to" in capsys.readouterr().err
    monkeypatch.setenv("ANALYST_DB_PATH", str(tmp_path / "missing.duckdb"))
    assert brief_cli(["--date", "2023-05-10"]) == 2
    assert "run the pipeline first" in capsys.readouterr().err


def test_empty_marts_give_a_brief_that_says_so(tmp_path):
    db = tmp_path / "analyst.duckdb"
    _build_marts(db, events=[])
    result = report.write_brief(db, tmp_path / "b", D("2026-12-01"), mode="run")
    page = result.path.read_text()
    assert "The marts hold no dated event." in page and "No new events." in page
    assert external_references(page) == [] and len(_svgs(page)) == 4
    assert result.numbers()["events_7d"] == 0 and result.brief.review_total == 3


def test_notes_column_is_used_when_the_mart_has_it(archive, tmp_path):
    con = duckdb.connect(str(archive))
    con.execute("ALTER TABLE marts.fct_events ADD COLUMN notes VARCHAR")
    con.execute(
        "UPDATE marts.fct_events SET notes = 'On 10 May 2023, ISIS attacked <b>police</b>.' WHERE event_id = 'e01'"
    )
    con.close()
    b = report.write_brief(archive, tmp_path / "b", NEWEST, mode="run")
    e01 = next(e for e in b.brief.new_events if e.event_id == "e01")
    assert e01.note_is_mart_column and e01.note.startswith("On 10 May 2023")
    assert "ISIS attacked &lt;b&gt;police&lt;/b&gt;." in b.path.read_text()


def test_country_outlines_are_read_from_natural_earth():
    from shapely.geometry import Point, Polygon

    from orchestration.brief import geo

    outlines = dict(geo.country_outlines(geo.DEFAULT_EXTENT))
    assert {"Iraq", "Syria", "Turkey", "Iran", "Jordan", "Saudi Arabia"} <= set(outlines)
    iraq = [Polygon(ring) for ring in outlines["Iraq"]]
    assert any(p.contains(Point(44.36, 33.31)) for p in iraq)  # Baghdad
    assert not any(p.contains(Point(36.28, 33.51)) for p in iraq)  # Damascus
    assert any(Polygon(r).contains(Point(36.28, 33.51)) for r in outlines["Syria"])
    # a point abroad widens the map, within bounds
    assert geo.extent_for([(55.3, 25.2)])[1] > 56 and geo.extent_for([(120.0, 0.0)]) == (
        geo.DEFAULT_EXTENT[0],
        geo.MAX_EXTENT[1],
        geo.MAX_EXTENT[2],
        geo.DEFAULT_EXTENT[3],
    )


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page: Path, png: Path, height: int = 2600) -> subprocess.CompletedProcess:
    """Headless Chromium with every network request refused (only file:// loads)."""
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
            f"--window-size=1280,{height}",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(png.parent)},
    )


def colour_share(png: Path, rgb: tuple[int, int, int], tolerance: int = 12) -> float:
    from PIL import Image

    with Image.open(png) as im:
        small = im.convert("RGB").resize((640, im.height // 2))
        pixels = [small.getpixel((x, y)) for y in range(small.height) for x in range(small.width)]
    near = sum(1 for p in pixels if all(abs(a - b) <= tolerance for a, b in zip(p, rgb)))
    return near / len(pixels)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (make brief-deps installs it)")
def test_brief_renders_in_headless_chromium_with_map_and_charts(archive, tmp_path):
    latest = report.write_brief(archive, tmp_path / "b", D("2026-12-01"), mode="run").latest
    png = tmp_path / "brief.png"
    proc = screenshot(latest, png)
    assert proc.returncode == 0 and png.exists(), proc.stderr[-2000:]
    assert colour_share(png, (0xDC, 0xE9, 0xF2)) > 0.004  # the map's sea
    assert colour_share(png, (0xB0, 0x3A, 0x2E)) > 0.0005  # the killed bars
    assert colour_share(png, (0xFF, 0xF7, 0xE0)) > 0.001  # the window-rule banner


# --------------------------------------------------------------------------- the pipeline's brief


@pytest.fixture(scope="module")
def bundled_run(bundled_pipeline_run):
    """The real pipeline on the bundled articles, brief included (run once per session, conftest),
    with its paths in the environment for this module."""
    env, result = bundled_pipeline_run
    with pytest.MonkeyPatch.context() as mp:
        for var, p in env.items():
            mp.setenv(var, str(p))
        yield env, result


def test_pipeline_writes_the_brief_of_the_bundled_articles(bundled_run, tmp_path):
    env, result = bundled_run
    assert result.success
    brief_events = [e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey("morning_brief")]
    assert len(brief_events) == 1
    md = brief_events[0].materialization.metadata
    latest = env["BRIEFS_DIR"] / "latest.html"
    dated = Path(md["path"].value)
    assert dated.parent == env["BRIEFS_DIR"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}\.html", dated.name)
    page = latest.read_text(encoding="utf-8")
    assert page == dated.read_text(encoding="utf-8")
    with duckdb.connect(str(env["ANALYST_DB_PATH"]), read_only=True) as con:
        n_events, newest = con.execute("SELECT count(*), max(event_date) FROM marts.fct_events").fetchone()
        review = con.execute("SELECT count(*) FROM marts.report_review_queue").fetchone()[0]
        day = con.execute(
            "SELECT count(*), coalesce(sum(fatalities_best), 0), coalesce(sum(injured_best), 0) "
            "FROM marts.fct_events WHERE date_precision = 'day' AND event_date = ?",
            [newest],
        ).fetchone()
        week_killed = con.execute(
            "SELECT coalesce(sum(fatalities_best), 0) FROM marts.fct_events "
            "WHERE date_precision = 'day' AND event_date > ?::DATE - 7",
            [newest],
        ).fetchone()[0]
        admin1s = [
            r[0]
            for r in con.execute("SELECT DISTINCT admin1 FROM marts.fct_events WHERE admin1 IS NOT NULL").fetchall()
        ]
        evidence = con.execute("SELECT evidence FROM marts.fct_event_reports ORDER BY report_id LIMIT 1").fetchone()[0]
    # the bundled articles are from 2021-2022: an archive, so the windows end at the newest incident
    assert md["window"].value.startswith(f"Windows end on {newest}, the newest incident date")
    assert (md["new_events"].value, md["events_total"].value, md["reports_in_review"].value) == (
        n_events,
        n_events,
        review,
    )
    assert (md["events_24h"].value, md["killed_24h"].value, md["wounded_24h"].value) == day
    assert md["killed_7d"].value == week_killed and n_events >= 3
    assert f"New events: {n_events}" in page and all(html.escape(a) in page for a in admin1s)
    assert html.escape(evidence[:40]) in page
    assert external_references(page) == []
    # checks of this run are listed (GX suites and dbt tests)
    m = re.search(r"Checks \(this run\): (\d+) of (\d+) passed", page)
    assert m and int(m.group(2)) >= 10 and "gx_fct_events" in page
    assert "Rejected inputs (this run): 0" in page
    # the UI preview: headline table, top events, one PNG chart inline
    preview = md["preview"].value
    assert "| events |" in preview and "Kirkuk" in preview
    png = base64.b64decode(re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)\)", preview).group(1))
    assert png.startswith(b"\x89PNG") and len(png) < 120_000
    if CHROMIUM:
        shot = tmp_path / "latest.png"
        proc = screenshot(latest, shot)
        assert proc.returncode == 0 and colour_share(shot, (0xDC, 0xE9, 0xF2)) > 0.004, proc.stderr[-2000:]


HOSTILE = {  # an article whose text and URL carry markup: the brief shows it as text
    "url": "https://news.example.org/iraq/2024/05/06/attack?id=7&x=<b>",
    "title": "هجوم في كركوك",
    "sitename": "أخبار المثال",
    "date": "2024-05-06",
    "text": "كركوك - قتل ثلاثة جنود من الجيش العراقي وأصيب اثنان آخران أمس الأحد في هجوم شنه مسلحون من "
    "تنظيم داعش على نقطة تفتيش في قضاء الحويجة جنوب غربي كركوك <script>alert('x')</script> بحسب "
    "مصدر أمني.\nوقال المصدر إن القوات الأمنية طوقت المنطقة وبدأت عمليات تفتيش بحثا عن المهاجمين.",
}


@pytest.fixture(scope="module")
def generated_run(tmp_path_factory):
    """The real pipeline on a small generated archive (news pages dated 2023-2025) plus one article
    carrying markup."""
    import json
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import generate_corpus

    base = tmp_path_factory.mktemp("generated")
    env = paths_under(base)
    generate_corpus.generate_corpus(env["ARTICLES_DIR"], 30, seed=5)
    (env["ARTICLES_DIR"] / "hostile.json").write_text(json.dumps(HOSTILE, ensure_ascii=False), encoding="utf-8")
    (env["ARTICLES_DIR"] / "scan.pdf").write_bytes(b"%PDF-1.4 not an article")  # rejected by the ingest
    with pytest.MonkeyPatch.context() as mp:
        for var, p in env.items():
            mp.setenv(var, str(p))
        from orchestration.definitions import defs
        from orchestration.defs.resources import build_resources

        result = dg.materialize(
            [*defs.assets, *defs.asset_checks],
            resources=build_resources(),
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
        )
        yield env, result


def test_pipeline_brief_of_a_generated_archive_equals_the_marts(generated_run):
    env, result = generated_run
    assert result.success
    md = next(
        e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey("morning_brief")
    ).materialization.metadata
    page = (env["BRIEFS_DIR"] / "latest.html").read_text(encoding="utf-8")
    with duckdb.connect(str(env["ANALYST_DB_PATH"]), read_only=True) as con:
        n_events, newest = con.execute("SELECT count(*), max(event_date) FROM marts.fct_events").fetchone()
        expected = {}
        for name, start, end in (("24h", newest, newest), ("7d", newest - dt.timedelta(days=6), newest)):
            expected[name] = con.execute(
                "SELECT count(*), coalesce(sum(fatalities_best), 0), coalesce(sum(injured_best), 0) "
                "FROM marts.fct_events WHERE date_precision = 'day' AND event_date BETWEEN ? AND ?",
                [start, end],
            ).fetchone()
        killed_30d = con.execute(
            "SELECT coalesce(sum(fatalities_best), 0) FROM marts.fct_events "
            "WHERE date_precision = 'day' AND event_date > ?::DATE - 30",
            [newest],
        ).fetchone()[0]
        review = con.execute("SELECT count(*) FROM marts.report_review_queue").fetchone()[0]
        hostile = con.execute("SELECT url FROM marts.fct_event_reports WHERE evidence LIKE '%<script>%'").fetchall()
    assert n_events >= 20 and newest < dt.date(2026, 1, 1)  # an archive: windows end at its newest incident
    assert md["window"].value.startswith(f"Windows end on {newest}, the newest incident date")
    assert (md["events_24h"].value, md["killed_24h"].value, md["wounded_24h"].value) == expected["24h"]
    assert (md["events_7d"].value, md["killed_7d"].value, md["wounded_7d"].value) == expected["7d"]
    assert (md["new_events"].value, md["events_total"].value, md["reports_in_review"].value) == (
        n_events,
        n_events,
        review,
    )
    assert f"New events: {n_events}" in page
    # the governorate chart's data (killed over 30 days) is drawn from the same marts
    from orchestration.brief import data as brief_data

    assert (
        sum(k for *_, k, _, _ in brief_data.collect(env["ANALYST_DB_PATH"], newest, mode="run").killed_by_governorate)
        == killed_30d
    )
    # the article's markup reached the marts as text, and the page shows it escaped
    assert len(hostile) == 1 and hostile[0][0].startswith("https://news.example.org/iraq/2024/05/06/attack?id=7&")
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page and "<script" not in page.lower()
    assert f'class="source" href="{html.escape(hostile[0][0])}"' in page
    assert external_references(page) == []
    # data quality: this run's rejected input, and the GX suites of this run
    assert "Rejected inputs (this run): 1" in page and "unsupported file type .pdf" in page
    assert re.search(r"Checks \(this run\): \d+ of \d+ passed", page) and "gx_raw_articles" in page
