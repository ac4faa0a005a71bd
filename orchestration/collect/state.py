"""Collection state in the warehouse (schema ops), written as the run goes.

ops.collect_urls         one row per URL: listings (feeds, sitemaps) and article pages. What was
                         discovered, by which source, first seen, last fetched, status, HTTP
                         status, final URL, ETag / Last-Modified, body hash, next_fetch_at, error,
                         the listing's title and date, and the inbox file a page was written to.
ops.collect_url_sources  every source that listed a URL (one URL listed by two outlets: two rows).
ops.collect_robots       robots.txt per origin (status, body, when fetched), reused for 24 h.
ops.collect_hosts        hosts that answered 429 / 503 + Retry-After: left alone until deferred_until.
ops.collect_fetch_log    append-only: one row per HTTP request (retries and redirect hops too).
ops.collect_source_runs  one row per source per collection run: counts, status, next retry.

Timestamps are naive UTC. Every write is its own statement (DuckDB autocommit), in an order
that makes a crash harmless: a listing's new items are recorded before the listing's ETag/hash,
and a page is written to the inbox before its row says 'fetched' (a rerun finds the file and
marks it without fetching again).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from orchestration.warehouse.tables import arrow_view, insert_rows

# statuses of ops.collect_urls.status
PENDING = "pending"  # discovered, to be fetched
FETCHED = "fetched"  # page written to the inbox (done)
RETRY_STATUSES = ("pending", "error", "deferred", "out_of_time")
MAX_PAGE_ATTEMPTS = 3  # runs in which a page may fail before it is given up ('failed')

DDL = [
    "CREATE SCHEMA IF NOT EXISTS ops",
    """CREATE TABLE IF NOT EXISTS ops.collect_urls (
        url VARCHAR PRIMARY KEY, listed_url VARCHAR, source_id VARCHAR, kind VARCHAR,
        status VARCHAR, first_seen_at TIMESTAMP, last_fetched_at TIMESTAMP, http_status INTEGER,
        final_url VARCHAR, etag VARCHAR, last_modified VARCHAR, body_sha256 VARCHAR,
        next_fetch_at TIMESTAMP, error VARCHAR, n_attempts INTEGER, listing_title VARCHAR,
        listing_date VARCHAR, listing_published TIMESTAMP, inbox_path VARCHAR, run_id VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS ops.collect_url_sources (
        url VARCHAR, source_id VARCHAR, listing_url VARCHAR, first_seen_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS ops.collect_robots (
        origin VARCHAR PRIMARY KEY, status INTEGER, body VARCHAR, fetched_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS ops.collect_hosts (
        host VARCHAR PRIMARY KEY, deferred_until TIMESTAMP, reason VARCHAR, updated_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS ops.collect_fetch_log (
        requested_at TIMESTAMP, run_id VARCHAR, source_id VARCHAR, url VARCHAR, purpose VARCHAR,
        attempt INTEGER, status INTEGER, n_bytes BIGINT, elapsed_ms INTEGER, error VARCHAR,
        if_none_match VARCHAR, if_modified_since VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS ops.collect_source_runs (
        run_id VARCHAR, source_id VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
        status VARCHAR, requests INTEGER, unchanged INTEGER, discovered INTEGER, new_pages INTEGER,
        errors INTEGER, next_fetch_at TIMESTAMP, error VARCHAR, skipped VARCHAR)""",
]

URL_COLUMNS = [
    "url",
    "listed_url",
    "source_id",
    "kind",
    "status",
    "first_seen_at",
    "n_attempts",
    "listing_title",
    "listing_date",
    "listing_published",
    "run_id",
]
LOG_COLUMNS = [
    "requested_at",
    "run_id",
    "source_id",
    "url",
    "purpose",
    "attempt",
    "status",
    "n_bytes",
    "elapsed_ms",
    "error",
    "if_none_match",
    "if_modified_since",
]
RUN_COLUMNS = [
    "run_id",
    "source_id",
    "started_at",
    "finished_at",
    "status",
    "requests",
    "unchanged",
    "discovered",
    "new_pages",
    "errors",
    "next_fetch_at",
    "error",
    "skipped",
]


def ensure_tables(con) -> None:
    for stmt in DDL:
        con.execute(stmt)


class CollectState:
    def __init__(self, con, run_id: str) -> None:
        self.con = con
        self.run_id = run_id
        ensure_tables(con)

    # ------------------------------------------------------------------ robots store
    def load(self, origin: str):
        rows = self.con.execute(
            "SELECT status, body, fetched_at FROM ops.collect_robots WHERE origin = ?", [origin]
        ).fetchall()
        return tuple(rows[0]) if rows else None

    def save(self, origin: str, status: int, body: str, fetched_at: dt.datetime) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO ops.collect_robots VALUES (?, ?, ?, ?)", [origin, status, body, fetched_at]
        )

    # ------------------------------------------------------------------ hosts asked to wait
    def deferred_hosts(self, now: dt.datetime) -> dict:
        return dict(
            self.con.execute(
                "SELECT host, deferred_until FROM ops.collect_hosts WHERE deferred_until > ?", [now]
            ).fetchall()
        )

    def save_deferral(self, host: str, until: dt.datetime, reason: str, now: dt.datetime) -> None:
        self.con.execute("INSERT OR REPLACE INTO ops.collect_hosts VALUES (?, ?, ?, ?)", [host, until, reason, now])

    # ------------------------------------------------------------------ fetch log
    def log_request(self, rec: dict) -> None:
        insert_rows(
            self.con,
            "ops.collect_fetch_log",
            LOG_COLUMNS,
            [[self.run_id if c == "run_id" else rec.get(c) for c in LOG_COLUMNS]],
        )

    # ------------------------------------------------------------------ URLs
    def url_row(self, url: str) -> dict | None:
        cur = self.con.execute("SELECT * FROM ops.collect_urls WHERE url = ?", [url])
        rows = cur.fetchall()  # fetchall: DuckDB keeps a result open until a fetch comes back empty
        return dict(zip([d[0] for d in cur.description], rows[0])) if rows else None

    def ensure_url(self, url: str, listed_url: str, source_id: str, kind: str, now: dt.datetime) -> dict:
        row = self.url_row(url)
        if row is None:
            insert_rows(
                self.con,
                "ops.collect_urls",
                URL_COLUMNS,
                [[url, listed_url, source_id, kind, PENDING, now, 0, None, None, None, self.run_id]],
            )
            row = self.url_row(url)
        return row

    def add_discovered(self, rows: Iterable[list], source_id: str, listing_url: str, now: dt.datetime) -> int:
        """Record listed items (URL_COLUMNS order) not known yet; remember that this source
        listed every one of them. Returns how many URLs were new."""
        rows = list({r[0]: r for r in rows}.values())
        if not rows:
            return 0
        before = self.con.execute("SELECT count(*) FROM ops.collect_urls").fetchall()[0][0]
        with arrow_view(self.con, "_discovered", URL_COLUMNS, rows) as view:
            cols = ", ".join(URL_COLUMNS)
            self.con.execute(
                f"INSERT INTO ops.collect_urls ({cols}) SELECT {cols} FROM {view} "
                f"WHERE url NOT IN (SELECT url FROM ops.collect_urls)"
            )
            self.con.execute(
                f"INSERT INTO ops.collect_url_sources SELECT d.url, ?, ?, ? FROM {view} d "
                f"WHERE NOT EXISTS (SELECT 1 FROM ops.collect_url_sources s "
                f"WHERE s.url = d.url AND s.source_id = ?)",
                [source_id, listing_url, now, source_id],
            )
        return self.con.execute("SELECT count(*) FROM ops.collect_urls").fetchall()[0][0] - before

    def update_url(self, url: str, **values) -> None:
        if not values:
            return
        sets = ", ".join(f"{k} = ?" for k in values)
        self.con.execute(f"UPDATE ops.collect_urls SET {sets} WHERE url = ?", [*values.values(), url])

    def due_pages(self, source_id: str, now: dt.datetime, limit: int) -> list[dict]:
        """Pages this source listed that are still to fetch (new, failed before, deferred and now due),
        newest listing date first."""
        cur = self.con.execute(
            f"""SELECT * FROM ops.collect_urls
                WHERE kind = 'page' AND status IN {RETRY_STATUSES}
                  AND (next_fetch_at IS NULL OR next_fetch_at <= ?)
                  AND url IN (SELECT url FROM ops.collect_url_sources WHERE source_id = ?)
                ORDER BY listing_published DESC NULLS LAST, first_seen_at, url LIMIT ?""",
            [now, source_id, limit],
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]

    # ------------------------------------------------------------------ source runs
    def record_source_run(self, row: dict) -> None:
        insert_rows(
            self.con,
            "ops.collect_source_runs",
            RUN_COLUMNS,
            [[self.run_id if c == "run_id" else row.get(c) for c in RUN_COLUMNS]],
        )


def source_health(con, source_ids: list[str]) -> list[dict]:
    """Per source: consecutive failed runs up to the latest, last success, first attempt."""
    ensure_tables(con)
    out = []
    for sid in source_ids:
        runs = con.execute(
            "SELECT status, started_at, error FROM ops.collect_source_runs "
            "WHERE source_id = ? ORDER BY started_at DESC, finished_at DESC",
            [sid],
        ).fetchall()
        failing = 0
        for status, _, _ in runs:
            if status != "failed":
                break
            failing += 1
        last_ok = next((started for status, started, _ in runs if status == "ok"), None)
        out.append(
            {
                "source_id": sid,
                "consecutive_failures": failing,
                "last_success": last_ok,
                "first_attempt": runs[-1][1] if runs else None,
                "runs": len(runs),
                "last_status": runs[0][0] if runs else None,
                "last_error": runs[0][2] if runs else None,
            }
        )
    return out
