"""Run the GX suites of expectations/*.json against pandas frames read from DuckDB.

GX's SQL datasources do not work on DuckDB here, so each suite carries (meta.query) the DuckDB
query whose result is validated with a pandas datasource, through a checkpoint of a file-backed
GX context (beside GX_DOCS_DIR) so the results are stored for the static Data Docs site.

Batch scope (what one run validates)
------------------------------------
Per-row expectations validate only the rows written since the last validation, not the whole
history: `meta.query` has a `$since` parameter (a TIMESTAMP, or NULL = validate everything) and
filters on the write-time column named in `meta.batch` ({"table", "column"}), e.g.
`raw.articles.ingested_at`. `meta.batch` also gives the watermark: max(column) of that table
when the suite ran; the next run passes it back as `$since`. Rows with a NULL write time are
always in the batch (they cannot be placed in one).

Whole-table invariants (uniqueness of article_id / report_id / event_id, text fingerprints) are
expectations with meta.scope = 'table'. They run on `meta.table_query`, which selects only the key
columns of the whole table (never article text), as a second GX suite `<name>__whole_table`.
When the batch is empty (nothing written since the last validation, or an empty table), GX is not
run at all: the empty batch passes, and the whole-table uniqueness expectations are evaluated by one
DuckDB query each
(`unique_failures_sql`, same failure description), so a run with nothing new does not load GX.

Queries never load raw_text / clean_text wholesale: what an expectation needs of a text is
computed in SQL (length, a head for null checks, the snippet around a regex match).

Cost per process / run
----------------------
`great_expectations` is imported inside the functions here (loading the Dagster code location
does not import it), one GX context is kept per context directory per process, and the Data Docs
site is rebuilt once by `build_docs()` (the checks call it from the `gx_docs` resource teardown,
i.e. once per run) instead of once per suite.

Severity lives in each expectation's meta.severity ('error' | 'warn').
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from orchestration import config
from orchestration.runtime import offline_environment

SITE_NAME = "pipeline_docs"
DATASOURCE = "warehouse_frames"
TABLE_SUFFIX = "__whole_table"

# Validation results kept per suite (stored results and their Data Docs pages): the site is
# re-rendered from all stored results on every build, so an unbounded history would make every
# run slower than the last. GX_KEEP_VALIDATIONS overrides.
DEFAULT_KEEP_VALIDATIONS = 30

_LOCK = threading.RLock()
_CONTEXTS: dict[str, object] = {}  # GX context root dir -> context (one per process)
_DOCS_PENDING: set[str] = set()  # context roots with results not yet in the Data Docs


@dataclass
class SuiteOutcome:
    suite: str
    n_rows: int
    n_expectations: int
    error_failures: list[dict] = field(default_factory=list)
    warn_failures: list[dict] = field(default_factory=list)
    scope: str = "whole table"  # 'batch' (rows written after `since`) | 'whole table'
    since: dt.datetime | None = None  # rows written after this were validated (None: all)
    watermark: dt.datetime | None = None  # max write time seen; the next run's `since`
    n_table_rows: int | None = None  # rows of the whole-table (key column) validation

    @property
    def passed(self) -> bool:
        return not self.error_failures and not self.warn_failures


def load_suite_json(name: str, directory: Path | None = None) -> dict:
    path = (directory or config.EXPECTATIONS_DIR) / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _site_config() -> dict:
    return {
        "class_name": "SiteBuilder",
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(config.gx_docs_dir())},
    }


def _context():
    """The file-backed GX context for the current GX_DOCS_DIR, created once per process."""
    root = config.gx_context_dir()
    key = f"{root}|{config.gx_docs_dir()}"
    with _LOCK:
        ctx = _CONTEXTS.get(key)
        if ctx is None:
            offline_environment()  # GX would report usage (no network here) unless told not to
            import great_expectations as gx

            root.mkdir(parents=True, exist_ok=True)
            ctx = gx.get_context(mode="file", project_root_dir=str(root))
            ctx.variables.progress_bars = {"globally": False}
            if SITE_NAME in ctx.get_site_names():
                ctx.update_data_docs_site(SITE_NAME, _site_config())
            else:
                ctx.add_data_docs_site(SITE_NAME, _site_config())
            _CONTEXTS[key] = ctx
        return key, ctx


def _get_or_add(getter, adder, name):
    try:
        return getter(name)
    except Exception:  # GX raises assorted "not found" errors
        return adder(name)


def _describe(result) -> dict:
    cfg = result.expectation_config
    res = result.result or {}
    exc = result.exception_info or {}
    out = {
        "expectation": cfg.type,
        "column": cfg.kwargs.get("column") or f"{cfg.kwargs.get('column_A')},{cfg.kwargs.get('column_B')}".strip(","),
        "severity": (cfg.meta or {}).get("severity", "error"),
        "unexpected_count": res.get("unexpected_count"),
        "unexpected_percent": None
        if res.get("unexpected_percent") is None
        else round(float(res["unexpected_percent"]), 2),
        "sample_unexpected": [str(v)[:120] for v in (res.get("partial_unexpected_list") or [])[:5]],
    }
    if "observed_value" in res:
        out["observed_value"] = str(res["observed_value"])[:200]
    if exc.get("raised_exception"):
        out["exception"] = str(exc.get("exception_message"))[:300]
    return out


def _validate(df, name: str, expectations: list[dict], meta: dict) -> list[dict]:
    """Validate `df` with GX as suite `name`; store the result. Returns the failures (described)."""
    import great_expectations as gx
    from great_expectations.core import ExpectationSuite

    key, ctx = _context()
    with _LOCK:
        ds = _get_or_add(ctx.data_sources.get, ctx.data_sources.add_pandas, DATASOURCE)
        asset = _get_or_add(ds.get_asset, ds.add_dataframe_asset, name)
        batch_def = _get_or_add(asset.get_batch_definition, asset.add_batch_definition_whole_dataframe, "whole_frame")
        suite = ctx.suites.add_or_update(
            ExpectationSuite(name=name, expectations=[dict(e) for e in expectations], meta=dict(meta))
        )
        vd = ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=f"{name}_validation", data=batch_def, suite=suite)
        )
        # No UpdateDataDocsAction: the site is rebuilt once per run by build_docs().
        checkpoint = ctx.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"{name}_checkpoint",
                validation_definitions=[vd],
                actions=[],
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 10},
            )
        )
        run = checkpoint.run(batch_parameters={"dataframe": df})
        _DOCS_PENDING.add(key)
    failures = []
    for suite_result in run.run_results.values():
        for r in suite_result.results:
            if not r.success:
                failures.append(_describe(r))
    return failures


UNIQUE = "expect_column_values_to_be_unique"


def unique_failures_sql(con, table_query: str, expectations: list[dict]) -> tuple[int, list[dict]]:
    """(rows, failures) of expect_column_values_to_be_unique expectations evaluated in DuckDB on
    `table_query`, described like GX describes them: the unexpected rows are all rows whose
    (non-null) value occurs more than once, as a count and a share of the non-null rows."""
    n_rows = con.execute(f"SELECT count(*) FROM ({table_query})").fetchone()[0]
    failures = []
    for e in expectations:
        column = e["kwargs"]["column"]
        col = '"' + column.replace('"', '""') + '"'
        n_values, n_unexpected, sample = con.execute(f"""
            WITH keys AS (SELECT {col} AS v FROM ({table_query}) WHERE {col} IS NOT NULL),
            duplicated AS (SELECT v FROM keys GROUP BY v HAVING count(*) > 1)
            SELECT (SELECT count(*) FROM keys), count(*), list_slice(list(v ORDER BY v), 1, 5)
            FROM keys WHERE v IN (SELECT v FROM duplicated)""").fetchone()
        if n_unexpected:
            failures.append(
                {
                    "expectation": UNIQUE,
                    "column": column,
                    "severity": (e.get("meta") or {}).get("severity", "error"),
                    "unexpected_count": int(n_unexpected),
                    "unexpected_percent": round(100.0 * n_unexpected / n_values, 2),
                    "sample_unexpected": [str(v)[:120] for v in sample or []],
                }
            )
    return n_rows, failures


def _split(suite_json: dict) -> tuple[list[dict], list[dict]]:
    per_row, table = [], []
    for e in suite_json["expectations"]:
        (table if (e.get("meta") or {}).get("scope") == "table" else per_row).append(e)
    return per_row, table


def _sort_failures(outcome: SuiteOutcome, failures: list[dict]) -> None:
    for d in failures:
        (outcome.warn_failures if d["severity"] == "warn" else outcome.error_failures).append(d)


def batch_watermark(con, suite_json: dict) -> dt.datetime | None:
    batch = (suite_json.get("meta") or {}).get("batch")
    if not batch:
        return None
    return con.execute(f"SELECT max({batch['column']}) FROM {batch['table']}").fetchone()[0]


def run_suite(con, name: str, since: dt.datetime | None = None, *, build: bool = True) -> SuiteOutcome:
    """Validate suite `name`: per-row expectations on the rows written after `since` (None: all
    rows), whole-table expectations on the key columns of the whole table.

    build=True rebuilds the Data Docs site afterwards (scripts, tests); the Dagster checks pass
    False and leave it to the once-per-run build."""
    suite_json = load_suite_json(name)
    meta = suite_json.get("meta") or {}
    per_row, table = _split(suite_json)
    outcome = SuiteOutcome(
        suite=name,
        n_rows=0,
        n_expectations=len(suite_json["expectations"]),
        scope="whole table" if since is None else "batch",
        since=since,
    )
    # The watermark is read before the batch so a row committed in between (there is no
    # concurrent writer during a run, but scripts may differ) is validated next time, not lost.
    wm = batch_watermark(con, suite_json)
    outcome.watermark = max((t for t in (wm, since) if t is not None), default=None)

    df = con.execute(meta["query"], {"since": since}).df()
    outcome.n_rows = len(df)
    # An empty batch (nothing written since the last validation, or an empty table) passes every
    # per-row expectation and has nothing new to store, so GX is not run (nor imported) for it.
    empty_batch = not len(df)
    if not empty_batch:
        _sort_failures(outcome, _validate(df, name, per_row, meta))
    del df
    if table and empty_batch and all(e["type"] == UNIQUE for e in table):
        outcome.n_table_rows, failures = unique_failures_sql(con, meta["table_query"], table)
        _sort_failures(outcome, failures)
    elif table:
        keys = con.execute(meta["table_query"]).df()
        outcome.n_table_rows = len(keys)
        _sort_failures(outcome, _validate(keys, name + TABLE_SUFFIX, table, meta))
    if build:
        build_docs()
    return outcome


# What an observed value may show in the Data Docs: GX writes values into the HTML as they are,
# so article text with markup would run in the analyst's browser. Angle brackets become the
# look-alike guillemets (readable, inert) and long values are cut.
_INERT = str.maketrans({"<": "\u2039", ">": "\u203a"})
SHOWN_VALUE_CHARS = 200


def _inert(value):
    if isinstance(value, str):
        return value.translate(_INERT)[:SHOWN_VALUE_CHARS]
    if isinstance(value, list):
        return [_inert(v) for v in value]
    if isinstance(value, dict):
        return {k: _inert(v) for k, v in value.items()}
    return value


def make_results_inert(context_root: Path) -> int:  # context_root: as for prune_validations
    """Rewrite the stored validation results so that no observed value (unexpected values,
    observed values, exception text) holds markup, before the Data Docs are rendered from them.
    The expectations themselves (our suites) are left as they are. Returns the files rewritten."""
    rewritten = 0
    for path in (Path(context_root) / "uncommitted" / "validations").rglob("*.json"):
        try:
            text = path.read_text(encoding="utf-8")
            if "<" not in text and ">" not in text:
                continue
            doc = json.loads(text)
        except (OSError, ValueError):
            continue
        changed = False
        for r in doc.get("results") or []:
            for part in ("result", "exception_info"):
                if r.get(part):
                    inert = _inert(r[part])
                    changed |= inert != r[part]
                    r[part] = inert
        if changed:
            path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
            rewritten += 1
    return rewritten


def _rebuild_site(key: str, ctx) -> Path:
    """Prune the site's history to the newest GX_KEEP_VALIDATIONS results per suite, make the
    stored results inert, rebuild the site."""
    _, docs = key.split("|", 1)
    stored = Path(ctx.root_directory)  # the GX project folder, `gx/` under the context root
    prune_validations(stored, Path(docs), keep_validations())
    make_results_inert(stored)
    ctx.build_data_docs(site_names=[SITE_NAME])
    prune_validations(stored, Path(docs), keep_validations())  # the page of the oldest kept one
    from orchestration.quality.gx_docs_offline import make_offline

    make_offline(Path(docs))  # local copies of the CDN libraries: the site renders offline
    _DOCS_PENDING.discard(key)
    return Path(docs) / "index.html"


def build_docs() -> Path | None:
    """Rebuild the Data Docs site of the current GX_DOCS_DIR if a validation was stored since
    its last build. Returns the index path, or None when there was nothing to build."""
    with _LOCK:
        key = f"{config.gx_context_dir()}|{config.gx_docs_dir()}"
        if key not in _DOCS_PENDING:
            return None
        _, ctx = _context()
        return _rebuild_site(key, ctx)


def keep_validations() -> int:
    return max(1, config.env_number("GX_KEEP_VALIDATIONS", DEFAULT_KEEP_VALIDATIONS))


def prune_validations(context_root: Path, docs_dir: Path, keep: int) -> int:
    """Delete all but the `keep` newest validation results of each suite, stored results and
    Data Docs pages alike (GX lays both out as validations/<suite>/<run name>/<run time>/).
    `context_root` is the GX project folder (the context's root_directory, which holds
    uncommitted/validations).
    Returns the number of validation runs deleted."""
    removed = 0
    for validations in (Path(context_root) / "uncommitted" / "validations", Path(docs_dir) / "validations"):
        for suite_dir in (p for p in validations.glob("*") if p.is_dir()):
            runs = sorted((p for p in suite_dir.glob("*/*") if p.is_dir()), key=lambda p: p.name)
            for old in runs[:-keep]:
                shutil.rmtree(old, ignore_errors=True)
                removed += 1
    return removed


def build_all_pending_docs() -> list[Path]:
    """Rebuild every site (any GX_DOCS_DIR seen by this process) with unpublished results."""
    with _LOCK:
        return [_rebuild_site(key, _CONTEXTS[key]) for key in list(_DOCS_PENDING) if key in _CONTEXTS]


def docs_index() -> Path:
    return config.gx_docs_dir() / "index.html"
