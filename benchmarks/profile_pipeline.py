"""cProfile the in-process pieces of the pipeline on a generated inbox of N pages.

Stages profiled one after another, in this process, single core:
  scan      orchestration.inbox.scan_inbox(inbox, set())          (read + trafilatura + fingerprints)
  clean     orchestration.stages.clean_worker.clean_row over the records  (cleaning + publication date)
  lexicon   Lexicon.load(dbt seeds)
  extract   arabic_nlp.extract.extract_article over the clean texts

For each stage: wall seconds, per-article ms and the top functions by own time and by cumulative
time. Writes benchmarks/results/profile_<N>.json, profile_<N>.txt and one .prof per stage
(open with `python -m pstats` or snakeviz).

    .venv/bin/python benchmarks/profile_pipeline.py --n 2000
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))
import generate_corpus  # noqa: E402

RESULTS_DIR = HERE / "results"


def _top(prof: cProfile.Profile, key: str, limit: int) -> tuple[str, list[dict]]:
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.sort_stats(key).print_stats(limit)
    rows = []
    for (file, line, fn), (_cc, nc, tt, ct, _) in sorted(
        st.stats.items(), key=lambda kv: kv[1][2 if key == "tottime" else 3], reverse=True
    )[:limit]:
        short = file.replace(str(REPO) + "/", "")
        if "site-packages/" in short:
            short = short.split("site-packages/", 1)[1]
        rows.append(
            {"function": f"{short}:{line}({fn})", "calls": nc, "tottime_s": round(tt, 3), "cumtime_s": round(ct, 3)}
        )
    return buf.getvalue(), rows


def profiled(name: str, fn, out_dir: Path, n: int, limit: int, report: dict, text: list[str], tag: int | None = None):
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    result = fn()
    prof.disable()
    wall = time.perf_counter() - t0
    prof.dump_stats(str(out_dir / f"profile_{tag or n}_{name}.prof"))
    txt_tot, own = _top(prof, "tottime", limit)
    txt_cum, cum = _top(prof, "cumulative", limit)
    report["stages"][name] = {
        "wall_s": round(wall, 3),
        "per_article_ms": round(1000 * wall / max(n, 1), 3),
        "top_own_time": own,
        "top_cumulative": cum,
    }
    text.append(f"===== {name}: {wall:.2f} s under cProfile ({1000 * wall / max(n, 1):.2f} ms/article)\n")
    text.append("--- by own time\n" + txt_tot)
    text.append("--- by cumulative time\n" + txt_cum)
    print(f"{name}: {wall:.2f} s ({1000 * wall / max(n, 1):.2f} ms/article)", flush=True)
    for r in own[:8]:
        print(f"    {r['tottime_s']:8.2f} s own  {r['cumtime_s']:8.2f} s cum  {r['calls']:>9}  {r['function']}")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    from orchestration import config, inbox
    from orchestration.arabic_nlp.extractor import extract_article
    from orchestration.arabic_nlp.lexicon import Lexicon
    from orchestration.stages.clean_worker import clean_row, local_today

    report: dict = {"n": args.n, "started": dt.datetime.now().isoformat(timespec="seconds"), "stages": {}}
    text: list[str] = []
    with tempfile.TemporaryDirectory(prefix="pipeline_profile_") as tmp:
        inbox_dir = Path(tmp) / "inbox"
        generate_corpus.generate_corpus(inbox_dir, args.n, seed=args.seed)
        batch = profiled("scan", lambda: inbox.scan_inbox(inbox_dir, set()), args.out, args.n, args.top, report, text)
    today, now = local_today(), dt.datetime.now()
    rows = profiled(
        "clean",
        lambda: [
            clean_row(a.article_id, a.raw_text, a.title, a.published_meta, today=today, now=now) for a in batch.articles
        ],
        args.out,
        args.n,
        args.top,
        report,
        text,
    )
    lex = profiled(
        "lexicon", lambda: Lexicon.load(config.DBT_SEEDS_DIR), args.out, 1, args.top, report, text, tag=args.n
    )
    todo = [(r[0], r[1], r[6], r[2]) for r in rows if r[5] == "ar"]
    reports = profiled(
        "extract",
        lambda: [extract_article(t or "", pub, lex, title) for _, t, pub, title in todo],
        args.out,
        len(todo),
        args.top,
        report,
        text,
        tag=args.n,
    )
    report["articles"] = len(batch.articles)
    report["reports"] = sum(len(r) for r in reports)
    (args.out / f"profile_{args.n}.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (args.out / f"profile_{args.n}.txt").write_text("\n".join(text), encoding="utf-8")
    print(f"{report['articles']} articles, {report['reports']} reports; written {args.out}/profile_{args.n}.*")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
