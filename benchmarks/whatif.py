"""Measure two hot-spot fixes suggested by profile_pipeline.py, without editing the pipeline code.

The fixes are applied by monkeypatching in this process only; the numbers say what the lead
would gain by making the same change in the owning module:

  A. orchestration.inbox.decoding._bad_char_share: a pure-Python loop calling unicodedata.category on
     every character of every file. Fast path: one regex search for any character outside the
     ranges that cannot be control/surrogate/private/unassigned (ASCII and Latin-1 printable,
     Arabic blocks, general punctuation); only texts that have such a character take the loop.
  B. orchestration.arabic_nlp.lexicon._candidates: the clitic/ال readings of a word are
     recomputed for every token of every sentence for every lexicon lookup. Memoised per word
     (functools.lru_cache; news vocabulary is Zipfian, so the hit rate is high).

Both must give identical results; the script checks that.

    .venv/bin/python benchmarks/whatif.py --n 2000
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import re
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))
import generate_corpus  # noqa: E402

_SURELY_OK = re.compile(
    "[^\t\n\r\f\v\x20-\x7e\u00a0-\u024f\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdcf"
    "\ufdf0-\ufdff\ufe70-\ufefe\u2000-\u2064]"
)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)

    from orchestration import config, inbox
    from orchestration.arabic_nlp import extract as extract_mod
    from orchestration.arabic_nlp import lexicon as lexicon_mod
    from orchestration.stages.clean_worker import clean_row, local_today

    out: dict = {"n": args.n, "started": dt.datetime.now().isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="pipeline_whatif_") as tmp:
        inbox_dir = Path(tmp) / "inbox"
        generate_corpus.generate_corpus(inbox_dir, args.n, seed=args.seed)

        t0 = time.perf_counter()
        base = inbox.scan_inbox(inbox_dir, set())
        t_scan = time.perf_counter() - t0

        from orchestration.inbox import decoding

        original = decoding._bad_char_share

        def fast_bad_char_share(text: str) -> float:
            if not text or _SURELY_OK.search(text) is None:
                return 0.0
            return original(text)

        decoding._bad_char_share = fast_bad_char_share
        try:
            t0 = time.perf_counter()
            fast = inbox.scan_inbox(inbox_dir, set())
            t_scan_fast = time.perf_counter() - t0
        finally:
            decoding._bad_char_share = original
        assert [a.text_fingerprint for a in fast.articles] == [a.text_fingerprint for a in base.articles]
        out["A_bad_char_share"] = {
            "scan_inbox_s": round(t_scan, 2),
            "scan_inbox_fast_s": round(t_scan_fast, 2),
            "ms_per_article_before": round(1000 * t_scan / args.n, 2),
            "ms_per_article_after": round(1000 * t_scan_fast / args.n, 2),
            "saving_pct": round(100 * (1 - t_scan_fast / t_scan), 1),
        }
        print("A:", out["A_bad_char_share"], flush=True)

    today, now = local_today(), dt.datetime.now()
    rows = [clean_row(a.article_id, a.raw_text, a.title, a.published_meta, today=today, now=now) for a in base.articles]
    todo = [(r[1], r[6], r[2]) for r in rows if r[5] == "ar"]
    lex = lexicon_mod.Lexicon.load(config.DBT_SEEDS_DIR)

    def run_extract():
        t0 = time.perf_counter()
        res = [extract_mod.extract_article(t or "", pub, lex, title) for t, pub, title in todo]
        return time.perf_counter() - t0, res

    t_ext, res_base = run_extract()
    original_cand = lexicon_mod._candidates

    @functools.lru_cache(maxsize=200_000)
    def _cached(word):
        return tuple(original_cand(word))

    lexicon_mod._candidates = _cached
    try:
        t_ext_fast, res_fast = run_extract()
        info = _cached.cache_info()
    finally:
        lexicon_mod._candidates = original_cand
    assert [[r.__dict__ if hasattr(r, "__dict__") else r for r in rs] for rs in res_fast] == [
        [r.__dict__ if hasattr(r, "__dict__") else r for r in rs] for rs in res_base
    ]
    out["B_candidates_cache"] = {
        "articles": len(todo),
        "extract_s": round(t_ext, 2),
        "extract_cached_s": round(t_ext_fast, 2),
        "ms_per_article_before": round(1000 * t_ext / len(todo), 2),
        "ms_per_article_after": round(1000 * t_ext_fast / len(todo), 2),
        "saving_pct": round(100 * (1 - t_ext_fast / t_ext), 1),
        "cache_hits": info.hits,
        "cache_misses": info.misses,
    }
    print("B:", out["B_candidates_cache"], flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"whatif_{args.n}.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
