"""What the morning brief says, read from the analyst copy (schema marts) with plain queries.

Why one module of this size: every section of the brief is one query over the same windows and
the same mart columns; kept together they share the window rule and cannot drift apart.

Everything here is figures and rows; charts.py draws them and render.py writes the HTML and the
Markdown preview. Reads only existing mart columns (`fct_events.notes` when the mart has it).

Time windows. The windows end on `window_end`: the run date (or the last day of a chosen range),
or, when the marts hold no incident dated on or after it (an archive, a backfill), the newest
incident date before it; `window_rule` says which. Window counts use incidents dated to the day
(`date_precision = 'day'`): an event dated only to a week, month or year is stored on the first
day of that period and would land in the wrong window; how many are left out is reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

MARTS = "analyst.marts"
NEW_EVENTS_SHOWN = 200  # rows of the new-events table; the rest is counted, not listed
EVIDENCE_CHARS = 600  # Arabic evidence per report, cut at a word beyond this
TOP_PAIRS = 10
TOP_GOVERNORATES = 20
NO_GOVERNORATE = "(no governorate)"  # admin1 NULL: a country-wide or cross-governorate place


@dataclass
class Period:
    label: str
    start: dt.date
    end: dt.date  # inclusive
    events: int = 0
    killed_best: int = 0
    killed_low: int = 0
    killed_high: int = 0
    wounded_best: int = 0
    by_country: list[tuple[str, int, int]] = field(default_factory=list)  # (country, events, killed)


@dataclass
class NewEvent:
    event_id: str
    event_date: dt.date | None
    date_precision: str | None
    country: str | None
    admin1: str | None
    admin2: str | None
    location: str | None
    event_type: str | None
    sub_event_type: str | None
    actor1: str | None
    actor2: str | None
    fatalities: tuple[int | None, int | None, int | None]  # low, best, high
    injured: tuple[int | None, int | None, int | None]
    n_reports: int
    n_sources: int
    note: str
    note_is_mart_column: bool
    evidence: list[str]
    urls: list[str]
    sources_without_url: list[str]


@dataclass
class BriefData:
    generated_at: dt.datetime
    run_date: dt.date
    window_end: dt.date | None
    window_rule: str
    new_rule: str
    periods: list[Period]
    n_events_total: int
    n_coarse_dates: int  # events left out of windows (week/month/year)
    new_events: list[NewEvent]
    n_new_events: int
    n_updated_events: int
    killed_by_governorate: list[tuple[str, str, int, int, int, int]]  # country, admin1, events, best, low, high
    daily: list[tuple[dt.date, int, int]]  # (day, events, killed best), every day of 90
    actor_pairs: list[tuple[str, str, int, int]]  # actor1, actor2, events, killed
    map_points: list[tuple[float, float, int | None, str | None, str | None]]  # lon, lat, killed, type, label
    n_map_without_coordinates: int
    review_total: int
    review_by_issue: list[tuple[str, int]]
    rejected: list[tuple[str, str, int]] | None  # (reason, example path, n); None: unknown
    rejected_scope: str
    checks: list[dict] | None  # {name, target, passed, severity, detail}
    checks_scope: str
    analyst_db: str

    @property
    def headline(self) -> dict[str, Period]:
        return {p.label: p for p in self.periods}


def connect(analyst_db: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the analyst copy attached read-only as `analyst`: the
    pipeline never waits for us, and our scratch tables never touch the copy."""
    con = duckdb.connect(":memory:")
    path = str(analyst_db).replace("'", "''")
    con.execute(f"ATTACH '{path}' AS analyst (READ_ONLY)")
    return con


def mart_columns(con, table: str) -> set[str]:
    return {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_catalog = 'analyst' AND table_schema = 'marts' AND table_name = ?",
            [table],
        ).fetchall()
    }


def window_end(con, run_date: dt.date, date_label: str = "the run date") -> tuple[dt.date | None, str]:
    """(end date of the windows, the sentence saying why)."""
    newest_any = con.execute(f"SELECT max(event_date) FROM {MARTS}.fct_events").fetchone()[0]
    newest = con.execute(
        f"SELECT max(event_date) FROM {MARTS}.fct_events WHERE event_date <= ?", [run_date]
    ).fetchone()[0]
    if newest_any is None:
        return None, "The marts hold no dated event."
    if newest is None:
        return run_date, f"Windows end on {run_date}, {date_label}; every event in the marts is dated after it."
    if newest >= run_date:
        return run_date, f"Windows end on {run_date}, {date_label}."
    return newest, (
        f"Windows end on {newest}, the newest incident date in the marts: nothing is dated "
        f"on {run_date} ({date_label}) or the days between, as in an archive or a backfill."
    )


def periods(con, end: dt.date, range_start: dt.date | None = None) -> list[Period]:
    day = dt.timedelta(days=1)
    spans = [
        ("last 24 h", end, end),
        ("previous 24 h", end - day, end - day),
        ("last 7 days", end - 6 * day, end),
        ("previous 7 days", end - 13 * day, end - 7 * day),
    ]
    if range_start is not None and range_start < end - 6 * day:
        length = (end - range_start).days + 1
        spans += [
            ("selected range", range_start, end),
            ("previous range", range_start - length * day, range_start - day),
        ]
    out = []
    for label, start, stop in spans:
        p = Period(label, start, stop)
        row = con.execute(
            f"""
            SELECT count(*), coalesce(sum(fatalities_best), 0), coalesce(sum(fatalities_low), 0),
                   coalesce(sum(fatalities_high), 0), coalesce(sum(injured_best), 0)
            FROM {MARTS}.fct_events
            WHERE date_precision = 'day' AND event_date BETWEEN ? AND ?""",
            [start, stop],
        ).fetchone()
        p.events, p.killed_best, p.killed_low, p.killed_high, p.wounded_best = (int(v) for v in row)
        p.by_country = [
            (c or "(unknown)", int(n), int(k))
            for c, n, k in con.execute(
                f"""
            SELECT country, count(*), coalesce(sum(fatalities_best), 0)
            FROM {MARTS}.fct_events
            WHERE date_precision = 'day' AND event_date BETWEEN ? AND ?
            GROUP BY country ORDER BY count(*) DESC, country""",
                [start, stop],
            ).fetchall()
        ]
        out.append(p)
    return out


def composed_note(e: dict) -> str:
    """An English line from the event's fields, for marts without a `notes` column."""
    what = e["sub_event_type"] or e["event_type"] or "Event of unknown type"
    names = [x for x in (e["location"], e["admin1"], e["country"]) if x]
    where = ", ".join(x for i, x in enumerate(names) if x not in names[:i]) or "an unknown place"
    who = " against ".join(x for x in (e["actor1"], e["actor2"]) if x)
    toll = [
        f"{v} {word}" for v, word in ((e["fatalities_best"], "killed"), (e["injured_best"], "wounded")) if v is not None
    ]
    return f"{what} in {where}" + (f": {who}" if who else "") + ("; " + ", ".join(toll) if toll else "") + "."


def _cut(text: str, limit: int = EVIDENCE_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + " …"


def new_events(con, event_ids_sql: str, params: list) -> tuple[list[NewEvent], int]:
    """The events selected by `event_ids_sql` (a query returning event_id), largest toll first."""
    has_notes = "notes" in mart_columns(con, "fct_events")
    note_col = "e.notes" if has_notes else "NULL"
    n = con.execute(f"SELECT count(*) FROM ({event_ids_sql})", params).fetchone()[0]
    cur = con.execute(
        f"""
        SELECT e.event_id, e.event_date, e.date_precision, e.country, e.admin1, e.admin2, e.location,
               e.event_type, e.sub_event_type, e.actor1, e.actor2,
               e.fatalities_low, e.fatalities_best, e.fatalities_high,
               e.injured_low, e.injured_best, e.injured_high, e.n_reports, e.n_sources, {note_col} AS note
        FROM {MARTS}.fct_events AS e
        WHERE e.event_id IN ({event_ids_sql})
        ORDER BY e.fatalities_best DESC NULLS LAST, e.injured_best DESC NULLS LAST,
                 e.event_date DESC NULLS LAST, e.event_id
        LIMIT {NEW_EVENTS_SHOWN}""",
        params,
    )
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r)) for r in cur.fetchall()]
    reports: dict[str, list] = {}
    if rows:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE brief_shown AS SELECT unnest(?::VARCHAR[]) AS event_id",
            [[r["event_id"] for r in rows]],
        )
        for ev_id, evidence, url, source in con.execute(f"""
                SELECT r.event_id, r.evidence, r.url, coalesce(a.source_path, r.article_id)
                FROM {MARTS}.fct_event_reports AS r
                JOIN brief_shown USING (event_id)
                LEFT JOIN {MARTS}.dim_articles AS a USING (article_id)
                ORDER BY r.event_id, r.published_date DESC NULLS LAST, r.report_id""").fetchall():
            reports.setdefault(ev_id, []).append((evidence, url, source))
    out = []
    for r in rows:
        rep = reports.get(r["event_id"], [])
        evidence = list(dict.fromkeys(_cut(e) for e, _, _ in rep if e))
        urls = list(dict.fromkeys(u for _, u, _ in rep if u))
        no_url = list(dict.fromkeys(Path(s).name for _, u, s in rep if not u and s))
        note = r["note"] if has_notes and r["note"] else composed_note(r)
        out.append(
            NewEvent(
                event_id=r["event_id"],
                event_date=r["event_date"],
                date_precision=r["date_precision"],
                country=r["country"],
                admin1=r["admin1"],
                admin2=r["admin2"],
                location=r["location"],
                event_type=r["event_type"],
                sub_event_type=r["sub_event_type"],
                actor1=r["actor1"],
                actor2=r["actor2"],
                fatalities=(r["fatalities_low"], r["fatalities_best"], r["fatalities_high"]),
                injured=(r["injured_low"], r["injured_best"], r["injured_high"]),
                n_reports=r["n_reports"],
                n_sources=r["n_sources"],
                note=note,
                note_is_mart_column=bool(has_notes and r["note"]),
                evidence=evidence,
                urls=urls,
                sources_without_url=no_url,
            )
        )
    return out, n


def killed_by_governorate(con, start: dt.date, end: dt.date):
    return [
        (c or "(unknown)", a or NO_GOVERNORATE, int(n), int(b), int(lo), int(hi))
        for c, a, n, b, lo, hi in con.execute(
            f"""
        SELECT country, admin1, count(*), coalesce(sum(fatalities_best), 0),
               coalesce(sum(fatalities_low), 0), coalesce(sum(fatalities_high), 0)
        FROM {MARTS}.fct_events
        WHERE date_precision = 'day' AND event_date BETWEEN ? AND ?
        GROUP BY ALL ORDER BY 4 DESC, 3 DESC, 1, 2 LIMIT {TOP_GOVERNORATES}""",
            [start, end],
        ).fetchall()
    ]


def daily(con, start: dt.date, end: dt.date) -> list[tuple[dt.date, int, int]]:
    return [
        (d.date() if isinstance(d, dt.datetime) else d, int(n), int(k))
        for d, n, k in con.execute(
            f"""
        SELECT day, count(e.event_id), coalesce(sum(e.fatalities_best), 0)
        FROM (SELECT unnest(generate_series(?::DATE, ?::DATE, INTERVAL 1 DAY))::DATE AS day) AS days
        LEFT JOIN {MARTS}.fct_events AS e ON e.event_date = days.day AND e.date_precision = 'day'
        GROUP BY day ORDER BY day""",
            [start, end],
        ).fetchall()
    ]


def actor_pairs(con, start: dt.date, end: dt.date):
    return [
        (a1, a2, int(n), int(k))
        for a1, a2, n, k in con.execute(
            f"""
        SELECT coalesce(actor1, '(unidentified)'), coalesce(actor2, '(none / unidentified)'),
               count(*), coalesce(sum(fatalities_best), 0)
        FROM {MARTS}.fct_events
        WHERE date_precision = 'day' AND event_date BETWEEN ? AND ?
        GROUP BY ALL ORDER BY 3 DESC, 4 DESC, 1, 2 LIMIT {TOP_PAIRS}""",
            [start, end],
        ).fetchall()
    ]


def map_points(con, start: dt.date, end: dt.date):
    rows = con.execute(
        f"""
        SELECT TRY_CAST(longitude AS DOUBLE), TRY_CAST(latitude AS DOUBLE), fatalities_best, event_type,
               coalesce(location, admin1, country)
        FROM {MARTS}.fct_events
        WHERE date_precision = 'day' AND event_date BETWEEN ? AND ?
        ORDER BY fatalities_best DESC NULLS LAST, event_id""",
        [start, end],
    ).fetchall()
    points = [r for r in rows if r[0] is not None and r[1] is not None and -180 <= r[0] <= 180 and -90 <= r[1] <= 90]
    return points, len(rows) - len(points)


def review_queue(con) -> tuple[int, list[tuple[str, int]]]:
    total = con.execute(f"SELECT count(*) FROM {MARTS}.report_review_queue").fetchone()[0]
    # each issue names its figures ("implausible killed (12000)", "event date D after published_date P"):
    # grouped on the kind of issue
    by_issue = con.execute(f"""
        SELECT CASE WHEN issue LIKE 'event date % after published_date %' THEN 'event date after publication date'
                    ELSE regexp_replace(issue, '\\s*\\(.*\\)$', '') END AS kind,
               count(*)
        FROM (SELECT trim(unnest(string_split(quality_issue, ';'))) AS issue FROM {MARTS}.report_review_queue)
        WHERE issue <> ''
        GROUP BY kind ORDER BY 2 DESC, 1""").fetchall()
    return int(total), [(k, int(n)) for k, n in by_issue]


def coarse_dated(con) -> int:
    return con.execute(
        f"SELECT count(*) FROM {MARTS}.fct_events WHERE date_precision IS DISTINCT FROM 'day'"
    ).fetchone()[0]


def rejected_inputs(
    warehouse: Path | None, since: dt.datetime | None = None, on_days: tuple[dt.date, dt.date] | None = None
) -> tuple[list | None, str]:
    """Rejected inputs from the warehouse's ops.rejected_inputs (not in the analyst copy):
    those detected since `since` (this run), or on the days `on_days`. None when unreadable
    (no warehouse, or a run holds it)."""
    if warehouse is None or not Path(warehouse).exists():
        return None, "the warehouse is not available, so rejected inputs are not shown"
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        return None, f"the warehouse could not be read ({exc.__class__.__name__}: a run may hold it)"
    try:
        if since is not None:
            where, params, scope = "detected_at >= ?", [since], "this run"
        else:
            where, params = "CAST(detected_at AS DATE) BETWEEN ? AND ?", list(on_days)
            scope = (
                f"detected on {on_days[0]}" if on_days[0] == on_days[1] else f"detected {on_days[0]} to {on_days[1]}"
            )
        rows = con.execute(
            f"""
            SELECT reason, min(source_path), count(*) FROM ops.rejected_inputs
            WHERE {where} GROUP BY reason ORDER BY 3 DESC, 1""",
            params,
        ).fetchall()
        return [(r, p, int(n)) for r, p, n in rows], scope
    except duckdb.CatalogException:
        return [], "no rejected-inputs table in the warehouse"
    finally:
        con.close()


def read_ledger(path: Path) -> set[str] | None:
    """report_ids the previous brief saw published (None: no earlier brief)."""
    if not path.exists():
        return None
    con = duckdb.connect(":memory:")
    try:
        return {r[0] for r in con.execute("SELECT report_id FROM read_parquet(?)", [str(path)]).fetchall()}
    finally:
        con.close()


def collect(
    analyst_db: Path,
    run_date: dt.date,
    *,
    mode: str,
    previously_published: set[str] | None = None,
    range_start: dt.date | None = None,
    rejected: tuple[list | None, str] = (None, "not read"),
    checks: tuple[list | None, str] = (None, "not read"),
    generated_at: dt.datetime | None = None,
) -> BriefData:
    """Everything the brief shows.

    mode "run": new = events none of whose reports was published when the previous brief was
    written (`previously_published`, the report_ids it saw; None = first brief: all events),
    updated = events with both. mode "range": new = events first reported (earliest article
    publication date) between `range_start` and `run_date`.
    """
    con = connect(analyst_db)
    try:
        end, rule = window_end(
            con,
            run_date,
            "the run date"
            if mode == "run"
            else "the chosen date"
            if range_start in (None, run_date)
            else "the range's last day",
        )
        if mode == "run":
            if previously_published is None:
                ids_sql, params = f"SELECT event_id FROM {MARTS}.fct_events", []
                new_rule = "New: every event, as this is the first brief written from this analyst copy."
                updated: set[str] = set()
            else:
                con.execute(
                    "CREATE TEMP TABLE brief_seen AS SELECT unnest(?::VARCHAR[]) AS report_id",
                    [sorted(previously_published)],
                )
                ids_sql = (
                    f"SELECT event_id FROM {MARTS}.fct_event_reports GROUP BY event_id "
                    "HAVING bool_and(report_id NOT IN (SELECT report_id FROM brief_seen))"
                )
                params = []
                updated = {
                    r[0]
                    for r in con.execute(
                        f"SELECT event_id FROM {MARTS}.fct_event_reports GROUP BY event_id "
                        "HAVING bool_or(report_id NOT IN (SELECT report_id FROM brief_seen)) "
                        "AND bool_or(report_id IN (SELECT report_id FROM brief_seen))"
                    ).fetchall()
                }
                new_rule = (
                    "New: events first published by this run (none of their reports was in the "
                    "marts when the previous brief was written), whatever their incident date."
                )
        else:
            start = range_start or run_date
            ids_sql = f"SELECT event_id FROM {MARTS}.fct_events WHERE first_published_date BETWEEN ? AND ?"
            params = [start, run_date]
            updated = set()
            span = str(start) if start == run_date else f"{start} to {run_date}"
            new_rule = (
                f"New: events first reported on {span} (earliest publication date of their "
                "articles), whatever their incident date."
            )
        shown, n_new = new_events(con, ids_sql, params)
        n_updated = len(updated)
        if end is None:
            per, gov, days, pairs, (points, no_xy) = [], [], [], [], ([], 0)
        else:
            d30, d90 = end - dt.timedelta(days=29), end - dt.timedelta(days=89)
            per = periods(con, end, range_start if mode == "range" else None)
            gov = killed_by_governorate(con, d30, end)
            days = daily(con, d90, end)
            pairs = actor_pairs(con, d30, end)
            points, no_xy = map_points(con, d30, end)
        total, by_issue = review_queue(con)
        return BriefData(
            generated_at=generated_at or dt.datetime.now(dt.UTC),
            run_date=run_date,
            window_end=end,
            window_rule=rule,
            new_rule=new_rule,
            periods=per,
            n_events_total=con.execute(f"SELECT count(*) FROM {MARTS}.fct_events").fetchone()[0],
            n_coarse_dates=coarse_dated(con),
            new_events=shown,
            n_new_events=n_new,
            n_updated_events=n_updated,
            killed_by_governorate=gov,
            daily=days,
            actor_pairs=pairs,
            map_points=points,
            n_map_without_coordinates=no_xy,
            review_total=total,
            review_by_issue=by_issue,
            rejected=rejected[0],
            rejected_scope=rejected[1],
            checks=checks[0],
            checks_scope=checks[1],
            analyst_db=str(analyst_db),
        )
    finally:
        con.close()
