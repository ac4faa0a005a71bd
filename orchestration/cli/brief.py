"""CLI: a brief for a chosen day or range, over the analyst copy.

    python -m orchestration.cli.brief [--date YYYY-MM-DD | --from YYYY-MM-DD --to YYYY-MM-DD]

New = events first reported (earliest article publication date) in the day or range; the
windows end on that day (or the range's last day). Writes BRIEFS_DIR/brief_<date>.html (or
brief_<from>_to_<to>.html) and prints its path; latest.html and the run ledger are the pipeline's
and are left alone. Reads the analyst copy only, and the warehouse (read-only, for rejected
inputs) when no run holds it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from orchestration import config
from orchestration.brief.report import stored_gx_outcomes, write_brief
from orchestration.stages.clean_worker import local_today


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.cli.brief", description=__doc__.split("\n\n")[0])
    parser.add_argument("--date", type=_date, help="the day (default: today, Baghdad time)")
    parser.add_argument("--from", dest="start", type=_date, help="first day of a range")
    parser.add_argument("--to", dest="end", type=_date, help="last day of a range (default: --date or today)")
    parser.add_argument("--analyst-db", type=Path, default=None, help="default: ANALYST_DB_PATH")
    parser.add_argument("--out", type=Path, default=None, help="directory (default: BRIEFS_DIR)")
    args = parser.parse_args(argv)
    if args.date and (args.start or args.end):
        parser.error("give --date or --from/--to, not both")
    end = args.end or args.date or local_today()
    start = args.start or args.date or end
    if start > end:
        parser.error(f"--from {start} is after --to {end}")
    try:
        result = write_brief(
            args.analyst_db or config.analyst_db_path(),
            args.out or config.briefs_dir(),
            end,
            mode="range",
            range_start=start,
            warehouse=config.warehouse_path(),
            checks=stored_gx_outcomes(config.gx_context_dir()),
        )
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    b = result.brief
    print(f"{result.path}\n{b.window_rule}\nnew events: {b.n_new_events}; reports in review: {b.review_total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
