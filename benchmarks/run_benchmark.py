"""Benchmark the real `daily_pipeline` job headless on generated inboxes of N articles.

For each N (default 200 and 2000):
  cold        fresh warehouse, inbox of N pages            -> t(N), per-stage times, peak RSS
  rerun       same inbox, same warehouse, 0 new articles   -> t_noop (dbt, checks, publish skipped)
  rerun_build the same, with run tag pipeline/dbt_build=always -> t_fixed (fixed cost of a run
              that builds: dbt, the mart checks and the publish run although nothing is new)
  incr_big    100 new pages added to that inbox            -> t(+100 | N)
and once per invocation:
  incr_empty  fresh warehouse, inbox of the same 100 pages -> t(+100 | 0)
The marginal cost per article is the slope between the cold runs: (t(N) - t(+100 | 0)) / (N - 100).
plus trafilatura alone (`trafilatura.bare_extraction`, same options as the inbox reader) timed
in this process over the same N pages (at most --traf-max of them; per-page mean).

Each run is `.venv/bin/dagster job execute -m orchestration.definitions -j daily_pipeline` in a
subprocess with ARTICLES_DIR / WAREHOUSE_PATH / ANALYST_DB_PATH / EXPORTS_DIR / GX_DOCS_DIR /
DAGSTER_HOME in a temp dir. A poller thread samples the whole process tree (psutil, every
0.1 s): summed RSS (peak reported) and cumulative CPU seconds, so the CPU cores used during
the extraction step can be read off. Per-stage times come from the run's STEP_START /
STEP_SUCCESS events in that DAGSTER_HOME's event log (stdout "STEP_SUCCESS ... in X s" lines
as a fallback).

    .venv/bin/python benchmarks/run_benchmark.py --n 200 --n 2000
Results: benchmarks/results/bench_<Ns>.json and .md (table printed too).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent  # the checkout whose pipeline is run (--repo overrides)
sys.path.insert(0, str(HERE))
import generate_corpus  # noqa: E402

VENV_BIN = Path(sys.executable).parent
RESULTS_DIR = HERE / "results"
INCR_N = 100
INCR_START = 10_000_000  # page indices of the "100 new" batch: never among the first N
RUNS_PER_N = ("cold", "rerun", "rerun_build", "incr_big")
# the rerun that builds: dbt, the mart checks and the publish run although nothing is new
FORCE_BUILD = {"pipeline/dbt_build": "always"}

GOALS = {
    "marginal_vs_trafilatura": 2.5,  # marginal cost per article <= 2.5x trafilatura alone
    "fixed_cost_s": 20.0,
    "incremental_ratio": 1.5,  # 100 new into big warehouse within 1.5x of into empty
    "peak_rss_mb": 2048.0,
    "extraction_cores": 1.5,  # "both cores used" = >= 1.5 CPU-seconds per second
}

_STEP_LINE = re.compile(
    r' - (?P<step>[\w]+) - STEP_SUCCESS - Finished execution of step "[^"]+" in '
    r"(?P<val>[\d.]+)(?P<unit>ms|s|m)"
)


# ------------------------------------------------------------------------------------------
# machine


def machine_info() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for pkg in (
        "dagster",
        "dagster-dbt",
        "dbt-core",
        "dbt-duckdb",
        "duckdb",
        "great-expectations",
        "trafilatura",
        "lxml",
        "pandas",
    ):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except Exception:  # noqa: BLE001
        head = None
    return {
        "cpu_model": cpu,
        "logical_cores": psutil.cpu_count(logical=True),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "git_head": head,
    }


# ------------------------------------------------------------------------------------------
# process-tree sampling


def _process_label(p: psutil.Process) -> str:
    """'dagster', 'dbt', 'worker'... : what a process of the job's tree is, for the peak breakdown."""
    try:
        cmd = " ".join(p.cmdline())
    except psutil.Error:
        return "?"
    for label in ("dbt", "dagster"):
        if f"bin/{label} " in cmd:
            return label
    return "worker" if "multiprocessing" in cmd else Path(cmd.split(" ")[0]).name or "?"


class TreeSampler(threading.Thread):
    """Samples RSS and cumulative CPU seconds of a process and all its descendants."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.stop_flag = threading.Event()
        self.samples: list[tuple[float, float, float, int]] = []  # (t, rss_bytes, cum_cpu_s, n_procs)
        self._cpu_by_pid: dict[tuple[int, float], float] = {}
        self.peak_rss = 0
        self.peak_parts: list[tuple[str, int]] = []  # (process, rss_bytes) at the peak
        self.sys_busy: list[float] = []  # machine-wide busy CPU seconds at each sample

    def _procs(self):
        try:
            return [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return []

    def run(self) -> None:
        while not self.stop_flag.is_set():
            rss, n, parts = 0, 0, []
            for p in self._procs():
                try:
                    with p.oneshot():
                        parts.append((_process_label(p), p.memory_info().rss))
                        rss += parts[-1][1]
                        ct = p.cpu_times()
                        self._cpu_by_pid[(p.pid, p.create_time())] = ct.user + ct.system
                        n += 1
                except psutil.Error:
                    continue
            t = time.time()
            st = psutil.cpu_times()
            self.sys_busy.append(
                st.user + st.system + getattr(st, "nice", 0) + getattr(st, "irq", 0) + getattr(st, "softirq", 0)
            )
            if rss > self.peak_rss:
                self.peak_rss, self.peak_parts = rss, parts
            self.samples.append((t, rss, sum(self._cpu_by_pid.values()), n))
            self.stop_flag.wait(self.interval)

    def stop(self) -> None:
        self.stop_flag.set()
        self.join(timeout=5)

    def cpu_between(self, t0: float, t1: float) -> float | None:
        """CPU seconds used by the tree between two wall-clock times (nearest samples)."""
        if not self.samples or t1 <= t0:
            return None

        def at(t):
            best = self.samples[0]
            for s in self.samples:
                if s[0] <= t:
                    best = s
                else:
                    break
            return best

        a, b = at(t0), at(t1)
        return b[2] - a[2] if b[0] > a[0] else None

    def peak_rss_between(self, t0: float, t1: float) -> float:
        vals = [s[1] for s in self.samples if t0 <= s[0] <= t1]
        return max(vals) if vals else 0.0


# ------------------------------------------------------------------------------------------
# running the job


def _env(work: Path, inbox: Path, dagster_home: Path) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "ARTICLES_DIR": str(inbox),
            "WAREHOUSE_PATH": str(work / "data" / "warehouse.duckdb"),
            "ANALYST_DB_PATH": str(work / "data" / "analyst.duckdb"),
            "EXPORTS_DIR": str(work / "data" / "exports"),
            "GX_DOCS_DIR": str(work / "data" / "gx_docs"),
            "DAGSTER_HOME": str(dagster_home),
            "PYTHONPATH": str(REPO),  # import `orchestration` from the checkout being measured
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
            "GX_ANALYTICS_ENABLED": "False",
        }
    )
    return env


def fresh_dagster_home(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "orchestration" / "dagster_home" / "dagster.yaml", path / "dagster.yaml")
    return path


def step_times_from_instance(dagster_home: Path) -> tuple[dict, dict]:
    """({step_key: seconds}, {step_key: (start_ts, end_ts)}) of the latest run in that DAGSTER_HOME."""
    from dagster import DagsterEventType, DagsterInstance

    # the instance's event log storage lives under $DAGSTER_HOME (orchestration/event_log.py)
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    inst = DagsterInstance.from_config(str(dagster_home))
    try:
        runs = inst.get_runs(limit=1)
        if not runs:
            return {}, {}
        run_id = runs[0].run_id
        starts, spans = {}, {}
        for rec in inst.all_logs(
            run_id, of_type={DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
        ):
            ev = rec.dagster_event
            if ev.event_type == DagsterEventType.STEP_START:
                starts[rec.step_key] = rec.timestamp
            elif rec.step_key in starts:
                spans[rec.step_key] = (starts[rec.step_key], rec.timestamp)
        return {k: round(b - a, 3) for k, (a, b) in spans.items()}, spans
    finally:
        inst.dispose()


def step_times_from_stdout(text: str) -> dict:
    out = {}
    for m in _STEP_LINE.finditer(text):
        v = float(m.group("val"))
        out[m.group("step")] = round(
            v / 1000 if m.group("unit") == "ms" else v * 60 if m.group("unit") == "m" else v, 3
        )
    return out


def run_job(
    label: str, work: Path, inbox: Path, dagster_home: Path, log_dir: Path, timeout: float, tags: dict | None = None
) -> dict:
    cmd = [str(VENV_BIN / "dagster"), "job", "execute", "-m", "orchestration.definitions", "-j", "daily_pipeline"]
    if tags:
        cmd += ["--tags", json.dumps(tags)]
    log = log_dir / f"{label}.log"
    print(f"  [{label}] running job (inbox {inbox.name}) ...", flush=True)
    load_before = round(os.getloadavg()[0], 2)
    with open(log, "w", encoding="utf-8") as fh:
        t0 = time.time()
        proc = subprocess.Popen(cmd, cwd=REPO, env=_env(work, inbox, dagster_home), stdout=fh, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = "timeout"
        wall = time.time() - t0
        sampler.stop()
    text = log.read_text(encoding="utf-8", errors="replace")
    try:
        steps, spans = step_times_from_instance(dagster_home)
    except Exception as exc:  # noqa: BLE001 - fall back on stdout
        print(f"  [{label}] event log not readable ({exc!r}); using stdout", flush=True)
        steps, spans = step_times_from_stdout(text), {}
    res = {
        "label": label,
        "rc": rc,
        "ok": rc == 0 and "RUN_SUCCESS" in text,
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(sampler.peak_rss / 2**20, 1),
        "peak_rss_parts_mb": [(name, round(rss / 2**20)) for name, rss in sampler.peak_parts],
        "steps_s": steps,
        "steps_total_s": round(sum(steps.values()), 2),
        "log": str(log),
    }
    res["outside_steps_s"] = round(wall - res["steps_total_s"], 2)  # imports, code location, run setup
    ext = spans.get("extracted_reports")
    if ext:
        cpu = sampler.cpu_between(*ext)
        span = ext[1] - ext[0]
        res["extraction_cpu_s"] = None if cpu is None else round(cpu, 2)
        res["extraction_cores"] = None if cpu is None or span < 0.5 else round(cpu / span, 2)
        res["extraction_peak_rss_mb"] = round(sampler.peak_rss_between(*ext) / 2**20, 1)
    cpu_all = sampler.samples[-1][2] if sampler.samples else None
    res["tree_cpu_s"] = None if cpu_all is None else round(cpu_all, 2)
    if len(sampler.sys_busy) > 1 and cpu_all is not None:
        # CPU used on the machine by processes outside the job (other users, tests...): noise
        res["foreign_cpu_s"] = round(max(0.0, sampler.sys_busy[-1] - sampler.sys_busy[0] - cpu_all), 2)
    res["loadavg_1m_before"] = load_before
    m = re.search(r"ingest from .*?: (\d+) new", text)
    res["new_articles"] = int(m.group(1)) if m else None
    m = re.search(r"extracted (\d+) articles \(([^)]*)\): (\d+) reports", text)
    if m:
        res["extracted"], res["extract_mode"], res["reports"] = int(m.group(1)), m.group(2), int(m.group(3))
    status = "ok" if res["ok"] else f"FAILED rc={rc}"
    print(
        f"  [{label}] {status}: {wall:.1f} s wall, peak {res['peak_rss_mb']:.0f} MB, "
        f"foreign CPU {res.get('foreign_cpu_s')} s, "
        f"steps {json.dumps(steps)}",
        flush=True,
    )
    if not res["ok"]:
        tail = "\n".join(text.splitlines()[-40:])
        print(f"  [{label}] log tail:\n{tail}", flush=True)
    return res


# ------------------------------------------------------------------------------------------
# trafilatura alone


def trafilatura_alone(paths: list[Path], limit: int) -> dict:
    import trafilatura

    sample = paths if len(paths) <= limit else paths[:: max(1, len(paths) // limit)][:limit]
    pages = [p.read_text(encoding="utf-8") for p in sample]
    bare = trafilatura.bare_extraction(pages[0])  # warm-up (imports, lazy init)
    del bare
    t0, c0 = time.perf_counter(), time.process_time()
    n_ok = 0
    for html in pages:
        doc = trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
        n_ok += bool(doc is not None and doc.text)
    dt_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return {
        "pages_timed": len(pages),
        "extracted": n_ok,
        "total_s": round(dt_s, 3),
        "per_page_ms": round(1000 * dt_s / len(pages), 3),
        "cpu_per_page_ms": round(1000 * cpu_s / len(pages), 3),
    }


# ------------------------------------------------------------------------------------------
# the benchmark


def parse_dbt() -> None:
    subprocess.run(
        [
            str(VENV_BIN / "dbt"),
            "parse",
            "--quiet",
            "--project-dir",
            str(REPO / "dbt_project"),
            "--profiles-dir",
            "dbt_project",
        ],
        cwd=REPO,
        check=True,
        env=dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1"),
    )


def bench_incr_empty(root: Path, seeds, seed: int, timeout: float) -> dict:
    work = root / "incr_empty"
    inbox = work / "inbox"
    generate_corpus.generate_corpus(inbox, INCR_N, seed=seed, start=INCR_START, seeds=seeds)
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return run_job("incr_empty", work, inbox, fresh_dagster_home(work / "dagster_home"), logs, timeout)


def bench_n(n: int, root: Path, seeds, seed: int, timeout: float, traf_max: int) -> dict:
    print(f"N = {n}", flush=True)
    work = root / f"n{n}"
    inbox = work / "inbox"
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    paths = generate_corpus.generate_corpus(inbox, n, seed=seed, seeds=seeds)
    gen_s = time.perf_counter() - t0
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"  generated {n} pages ({size_mb:.1f} MB) in {gen_s:.1f} s", flush=True)
    home = fresh_dagster_home(work / "dagster_home")
    out = {"n": n, "corpus_mb": round(size_mb, 2), "generate_s": round(gen_s, 2)}
    out["cold"] = run_job(f"cold_{n}", work, inbox, home, logs, timeout)
    out["rerun"] = run_job(f"rerun_{n}", work, inbox, home, logs, timeout)
    out["rerun_build"] = run_job(f"rerun_build_{n}", work, inbox, home, logs, timeout, tags=FORCE_BUILD)
    generate_corpus.generate_corpus(inbox, INCR_N, seed=seed, start=INCR_START, seeds=seeds)
    out["incr_big"] = run_job(f"incr_big_{n}", work, inbox, home, logs, timeout)
    print("  trafilatura alone ...", flush=True)
    out["trafilatura"] = trafilatura_alone(paths, traf_max)
    print(
        f"  trafilatura alone: {out['trafilatura']['per_page_ms']:.1f} ms/page "
        f"over {out['trafilatura']['pages_timed']} pages",
        flush=True,
    )
    wh = work / "data" / "warehouse.duckdb"
    out["warehouse_mb"] = round(wh.stat().st_size / 1e6, 1) if wh.exists() else None
    return out


def derive(r: dict, incr_empty: dict) -> dict:
    n = r["n"]
    t_n, t_noop, t_fixed = r["cold"]["wall_s"], r["rerun"]["wall_s"], r["rerun_build"]["wall_s"]
    # slope between two cold runs (100 and N articles): both pay the same fixed costs (process
    # start, a first full dbt build, GX), so the difference is the articles' own cost
    marginal = (t_n - incr_empty["wall_s"]) / (n - INCR_N)
    traf = r["trafilatura"]["per_page_ms"] / 1000
    peak = max(r[k]["peak_rss_mb"] for k in RUNS_PER_N)
    d = {
        "n": n,
        "t_n_s": t_n,
        "articles_per_s": round(n / t_n, 2),
        "t_noop_s": t_noop,
        "t_fixed_s": t_fixed,
        "marginal_ms": round(1000 * marginal, 2),
        "trafilatura_ms": round(1000 * traf, 2),
        "marginal_vs_trafilatura": round(marginal / traf, 2) if traf else None,
        "t_incr_big_s": r["incr_big"]["wall_s"],
        "t_incr_empty_s": incr_empty["wall_s"],
        "incremental_ratio": round(r["incr_big"]["wall_s"] / incr_empty["wall_s"], 2),
        "peak_rss_mb": peak,
        "extraction_cores": r["cold"].get("extraction_cores"),
        # CPU-seconds of the job's process tree: insensitive to other load on a shared machine
        "cpu_fixed_s": r["rerun_build"].get("tree_cpu_s"),
        "marginal_cpu_ms": None
        if r["cold"].get("tree_cpu_s") is None or incr_empty.get("tree_cpu_s") is None
        else round(1000 * (r["cold"]["tree_cpu_s"] - incr_empty["tree_cpu_s"]) / (n - INCR_N), 2),
        "trafilatura_cpu_ms": r["trafilatura"].get("cpu_per_page_ms"),
        "foreign_cpu_s": round(sum(r[k].get("foreign_cpu_s") or 0 for k in RUNS_PER_N), 1),
        "all_runs_ok": all(r[k]["ok"] for k in RUNS_PER_N) and incr_empty["ok"],
    }
    d["goals"] = {
        "marginal_vs_trafilatura": d["marginal_vs_trafilatura"] is not None
        and d["marginal_vs_trafilatura"] <= GOALS["marginal_vs_trafilatura"],
        "noop_s": t_noop <= GOALS["fixed_cost_s"],
        "fixed_cost_s": t_fixed <= GOALS["fixed_cost_s"],
        "incremental_ratio": d["incremental_ratio"] <= GOALS["incremental_ratio"],
        "peak_rss_mb": peak < GOALS["peak_rss_mb"],
        "extraction_cores": (d["extraction_cores"] or 0) >= GOALS["extraction_cores"],
    }
    return d


def _mark(ok: bool) -> str:
    return "✅" if ok else "❌"


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = [
        f"Machine: {m['cpu_model']}, {m['logical_cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; "
        f"Python {m['python']}, duckdb {m['versions']['duckdb']}, dagster {m['versions']['dagster']}, "
        f"dbt-core {m['versions']['dbt-core']}, dbt-duckdb {m['versions']['dbt-duckdb']}, "
        f"trafilatura {m['versions']['trafilatura']}; git {m['git_head']}; run {report['started']}.",
        "",
        "| N | t(N) s | articles/s | rerun, 0 new (dbt skipped) s | fixed cost: rerun that builds s "
        "| marginal ms/article | trafilatura alone ms/page "
        "| marginal ÷ trafilatura | +100 into N s | +100 into empty s | incremental ratio | peak RSS MB "
        "| extraction cores |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for d in report["derived"]:
        g = d["goals"]
        lines.append(
            f"| {d['n']:,} | {d['t_n_s']:.1f} | {d['articles_per_s']:.1f} | {d['t_noop_s']:.1f} {_mark(g['noop_s'])} "
            f"| {d['t_fixed_s']:.1f} {_mark(g['fixed_cost_s'])} "
            f"| {d['marginal_ms']:.1f} | {d['trafilatura_ms']:.1f} | {d['marginal_vs_trafilatura']:.2f} "
            f"{_mark(g['marginal_vs_trafilatura'])} | {d['t_incr_big_s']:.1f} | {d['t_incr_empty_s']:.1f} "
            f"| {d['incremental_ratio']:.2f} {_mark(g['incremental_ratio'])} | {d['peak_rss_mb']:.0f} "
            f"{_mark(g['peak_rss_mb'])} | {d['extraction_cores'] if d['extraction_cores'] is not None else 'n/a'} "
            f"{_mark(g['extraction_cores'])} |"
        )
    lines += [
        "",
        "CPU view (CPU-seconds of the job's process tree; robust to other load on the machine):",
        "",
        "| N | fixed cost CPU s | marginal CPU ms/article | trafilatura alone CPU ms/page | ratio "
        "| foreign CPU s during the 4 runs |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for d in report["derived"]:
        ratio = (
            f"{d['marginal_cpu_ms'] / d['trafilatura_cpu_ms']:.2f}"
            if d.get("marginal_cpu_ms") and d.get("trafilatura_cpu_ms")
            else "n/a"
        )
        lines.append(
            f"| {d['n']:,} | {d.get('cpu_fixed_s')} | {d.get('marginal_cpu_ms')} | "
            f"{d.get('trafilatura_cpu_ms')} | {ratio} | {d.get('foreign_cpu_s')} |"
        )
    lines += [
        "",
        f"Goals: marginal ≤ {GOALS['marginal_vs_trafilatura']}× trafilatura alone; fixed cost ≤ "
        f"{GOALS['fixed_cost_s']:.0f} s; +100 into a big warehouse ≤ {GOALS['incremental_ratio']}× into an empty one; "
        f"peak RSS < {GOALS['peak_rss_mb'] / 1024:.0f} GB; extraction uses both cores (≥ {GOALS['extraction_cores']} "
        "CPU-s per wall-s during the extracted_reports step).",
        "",
        "Per-stage seconds (Dagster STEP_START→STEP_SUCCESS; `outside` = process start, imports, "
        "code-location load, run bookkeeping):",
        "",
    ]
    runs = []
    for r in report["runs"]:
        runs += [
            (f"cold N={r['n']:,}", r["cold"]),
            (f"rerun N={r['n']:,}", r["rerun"]),
            (f"rerun that builds N={r['n']:,}", r["rerun_build"]),
            (f"+100 into N={r['n']:,}", r["incr_big"]),
        ]
    runs.append(("+100 into empty", report["incr_empty"]))
    keys: list[str] = []
    for _, run in runs:
        for k in run["steps_s"]:
            if k not in keys:
                keys.append(k)
    short = {k: k.replace("marts__", "").replace("_gx_", " gx:") for k in keys}
    lines.append("| run | wall | " + " | ".join(short[k] for k in keys) + " | outside |")
    lines.append("|---|---:|" + "---:|" * (len(keys) + 1))
    for name, run in runs:
        cells = [f"{run['steps_s'].get(k, float('nan')):.1f}" for k in keys]
        lines.append(f"| {name} | {run['wall_s']:.1f} | " + " | ".join(cells) + f" | {run['outside_steps_s']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, action="append", help="corpus size (repeatable); default 200 and 2000")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=None, help="keep the temp dirs here (default: a temp dir, removed)")
    ap.add_argument("--keep", action="store_true", help="do not delete the temp dir")
    ap.add_argument("--timeout", type=float, default=1500, help="seconds per job run (default 1500 = 25 min)")
    ap.add_argument("--traf-max", type=int, default=2000, help="pages timed for trafilatura alone")
    ap.add_argument("--no-parse", action="store_true", help="skip `dbt parse` (manifest already fresh)")
    ap.add_argument("--out", type=Path, default=RESULTS_DIR)
    ap.add_argument(
        "--repo", type=Path, default=None, help="run the pipeline of another checkout/copy of the repo (same venv)"
    )
    args = ap.parse_args(argv)
    global REPO
    if args.repo:
        REPO = args.repo.resolve()
    ns = args.n or [200, 2000]

    if not args.no_parse:
        parse_dbt()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="pipeline_bench_"))
    root.mkdir(parents=True, exist_ok=True)
    report = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "repo": str(REPO),
        "seed": args.seed,
        "ns": ns,
        "goals": GOALS,
    }
    seeds = generate_corpus.load_seeds()
    try:
        print("+100 into an empty warehouse (once)", flush=True)
        report["incr_empty"] = bench_incr_empty(root, seeds, args.seed, args.timeout)
        report["runs"] = [bench_n(n, root, seeds, args.seed, args.timeout, args.traf_max) for n in ns]
    finally:
        if not (args.keep or args.workdir):
            shutil.rmtree(root, ignore_errors=True)
    report["derived"] = [derive(r, report["incr_empty"]) for r in report["runs"]]
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "bench_" + "_".join(str(n) for n in ns)
    (args.out / f"{stem}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    md = markdown(report)
    (args.out / f"{stem}.md").write_text(md, encoding="utf-8")
    print()
    print(md)
    print(f"written {args.out / (stem + '.json')} and .md")
    return 0 if all(d["all_runs_ok"] for d in report["derived"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
