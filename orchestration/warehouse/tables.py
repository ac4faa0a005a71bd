"""DDL for the tables the Python assets own (columns per the project contract)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

DDL = [
    "CREATE SCHEMA IF NOT EXISTS ops",
    "CREATE SCHEMA IF NOT EXISTS raw",
    "CREATE SCHEMA IF NOT EXISTS clean",
    "CREATE SCHEMA IF NOT EXISTS extract",
    """CREATE TABLE IF NOT EXISTS ops.ingested_files (
        source_path VARCHAR, content_sha256 VARCHAR, size_bytes BIGINT, status VARCHAR,
        n_articles INTEGER, processed_at TIMESTAMP)""",
    # Not in the contract: the file's st_mtime_ns when read. (source_path, size_bytes, mtime_ns)
    # lets the next scan skip a file without reading and hashing it. ADD COLUMN IF NOT EXISTS so
    # warehouses created before it get the column (NULL = unknown: hashed once more).
    "ALTER TABLE ops.ingested_files ADD COLUMN IF NOT EXISTS mtime_ns BIGINT",
    """CREATE TABLE IF NOT EXISTS ops.rejected_inputs (
        source_path VARCHAR, source_line INTEGER, reason VARCHAR, detected_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS raw.articles (
        article_id VARCHAR PRIMARY KEY, source_path VARCHAR, source_type VARCHAR, source_line INTEGER,
        content_sha256 VARCHAR, text_fingerprint VARCHAR, url VARCHAR, title VARCHAR, site VARCHAR,
        published_meta DATE, raw_text VARCHAR, ingested_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS clean.articles (
        article_id VARCHAR PRIMARY KEY, clean_text VARCHAR, title VARCHAR, n_chars INTEGER,
        arabic_share DOUBLE, language VARCHAR, published_date DATE, date_source VARCHAR,
        date_evidence VARCHAR, n_lines_removed INTEGER, cleaned_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS extract.event_reports (
        report_id VARCHAR PRIMARY KEY, article_id VARCHAR, seq INTEGER,
        event_date DATE, date_precision VARCHAR, date_rule VARCHAR, date_text VARCHAR,
        place_id VARCHAR, location_text VARCHAR, trigger_id VARCHAR, trigger_text VARCHAR,
        actor1_id VARCHAR, actor2_id VARCHAR, killed INTEGER, wounded INTEGER,
        killed_rule VARCHAR, wounded_rule VARCHAR, vague_text VARCHAR, evidence VARCHAR,
        extractor_version VARCHAR, extracted_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS extract.report_victims (
        report_id VARCHAR, victim_actor_id VARCHAR, killed INTEGER, wounded INTEGER, evidence VARCHAR)""",
    # Not in the contract: which article was extracted with which extractor version. Needed
    # because an article that reports no incident leaves no row in extract.event_reports and
    # would otherwise be re-extracted on every run.
    """CREATE TABLE IF NOT EXISTS ops.extraction_log (
        article_id VARCHAR PRIMARY KEY, extractor_version VARCHAR, n_reports INTEGER, extracted_at TIMESTAMP)""",
]


def write_stamp(con, table: str, column: str) -> dt.datetime:
    """The write time a stage stamps its rows with: the clock, but always after the latest stamp
    already in `table`.`column`. The GX checks validate the rows stamped after the last validation,
    so a clock that goes back (DST fall-back, a time-zone change, a clock step) must not stamp new
    rows below that watermark, where no check would ever see them."""
    latest = con.execute(f"SELECT max({column}) FROM {table}").fetchone()[0]
    now = dt.datetime.now()
    return now if latest is None or now > latest else latest + dt.timedelta(microseconds=1)


def ensure_tables(con) -> None:
    for stmt in DDL:
        con.execute(stmt)


@contextmanager
def transaction(con):
    """All of a stage's writes or none: a failure (or a kill) rolls the stage back whole."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        try:
            con.execute("ROLLBACK")
        except Exception:  # noqa: BLE001 - DuckDB already ended it (e.g. disk full): the cause is the headline
            pass
        raise


# DuckDB column types of the Python-written tables -> the Arrow type a value must fit.
_ARROW_TYPES = {
    "INTEGER": "int32",
    "BIGINT": "int64",
    "VARCHAR": "string",
    "DATE": "date32",
    "TIMESTAMP": "timestamp[us]",
    "DOUBLE": "float64",
    "BOOLEAN": "bool",
}
INTEGER_MAX = 2**31 - 1


def column_types(con, table: str) -> dict:
    """{column: Arrow type} of `table` (schema.name), for rows that must fit it exactly."""
    import pyarrow as pa

    schema, name = table.split(".", 1)
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = current_database() AND table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    return {c: pa.type_for_alias(_ARROW_TYPES[t]) for c, t in rows if t in _ARROW_TYPES}


def arrow_table(columns: Sequence[str], rows: Sequence[Sequence], types: dict | None = None):
    """Rows as one Arrow table; with `types` every value must fit its column's type (a Python
    int above INTEGER, a string with a lone surrogate) or this raises pyarrow's error."""
    import pyarrow as pa  # late: only the stages that write need it

    types = types or {}
    return pa.table({c: pa.array([r[i] for r in rows], type=types.get(c)) for i, c in enumerate(columns)})


@contextmanager
def arrow_view(
    con, name: str, columns: Sequence[str], rows: Sequence[Sequence], types: dict | None = None
) -> Iterator[str]:
    """Expose Python rows to SQL as view `name`, backed by one Arrow table.

    Bulk statements over it (INSERT ... SELECT, DELETE ... IN, UPDATE ... FROM) cost one
    statement per batch; `executemany` costs one per row, which was most of a stage's time on
    thousands of articles.
    """
    table = arrow_table(columns, rows, types)
    con.register(name, table)
    try:
        yield name
    finally:
        con.unregister(name)


def insert_rows(con, table: str, columns: Sequence[str], rows: Sequence[Sequence], types: dict | None = None) -> None:
    """INSERT rows (lists in `columns` order) into `table` in one statement (`types`: see
    arrow_table)."""
    if not rows:
        return
    cols = ", ".join(columns)
    with arrow_view(con, "_rows_to_insert", columns, rows, types) as view:
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view}")
