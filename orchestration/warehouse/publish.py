"""Publishing the marts for analysts as a separate DuckDB file plus Parquet/CSV/GeoJSON.

Why one module of this size: the analyst copy and the exports are published as one atomic,
crash-safe step (temporaries, fsync, rename, state file); split, that order would be spread out.

The ACLED- and UCDP-GED-format exports are the marts acled_format and ucdp_ged_format (dbt models,
their code mappings documented there), written like every mart as Parquet and, in their formats'
column order, as CSV: EXPORTS_DIR/acled_format.csv + .parquet, ucdp_ged_format.csv (+ .parquet).

Atomic publication: everything is written under temporary names in the destination
directories, then moved into place with os.replace (a rename on the same filesystem). An
analyst who has the old analyst.duckdb open keeps reading the old file (its inode lives on
until they disconnect) and is never blocked; a run that fails before the rename leaves the
last good copy untouched. Exports are each replaced atomically too (a crash between two of
those renames can leave files from two consecutive runs side by side, each one whole).

Crash safety: temporary files are fsynced before the rename, and temporaries left behind by a
publish that was killed (kill -9, power loss) are removed at the start of the next one (the run
holds the warehouse lock, so no other publish can be writing them). Relations that dbt leaves
half-renamed when it is killed (`*__dbt_tmp`, `*__dbt_backup`) are never published.

Unchanged marts are not published again: the copy records a fingerprint of what it holds
(per table: columns, row count and two order-free aggregates of the row hashes) beside
itself; when the marts still have that fingerprint and every file is in place, the run keeps
the current copy and exports instead of rewriting them. When some marts changed, the new file
starts from a copy of the current one and receives only the changed rows (checked against the
warehouse fingerprint, table copied whole on any mismatch); only changed marts are exported again.

Hostile text is data: values are copied table to table (never spliced into SQL), CSV is written
by DuckDB's quoting writer, GeoJSON by DuckDB's JSON functions (non-finite numbers become null
so the file stays valid JSON).
"""

import json
import os
import re
import shutil
import uuid
from pathlib import Path

import duckdb

from orchestration import config
from orchestration.warehouse.dbt_state import BUILD_STATE_TABLE
from orchestration.warehouse.publish_state import published_state, state_path

MARTS_SCHEMA = "marts"
GEO_TABLE = "fct_events"
# Marts also exported as CSV: fct_events, and the ACLED- and UCDP-GED-format views of it
# (dbt models acled_format, ucdp_ged_format), in the column order of their formats.
CSV_TABLES = (GEO_TABLE, "acled_format", "ucdp_ged_format")
# dbt-duckdb's intermediate relations: a dbt killed between create and rename leaves them.
DBT_SCRATCH = re.compile(r"__dbt_(tmp|backup)$")
_TMP_RE = re.compile(r"^\..+\.tmp-\d+-[0-9a-f]{8}(\.wal)?$")


def _tmp_name(target: Path) -> Path:
    # Same directory as the target so os.replace is a rename, never a cross-device copy.
    return target.with_name(f".{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def remove_stale_temporaries(*dirs: Path) -> list[str]:
    """Delete temporaries of earlier publishes that never reached their rename (killed runs)."""
    removed = []
    for d in dirs:
        if not d.is_dir():
            continue
        for p in d.iterdir():
            if _TMP_RE.match(p.name) and p.is_file():
                p.unlink(missing_ok=True)
                removed.append(p.name)
    return removed


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _copy_table(con: duckdb.DuckDBPyConnection, src_catalog: str, table: str) -> int:
    con.execute(f'CREATE TABLE {MARTS_SCHEMA}."{table}" AS SELECT * FROM "{src_catalog}".{MARTS_SCHEMA}."{table}"')
    return con.execute(f'SELECT count(*) FROM {MARTS_SCHEMA}."{table}"').fetchone()[0]


def _geojson_text(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A GeoJSON FeatureCollection (text) of the rows of `table` that have usable coordinates.

    Built by DuckDB's JSON functions in one query (building it row by row in Python took
    seconds at 100k events). Non-finite floats in the properties become null, so the file stays
    valid JSON; rows without finite, in-range latitude/longitude are not points and are left out.
    """
    columns = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [MARTS_SCHEMA, table],
    ).fetchall()
    names = {name for name, _ in columns}
    if not {"latitude", "longitude"} <= names:
        return json.dumps({"type": "FeatureCollection", "features": []})

    def prop(name: str, dtype: str) -> str:
        col = _ident(name)
        return f"CASE WHEN isfinite({col}) THEN {col} END" if dtype in ("DOUBLE", "FLOAT", "REAL") else col

    properties = ", ".join(f"{_ident(name)} := {prop(name, dtype)}" for name, dtype in columns)
    order = _ident(columns[0][0])
    return con.execute(f"""
        WITH points AS (
            SELECT *, TRY_CAST(latitude AS DOUBLE) AS _lat, TRY_CAST(longitude AS DOUBLE) AS _lon
            FROM {MARTS_SCHEMA}.{_ident(table)}
        )
        SELECT '{{"type": "FeatureCollection", "features": [' || coalesce(string_agg(
            '{{"type": "Feature", "geometry": {{"type": "Point", "coordinates": ['
            || _lon::VARCHAR || ', ' || _lat::VARCHAR || ']}}, "properties": '
            || to_json(struct_pack({properties}))::VARCHAR || '}}',
            ', ' ORDER BY {order}), '') || ']}}'
        FROM points
        WHERE isfinite(_lat) AND isfinite(_lon) AND _lat BETWEEN -90 AND 90 AND _lon BETWEEN -180 AND 180
    """).fetchone()[0]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _mart_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = ? AND table_schema = ? ORDER BY table_name",
            [catalog, MARTS_SCHEMA],
        ).fetchall()
        if not DBT_SCRATCH.search(r[0])
    ]


def _table_fingerprint(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> str:
    """Columns and types, row count, and the sum and xor of the row hashes (order-free, so a
    rebuild that only reorders rows is unchanged)."""
    columns = con.execute(
        "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) "
        "FROM information_schema.columns WHERE table_catalog = ? AND table_schema = ? AND table_name = ?",
        [catalog, MARTS_SCHEMA, table],
    ).fetchone()[0]
    n, total, xor = con.execute(
        f'SELECT count(*), sum(hash(r)), bit_xor(hash(r)) FROM "{catalog}".{MARTS_SCHEMA}."{table}" AS r'
    ).fetchone()
    return f"{columns}|{n}|{total}|{xor}"


def _columns_of(fingerprint: str) -> str:
    return fingerprint.split("|", 1)[0]


def _connect(path: str = ":memory:") -> duckdb.DuckDBPyConnection:
    # the warehouse connections' cache cap: uncapped, publishing a large archive's marts grew
    # this process by gigabytes
    return duckdb.connect(path, config={"memory_limit": config.duckdb_memory_limit()})


# The name the warehouse is attached under: chosen here, never derived from the file name (a
# warehouse conflict.duckdb beside conflict.analyst.duckdb, or one named memory.duckdb, temp,
# system or main, would collide with a catalog that is already there).
WAREHOUSE_ALIAS = "pipeline_warehouse"


def _attach(con: duckdb.DuckDBPyConnection, warehouse_path: Path) -> str:
    """Attach the warehouse read-only and return its catalog name here.

    Under WAREHOUSE_ALIAS, unless a mart is a view: a dbt-duckdb view names its catalog (the
    warehouse file's own name), so the warehouse is then attached under that name, and a clash of
    that name with a catalog of this connection is an error that says what to rename."""
    taken = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
    alias = WAREHOUSE_ALIAS
    while alias in taken:
        alias += "_"
    path = _sql_str(Path(warehouse_path))
    con.execute(f"ATTACH '{path}' AS \"{alias}\" (READ_ONLY)")
    views = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? "
            "AND table_type = 'VIEW'",
            [alias, MARTS_SCHEMA],
        ).fetchall()
    ]
    if not views:
        return alias
    own = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        name = own.execute("SELECT current_database()").fetchone()[0]
    finally:
        own.close()
    con.execute(f'DETACH "{alias}"')
    if name in taken or name in ("memory", "temp", "system", "main"):
        raise RuntimeError(
            f"marts {views} of {warehouse_path} are views, which refer to the warehouse by its catalog name "
            f"'{name}', and that name is already taken here (by the analyst copy, or a name DuckDB reserves). "
            f"Give WAREHOUSE_PATH or ANALYST_DB_PATH another file name, or materialise those marts as tables."
        )
    con.execute(f"ATTACH '{path}' AS \"{name}\" (READ_ONLY)")
    return name


def marts_fingerprint(warehouse_path: Path) -> dict[str, str]:
    """{table: fingerprint} of the warehouse's marts."""
    con = _connect()
    try:
        src = _attach(con, warehouse_path)
        return {t: _table_fingerprint(con, src, t) for t in _mart_tables(con, src)}
    finally:
        con.close()


def dbt_build_of(warehouse_path: Path) -> str | None:
    """ISO time of the last successful dbt build recorded in the warehouse (None: not recorded)."""
    con = _connect()
    try:
        src = _attach(con, warehouse_path)
        built_at = con.execute(f'SELECT max(built_at) FROM "{src}".{BUILD_STATE_TABLE}').fetchone()[0]
        return built_at.isoformat() if built_at else None
    except duckdb.CatalogException:  # no dbt build recorded (marts written by other means)
        return None
    finally:
        con.close()


def _damage(analyst_path: Path, previous: dict) -> str | None:
    """What is wrong with the published copy, or None when it opens and holds exactly what its
    record says (the fingerprint of every mart). A truncated or overwritten file must neither pass
    for published nor be the base of the next copy."""
    if not analyst_path.exists() or not previous.get("fingerprint"):
        return None
    try:
        con = duckdb.connect(str(analyst_path), read_only=True)
        try:
            catalog = _catalog(con)
            held = {t: _table_fingerprint(con, catalog, t) for t in _mart_tables(con, catalog)}
        finally:
            con.close()
    except duckdb.Error as exc:
        return f"cannot be opened ({type(exc).__name__}: {str(exc)[:200]})"
    if held != previous["fingerprint"]:
        return "holds other data than its record (ANALYST_DB_PATH.published.json) says"
    return None


def _write_state(analyst_path: Path, state: dict) -> None:
    tmp = _tmp_name(state_path(analyst_path))
    tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, state_path(analyst_path))


# The copy is refreshed in place (previous file + changed rows) rather than rebuilt whole, until
# deleted rows have grown it by this factor over its size when last written whole.
REFRESH_GROWTH_LIMIT = 1.25


def _refresh_base(analyst_path: Path, previous: dict) -> bool:
    """Whether to start from the current copy (refresh in place) instead of an empty file."""
    if not (analyst_path.exists() and previous.get("fingerprint") and previous.get("whole_size")):
        return False
    if Path(str(analyst_path) + ".wal").exists():  # not ours: the file alone may not be whole
        return False
    return analyst_path.stat().st_size <= REFRESH_GROWTH_LIMIT * previous["whole_size"]


def _catalog(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT current_database()").fetchone()[0]


def _apply_row_changes(con: duckdb.DuckDBPyConnection, src_catalog: str, table: str) -> int:
    """Make the copy's table hold the warehouse table's rows by deleting the rows whose hash the
    warehouse no longer has and inserting those it has anew (a daily run changes a few hundred
    of 160k rows). The caller checks the result against the warehouse's fingerprint."""
    copy, source = f'{MARTS_SCHEMA}."{table}"', f'"{src_catalog}".{MARTS_SCHEMA}."{table}"'
    con.execute(
        f"DELETE FROM {copy} WHERE rowid IN (SELECT r.rowid FROM {copy} AS r "
        f"WHERE hash(r) NOT IN (SELECT hash(s) FROM {source} AS s))"
    )
    con.execute(
        f"INSERT INTO {copy} SELECT * FROM {source} AS s WHERE hash(s) NOT IN (SELECT hash(r) FROM {copy} AS r)"
    )
    return con.execute(f"SELECT count(*) FROM {copy}").fetchone()[0]


def _export_files(tables: list[str]) -> dict[str, str]:
    """{export file name: the mart it is written from}."""
    files = {f"{t}.parquet": t for t in tables}
    for t in CSV_TABLES:
        if t in tables:
            files[f"{t}.csv"] = t
    if GEO_TABLE in tables:
        files[f"{GEO_TABLE}.geojson"] = GEO_TABLE
    return files


def _write_export(con: duckdb.DuckDBPyConnection, table: str, name: str, path: Path) -> None:
    if name.endswith(".parquet"):
        con.execute(f"COPY {MARTS_SCHEMA}.\"{table}\" TO '{_sql_str(path)}' (FORMAT parquet)")
    elif name.endswith(".csv"):
        con.execute(f"COPY {MARTS_SCHEMA}.\"{table}\" TO '{_sql_str(path)}' (FORMAT csv, HEADER)")
    else:
        path.write_text(_geojson_text(con, table), encoding="utf-8")


def publish_marts(warehouse_path: Path, analyst_path: Path, exports_dir: Path) -> dict:
    """Publish every table/view of schema marts as a new analyst DuckDB file plus exports.

    The new file starts as a copy of the current one when it can (see _refresh_base): tables whose
    fingerprint is unchanged are kept, changed ones receive only their changed rows, and only the
    exports of changed tables are rewritten. Otherwise (first publish, reshaped table, grown file)
    tables are copied whole. Nothing at all is written when the marts are unchanged."""
    warehouse_path, analyst_path, exports_dir = Path(warehouse_path), Path(analyst_path), Path(exports_dir)
    analyst_path.parent.mkdir(parents=True, exist_ok=True)
    exports_dir.mkdir(parents=True, exist_ok=True)
    stale = remove_stale_temporaries(analyst_path.parent, exports_dir)
    fingerprint = marts_fingerprint(warehouse_path)
    dbt_build = dbt_build_of(warehouse_path)
    previous = published_state(analyst_path)
    damaged = _damage(analyst_path, previous)
    if damaged:
        previous = {}  # nothing of the damaged copy is trusted: rebuilt whole below
    if (
        fingerprint
        and previous.get("fingerprint") == fingerprint
        and analyst_path.exists()
        and all(Path(p).exists() for p in previous.get("exports", []))
    ):
        if previous.get("dbt_build") != dbt_build:
            _write_state(analyst_path, {**previous, "dbt_build": dbt_build})
        return {
            "analyst_db": str(analyst_path),
            "exports": previous["exports"],
            "row_counts": previous.get("row_counts", {}),
            "stale_temporaries_removed": stale,
            "unchanged": True,
            "damaged_copy": None,
        }
    base = _refresh_base(analyst_path, previous)
    tmp_db = _tmp_name(analyst_path)
    pending: list[tuple[Path, Path]] = []  # (tmp, final) exports, renamed after the DB
    row_counts: dict[str, int] = {}
    kept_exports: list[str] = []
    try:
        if base:
            shutil.copyfile(analyst_path, tmp_db)
        con = _connect(str(tmp_db))
        try:
            src = _attach(con, warehouse_path)
            tables = _mart_tables(con, src)
            if not tables:
                raise RuntimeError(f"no tables in schema {MARTS_SCHEMA} of {warehouse_path}")
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {MARTS_SCHEMA}")
            copy = _catalog(con)
            for gone in set(_mart_tables(con, copy)) - set(tables):
                con.execute(f'DROP TABLE {MARTS_SCHEMA}."{gone}"')
            changed = []
            for t in tables:
                old = previous.get("fingerprint", {}).get(t) if base else None
                if old == fingerprint[t]:
                    row_counts[t] = previous.get("row_counts", {}).get(t, 0)
                    continue
                changed.append(t)
                if old and _columns_of(old) == _columns_of(fingerprint[t]):
                    row_counts[t] = _apply_row_changes(con, src, t)
                    if _table_fingerprint(con, copy, t) == fingerprint[t]:
                        continue
                con.execute(f'DROP TABLE IF EXISTS {MARTS_SCHEMA}."{t}"')  # new, reshaped, or duplicate rows
                row_counts[t] = _copy_table(con, src, t)
            con.execute(f'DETACH "{src}"')
            exported = {Path(p).name: p for p in previous.get("exports", []) if base}
            for name, table in _export_files(tables).items():
                final = exports_dir / name
                if table not in changed and name in exported and final.exists():
                    kept_exports.append(str(final))
                    continue
                tmp = _tmp_name(final)
                pending.append((tmp, final))
                _write_export(con, table, name, tmp)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        for p in [tmp_db, *(t for t, _ in pending)]:
            _fsync(p)
        # A WAL left beside the target by some earlier writer would be replayed into the new file.
        Path(str(analyst_path) + ".wal").unlink(missing_ok=True)
        os.replace(tmp_db, analyst_path)
        for tmp, final in pending:
            os.replace(tmp, final)
        _fsync_dir(analyst_path.parent)
        _fsync_dir(exports_dir)
    except BaseException:
        for p in [tmp_db, Path(str(tmp_db) + ".wal"), *(t for t, _ in pending)]:
            p.unlink(missing_ok=True)
        raise
    result = {
        "analyst_db": str(analyst_path),
        "exports": sorted(kept_exports + [str(final) for _, final in pending]),
        "row_counts": row_counts,
        "stale_temporaries_removed": stale,
        "unchanged": False,
        "refreshed_in_place": bool(base),
        "damaged_copy": damaged,
    }
    # written last: a crash before this line only costs the next run a needless publish
    whole_size = previous.get("whole_size") if base else analyst_path.stat().st_size
    _write_state(
        analyst_path,
        {
            "fingerprint": fingerprint,
            "exports": result["exports"],
            "row_counts": row_counts,
            "dbt_build": dbt_build,
            "whole_size": whole_size,
        },
    )
    return result


def _sql_str(p: Path) -> str:
    return str(p).replace("'", "''")
