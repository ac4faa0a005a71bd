"""The analyst copy is swapped in atomically: readers are never blocked, failures keep the old copy."""
import hashlib
import json
import subprocess
import sys
import textwrap

import duckdb
import pytest

from orchestration.assets import publish


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
    for name in ["fct_events.parquet", "dim_articles.parquet", "v_check.parquet", "fct_events.csv",
                 "fct_events.geojson"]:
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

    reader = subprocess.Popen([sys.executable, "-c", READER, str(analyst)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "1"
        _make_warehouse(wh, 2)
        publish.publish_marts(wh, analyst, exports)   # must not wait for / fail on the reader
        reader.stdin.write("\n")
        reader.stdin.flush()
        # The open connection keeps reading its own (old) snapshot, undisturbed.
        assert reader.stdout.readline().strip() == "1"
        assert reader.wait(timeout=30) == 0
    finally:
        if reader.poll() is None:
            reader.kill()
    con = duckdb.connect(str(analyst), read_only=True)   # a reconnect sees the new copy
    assert con.execute("SELECT fatalities_best FROM marts.fct_events WHERE event_id='e1'").fetchone() == (2,)
    con.close()


def test_failed_publish_keeps_last_good_copy(paths, monkeypatch):
    wh, analyst, exports = paths
    _make_warehouse(wh, 1)
    publish.publish_marts(wh, analyst, exports)
    before = {p.name: _sha(p) for p in [analyst, *exports.iterdir()]}

    _make_warehouse(wh, 2)
    real_copy = publish._copy_table
    calls = []

    def failing_copy(con, src, table):
        calls.append(table)
        if len(calls) == 2:
            raise RuntimeError("disk full (simulated)")
        return real_copy(con, src, table)

    monkeypatch.setattr(publish, "_copy_table", failing_copy)
    with pytest.raises(RuntimeError, match="simulated"):
        publish.publish_marts(wh, analyst, exports)

    after = {p.name: _sha(p) for p in [analyst, *exports.iterdir()]}
    assert after == before   # old copy and old exports untouched, no temporary files left
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
    _make_warehouse(wh, 11)          # rebuilt by dbt, same content
    again = publish.publish_marts(wh, analyst, exports)
    assert again["unchanged"] is True and again["row_counts"]["fct_events"] == 2
    assert {p.name: (p.stat().st_ino, _sha(p)) for p in [analyst, *exports.iterdir()]} == before


def test_a_changed_mart_or_a_missing_export_publishes_again(paths):
    wh, analyst, exports = paths
    _make_warehouse(wh, 11)
    publish.publish_marts(wh, analyst, exports)
    _make_warehouse(wh, 12)          # one figure changed
    assert publish.publish_marts(wh, analyst, exports)["unchanged"] is False
    con = duckdb.connect(str(analyst), read_only=True)
    assert con.execute("SELECT fatalities_best FROM marts.fct_events WHERE event_id='e1'").fetchone() == (12,)
    con.close()
    (exports / "fct_events.geojson").unlink()   # an analyst deleted an export
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
    from orchestration.assets.dbt import record_build_fingerprint
    from orchestration.assets.publish_state import published_dbt_build

    wh, analyst, exports = paths
    _make_warehouse(wh, 11)
    publish.publish_marts(wh, analyst, exports)
    assert published_dbt_build(analyst) is None          # marts not written by a recorded dbt build
    record_build_fingerprint(wh, "project", "incremental", "sources")
    assert publish.publish_marts(wh, analyst, exports)["unchanged"] is True
    con = duckdb.connect(str(wh), read_only=True)
    built = con.execute("SELECT built_at FROM ops.dbt_build_state").fetchone()[0]
    con.close()
    assert published_dbt_build(analyst) == built.isoformat()   # the dbt step may now skip this build
    analyst.unlink()
    assert published_dbt_build(analyst) is None          # no copy, nothing published
