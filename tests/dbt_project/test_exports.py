"""The ACLED- and UCDP-GED-format exports, read back the way an analyst's tool reads them.

The dbt project is built on the hand-written warehouse of test_dbt_models, the publish step writes
the analyst copy and the exports, and the files are read back (CSV with DuckDB's type sniffing, as
a script would; Parquet as written): columns and their order, codes, types and row counts are
checked against the marts. `check_exports` is also run on the end-to-end pipeline run of the
bundled articles (test_pipeline.test_full_pipeline_on_bundled_articles).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pytest
from test_dbt_models import DBT_BIN, make_scratch, run_dbt

pytestmark = pytest.mark.integration

ACLED_COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
UCDP_COLUMNS = [
    "id",
    "date_start",
    "date_end",
    "date_prec",
    "where_prec",
    "latitude",
    "longitude",
    "country",
    "adm_1",
    "side_a",
    "side_b",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "low",
    "high",
    "source_article",
]
INTER = {
    "State Forces": 1,
    "Rebel Groups": 2,
    "Political Militias": 3,
    "Identity Militias": 4,
    "Rioters": 5,
    "Protesters": 6,
    "Civilians": 7,
    "External/Other Forces": 8,
}


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


def check_exports(exports: Path, analyst_db: Path) -> dict:
    """Read the format exports back and check them against the analyst copy's marts."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{analyst_db}' as copy (read_only)")
        n_events = con.execute("select count(*) from copy.marts.fct_events").fetchone()[0]
        assert n_events > 0

        # --- ACLED: CSV and Parquet -------------------------------------------------------
        acled_csv, acled_parquet = exports / "acled_format.csv", exports / "acled_format.parquet"
        assert _header(acled_csv) == ACLED_COLUMNS
        con.execute(f"create temp table acled as select * from read_csv('{acled_csv}', header = true)")
        con.execute(f"create temp table acled_pq as select * from read_parquet('{acled_parquet}')")
        for table in ("acled", "acled_pq"):
            assert [r[0] for r in con.execute(f"describe {table}").fetchall()] == ACLED_COLUMNS
            assert con.execute(f"select count(*) from {table}").fetchone()[0] == n_events
        types = dict(con.execute("select column_name, column_type from (describe acled_pq)").fetchall())
        assert types["event_date"] == "DATE" and types["latitude"] == "DOUBLE" and types["notes"] == "VARCHAR"
        for column in (
            "year",
            "time_precision",
            "inter1",
            "inter2",
            "interaction",
            "iso",
            "geo_precision",
            "fatalities",
        ):
            assert types[column] == "INTEGER", (column, types[column])
        assert types["timestamp"] == "BIGINT"
        csv_types = dict(con.execute("select column_name, column_type from (describe acled)").fetchall())
        assert csv_types["event_date"] == "DATE" and csv_types["fatalities"] in ("BIGINT", "INTEGER")
        # the CSV holds the same rows as the Parquet (and as the mart)
        assert (
            con.execute(
                "select count(*) from (select event_id_cnty, event_date, fatalities, notes, "
                "inter1, interaction from acled except select event_id_cnty, event_date, "
                "fatalities, notes, inter1, interaction from copy.marts.acled_format)"
            ).fetchone()[0]
            == 0
        )
        assert (
            con.execute(
                "select count(*) from (select * from acled_pq except all select * from copy.marts.acled_format)"
            ).fetchone()[0]
            == 0
        )

        rows = con.execute("""
            select a.event_id_cnty, a.time_precision, e.date_precision, a.inter1, a.inter2, a.interaction,
                   t1.actor_type, t2.actor_type, a.geo_precision, e.location_precision, a.fatalities,
                   e.fatalities_best, a.iso, a.country, a.notes, e.notes, a.disorder_type, a.event_type,
                   a.civilian_targeting, a.year, a.event_date
            from acled_pq as a
            join copy.marts.fct_events as e using (event_id_cnty)
            left join copy.marts.dim_actors as t1 on e.actor1_id = t1.actor_id
            left join copy.marts.dim_actors as t2 on e.actor2_id = t2.actor_id
        """).fetchall()
        assert len(rows) == n_events  # every event_id_cnty is an event's
        for (
            cnty,
            tp,
            dp,
            i1,
            i2,
            inter,
            t1,
            t2,
            gp,
            lp,
            fat,
            best,
            iso,
            country,
            notes,
            e_notes,
            disorder,
            etype,
            civ,
            year,
            edate,
        ) in rows:
            assert re.fullmatch(r"(IRQ|SYR)\d+", cnty), cnty
            assert tp == {"day": 1, "week": 2, "month": 3, "year": 3}[dp]
            assert i1 == INTER.get(t1, 0) and i2 == INTER.get(t2, 0)
            codes = sorted(c for c in (i1, i2) if c)
            assert inter == (codes[0] * 10 + codes[1] if len(codes) == 2 else (codes[0] * 10 if codes else 0))
            assert gp == (1 if lp in ("site", "village", "town", "city") else 2 if lp in ("admin3", "admin2") else 3)
            assert fat == (best or 0) and fat >= 0
            assert (iso, country) in ((368, "Iraq"), (760, "Syria"))
            assert notes == e_notes and notes.endswith(".") and "{" not in notes
            assert year == edate.year
            if etype in ("Battles", "Explosions/Remote violence", "Violence against civilians"):
                assert disorder == "Political violence"
            assert civ in (None, "Civilian targeting")
            if etype == "Violence against civilians":
                assert civ == "Civilian targeting"

        # --- UCDP GED: CSV ----------------------------------------------------------------
        ucdp_csv = exports / "ucdp_ged_format.csv"
        assert _header(ucdp_csv) == UCDP_COLUMNS
        con.execute(f"create temp table ucdp as select * from read_csv('{ucdp_csv}', header = true)")
        assert con.execute("select count(*) from ucdp").fetchone()[0] == n_events
        ucdp_types = dict(con.execute("select column_name, column_type from (describe ucdp)").fetchall())
        assert ucdp_types["date_start"] == "DATE" and ucdp_types["date_end"] == "DATE"
        assert ucdp_types["best"] in ("BIGINT", "INTEGER") and ucdp_types["id"] in ("BIGINT", "INTEGER")
        bad = con.execute("""
            select u.id from ucdp as u
            join copy.marts.fct_events as e on cast(regexp_extract(e.event_id_cnty, '[0-9]+$') as bigint) = u.id
            where u.best <> coalesce(e.fatalities_best, 0) or u.low <> coalesce(e.fatalities_low, 0)
               or u.high <> coalesce(e.fatalities_high, 0) or u.date_start <> e.event_date
               or u.date_prec <> case e.date_precision when 'day' then 1 when 'week' then 3 when 'month' then 4 else 5 end
               or u.where_prec not between 1 and 6 or u.date_end < u.date_start
               or u.deaths_a + u.deaths_b + u.deaths_civilians + u.deaths_unknown < u.best
               or u.side_a is distinct from e.actor1 or u.side_b is distinct from e.actor2
               or u.country <> e.country
        """).fetchall()
        assert bad == []
        assert (
            con.execute(
                "select count(*) from ucdp as u join copy.marts.fct_events as e "
                "on cast(regexp_extract(e.event_id_cnty, '[0-9]+$') as bigint) = u.id"
            ).fetchone()[0]
            == n_events
        )
        return {"events": n_events}
    finally:
        con.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    if not DBT_BIN.exists():
        pytest.skip("dbt not installed next to the interpreter")
    from orchestration.warehouse.publish import publish_marts

    root = tmp_path_factory.mktemp("exports")
    project, warehouse = make_scratch(root / "scratch")
    result = run_dbt(
        project, warehouse, "build", "--target-path", str(root / "target"), "--log-path", str(root / "logs")
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    analyst, exports = root / "analyst.duckdb", root / "exports"
    publish_marts(warehouse, analyst, exports)
    return analyst, exports


def test_acled_and_ucdp_exports_read_back(published):
    analyst, exports = published
    assert check_exports(exports, analyst) == {"events": 4}


def test_exports_hold_the_fixture_events_as_acled_codes_them(published):
    analyst, exports = published
    con = duckdb.connect()
    rows = {
        r[0]: r
        for r in con.execute(
            f"select notes, inter1, inter2, interaction, civilian_targeting, geo_precision, source, source_scale, fatalities "
            f"from read_csv('{exports / 'acled_format.csv'}', header = true)"
        ).fetchall()
    }
    kirkuk = next(r for n, r in rows.items() if "Hawija" in n)
    # ISIS (Rebel Groups, 2) against the Iraqi Army (State Forces, 1): 12; a town: geo precision 1;
    # two sites, Shafaq and Alsumaria, both national outlets
    assert kirkuk[1:] == (2, 1, 12, None, 1, "alsumaria.tv; shafaq.com", "National", 11)
    assert kirkuk[0] == (
        "On 10 March 2024, ISIS clashed with the Iraqi Army in Hawija (Kirkuk). "
        "11 people were killed (reports give 9 to 11) and 4 wounded."
    )
    diyala = next(r for n, r in rows.items() if "Muqdadiya" in n)
    assert diyala[1:5] == (0, 7, 70, "Civilian targeting")
    ucdp = con.execute(
        f"select side_a, side_b, deaths_a, deaths_b, deaths_civilians, deaths_unknown, best "
        f"from read_csv('{exports / 'ucdp_ged_format.csv'}', header = true) where adm_1 = 'Al-Hasakeh'"
    ).fetchall()
    # the Qamishli strike: 2 SDF (side_b) and 1 civilian killed per the breakdown
    assert ucdp == [("Military Forces of Turkey", "Syrian Democratic Forces (SDF)", 0, 2, 1, 0, 3)]


# --------------------------------------------------------------------------- make sql

HARLEQUIN = Path(__file__).resolve().parents[2] / ".venv-sql" / "bin" / "harlequin"


def _readme_queries() -> list[str]:
    """The SQL statements of the README's "Querying the marts" section, one by one."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Querying the marts", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    statements = []
    for block in blocks:
        text = "\n".join(line for line in block.splitlines() if not line.lstrip().startswith("--"))
        statements += [s.strip() + ";" for s in text.split(";") if s.strip()]
    return statements


class Screen:
    """A terminal program under tmux, driven by keys and read from the screen."""

    def __init__(self, name: str, command: str, cwd: Path, env: dict[str, str] | None = None):
        import shutil
        import subprocess

        self.name, self.run = name, subprocess.run
        # a server of its own (socket `name`, no user config): other tmux users cannot size or steer it
        self.tmux_bin = shutil.which("tmux")
        self.run([self.tmux_bin, "-L", name, "kill-server"], capture_output=True)
        env_args = [arg for k, v in (env or {}).items() for arg in ("-e", f"{k}={v}")]
        self.run(
            [
                self.tmux_bin,
                "-L",
                name,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "200",
                "-y",
                "50",
                "-c",
                str(cwd),
                *env_args,
                command,
            ],
            check=True,
        )
        self.tmux = f"{self.tmux_bin} -L {name}"

    def text(self) -> str:
        return self.run(
            [*self.tmux.split(), "capture-pane", "-t", self.name, "-p"], capture_output=True, text=True
        ).stdout

    def wait_for(self, pattern: str, timeout: float = 60) -> str:
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.text()
            if re.search(pattern, screen):
                return screen
            time.sleep(0.3)
        raise AssertionError(f"{pattern!r} not on the screen after {timeout} s:\n{self.text()}")

    def keys(self, *keys: str) -> None:
        import time

        for key in keys:
            self.run([*self.tmux.split(), "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.3)

    def paste(self, text: str) -> None:
        """Paste as a terminal does (bracketed paste: no auto-indent or auto-closed brackets)."""
        self.run([*self.tmux.split(), "load-buffer", "-b", self.name, "-"], input=text, text=True, check=True)
        self.run([*self.tmux.split(), "paste-buffer", "-p", "-d", "-b", self.name, "-t", self.name], check=True)

    def alive(self) -> bool:
        return self.run([*self.tmux.split(), "has-session", "-t", self.name], capture_output=True).returncode == 0

    def close(self) -> None:
        """End the program (its whole process group: make and the client under it), then the server."""
        import os
        import signal

        pid = self.run(
            [*self.tmux.split(), "display", "-p", "-t", self.name, "#{pane_pid}"], capture_output=True, text=True
        ).stdout.strip()
        if pid.isdigit():
            try:
                os.killpg(int(pid), signal.SIGTERM)
            except ProcessLookupError:
                pass
        self.run([*self.tmux.split(), "kill-server"], capture_output=True)


def test_make_sql_opens_the_analyst_copy_read_only_and_runs_the_readme_queries(published):
    """`make sql` as a person uses it: the console opens on the analyst copy, each example query of
    the README typed into it shows its results, a write is refused (read-only), Ctrl+Q quits."""
    import shutil

    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    if not HARLEQUIN.exists():
        pytest.skip("no SQL console: `make sql-venv` (run by `make test`) installs it")
    analyst, _ = published
    queries = _readme_queries()
    assert len(queries) >= 6, queries
    repo = Path(__file__).resolve().parents[2]
    home = Path(analyst).parent / "console_home"  # no restored session, no user config
    home.mkdir(exist_ok=True)
    env = {f"XDG_{d}_HOME": str(home / d.lower()) for d in ("CONFIG", "CACHE", "DATA", "STATE")}
    env.update(COLUMNS="200", LINES="50")  # the window's size, whatever the test process was told
    screen = Screen("make_sql_test", f"make -s sql ANALYST_DB_PATH={analyst}", repo, env=env)

    def run_query(
        query: str, expect: str = r"Query Results \(\d+ Records?\)|Query Returned No Records|Query Error"
    ) -> str:
        import time

        first_line = query.splitlines()[0].strip()
        for _ in range(20):  # until the editor holds the query (it may still be loading)
            screen.keys("Escape", "F2", "C-a", "BSpace")
            screen.paste(query)
            time.sleep(1)
            if first_line in screen.text():
                time.sleep(1)  # still there a moment later: the editor has settled
                before = screen.text()
                if first_line in before:
                    break
        else:
            raise AssertionError(f"the editor never showed {first_line!r}:\n{screen.text()}")
        screen.keys("C-j")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the new results (or an error) replace the screen's lower part
            time.sleep(0.5)
            shown = screen.text()
            if shown != before and re.search(expect, shown):
                time.sleep(0.5)
                return screen.text()
        raise AssertionError(f"{expect!r} not on the screen after running:\n{query}\n{screen.text()}")

    try:
        screen.wait_for(r"Query Editor", timeout=120)
        screen.wait_for(r"analyst db")  # the data catalog shows the copy
        import time

        time.sleep(3)  # the editor restores its last session (none here) once the app has started
        for n, query in enumerate(queries):
            shown = run_query(query)
            assert "Query Error" not in shown, f"query {n} failed:\n{query}\n{shown}"
        # the event list reads as the marts hold it
        shown = run_query(
            "SELECT event_id_cnty, fatalities_best FROM marts.fct_events ORDER BY fatalities_best DESC LIMIT 1;",
            r"Query Results \(1 Record",
        )
        assert re.search(r"IRQ\d+\s+11\b", shown), shown
        # read-only: a write is refused
        screen.keys("Escape")
        shown = run_query("CREATE TABLE marts.scratch AS SELECT 1 AS x;", r"Query Error")
        assert "read-only" in re.sub(r"\s+", " ", shown.replace("│", " ")), shown
        screen.keys("Escape", "C-q")
        import time

        deadline = time.monotonic() + 20
        while screen.alive() and time.monotonic() < deadline:
            time.sleep(0.3)
        assert not screen.alive(), screen.text()
    finally:
        screen.close()
    con = duckdb.connect(str(analyst), read_only=True)
    assert con.execute("select count(*) from information_schema.tables where table_name = 'scratch'").fetchone()[0] == 0
    con.close()
