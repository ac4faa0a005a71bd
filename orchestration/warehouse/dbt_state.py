"""What the dbt step knows about its last build: project and source fingerprints, the build
arguments of a routine run, and where dbt keeps its state for a warehouse. No Dagster import."""

from __future__ import annotations

import hashlib
from pathlib import Path

from orchestration import config

# Everything that decides what the models compute. When none of it changed since the last
# successful build, a routine run leaves out what can only give the same answer as last time:
# the seeds (already loaded), the data tests that read nothing but the lexicons (seeds and
# the models computed from them alone) and the unit tests (they passed on this code). The
# lexicon models themselves are still built (cheap views and dimensions, and the analyst copy
# waits for them), and tests that also read new rows, such as relationships from the facts to
# the dimensions, still run. When any of it changed (an analyst edited a lexicon CSV, a model or
# a var), the run is a plain `dbt build`: seeds reload, every test and unit test runs, and each
# incremental model whose own inputs changed rebuilds itself whole (dbt_project/macros/
# self_refresh.sql: dbt keeps a fingerprint per model, as for a `dbt build` run by hand).
# tests/ are left out on purpose (a new data test does not change any row).
FINGERPRINT_PATHS = ("dbt_project.yml", "models", "macros", "seeds")
BUILD_STATE_TABLE = "ops.dbt_build_state"
# A run with this tag set to "always" builds even when nothing changed (e.g. to re-run the tests).
FORCE_BUILD_TAG = "pipeline/dbt_build"


def lexicon_only_tests(manifest: dict) -> list[str]:
    """Names of the data tests whose every parent is a seed or a model computed from seeds alone."""
    nodes = manifest.get("nodes", {})
    verdict: dict[str, bool] = {}

    def seeds_only(unique_id: str) -> bool:
        if unique_id not in verdict:
            node = nodes.get(unique_id) or {}
            kind = node.get("resource_type")
            parents = node.get("depends_on", {}).get("nodes", [])
            if kind == "seed":
                verdict[unique_id] = True
            elif kind in ("model", "test"):
                verdict[unique_id] = bool(parents) and all(seeds_only(p) for p in parents)
            else:  # a source, or anything unknown
                verdict[unique_id] = False
        return verdict[unique_id]

    return sorted(n["name"] for uid, n in nodes.items() if n.get("resource_type") == "test" and seeds_only(uid))


def routine_build_args(manifest: dict) -> list[str]:
    left_out = ["resource_type:seed", "resource_type:unit_test", *lexicon_only_tests(manifest)]
    return ["build", "--exclude", " ".join(left_out)]


def project_fingerprint(project_dir: Path | None = None) -> str:
    """sha256 over the relative path and bytes of every file that decides model contents."""
    root = Path(project_dir or config.DBT_PROJECT_DIR)
    digest = hashlib.sha256()
    for entry in FINGERPRINT_PATHS:
        base = root / entry
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for f in files:
            digest.update(str(f.relative_to(root)).encode("utf-8") + b"\0")
            digest.update(f.read_bytes() + b"\0")
    return digest.hexdigest()


# What the models read: the four source tables, each summarised by its row count and two
# order-free aggregates of the row hashes. The article tables are hashed without their text
# columns (a new text always comes with a new content digest or cleaning timestamp), so this
# stays cheap however large the archive.
SOURCE_STATE_COLUMNS = {
    "raw.articles": "article_id, source_path, source_type, source_line, content_sha256, text_fingerprint, "
    "url, title, site, published_meta, ingested_at",
    "clean.articles": "article_id, title, n_chars, arabic_share, language, published_date, date_source, "
    "date_evidence, n_lines_removed, cleaned_at",
    "extract.event_reports": "*",
    "extract.report_victims": "*",
}


def sources_fingerprint(warehouse: Path) -> str | None:
    """Fingerprint of everything the dbt sources hold, or None when a source table is missing."""
    import duckdb

    if not Path(warehouse).exists():
        return None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        digest = hashlib.sha256()
        for table, columns in SOURCE_STATE_COLUMNS.items():
            row = con.execute(
                f"select count(*), sum(hash(r)), bit_xor(hash(r)) from (select {columns} from {table}) as r"
            ).fetchone()
            digest.update(f"{table}|{row}\n".encode())
        return digest.hexdigest()
    except duckdb.CatalogException:  # nothing ingested yet
        return None
    finally:
        con.close()


def last_build_state(warehouse: Path) -> dict | None:
    """The last successful `dbt build` into this warehouse: project and sources fingerprints,
    mode and time; None when this code never built it."""
    import duckdb

    if not Path(warehouse).exists():
        return None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute(f"select * from {BUILD_STATE_TABLE} order by built_at desc limit 1")
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row)) if row else None
    except duckdb.CatalogException:  # never built by this code yet
        return None
    finally:
        con.close()


def record_build_fingerprint(warehouse: Path, fingerprint: str, mode: str, sources: str | None = None) -> None:
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists ops")
        con.execute(
            f"create or replace table {BUILD_STATE_TABLE} "
            "(fingerprint varchar, mode varchar, built_at timestamp, sources_fingerprint varchar)"
        )
        con.execute(f"insert into {BUILD_STATE_TABLE} values (?, ?, now()::timestamp, ?)", [fingerprint, mode, sources])
    finally:
        con.close()


def reason_to_skip(
    state: dict | None, fingerprint: str, sources: str | None, published_build: str | None
) -> str | None:
    """Why this run's `dbt build` can be left out, or None when it must run.

    It can when the last successful build used this very project and these very source rows
    (the build would write the same tables and run the same tests on them), and the analyst copy
    was published from that build (otherwise the run must go on to the checks and the publish).
    `state` is last_build_state() of the warehouse.
    """
    if state is None or sources is None:
        return None
    if state["fingerprint"] != fingerprint or state.get("sources_fingerprint") != sources:
        return None
    if published_build != state["built_at"].isoformat():
        return None
    return (
        f"project and sources unchanged since the build of {state['built_at']:%Y-%m-%d %H:%M:%S}, "
        f"whose marts are published"
    )


def dbt_build_args(state: dict | None, fingerprint: str, manifest: dict) -> tuple[list[str], str]:
    """(`dbt build` args, mode) for this run: 'project_changed' (everything built and tested; the
    incremental models whose inputs changed rebuild themselves) unless the project is unchanged
    since the last build (`state`, last_build_state() of the warehouse)."""
    if state is not None and state["fingerprint"] == fingerprint:
        return routine_build_args(manifest), "incremental"
    return ["build"], "project_changed"


def warehouse_state_dir(warehouse: Path) -> Path:
    """Where dbt keeps its state for runs into this warehouse: `<warehouse>.dbt/` beside it, with
    target/ (reused run after run) and logs/.

    dbt only partially parses when its partial_parse.msgpack was written under the same profile,
    and the profile holds the warehouse path: one target directory per warehouse keeps that file
    valid from one run to the next (the project is not re-parsed). Beside the warehouse,
    not in the checkout, so two checkouts or two warehouses never share or remove each other's.
    """
    return Path(str(Path(warehouse).resolve()) + ".dbt")
