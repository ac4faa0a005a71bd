"""End-to-end test of the dbt project on a tiny, hand-written warehouse.

Builds the Python-written tables of the contract (raw/clean/extract) in a temporary DuckDB file,
copies dbt_project/ to a temp dir with FIXTURE lexicon seeds (so the test does not depend on the
analyst-edited lexicons), runs `dbt build` and checks the marts.

Run as a script to get a scratch warehouse for development:
    .venv/bin/python tests/dbt_project/test_dbt_models.py /tmp/dbt_scratch
then
    WAREHOUSE_PATH=/tmp/dbt_scratch/warehouse.duckdb .venv/bin/dbt build \
        --project-dir /tmp/dbt_scratch/dbt_project --profiles-dir /tmp/dbt_scratch/dbt_project
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO / "dbt_project"
DBT_BIN = Path(sys.executable).with_name("dbt")

FIXTURE_SEEDS = {
    "places.csv": """place_id,name,name_ar,aliases_ar,feature_type,admin1,admin2,country,latitude,longitude
iq,Iraq,العراق,العراق|عراق,country,,,Iraq,33.2,43.7
sy,Syria,سوريا,سوريا|سورية,country,,,Syria,35.0,38.5
iq_kirkuk,Kirkuk,كركوك,كركوك|محافظة كركوك,admin1,Kirkuk,,Iraq,35.4681,44.3922
iq_hawija,Hawija,الحويجة,الحويجة|قضاء الحويجة,town,Kirkuk,Hawija,Iraq,35.3167,43.7667
iq_diyala,Diyala,ديالى,ديالى|ديالي,admin1,Diyala,,Iraq,33.75,45.0
iq_muqdadiya,Muqdadiya,المقدادية,المقدادية,town,Diyala,Muqdadiya,Iraq,33.9786,44.9369
sy_hasakeh,Al-Hasakeh,الحسكة,الحسكة|محافظة الحسكة,admin1,Al-Hasakeh,,Syria,36.5,40.75
sy_qamishli,Qamishli,القامشلي,القامشلي,city,Al-Hasakeh,Qamishli,Syria,37.05,41.2167
sy_badpoint,Bad Point,نقطة خاطئة,نقطة خاطئة,village,Al-Hasakeh,,Syria,31.0,30.0
""",
    "places_geonames.csv": """place_id,name,name_ar,aliases_ar,feature_type,admin1,admin2,country,latitude,longitude
gn99072,Mosul,الموصل,الموصل,city,Ninewa,,Iraq,36.335,43.11889
iq_kirkuk,Kirkuk (GeoNames),كركوك,كركوك,city,Kirkuk,,Iraq,35.0,44.0
""",
    "actors.csv": """actor_id,name,name_ar,aliases_ar,actor_type,country
isis,ISIS,داعش,داعش|تنظيم داعش,Rebel Groups,
iq_army,Iraqi Army,الجيش العراقي,الجيش العراقي,State Forces,Iraq
sdf,Syrian Democratic Forces (SDF),قوات سوريا الديمقراطية,قسد,Rebel Groups,Syria
tr_army,Military Forces of Turkey,الجيش التركي,الجيش التركي|القوات التركية,External/Other Forces,Turkey
civilians,Civilians,مدنيون,مدنيين|مدنيون,Civilians,
""",
    "event_triggers.csv": """trigger_id,aliases_ar,event_type,sub_event_type,priority
ambush,كمين,Battles,Armed clash,70
armed_clash,اشتباك|اشتباكات,Battles,Armed clash,60
attack,هجوم|هاجم,Battles,Armed clash,50
abduction,اختطاف|خطف,Violence against civilians,Abduction/forced disappearance,75
airstrike,غارة|طائرة مسيرة,Explosions/Remote violence,Air/drone strike,80
""",
}

# Seeds that are not lexicons (export code lists, note templates, the analyst corrections):
# copied from dbt_project/seeds as they are.
PROJECT_SEEDS = ("countries.csv", "source_scales.csv", "note_templates.csv", "report_corrections.csv")

ARTICLES = [
    # article_id, site, url, published, source_type, clean_text
    (
        "a_kirkuk_alsumaria",
        "alsumaria.tv",
        "https://alsumaria.tv/news/1",
        date(2024, 3, 11),
        "html",
        "قتل تسعة من الجيش العراقي في كمين لداعش في الحويجة بكركوك",
    ),
    (
        "a_kirkuk_shafaq",
        "shafaq.com",
        "https://shafaq.com/ar/2",
        date(2024, 3, 12),
        "html",
        "ارتفعت حصيلة كمين داعش في كركوك الى 11 قتيلا. وفي ديالى هاجم مسلحون مدنيين في المقدادية فقتلوا ثلاثة",
    ),
    (
        "a_hasakeh_hawar",
        "hawarnews.com",
        "https://hawarnews.com/3",
        date(2024, 5, 2),
        "html",
        "قتل ثلاثة بينهم مدني بغارة طائرة مسيرة تركية على القامشلي في الحسكة",
    ),
    ("a_syria_txt", None, None, date(2024, 6, 1), "txt", "اندلعت اشتباكات بين قسد وداعش في سوريا أسفرت عن مقتل اثنين"),
    # no publication date could be found: a relative date ("yesterday") cannot be resolved
    ("a_undated_txt", None, None, None, "txt", "قتل اثنان من الجيش العراقي امس في هجوم لداعش في المقدادية بديالى"),
]

# report_id, article_id, seq, event_date, place_id, trigger_id, actor1, actor2, killed, wounded
REPORTS = [
    (
        "a_kirkuk_alsumaria_r1",
        "a_kirkuk_alsumaria",
        1,
        date(2024, 3, 10),
        "iq_hawija",
        "ambush",
        "isis",
        "iq_army",
        9,
        4,
    ),
    ("a_kirkuk_shafaq_r1", "a_kirkuk_shafaq", 1, date(2024, 3, 10), "iq_kirkuk", "ambush", "isis", "iq_army", 11, None),
    (
        "a_kirkuk_shafaq_r2",
        "a_kirkuk_shafaq",
        2,
        date(2024, 3, 11),
        "iq_muqdadiya",
        "attack",
        None,
        "civilians",
        3,
        None,
    ),
    ("a_hasakeh_hawar_r1", "a_hasakeh_hawar", 1, date(2024, 5, 1), "sy_qamishli", "airstrike", "tr_army", "sdf", 3, 2),
    (
        "a_hasakeh_hawar_r2",
        "a_hasakeh_hawar",
        2,
        date(2024, 5, 1),
        "sy_hasakeh",
        "armed_clash",
        "sdf",
        "isis",
        50000,
        None,
    ),
    ("a_hasakeh_hawar_r3", "a_hasakeh_hawar", 3, date(2024, 9, 1), "sy_hasakeh", "airstrike", "tr_army", None, 1, None),
    ("a_hasakeh_hawar_r4", "a_hasakeh_hawar", 4, date(2024, 5, 1), "sy_badpoint", "armed_clash", "sdf", None, 1, None),
    ("a_syria_txt_r1", "a_syria_txt", 1, date(2024, 5, 31), None, "armed_clash", "sdf", "isis", 2, None),
    # undated (event_date NULL, date_rule 'unknown'): must wait in the review queue
    ("a_undated_txt_r1", "a_undated_txt", 1, None, "iq_muqdadiya", "attack", "isis", "iq_army", 2, None),
]

FLAGGED = {  # report_id -> the quality_issue it must get
    "a_hasakeh_hawar_r2": "implausible killed (50000)",
    "a_hasakeh_hawar_r3": "event_date 2024-09-01 after published_date 2024-05-02",
    "a_hasakeh_hawar_r4": "coordinates outside Syria bounding box",
    "a_undated_txt_r1": "event date unknown (unknown)",
}

# report_id, victim_actor_id, killed, wounded
VICTIMS = [
    ("a_hasakeh_hawar_r1", "sdf", 2, None),
    ("a_hasakeh_hawar_r1", "civilians", 1, 2),
]

DDL = """
create schema if not exists raw;
create schema if not exists clean;
create schema if not exists extract;
create table raw.articles (
  article_id varchar primary key, source_path varchar, source_type varchar, source_line integer,
  content_sha256 varchar, text_fingerprint varchar, url varchar, title varchar, site varchar,
  published_meta date, raw_text varchar, ingested_at timestamp);
create table clean.articles (
  article_id varchar primary key, clean_text varchar, title varchar, n_chars integer,
  arabic_share double, language varchar, published_date date, date_source varchar,
  date_evidence varchar, n_lines_removed integer, cleaned_at timestamp);
create table extract.event_reports (
  report_id varchar primary key, article_id varchar, seq integer, event_date date,
  date_precision varchar, date_rule varchar, date_text varchar, place_id varchar,
  location_text varchar, trigger_id varchar, trigger_text varchar, actor1_id varchar,
  actor2_id varchar, killed integer, wounded integer, killed_rule varchar, wounded_rule varchar,
  vague_text varchar, evidence varchar, extractor_version varchar, extracted_at timestamp);
create table extract.report_victims (
  report_id varchar, victim_actor_id varchar, killed integer, wounded integer, evidence varchar);
"""


def build_warehouse(path: Path) -> None:
    """Create the Python-written tables of the contract with a handful of realistic rows."""
    now = datetime(2024, 6, 2, 12, 0, 0)
    con = duckdb.connect(str(path))
    try:
        con.execute(DDL)
        for aid, site, url, published, stype, text in ARTICLES:
            meta = published if stype == "html" else None
            con.execute(
                "insert into raw.articles values (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    aid,
                    f"seeds/articles/{aid}.{stype}",
                    stype,
                    None,
                    "sha_" + aid,
                    "fp_" + aid,
                    url,
                    text[:40],
                    site,
                    meta,
                    text,
                    now,
                ],
            )
            con.execute(
                "insert into clean.articles values (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    aid,
                    text,
                    text[:40],
                    len(text),
                    1.0,
                    "ar",
                    published,
                    "metadata" if meta else ("text_dateline" if published else "unknown"),
                    None,
                    0,
                    now,
                ],
            )
        for rid, aid, seq, ev_date, place, trig, a1, a2, killed, wounded in REPORTS:
            con.execute(
                "insert into extract.event_reports values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    rid,
                    aid,
                    seq,
                    ev_date,
                    "day" if ev_date else None,
                    "test" if ev_date else "unknown",
                    None,
                    place,
                    None,
                    trig,
                    None,
                    a1,
                    a2,
                    killed,
                    wounded,
                    "test" if killed is not None else None,
                    "test" if wounded is not None else None,
                    None,
                    "evidence",
                    "test",
                    now,
                ],
            )
        for rid, actor, killed, wounded in VICTIMS:
            con.execute(
                "insert into extract.report_victims values (?,?,?,?,?)", [rid, actor, killed, wounded, "evidence"]
            )
    finally:
        con.close()


def make_scratch(root: Path) -> tuple[Path, Path]:
    """Copy dbt_project to root/dbt_project with fixture seeds; build root/warehouse.duckdb."""
    root.mkdir(parents=True, exist_ok=True)
    project = root / "dbt_project"
    if project.exists():
        shutil.rmtree(project)
    shutil.copytree(DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "*.csv"))
    for name, content in FIXTURE_SEEDS.items():
        (project / "seeds" / name).write_text(content, encoding="utf-8")
    for name in PROJECT_SEEDS:  # not lexicons: the real files (corrections start empty)
        shutil.copy(DBT_PROJECT / "seeds" / name, project / "seeds" / name)
    warehouse = root / "warehouse.duckdb"
    if warehouse.exists():
        warehouse.unlink()
    build_warehouse(warehouse)
    return project, warehouse


def run_dbt(project: Path, warehouse: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, WAREHOUSE_PATH=str(warehouse), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    return subprocess.run(
        [str(DBT_BIN), *args, "--project-dir", str(project), "--profiles-dir", str(project)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not DBT_BIN.exists():
        pytest.skip(f"dbt not installed next to {sys.executable}")
    project, warehouse = make_scratch(tmp_path_factory.mktemp("dbt"))
    result = run_dbt(project, warehouse, "build")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def q(con, sql):
    cur = con.execute(sql)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def test_schemas_are_exact(built):
    schemas = {r["schema_name"] for r in q(built, "select schema_name from information_schema.schemata")}
    assert {"staging", "intermediate", "marts", "lexicon"} <= schemas
    assert not any(s.startswith("main_") for s in schemas)


def test_kirkuk_ambush_reports_merge_into_one_event(built):
    rows = q(
        built,
        """
        select e.* from marts.fct_events e
        where e.event_id = (select event_id from marts.fct_event_reports where report_id = 'a_kirkuk_alsumaria_r1')
    """,
    )
    assert len(rows) == 1
    ev = rows[0]
    assert (ev["fatalities_low"], ev["fatalities_best"], ev["fatalities_high"]) == (9, 11, 11)
    assert (ev["n_reports"], ev["n_sources"]) == (2, 2)
    assert ev["event_type"] == "Battles" and ev["admin1"] == "Kirkuk" and ev["country"] == "Iraq"
    assert ev["location"] == "Hawija"  # most precise place among the reports
    assert (ev["actor1"], ev["actor2"]) == ("ISIS", "Iraqi Army")
    assert (ev["injured_low"], ev["injured_best"], ev["injured_high"]) == (4, 4, 4)


def test_same_article_reports_never_merge(built):
    rows = q(
        built,
        """
        select event_id, count(*) n from marts.fct_event_reports
        where event_id is not null group by event_id, article_id having count(*) > 1
    """,
    )
    assert rows == []


def test_diyala_attack_on_civilians_is_vac(built):
    (r,) = q(built, "select * from marts.fct_event_reports where report_id = 'a_kirkuk_shafaq_r2'")
    assert r["event_type"] == "Violence against civilians"
    assert r["sub_event_type"] == "Attack"
    assert r["admin1"] == "Diyala"
    assert r["event_type_rule"] == "vac_civilian_target"


def test_drone_strike_stays_remote_violence_with_breakdown(built):
    (r,) = q(built, "select * from marts.fct_event_reports where report_id = 'a_hasakeh_hawar_r1'")
    assert r["event_type"] == "Explosions/Remote violence"
    assert r["sub_event_type"] == "Air/drone strike"
    assert r["actor1"] == "Military Forces of Turkey"
    cas = q(
        built,
        "select victim_group, killed, wounded from marts.fct_casualties "
        "where report_id = 'a_hasakeh_hawar_r1' order by victim_group",
    )
    assert cas == [
        {"victim_group": "Civilians", "killed": 1, "wounded": 2},
        {"victim_group": "Syrian Democratic Forces (SDF)", "killed": 2, "wounded": None},
    ]
    # no invented breakdown rows for reports without one
    (n,) = built.execute("select count(distinct report_id) from marts.fct_casualties").fetchone()
    assert n == 1


def test_flagged_reports_go_to_review_queue_not_to_marts(built):
    queue = {r["report_id"]: r for r in q(built, "select * from marts.report_review_queue")}
    assert set(queue) == set(FLAGGED)
    for rid, issue in FLAGGED.items():
        assert queue[rid]["quality_issue"] == issue, rid
        assert queue[rid]["review_hint"], rid
    assert queue["a_hasakeh_hawar_r2"]["is_implausible_killed"]
    assert queue["a_hasakeh_hawar_r2"]["killed"] == 50000
    assert queue["a_hasakeh_hawar_r3"]["is_date_after_published"]
    assert queue["a_hasakeh_hawar_r4"]["is_outside_country_bbox"]
    assert "sy_badpoint" in queue["a_hasakeh_hawar_r4"]["review_hint"]
    # descriptive columns like fct_event_reports, plus article context
    r4 = queue["a_hasakeh_hawar_r4"]
    assert (r4["country"], r4["admin1"], r4["location"]) == ("Syria", "Al-Hasakeh", "Bad Point")
    assert r4["source_path"] == "seeds/articles/a_hasakeh_hawar.html" and r4["site"] == "hawarnews.com"
    assert "event_id" not in r4

    # none of them reaches the analyst marts
    ids = sorted(FLAGGED)
    marker = ",".join("?" * len(ids))
    for sql in (
        f"select report_id from marts.fct_event_reports where report_id in ({marker})",
        f"select report_id from marts.fct_casualties where report_id in ({marker})",
        f"select report_id from (select unnest(report_ids) as report_id from marts.fct_events) "
        f"where report_id in ({marker})",
    ):
        assert built.execute(sql, ids).fetchall() == [], sql
    (high,) = built.execute("select max(fatalities_high) from marts.fct_events").fetchone()
    assert high < 10000


def test_undated_report_waits_in_review_queue(built):
    (r,) = q(built, "select * from marts.report_review_queue where report_id = 'a_undated_txt_r1'")
    assert r["is_undated"] and r["event_date"] is None and r["date_rule"] == "unknown"
    assert "event date unknown" in r["quality_issue"]
    assert not (r["is_implausible_killed"] or r["is_date_after_published"] or r["is_outside_country_bbox"])
    assert r["published_date"] is None and r["date_source"] == "unknown"
    assert (r["admin1"], r["location"], r["event_type"]) == ("Diyala", "Muqdadiya", "Battles")


def test_marts_hold_only_clean_reports(built):
    cols = {
        r["column_name"]
        for r in q(
            built,
            """
        select column_name from information_schema.columns
        where table_schema = 'marts' and table_name in ('fct_event_reports', 'fct_casualties')""",
        )
    }
    assert not {"is_flagged", "quality_issue", "is_implausible_killed", "is_undated"} & cols
    (n_null,) = built.execute(
        "select count(*) from marts.fct_event_reports where event_id is null or event_date is null"
    ).fetchone()
    assert n_null == 0
    (n_reports,) = built.execute("select count(*) from marts.fct_event_reports").fetchone()
    assert n_reports == len(REPORTS) - len(FLAGGED)


def test_country_falls_back_to_article_text(built):
    (r,) = q(built, "select * from marts.fct_event_reports where report_id = 'a_syria_txt_r1'")
    assert r["country"] == "Syria" and r["admin1"] is None
    assert r["country_source"] == "article_text"


def test_curated_place_wins_over_geonames(built):
    (r,) = q(built, "select * from marts.dim_locations where location_id = 'iq_kirkuk'")
    assert r["name"] == "Kirkuk" and r["precision"] == "admin1"


def test_real_lexicon_seeds_build_on_empty_warehouse(tmp_path):
    """The analyst-edited lexicons in dbt_project/seeds load and pass the error-level tests."""
    if not DBT_BIN.exists():
        pytest.skip(f"dbt not installed next to {sys.executable}")
    warehouse = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute(DDL)
    con.close()
    result = run_dbt(
        DBT_PROJECT, warehouse, "build", "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


ROUTINE_ARGS = ("build", "--exclude", "resource_type:seed resource_type:unit_test")


def _relations(con) -> list[tuple[str, str]]:
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema in ('intermediate', 'marts') "
        "and table_type = 'BASE TABLE' order by 1, 2"
    ).fetchall()


def test_incremental_run_equals_full_refresh(tmp_path):
    """A routine run (incremental models, seeds and unit tests skipped, as orchestration/defs/assets/dbt_warehouse.py
    runs it when the project is unchanged) after new, re-cleaned and re-extracted articles leaves
    exactly the rows a full refresh builds, in every intermediate and mart table."""
    if not DBT_BIN.exists():
        pytest.skip(f"dbt not installed next to {sys.executable}")
    project, warehouse = make_scratch(tmp_path / "scratch")
    target = ("--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"))
    result = run_dbt(project, warehouse, "build", "--full-refresh", *target)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]

    later = datetime(2024, 6, 3, 9, 0, 0)
    con = duckdb.connect(str(warehouse))
    try:
        # a new article whose report joins the Qamishli strike of a_hasakeh_hawar (event_id may move)
        con.execute(
            "insert into raw.articles select 'a_new_npa', source_path || '.2', source_type, null, "
            "'sha_new', 'fp_new', 'https://npasyria.com/9', title, 'npasyria.com', published_meta, "
            "raw_text, ? from raw.articles where article_id = 'a_hasakeh_hawar'",
            [later],
        )
        con.execute(
            "insert into clean.articles select 'a_new_npa', clean_text, title, n_chars, arabic_share, "
            "language, published_date, date_source, null, 0, ? from clean.articles "
            "where article_id = 'a_hasakeh_hawar'",
            [later],
        )
        con.execute(
            "insert into extract.event_reports select 'a_new_npa_r1', 'a_new_npa', 1, event_date, "
            "date_precision, date_rule, date_text, place_id, location_text, trigger_id, trigger_text, "
            "actor1_id, actor2_id, 4, wounded, killed_rule, wounded_rule, vague_text, evidence, "
            "extractor_version, ? from extract.event_reports where report_id = 'a_hasakeh_hawar_r1'",
            [later],
        )
        # re-extraction of a_kirkuk_shafaq: its Diyala report disappears, the ambush toll changes
        con.execute("delete from extract.event_reports where report_id = 'a_kirkuk_shafaq_r2'")
        con.execute(
            "update extract.event_reports set killed = 12, extracted_at = ? where article_id = 'a_kirkuk_shafaq'",
            [later],
        )
        # re-extraction of a_syria_txt finds nothing any more
        con.execute("delete from extract.event_reports where article_id = 'a_syria_txt'")
        # re-cleaning of the undated article finds its publication date
        con.execute(
            "update clean.articles set published_date = date '2024-06-02', "
            "date_source = 'text_dateline', cleaned_at = ? where article_id = 'a_undated_txt'",
            [later],
        )
    finally:
        con.close()

    result = run_dbt(project, warehouse, *ROUTINE_ARGS, *target)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "seed" not in {line.split()[-1] for line in result.stdout.splitlines() if " of " in line}

    _assert_equals_full_refresh(project, warehouse, tmp_path, target)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relations = _relations(con)
        assert ("marts", "fct_events") in relations and len(relations) >= 9
        # the changes did arrive
        assert (
            con.execute(
                "select count(*) from marts.fct_event_reports where report_id in "
                "('a_kirkuk_shafaq_r2', 'a_syria_txt_r1')"
            ).fetchone()[0]
            == 0
        )
        assert (
            con.execute("select killed from marts.fct_event_reports where report_id = 'a_kirkuk_shafaq_r1'").fetchone()[
                0
            ]
            == 12
        )
        assert con.execute(
            "select published_date from marts.report_review_queue where report_id = 'a_undated_txt_r1'"
        ).fetchone()[0] == date(2024, 6, 2)
        assert (
            con.execute(
                "select n_reports from marts.fct_events where event_id = "
                "(select event_id from marts.fct_event_reports where report_id = 'a_new_npa_r1')"
            ).fetchone()[0]
            == 2
        )
    finally:
        con.close()


def _assert_equals_full_refresh(project: Path, warehouse: Path, tmp_path: Path, target: tuple) -> None:
    """Every intermediate and mart table of `warehouse` holds exactly the rows a full refresh of a
    copy of it builds."""
    full = tmp_path / "full.duckdb"
    shutil.copy(warehouse, full)
    result = run_dbt(project, full, "build", "--full-refresh", *target)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute(f"attach '{full}' as full_refresh (read_only)")
        for schema, table in _relations(con):
            for a, b in (
                (f"{schema}.{table}", f"full_refresh.{schema}.{table}"),
                (f"full_refresh.{schema}.{table}", f"{schema}.{table}"),
            ):
                (n,) = con.execute(f"select count(*) from (select * from {a} except all select * from {b})").fetchone()
                assert n == 0, f"{a} has {n} rows not in {b}"
    finally:
        con.close()


def _synthetic_articles(con, rng, prefix: str, n: int, first_day: date, days: int, at: datetime) -> None:
    """n articles of one to three incidents each, dated over `days` days from first_day: the same
    few places, actors and triggers, so that many reports of different articles can match."""
    from datetime import timedelta

    places = ["iq_kirkuk", "iq_hawija", "iq_diyala", "iq_muqdadiya", "sy_hasakeh", "sy_qamishli", None]
    actors = ["isis", "iq_army", "sdf", "tr_army", "civilians", None]
    triggers = ["ambush", "armed_clash", "attack", "airstrike"]
    for i in range(n):
        aid = f"a_{prefix}{i:03d}"
        published = first_day + timedelta(days=rng.randrange(days) + 2)
        text = "قتل مسلحون في العراق" if rng.random() < 0.5 else "غارة في سوريا"  # country of unplaced reports
        con.execute(
            "insert into raw.articles values (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                aid,
                f"x/{aid}.html",
                "html",
                None,
                "sha_" + aid,
                "fp_" + aid,
                None,
                text,
                "site.example",
                published,
                text,
                at,
            ],
        )
        con.execute(
            "insert into clean.articles values (?,?,?,?,?,?,?,?,?,?,?)",
            [aid, text, text, len(text), 1.0, "ar", published, "metadata", None, 0, at],
        )
        for seq in range(1, rng.randrange(1, 4) + 1):
            event_date = published - timedelta(days=rng.randrange(3))
            con.execute(
                "insert into extract.event_reports (report_id, article_id, seq, event_date, "
                "date_precision, date_rule, place_id, trigger_id, actor1_id, actor2_id, killed, "
                "extractor_version, extracted_at) values (?,?,?,?,'day','test',?,?,?,?,?,'test',?)",
                [
                    f"{aid}_r{seq}",
                    aid,
                    seq,
                    event_date,
                    rng.choice(places),
                    rng.choice(triggers),
                    rng.choice(actors),
                    rng.choice(actors),
                    rng.randrange(1, 9),
                    at,
                ],
            )


def test_incremental_clustering_equals_full_refresh_on_a_dense_archive(tmp_path):
    """int_event_clusters re-clusters only the reports near changed ones: on 150 articles over
    four months (many same-day reports that match), new articles at both ends, a report moved by
    a month, a re-extracted article losing its reports and a newly flagged report leave exactly
    the rows a full refresh builds."""
    import random

    if not DBT_BIN.exists():
        pytest.skip(f"dbt not installed next to {sys.executable}")
    rng = random.Random(20240601)
    project, warehouse = make_scratch(tmp_path / "scratch")
    t0, later = datetime(2024, 6, 2, 12, 0, 0), datetime(2024, 6, 3, 9, 0, 0)
    con = duckdb.connect(str(warehouse))
    _synthetic_articles(con, rng, "old", 150, date(2024, 1, 1), 120, t0)
    con.close()
    target = ("--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"))
    result = run_dbt(project, warehouse, "build", "--full-refresh", *target)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]

    con = duckdb.connect(str(warehouse))
    try:
        _synthetic_articles(con, rng, "new_early", 4, date(2024, 1, 3), 6, later)
        _synthetic_articles(con, rng, "new_late", 4, date(2024, 4, 20), 8, later)
        con.execute(
            "update extract.event_reports set event_date = event_date + 30, extracted_at = ? "
            "where report_id = (select min(report_id) from extract.event_reports "
            "where article_id like 'a_old%' and event_date between date '2024-02-10' and date '2024-02-20')",
            [later],
        )
        con.execute(
            "delete from extract.event_reports where article_id = "
            "(select min(article_id) from extract.event_reports where article_id like 'a_old%' and event_date > date '2024-03-15')"
        )
        con.execute(
            "update extract.event_reports set killed = 50000, extracted_at = ? where report_id = "
            "(select max(report_id) from extract.event_reports where article_id like 'a_old%' and event_date < date '2024-02-01')",
            [later],
        )
    finally:
        con.close()
    result = run_dbt(project, warehouse, *ROUTINE_ARGS, *target)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]

    _assert_equals_full_refresh(project, warehouse, tmp_path, target)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:  # the archive is dense enough for the windows to matter: many matched reports
        (matched,) = con.execute(
            "select count(*) from intermediate.int_event_clusters where clustering_rule <> 'singleton'"
        ).fetchone()
        assert matched >= 50, matched
    finally:
        con.close()


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/dbt_scratch")
    project, warehouse = make_scratch(target)
    print(f"project:   {project}\nwarehouse: {warehouse}")
