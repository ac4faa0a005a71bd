"""How the dbt asset decides what a run builds, and where dbt keeps its per-warehouse state."""

import pytest

from orchestration.defs.assets.dbt_warehouse import load_manifest
from orchestration.warehouse import dbt_state as dbt_asset
from orchestration.warehouse.dbt_state import (
    lexicon_only_tests,
    routine_build_args,
    warehouse_state_dir,
)

MANIFEST = load_manifest()[1]


def _node(kind, name, parents=()):
    return {"resource_type": kind, "name": name, "depends_on": {"nodes": list(parents)}}


SMALL_MANIFEST = {
    "nodes": {
        "seed.p.places": _node("seed", "places"),
        "model.p.stg_places": _node("model", "stg_places", ["seed.p.places"]),
        "model.p.dim_locations": _node("model", "dim_locations", ["model.p.stg_places"]),
        "model.p.stg_reports": _node("model", "stg_reports", ["source.p.extract.event_reports"]),
        "model.p.fct_reports": _node("model", "fct_reports", ["model.p.stg_reports", "model.p.stg_places"]),
        "test.p.unique_places_id": _node("test", "unique_places_id", ["seed.p.places"]),
        "test.p.not_null_dim_locations_id": _node("test", "not_null_dim_locations_id", ["model.p.dim_locations"]),
        "test.p.relationships_fct_place": _node(
            "test", "relationships_fct_place", ["model.p.fct_reports", "model.p.dim_locations"]
        ),
        "test.p.not_null_fct_id": _node("test", "not_null_fct_id", ["model.p.fct_reports"]),
    }
}


def test_only_tests_that_read_nothing_but_the_lexicons_are_left_out_of_routine_runs():
    assert lexicon_only_tests(SMALL_MANIFEST) == ["not_null_dim_locations_id", "unique_places_id"]
    args = routine_build_args(SMALL_MANIFEST)
    assert args[0] == "build" and args[1] == "--exclude"
    left_out = args[2].split()
    assert {"resource_type:seed", "resource_type:unit_test"} <= set(left_out)
    # a test that also reads new rows (facts -> dimension) still runs, and no model is left out
    assert "relationships_fct_place" not in left_out and "dim_locations" not in left_out


LEXICON_NODES = {
    "actors",
    "places",
    "places_geonames",
    "event_triggers",
    "victim_nouns",
    "casualty_terms",
    "cue_phrases",
    "places_foreign",
    "stg_actors",
    "stg_places",
    "stg_event_triggers",
    "dim_actors",
    "dim_locations",
}
LEXICON_NODES |= {"number_words", "date_words"}  # language-data seeds
# seeds that are not lexicons: their tests too read nothing a run can change
LEXICON_NODES |= {"countries", "acled_admin1", "source_scales", "note_templates", "report_corrections"}


def test_on_the_real_project_routine_runs_leave_out_lexicon_tests_only():
    tests = {n["name"]: n for n in MANIFEST["nodes"].values() if n["resource_type"] == "test"}
    lexicon_tests = {
        name for name, n in tests.items() if {p.split(".")[-1] for p in n["depends_on"]["nodes"]} <= LEXICON_NODES
    }
    assert set(lexicon_only_tests(MANIFEST)) == lexicon_tests
    # e.g. the facts' relationships to the dimensions read new rows: they stay in routine runs
    assert any("relationships_fct_event_reports" in name for name in tests)
    assert not any("relationships_fct_event_reports" in name for name in lexicon_tests)


def test_dbt_state_lives_beside_each_warehouse(tmp_path):
    a = warehouse_state_dir(tmp_path / "a.duckdb")
    assert a == warehouse_state_dir(tmp_path / "a.duckdb") == tmp_path / "a.duckdb.dbt"  # reused run after run
    assert a != warehouse_state_dir(tmp_path / "b.duckdb")


def test_the_project_fingerprint_follows_lexicon_edits(tmp_path):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "models").mkdir()
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    (tmp_path / "seeds" / "actors.csv").write_text("actor_id,name\nisis,ISIS\n")
    before = dbt_asset.project_fingerprint(tmp_path)
    assert before == dbt_asset.project_fingerprint(tmp_path)
    (tmp_path / "seeds" / "actors.csv").write_text("actor_id,name\nisis,ISIS\npkk,PKK\n")
    assert dbt_asset.project_fingerprint(tmp_path) != before


def _warehouse_with_sources(path):
    import duckdb

    from orchestration.warehouse.tables import ensure_tables

    con = duckdb.connect(str(path))
    ensure_tables(con)
    con.execute(
        "insert into raw.articles (article_id, content_sha256, raw_text, ingested_at) "
        "values ('a_1', 'sha1', 'نص الخبر', timestamp '2024-06-01 08:00:00')"
    )
    con.execute(
        "insert into extract.event_reports (report_id, article_id, killed, extracted_at) "
        "values ('a_1_r1', 'a_1', 3, timestamp '2024-06-01 08:05:00')"
    )
    con.close()


def test_sources_fingerprint_follows_every_source_change(tmp_path):
    import duckdb

    wh = tmp_path / "w.duckdb"
    assert dbt_asset.sources_fingerprint(wh) is None  # nothing ingested yet
    _warehouse_with_sources(wh)
    first = dbt_asset.sources_fingerprint(wh)
    assert first and first == dbt_asset.sources_fingerprint(wh)
    seen = {first}
    for change in (
        "update extract.event_reports set killed = 4",  # re-extracted figure
        "insert into extract.report_victims values ('a_1_r1', 'civilians', 1, null, 'x')",
        "insert into clean.articles (article_id, cleaned_at) values ('a_1', now()::timestamp)",
        "update raw.articles set ingested_at = timestamp '2024-06-02 08:00:00'",
        "delete from extract.report_victims",
    ):
        con = duckdb.connect(str(wh))
        con.execute(change)
        con.close()
        now = dbt_asset.sources_fingerprint(wh)
        assert now not in seen, change
        seen.add(now)


def test_a_build_is_skipped_only_when_project_sources_and_publish_are_all_current(tmp_path):
    wh = tmp_path / "w.duckdb"
    _warehouse_with_sources(wh)
    sources = dbt_asset.sources_fingerprint(wh)
    assert dbt_asset.reason_to_skip(dbt_asset.last_build_state(wh), "p1", sources, None) is None  # never built
    dbt_asset.record_build_fingerprint(wh, "p1", "incremental", sources)
    state = dbt_asset.last_build_state(wh)
    built = state["built_at"].isoformat()
    assert dbt_asset.reason_to_skip(state, "p1", sources, None) is None  # built, not yet published
    assert dbt_asset.reason_to_skip(state, "p1", sources, "2020-01-01T00:00:00") is None  # an older build published
    assert "unchanged" in dbt_asset.reason_to_skip(state, "p1", sources, built)
    assert dbt_asset.reason_to_skip(state, "p2", sources, built) is None  # a model or lexicon edited
    assert dbt_asset.reason_to_skip(state, "p1", "other sources", built) is None  # new rows arrived


@pytest.mark.integration
def test_the_dbt_version_is_read_without_running_dbt_and_matches_the_executable():
    import re
    import subprocess

    from orchestration.defs.resources import build_resources
    from orchestration.runtime import DBT_EXECUTABLE

    known = build_resources()["dbt"]._cli_version  # no `dbt --version` subprocess (2 s a run)
    out = subprocess.run([DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True).stdout
    assert str(known) == re.search(r"installed:\s*(\d+\.\d+\.\d+)", out).group(1)
