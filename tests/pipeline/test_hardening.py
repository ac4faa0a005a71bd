"""Nothing lost, nothing doubled, nobody blocked.

One real run of the whole graph (in-process `dg.materialize`, module-scoped) over an inbox that
mixes hostile files (made here, tests/pipeline/hardening_inbox.py) with the bundled seed articles, then a
second run over the same inbox while an analyst holds the analyst copy open. Then the warehouse
run lock with real processes, a kill -9 in the middle of dbt, and the publish step's crash
hygiene on small hand-made warehouses.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import duckdb
import hardening_inbox as H
import pytest

from tests.paths import paths_under

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DAGSTER = str(Path(sys.executable).parent / "dagster")
PY_STAGES = ["raw_articles", "clean_articles", "extracted_reports"]


def _row_counts(db: Path) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = current_database() ORDER BY 1, 2"
        ).fetchall()
        return {f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t in tables}


def _run_all():
    from orchestration.definitions import defs
    from orchestration.defs.resources import build_resources

    return dg.materialize([*defs.assets, *defs.asset_checks], resources=build_resources(), raise_on_error=False)


def _blocking_failures(result) -> list:
    return [
        (
            e.asset_key.to_user_string(),
            e.check_name,
            {
                k: v.value
                for k, v in e.metadata.items()
                if k in ("failing_expectations", "dagster_dbt/failed_row_count")
            },
        )
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]


READER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    q = "SELECT count(*) FROM marts.fct_event_reports"
    print(con.execute(q).fetchone()[0], flush=True)
    sys.stdin.readline()              # the second run happens meanwhile
    print(con.execute(q).fetchone()[0], flush=True)
""")


class _GrowingFile:
    """Appends a line to the inbox's growing file every 0.1 s from before the first run until that
    run's inbox scan has ended (a copy still in progress while the pipeline reads the inbox)."""

    def __init__(self, inbox: Path, mp: pytest.MonkeyPatch):
        import threading

        from orchestration import inbox as inbox_mod

        self.path, self.lines, self.stop = inbox / H.GROWING_NAME, [], threading.Event()
        self._write()
        real, growing = inbox_mod.iter_inbox, self

        def iter_inbox_then_stop_writing(*args, **kwargs):
            yield from real(*args, **kwargs)
            growing.stop.set()

        mp.setattr(inbox_mod, "iter_inbox", iter_inbox_then_stop_writing)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _write(self):
        self.lines.append(H.GROWING_LINES[len(self.lines) % len(H.GROWING_LINES)] + f" ({len(self.lines)})")
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(self.lines[-1] + "\n")

    def _run(self):
        while not self.stop.wait(0.1):
            self._write()

    def finish(self) -> str:
        self.stop.set()
        self.thread.join(timeout=30)
        return "\n".join(self.lines)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Three runs of the real pipeline over the mixed inbox (a file still being written during the
    first, an analyst reading the copy during the second, nothing new in the third); row counts."""
    base = tmp_path_factory.mktemp("hardening")
    paths = paths_under(base)
    expected = H.build_inbox(paths["ARTICLES_DIR"], base / "outside")
    with pytest.MonkeyPatch.context() as mp:
        for var, p in paths.items():
            mp.setenv(var, str(p))
        mp.setenv("MAX_INPUT_BYTES", str(H.MAX_INPUT_BYTES))
        mp.setenv("MAX_ARTICLE_CHARS", str(H.MAX_ARTICLE_CHARS))
        mp.delenv("GX_SCOPE", raising=False)
        growing = _GrowingFile(paths["ARTICLES_DIR"], mp)
        first = _run_all()
        growing_text = growing.finish()
        assert first.success, f"first run failed; blocking checks: {_blocking_failures(first)}"
        with duckdb.connect(str(paths["WAREHOUSE_PATH"]), read_only=True) as con:
            growing_rows_first = con.execute(
                "SELECT count(*) FROM ops.ingested_files WHERE source_path LIKE ?", [f"%{H.GROWING_NAME}"]
            ).fetchone()[0]
        exports1 = sorted(p.name for p in paths["EXPORTS_DIR"].iterdir())

        # An analyst holds the published copy open (read-only) during the second run.
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, str(paths["ANALYST_DB_PATH"])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            reader_before = int(reader.stdout.readline())
            second = _run_all()
            reader.stdin.write("\n")
            reader.stdin.flush()
            reader_after = int(reader.stdout.readline())
            reader_rc = reader.wait(timeout=60)
        finally:
            if reader.poll() is None:
                reader.kill()
        assert second.success, f"second run failed; blocking checks: {_blocking_failures(second)}"
        counts2 = {"warehouse": _row_counts(paths["WAREHOUSE_PATH"]), "analyst": _row_counts(paths["ANALYST_DB_PATH"])}
        third = _run_all()
        assert third.success, f"third run failed; blocking checks: {_blocking_failures(third)}"
        counts3 = {"warehouse": _row_counts(paths["WAREHOUSE_PATH"]), "analyst": _row_counts(paths["ANALYST_DB_PATH"])}
    return {
        "base": base,
        "paths": paths,
        "expected": expected,
        "first": first,
        "second": second,
        "counts2": counts2,
        "counts3": counts3,
        "exports1": exports1,
        "reader": (reader_before, reader_after, reader_rc),
        "growing_text": growing_text,
        "growing_rows_first": growing_rows_first,
    }


def _wh(built):
    return duckdb.connect(str(built["paths"]["WAREHOUSE_PATH"]), read_only=True)


# ----------------------------------------------------------------------------- accounting


def test_every_input_is_an_article_a_duplicate_or_a_reject(built):
    inbox = built["paths"]["ARTICLES_DIR"]
    expected = built["expected"]
    with _wh(built) as con:
        files = con.execute("SELECT source_path, status, n_articles FROM ops.ingested_files").fetchall()
        rejects = con.execute("SELECT source_path, source_line, reason FROM ops.rejected_inputs").fetchall()
        arts = con.execute("SELECT source_path, count(*) FROM raw.articles GROUP BY 1").fetchall()
        n_raw = con.execute("SELECT count(*) FROM raw.articles").fetchone()[0]
    rel = lambda p: Path(p).relative_to(inbox).as_posix()  # noqa: E731
    by_file = {rel(p): (s, n) for p, s, n in files}
    assert len(by_file) == len(files), "a file was recorded twice"
    assert set(by_file) == set(expected), set(by_file) ^ set(expected)  # ignored .part is not an input
    reasons: dict[str, list] = {}
    for p, line, why in rejects:
        reasons.setdefault(rel(p), []).append((line, why))
    per_file_articles = {rel(p): n for p, n in arts}
    for name, (status, want_reasons, n_new) in expected.items():
        assert by_file[name] == (status, n_new), name
        got = [why for _, why in reasons.get(name, [])]
        assert len(got) == len(want_reasons) and all(any(g.startswith(w) for g in got) for w in want_reasons), (
            name,
            got,
        )
        assert per_file_articles.get(name, 0) == n_new, name
    # bad JSONL lines are rejected with their line numbers, good lines ingested
    assert sorted(line for line, _ in reasons["batch.jsonl"]) == [2, 5]
    assert n_raw == sum(n for _, _, n in expected.values())
    # the file outside the inbox was never read
    with _wh(built) as con:
        assert con.execute("SELECT count(*) FROM raw.articles WHERE raw_text LIKE '%سر خارج%'").fetchone() == (0,)


def test_legacy_encodings_are_decoded(built):
    with _wh(built) as con:
        text = dict(con.execute("SELECT regexp_extract(source_path, '[^/]+$'), raw_text FROM raw.articles").fetchall())
    assert text["cp1256.txt"] == H.CP1256_TEXT
    assert text["utf16.txt"] == H.UTF16_TEXT
    assert text["bom_crlf.txt"] == "\n".join(H.BOM_CRLF_LINES)
    assert text[H.ODD_NAME] == H.ODD_TEXT


def test_seed_events_still_come_out(built):
    with _wh(built) as con:
        kirkuk = con.execute("""
            SELECT count(*) FROM marts.fct_event_reports
            WHERE admin1 = 'Kirkuk' AND event_date = DATE '2022-12-18' AND killed = 11 AND wounded = 2
        """).fetchone()[0]
    assert kirkuk >= 1
    with duckdb.connect(str(built["paths"]["ANALYST_DB_PATH"]), read_only=True) as con:
        assert (
            con.execute(
                "SELECT count(*) FROM marts.fct_event_reports WHERE admin1 = 'Kirkuk' "
                "AND event_date = DATE '2022-12-18' AND killed = 11"
            ).fetchone()[0]
            >= 1
        )


def test_non_arabic_articles_yield_no_reports(built):
    with _wh(built) as con:
        other = [
            r[0]
            for r in con.execute(
                "SELECT c.article_id FROM clean.articles c JOIN raw.articles r USING (article_id) "
                "WHERE r.source_path LIKE '%english.html'"
            ).fetchall()
        ]
        assert len(other) == 1
        assert con.execute("SELECT language FROM clean.articles WHERE article_id = ?", other).fetchone() == ("other",)
        for table in ("extract.event_reports", "marts.fct_event_reports", "marts.report_review_queue"):
            assert con.execute(f"SELECT count(*) FROM {table} WHERE article_id = ?", other).fetchone() == (0,), table
        assert con.execute(
            "SELECT count(*) FROM marts.fct_event_reports r JOIN marts.dim_articles a "
            "USING (article_id) WHERE a.language <> 'ar'"
        ).fetchone() == (0,)


def test_hostile_text_is_stored_literally_and_harms_nothing(built):
    with _wh(built) as con:
        [(raw,)] = con.execute("SELECT raw_text FROM raw.articles WHERE source_path LIKE '%hostile.txt'").fetchall()
        for frag in (H.SQL_FRAGMENT, H.JINJA_FRAGMENT, H.JINJA_BLOCK, H.CSV_FRAGMENT):
            assert frag in raw
        # nothing was dropped or templated away: the tables and marts are all there and filled
        assert con.execute("SELECT count(*) FROM raw.articles").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM marts.fct_events").fetchone()[0] > 0
        [(clean,)] = con.execute(
            "SELECT c.clean_text FROM clean.articles c JOIN raw.articles r USING (article_id) "
            "WHERE r.source_path LIKE '%hostile.txt'"
        ).fetchall()
        assert H.JINJA_FRAGMENT in clean and H.SQL_FRAGMENT in clean


def test_dbt_never_templates_article_text():
    """Article text only flows through SQL as column values: no model or macro pulls rows into Jinja."""
    pulls = r"\brun_query\s*\(|\{%-?\s*call\s+statement|\bload_result\s*\(|\bfromjson\s*\("
    # self-refresh reads one value, a model's stored md5 fingerprint, from its own table by unique_id
    fingerprint_lookup = r'run_query\("select fingerprint from " ~ table ~ " where unique_id = \'" ~ unique_id ~ "\'"\)'
    offenders = []
    for p in [*(REPO / "dbt_project" / "models").rglob("*.sql"), *(REPO / "dbt_project" / "macros").rglob("*.sql")]:
        sql = p.read_text(encoding="utf-8")
        if p.name == "self_refresh.sql":
            assert len(re.findall(pulls, sql)) == len(re.findall(fingerprint_lookup, sql)) == 1, p
            continue
        if re.search(pulls, sql):
            offenders.append(p.relative_to(REPO).as_posix())
    assert not offenders, f"dbt code that renders query results into SQL: {offenders}"


def test_implausible_values_never_reach_the_marts_as_good(built):
    today = dt.date.today()
    with _wh(built) as con:
        assert con.execute(
            "SELECT count(*) FROM clean.articles WHERE published_date > ?", [today + dt.timedelta(days=1)]
        ).fetchone() == (0,)
        # the 2099 metadata date was refused, not stored
        assert con.execute("SELECT published_meta FROM raw.articles WHERE url LIKE '%future-date'").fetchall() == [
            (None,)
        ]
        assert con.execute("""SELECT count(*) FROM marts.fct_event_reports r JOIN marts.dim_articles a USING (article_id)
                              WHERE r.event_date > a.published_date""").fetchone() == (0,)
        assert con.execute(
            "SELECT count(*) FROM marts.fct_event_reports WHERE killed > 10000 OR wounded > 10000"
        ).fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM marts.fct_event_reports WHERE event_date > ?", [today]).fetchone() == (
            0,
        )
        bad_coords = con.execute("""SELECT count(*) FROM marts.fct_event_reports WHERE latitude IS NOT NULL AND NOT (
            (country = 'Iraq' AND latitude BETWEEN 28.9 AND 37.5 AND longitude BETWEEN 38.6 AND 48.8) OR
            (country = 'Syria' AND latitude BETWEEN 32.2 AND 37.5 AND longitude BETWEEN 35.5 AND 42.5))""").fetchone()
        assert bad_coords == (0,)
        # the incident dated after its publication was brought back to the publication date or quarantined
        after = con.execute("""SELECT r.event_date, a.published_date FROM marts.fct_event_reports r
                               JOIN marts.dim_articles a USING (article_id) WHERE a.url LIKE '%after-publication'""").fetchall()
        assert all(e <= p for e, p in after)
        # quarantined reports are never also published as good ones
        assert con.execute(
            "SELECT count(*) FROM marts.report_review_queue q JOIN marts.fct_event_reports r USING (report_id)"
        ).fetchone() == (0,)


def test_a_file_written_during_a_run_is_left_alone_then_read_whole(built):
    assert built["growing_rows_first"] == 0
    with _wh(built) as con:
        rows = con.execute(
            "SELECT raw_text FROM raw.articles WHERE source_path LIKE ?", [f"%{H.GROWING_NAME}"]
        ).fetchall()
    assert rows == [(built["growing_text"],)] and len(built["growing_text"].splitlines()) > 5


def test_a_toll_above_integer_waits_in_the_review_queue_and_blocks_nothing(built):
    with _wh(built) as con:
        queued = con.execute(
            "SELECT q.killed, q.killed_rule, q.is_implausible_killed FROM marts.report_review_queue q "
            "JOIN raw.articles r USING (article_id) WHERE r.source_path LIKE '%huge_toll.txt'"
        ).fetchall()
        assert con.execute(
            "SELECT count(*) FROM marts.fct_event_reports e JOIN raw.articles r USING (article_id) "
            "WHERE r.source_path LIKE '%huge_toll.txt'"
        ).fetchone() == (0,)
    assert queued and all(k == 2**31 - 1 and "clamped_from(99999999999)" in rule and flag for k, rule, flag in queued)


def test_published_paths_are_relative_to_the_inbox(built):
    base = str(built["base"])
    exports = built["paths"]["EXPORTS_DIR"]
    with duckdb.connect(str(built["paths"]["ANALYST_DB_PATH"]), read_only=True) as con:
        paths = [
            r[0]
            for r in con.execute(
                "SELECT source_path FROM marts.dim_articles UNION ALL SELECT source_path FROM marts.report_review_queue"
            ).fetchall()
        ]
    for mart in ("dim_articles", "report_review_queue"):
        paths += [
            r[0]
            for r in duckdb.connect()
            .execute(f"SELECT source_path FROM read_parquet('{exports / (mart + '.parquet')}')")
            .fetchall()
        ]
    assert paths and not [p for p in paths if p.startswith("/") or base in p]
    assert "sub/" + H.ODD_NAME in paths


def test_no_article_markup_reaches_the_data_docs(built):
    pages = list((built["paths"]["GX_DOCS_DIR"]).rglob("*.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8", errors="replace")
        assert H.SCRIPT_FRAGMENT not in html and "<img src=x" not in html, page


def test_dbt_state_is_kept_beside_the_warehouse_not_in_the_checkout(built):
    import hashlib

    wh = built["paths"]["WAREHOUSE_PATH"]
    assert (Path(str(wh) + ".dbt") / "target" / "run_results.json").exists()
    old_key = hashlib.sha1(str(wh.resolve()).encode("utf-8")).hexdigest()[:12]
    assert not (REPO / "dbt_project" / "target" / f"warehouse-{old_key}").exists()


# ----------------------------------------------------------------------------- idempotency, analysts


def test_a_run_with_nothing_new_changes_no_row_count(built):
    c1, c2 = built["counts2"], built["counts3"]
    for db in ("warehouse", "analyst"):
        diff = {t: (c1[db].get(t), c2[db].get(t)) for t in set(c1[db]) | set(c2[db]) if c1[db].get(t) != c2[db].get(t)}
        assert not diff, f"{db}: row counts changed on the second run: {diff}"
    for t in (
        "raw.articles",
        "clean.articles",
        "extract.event_reports",
        "ops.ingested_files",
        "ops.rejected_inputs",
        "marts.fct_event_reports",
        "marts.fct_events",
    ):
        assert c2["warehouse"].get(t, 0) > 0, t
    with _wh(built) as con:
        assert con.execute(
            "SELECT count(*) - count(DISTINCT content_sha256 || source_path) FROM ops.ingested_files"
        ).fetchone() == (0,)


def test_analyst_reading_during_a_run_is_not_blocked_and_reconnect_sees_data(built):
    before, after, rc = built["reader"]
    assert rc == 0 and before == after and before > 0
    with duckdb.connect(str(built["paths"]["ANALYST_DB_PATH"]), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.fct_event_reports").fetchone()[0] == before


def test_exports_are_whole_and_valid(built):
    exports = built["paths"]["EXPORTS_DIR"]
    names = sorted(p.name for p in exports.iterdir())
    assert names == built["exports1"]
    assert not [n for n in names if ".tmp-" in n or n.startswith(".")]
    assert not [p.name for p in built["paths"]["ANALYST_DB_PATH"].parent.iterdir() if ".tmp-" in p.name]
    with _wh(built) as con:
        n_events = con.execute("SELECT count(*) FROM marts.fct_events").fetchone()[0]
        n_geo = con.execute(
            "SELECT count(*) FROM marts.fct_events WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
        ).fetchone()[0]
        marts = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
            ).fetchall()
        ]
    for m in marts:
        n = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{exports / (m + '.parquet')}')").fetchone()[0]
        assert n == built["counts2"]["warehouse"][f"marts.{m}"], m
    rows = list(csv.DictReader(io.StringIO((exports / "fct_events.csv").read_text(encoding="utf-8"))))
    assert len(rows) == n_events and "event_id" in rows[0]
    geo = json.loads(
        (exports / "fct_events.geojson").read_text(encoding="utf-8"),
        parse_constant=lambda c: pytest.fail(f"non-JSON constant {c} in GeoJSON"),
    )
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == n_geo
    for f in geo["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert math.isfinite(lon) and math.isfinite(lat)


# ----------------------------------------------------------------------------- one bad article, two runs, kill -9


def test_one_bad_article_does_not_block_the_batch(tmp_path, monkeypatch):
    paths = paths_under(tmp_path)
    H.build_blocker_inbox(paths["ARTICLES_DIR"])
    for var, p in paths.items():
        monkeypatch.setenv(var, str(p))
    from orchestration.definitions import defs
    from orchestration.defs.resources import build_resources

    checks = [c for c in defs.asset_checks if any(k.asset_key.to_user_string() in PY_STAGES for k in c.check_keys)]
    assets = [
        a
        for a in defs.assets
        if isinstance(a, dg.AssetsDefinition) and {k.to_user_string() for k in a.keys} & set(PY_STAGES)
    ]
    result = dg.materialize([*assets, *checks], resources=build_resources(), raise_on_error=False)
    assert not _blocking_failures(result), _blocking_failures(result)
    assert result.success


# ----------------------------------------------------------------------------- run lock

HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from orchestration.warehouse.lock import warehouse_lock
    with warehouse_lock(Path(sys.argv[1]), run_id="holder-run", timeout=5):
        print("locked", flush=True)
        time.sleep(600)
""")


def test_warehouse_lock_refuses_with_holder_named_and_dies_with_its_holder(tmp_path):
    from orchestration.warehouse.lock import WAREHOUSE_LOCKS, WarehouseBusyError, warehouse_lock

    wh = tmp_path / "wh.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(wh)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        with pytest.raises(WarehouseBusyError) as err, warehouse_lock(wh, timeout=1.0):
            pass
        assert time.monotonic() - t0 >= 0.9
        msg = str(err.value)
        assert f"pid {holder.pid}" in msg and "holder-run" in msg and "WAREHOUSE_LOCK_TIMEOUT" in msg
        assert not WAREHOUSE_LOCKS.held(wh)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    # the kernel dropped the dead holder's lock: no stale lock file blocks the next run
    with warehouse_lock(wh, timeout=0):
        with warehouse_lock(wh, timeout=0):  # re-entrant inside one process (two resources of a run)
            assert WAREHOUSE_LOCKS.held(wh)
        assert WAREHOUSE_LOCKS.held(wh)
    assert not WAREHOUSE_LOCKS.held(wh)


def _start_cli(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [DAGSTER, "job", "execute", "-m", "orchestration.definitions", "-j", "daily_pipeline"],
        cwd=REPO,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def _wait_for(log: Path, pattern: str, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, log.read_text(errors="replace")):
            return
        if proc.poll() is not None:
            pytest.fail(f"process ended (rc {proc.returncode}) before {pattern!r}:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {pattern!r}")


def test_two_headless_runs_and_a_kill_9_during_dbt(tmp_path, built):
    """A real `dagster job execute` holds the warehouse; a second one is refused cleanly; the first
    is killed with -9 during dbt (its dbt dies with it); the next run recovers (WAL, pool slot) and gives the
    same report marts as a clean run."""
    paths = paths_under(tmp_path)
    H.build_inbox(paths["ARTICLES_DIR"], tmp_path / "outside")
    (paths["ARTICLES_DIR"] / H.GROWING_NAME).write_text(built["growing_text"] + "\n", encoding="utf-8")
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "orchestration" / "dagster_home" / "dagster.yaml").read_text())
    env = {
        **os.environ,
        **{k: str(v) for k, v in paths.items()},
        "DAGSTER_HOME": str(home),
        "MAX_INPUT_BYTES": str(H.MAX_INPUT_BYTES),
        "MAX_ARTICLE_CHARS": str(H.MAX_ARTICLE_CHARS),
    }
    env.pop("GX_SCOPE", None)

    a_log, b_log, c_log = tmp_path / "a.log", tmp_path / "b.log", tmp_path / "c.log"
    a = _start_cli(env, a_log)
    try:
        _wait_for(a_log, r"raw_articles - STEP_START", a)
        b = _start_cli({**env, "WAREHOUSE_LOCK_TIMEOUT": "1"}, b_log)
        assert b.wait(timeout=300) != 0
        b_out = b_log.read_text(errors="replace")
        assert "is in use by another pipeline run" in b_out and f"pid {a.pid}" in b_out
        assert "STEP_START" not in b_out  # refused before any step touched the warehouse

        _wait_for(a_log, r"dbt_warehouse - STEP_START", a)
        time.sleep(3)  # dbt is building
        a.send_signal(signal.SIGKILL)
        a.wait(timeout=30)
    finally:
        if a.poll() is None:
            a.kill()

    c = _start_cli(env, c_log)
    rc = c.wait(timeout=900)
    c_out = c_log.read_text(errors="replace")
    assert rc == 0, c_out[-4000:]
    assert "RUN_SUCCESS" in c_out

    q = (
        "SELECT report_id, event_date, admin1, location, killed, wounded, event_type "
        "FROM marts.fct_event_reports ORDER BY report_id"
    )
    with duckdb.connect(str(paths["WAREHOUSE_PATH"]), read_only=True) as con:
        after_crash = con.execute(q).fetchall()
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("raw.articles", "clean.articles", "extract.event_reports", "ops.ingested_files")
        }
    with _wh(built) as con:
        clean_run = con.execute(q).fetchall()
    assert after_crash == clean_run
    for t, n in counts.items():
        assert n == built["counts2"]["warehouse"][t], t
    leftovers = [
        p.name
        for d in (paths["ANALYST_DB_PATH"].parent, paths["EXPORTS_DIR"])
        for p in d.iterdir()
        if ".tmp-" in p.name
    ]
    assert not leftovers


# ----------------------------------------------------------------------------- publish crash hygiene


def _tiny_warehouse(path: Path, lat=35.2, evidence="x"):
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.fct_events (event_id VARCHAR, latitude DOUBLE, longitude DOUBLE, location VARCHAR)")
    con.execute(
        "INSERT INTO marts.fct_events VALUES ('e1', ?, 44.1, ?), ('e2', 'NaN'::DOUBLE, 44.0, 'y')", [lat, evidence]
    )
    con.execute("CREATE TABLE marts.fct_events__dbt_tmp AS SELECT 1 AS half_built")
    con.execute("CREATE TABLE marts.fct_events__dbt_backup AS SELECT 1 AS half_renamed")
    con.close()


def test_publish_sweeps_killed_temporaries_skips_dbt_scratch_and_escapes_text(tmp_path):
    from orchestration.warehouse import publish

    wh, analyst, exports = tmp_path / "wh.duckdb", tmp_path / "pub" / "analyst.duckdb", tmp_path / "pub" / "exports"
    hostile = f"{H.SQL_FRAGMENT} {H.JINJA_FRAGMENT} {H.SCRIPT_FRAGMENT} {H.CSV_FRAGMENT}\nسطر ثان"
    _tiny_warehouse(wh, evidence=hostile)
    exports.mkdir(parents=True)
    stale = [
        analyst.parent / ".analyst.duckdb.tmp-999999-deadbeef",
        analyst.parent / ".analyst.duckdb.tmp-999999-deadbeef.wal",
        exports / ".fct_events.csv.tmp-999999-0badcafe",
    ]
    for p in stale:
        p.write_bytes(b"half written by a killed run")
    keep = exports / "notes.tmp.txt"
    keep.write_text("not ours")

    result = publish.publish_marts(wh, analyst, exports)
    assert sorted(result["stale_temporaries_removed"]) == sorted(p.name for p in stale)
    assert not any(p.exists() for p in stale) and keep.exists()
    assert set(result["row_counts"]) == {"fct_events"}  # no __dbt_tmp / __dbt_backup
    assert not (exports / "fct_events__dbt_tmp.parquet").exists()

    rows = list(csv.DictReader(io.StringIO((exports / "fct_events.csv").read_text(encoding="utf-8"))))
    assert [r["location"] for r in rows if r["event_id"] == "e1"] == [hostile]
    geo = json.loads(
        (exports / "fct_events.geojson").read_text(encoding="utf-8"),
        parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"),
    )
    assert [f["properties"]["location"] for f in geo["features"]] == [hostile]  # the NaN point is not a point
    with duckdb.connect(str(analyst), read_only=True) as con:
        assert con.execute("SELECT location FROM marts.fct_events WHERE event_id = 'e1'").fetchone() == (hostile,)


# ----------------------------------------------------------------------------- deployment settings


def test_dagster_yaml_queues_runs_and_limits_the_pool(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))  # where Dagster reads dagster.yaml from
    (home / "dagster.yaml").write_text((REPO / "orchestration" / "dagster_home" / "dagster.yaml").read_text())
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        concurrency = instance.get_concurrency_config()  # what the run queue daemon applies
        assert concurrency.run_queue_config.max_concurrent_runs == 1
        assert concurrency.pool_config.default_pool_limit == 1
        assert instance.global_op_concurrency_default_limit == 1
    finally:
        instance.dispose()


def test_ui_binds_loopback_and_no_secrets_in_repo():
    make = (REPO / "Makefile").read_text(encoding="utf-8")
    dev = re.search(r"^dev:.*\n((?:\t.*\n)+)", make, re.M)
    assert dev and re.search(r"dagster dev\b.*-h 127\.0\.0\.1", dev.group(1)), "make dev must bind 127.0.0.1"
    for p in (REPO / "orchestration" / "dagster_home" / "dagster.yaml", REPO / "dbt_project" / "profiles.yml"):
        text = p.read_text(encoding="utf-8")
        assert not re.search(r"(?i)(password|secret|token|api_key)\s*:\s*(?!.*env)", text), p
