"""The analyst copy is swapped in atomically: readers are never blocked, failures keep the old copy."""

import hashlib
import json
import subprocess
import sys
import textwrap

import duckdb
import pytest

from orchestration.warehouse import publish

pytestmark = pytest.mark.integration


def _make_warehouse(path, generation: int):
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA staging; CREATE SCHEMA marts")
    con.execute(f"""CREATE TABLE marts.fct_events AS SELECT * FROM (VALUES
        ('e1', DATE '2022-12-18', 'Iraq', 'Kirkuk', 'الصفرة', 35.2, 44.1, 'Battles', {generation}),
        ('e2', DATE '2022-12-19', 'Iraq', 'Diyala', NULL, NULL, NULL, 'Violence against civilians', 8)
        ) t(event_id, event_date, country, admin1, location, latitude, longitude, event_type, fatalities_best)""")
    con.execute(f"CREATE TABLE marts.dim_articles AS SELECT 'a_{generation}' AS article_id")
    # A view into another schema, as dbt may build one: it must be copied as data.
    con.execute("CREATE TABLE staging.s AS SELECT 1 AS x")
    con.execute("CREATE VIEW marts.v_check AS SELECT x FROM staging.s")
    con.close()


def _sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def paths(tmp_path):
    return tmp_path / "warehouse.duckdb", tmp_path / "pub" / "analyst.duckdb", tmp_path / "pub" / "exports"


def test_publish_writes_copy_and_exports(paths):
    wh, analyst, exports = paths
    _make_warehouse(wh, 11)
    result = publish.publish_marts(wh, analyst, exports)
    assert result["row_counts"] == {"dim_articles": 1, "fct_events": 2, "v_check": 1}
    con = duckdb.connect(str(analyst), read_only=True)
    assert con.execute("SELECT fatalities_best FROM marts.fct_events WHERE event_id='e1'").fetchone() == (11,)
    con.close()
    for name in [
        "fct_events.parquet",
        "dim_articles.parquet",
        "v_check.parquet",
        "fct_events.csv",
        "fct_events.geojson",
    ]:
        assert (exports / name).exists(), name
    assert duckdb.connect().execute(f"SELECT count(*) FROM '{exports / 'fct_events.parquet'}'").fetchone() == (2,)
    geo = json.loads((exports / "fct_events.geojson").read_text(encoding="utf-8"))
    assert geo["type"] == "FeatureCollection"
    assert len(geo["features"]) == 1  # the event without coordinates is not a point
    f = geo["features"][0]
    assert f["geometry"] == {"type": "Point", "coordinates": [44.1, 35.2]}
    assert f["properties"]["admin1"] == "Kirkuk" and f["properties"]["event_date"] == "2022-12-18"
    assert f["properties"]["location"] == "الصفرة"
    leftovers = [p.name for p in analyst.parent.rglob(".*tmp-*")]
    assert not leftovers


READER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    q = "SELECT fatalities_best FROM marts.fct_events WHERE event_id = 'e1'"
    print(con.execute(q).fetchone()[0], flush=True)
    sys.stdin.readline()              # publish happens meanwhile
    print(con.execute(q).fetchone()[0], flush=True)
""")


def test_reader_of_old_copy_is_not_blocked(paths):
    wh, analyst, exports = paths
    _make_warehouse(wh, 1)
    publish.publish_marts(wh, analyst, exports)

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(analyst)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert reader.stdout.readline().strip() == "1"
        _make_warehouse(wh, 2)
        publish.publish_marts(wh, analyst, exports)  # must not wait for / fail on the reader
        reader.stdin.write("\n")
        reader.stdin.flush()
        # The open connection keeps reading its own (old) snapshot, undisturbed.
        assert reader.stdout.readline().strip() == "1"
        assert reader.wait(timeout=30) == 0
    finally:
        if reader.poll() is None:
            reader.kill()
    con = duckdb.connect(str(analyst), read_only=True)  # a reconnect sees the new copy
    assert con.execute("SELECT fatalities_best FROM marts.fct_events WHERE event_id='e1'").fetchone() == (2,)
    con.close()


def test_failed_publish_keeps_last_good_copy(paths, monkeypatch):
    wh, analyst, exports = paths
    _make_warehouse(wh, 1)
    publish.publish_marts(wh, analyst, exports)
    before = {p.name: _sha(p) for p in [analyst, *exports.iterdir()]}

    _make_warehouse(wh, 2)
    calls = []

    def failing_on_second_table(real):
        def step(con, src, table):
            calls.append(table)
            if len(calls) == 2:
                raise RuntimeError("disk full (simulated)")
            return real(con, src, table)

        return step

    # the changed tables are refreshed in place (rows applied to a copy of the file) or copied whole
    monkeypatch.setattr(publish, "_copy_table", failing_on_second_table(publish._copy_table))
    monkeypatch.setattr(publish, "_apply_row_changes", failing_on_second_table(publish._apply_row_changes))
    with pytest.raises(RuntimeError, match="simulated"):
        publish.publish_marts(wh, analyst, exports)

    after = {p.name: _sha(p) for p in [analyst, *exports.iterdir()]}
    assert after == before  # old copy and old exports untouched, no temporary files left
    con = duckdb.connect(str(analyst), read_only=True)
    assert con.execute("SELECT fatalities_best FROM marts.fct_events WHERE event_id='e1'").fetchone() == (1,)
    con.close()
    assert not [p for p in analyst.parent.iterdir() if "tmp-" in p.name]


def test_failure_while_exporting_keeps_last_good_copy(paths, monkeypatch):
    wh, analyst, exports = paths
    _make_warehouse(wh, 1)
    publish.publish_marts(wh, analyst, exports)
    before = {p.name: _sha(p) for p in [analyst, *exports.iterdir()]}
    _make_warehouse(wh, 2)

    def boom(con, table):
        raise OSError("exports volume went away (simulated)")

    monkeypatch.setattr(publish, "_geojson_text", boom)
    with pytest.raises(OSError):
        publish.publish_marts(wh, analyst, exports)
    assert {p.name: _sha(p) for p in [analyst, *exports.iterdir()]} == before


def test_unchanged_marts_are_not_published_again(paths):
    wh, analyst, exports = paths
    _make_warehouse(wh, 11)
    assert publish.publish_marts(wh, analyst, exports)["unchanged"] is False
    before = {p.name: (p.stat().st_ino, _sha(p)) for p in [analyst, *exports.iterdir()]}
    _make_warehouse(wh, 11)  # rebuilt by dbt, same content
    again = publish.publish_marts(wh, analyst, exports)
    assert again["unchanged"] is True and again["row_counts"]["fct_events"] == 2
    assert {p.name: (p.stat().st_ino, _sha(p)) for p in [analyst, *exports.iterdir()]} == before


def test_a_changed_mart_or_a_missing_export_publishes_again(paths):
    wh, analyst, exports = paths
    _make_warehouse(wh, 11)
    publish.publish_marts(wh, analyst, exports)
    _make_warehouse(wh, 12)  # one figure changed
    assert publish.publish_marts(wh, analyst, exports)["unchanged"] is False
    con = duckdb.connect(str(analyst), read_only=True)
    assert con.execute("SELECT fatalities_best FROM marts.fct_events WHERE event_id='e1'").fetchone() == (12,)
    con.close()
    (exports / "fct_events.geojson").unlink()  # an analyst deleted an export
    assert publish.publish_marts(wh, analyst, exports)["unchanged"] is False
    assert (exports / "fct_events.geojson").exists()


def test_fingerprint_ignores_row_order_but_not_duplicates(tmp_path):
    def fingerprint(values):
        path = tmp_path / "warehouse.duckdb"
        path.unlink(missing_ok=True)
        con = duckdb.connect(str(path))
        con.execute("CREATE SCHEMA marts")
        con.execute(f"CREATE TABLE marts.fct_events AS SELECT * FROM (VALUES {values}) t(event_id)")
        con.close()
        return publish.marts_fingerprint(path)

    assert fingerprint("('e1'), ('e2'), ('e2')") == fingerprint("('e2'), ('e1'), ('e2')")
    assert fingerprint("('e1'), ('e2'), ('e2')") != fingerprint("('e1'), ('e1'), ('e2')")


def test_the_copy_records_the_dbt_build_it_holds_even_when_unchanged(paths):
    from orchestration.warehouse.dbt_state import record_build_fingerprint
    from orchestration.warehouse.publish_state import published_dbt_build

    wh, analyst, exports = paths
    _make_warehouse(wh, 11)
    publish.publish_marts(wh, analyst, exports)
    assert published_dbt_build(analyst) is None  # marts not written by a recorded dbt build
    record_build_fingerprint(wh, "project", "incremental", "sources")
    assert publish.publish_marts(wh, analyst, exports)["unchanged"] is True
    con = duckdb.connect(str(wh), read_only=True)
    built = con.execute("SELECT built_at FROM ops.dbt_build_state").fetchone()[0]
    con.close()
    assert published_dbt_build(analyst) == built.isoformat()  # the dbt step may now skip this build
    analyst.unlink()
    assert published_dbt_build(analyst) is None  # no copy, nothing published


def _tables(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        return {t: sorted(con.execute(f"SELECT * FROM marts.{t}").fetchall(), key=repr) for t in names}
    finally:
        con.close()


def test_changed_marts_refresh_the_copy_in_place_with_the_same_result_as_a_whole_publish(paths, tmp_path):
    wh, analyst, exports = paths
    _make_warehouse(wh, 11)
    first = publish.publish_marts(wh, analyst, exports)
    assert first["refreshed_in_place"] is False
    untouched = (exports / "v_check.parquet").stat().st_ino
    _make_warehouse(wh, 12)  # fct_events: one figure changed; dim_articles: its one row replaced
    con = duckdb.connect(str(wh))
    con.execute(
        "INSERT INTO marts.fct_events VALUES ('e3', DATE '2022-12-20', 'Syria', 'Aleppo', 'منبج', "
        "36.5, 37.9, 'Explosions/Remote violence', 2)"
    )
    con.close()
    again = publish.publish_marts(wh, analyst, exports)
    assert again["refreshed_in_place"] is True and again["row_counts"]["fct_events"] == 3
    assert (exports / "v_check.parquet").stat().st_ino == untouched  # unchanged mart, export kept

    whole = publish.publish_marts(wh, tmp_path / "whole" / "analyst.duckdb", tmp_path / "whole" / "exports")
    assert whole["refreshed_in_place"] is False
    assert _tables(analyst) == _tables(tmp_path / "whole" / "analyst.duckdb")
    assert publish.marts_fingerprint(analyst) == publish.marts_fingerprint(wh)
    geo = json.loads((exports / "fct_events.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["event_id"] for f in geo["features"]} == {"e1", "e3"}  # e2 has no coordinates


def test_a_reshaped_or_dropped_mart_is_copied_whole_or_removed(paths):
    wh, analyst, exports = paths
    _make_warehouse(wh, 11)
    publish.publish_marts(wh, analyst, exports)
    con = duckdb.connect(str(wh))
    con.execute("ALTER TABLE marts.fct_events ADD COLUMN n_sources INTEGER DEFAULT 1")
    con.execute("DROP TABLE marts.dim_articles")
    con.close()
    result = publish.publish_marts(wh, analyst, exports)
    assert result["refreshed_in_place"] is True
    tables = _tables(analyst)
    assert "dim_articles" not in tables and all(row[-1] == 1 for row in tables["fct_events"])
    assert publish.marts_fingerprint(analyst) == publish.marts_fingerprint(wh)


def test_a_copy_grown_by_refreshes_is_written_whole_again(paths):
    wh, analyst, exports = paths
    _make_warehouse(wh, 11)
    publish.publish_marts(wh, analyst, exports)
    state_file = analyst.with_name(analyst.name + ".published.json")
    state = json.loads(state_file.read_text(encoding="utf-8"))
    state_file.write_text(json.dumps({**state, "whole_size": analyst.stat().st_size // 2}), encoding="utf-8")
    _make_warehouse(wh, 12)
    assert publish.publish_marts(wh, analyst, exports)["refreshed_in_place"] is False
    assert publish.marts_fingerprint(analyst) == publish.marts_fingerprint(wh)
