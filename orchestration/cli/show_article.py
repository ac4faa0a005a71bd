"""A quick look at what the pipeline reads in one article, without touching any warehouse.

    .venv/bin/python -m orchestration.cli.show_article PATH [PATH ...] [--published 2024-05-02] [--json]

PATH is any file the inbox accepts (.txt, .html, .json, .jsonl). Each article goes through the
same reader, cleaner and extractor as a pipeline run; its reports are printed with the rule behind
every figure and the sentence(s) they come from.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

from orchestration.arabic_nlp.extractor import default_seeds_dir, extract_article
from orchestration.arabic_nlp.lexicon import Lexicon
from orchestration.inbox import scan_inbox
from orchestration.stages.clean_worker import clean_row, local_today


def read_articles(path: Path):
    """The inbox reader's view of one file: (articles, rejects)."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(path, Path(tmp) / path.name)
        batch = scan_inbox(Path(tmp))
    return batch.articles, batch.rejects


def describe(path: Path, lexicon: Lexicon, published: dt.date | None) -> list[dict]:
    articles, rejects = read_articles(path)
    for reject in rejects:
        print(f"{path}: rejected ({reject.reason})", file=sys.stderr)
    out = []
    for article in articles:
        row = clean_row(
            article.article_id,
            article.raw_text,
            article.title,
            article.published_meta,
            today=local_today(),
            now=dt.datetime.now(),
        )
        clean_text, language, pub, date_source = row[1], row[5], row[6], row[7]
        if published is not None:
            pub, date_source = published, "command line"
        reports = extract_article(clean_text, pub, lexicon, article.title) if language == "ar" else []
        out.append(
            {
                "source": str(path),
                "article_id": article.article_id,
                "title": article.title,
                "published": pub,
                "date_source": date_source,
                "language": language,
                "reports": [dataclasses.asdict(r) for r in reports],
            }
        )
    return out


def _print(article: dict, lexicon: Lexicon) -> None:
    print(
        f"== {article['source']}  {article['article_id']}  published {article['published']} "
        f"({article['date_source']}), language {article['language']}"
    )
    if not article["reports"]:
        print("   no incident reported")
    for r in article["reports"]:
        place = lexicon.places.get(r["place_id"] or "", {})
        where = ", ".join(x for x in (place.get("name"), place.get("admin1"), place.get("country")) if x) or "?"
        actors = [lexicon.actors.get(a or "", {}).get("name", a) for a in (r["actor1_id"], r["actor2_id"])]
        trigger = lexicon.triggers.get(r["trigger_id"] or "", {})
        print(f"-- report {r['seq']}: {r['event_date']} ({r['date_precision']}, {r['date_rule']}) in {where}")
        print(f"   {trigger.get('event_type', '?')} / {trigger.get('sub_event_type', '?')}: {actors[0]} -> {actors[1]}")
        print(
            f"   killed {r['killed']} [{r['killed_rule']}], wounded {r['wounded']} [{r['wounded_rule']}]"
            + (f", vague: {r['vague_text']}" if r["vague_text"] else "")
        )
        for v in r["victims"]:
            print(
                f"     side {lexicon.actors.get(v['actor_id'], {}).get('name', v['actor_id'])}: "
                f"killed {v['killed']}, wounded {v['wounded']}"
            )
        print(f"   evidence: {r['evidence']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument(
        "--published",
        type=dt.date.fromisoformat,
        default=None,
        help="publication date to resolve relative dates against (overrides the article's)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per article")
    args = parser.parse_args(argv)
    lexicon = Lexicon.load(default_seeds_dir())
    for path in args.paths:
        if not path.is_file():
            print(f"{path}: not a file", file=sys.stderr)
            continue
        for article in describe(path, lexicon, args.published):
            if args.json:
                print(json.dumps(article, ensure_ascii=False, default=str))
            else:
                _print(article, lexicon)
    return 0


if __name__ == "__main__":
    sys.exit(main())
