"""Write the morning brief: collect the figures, draw the charts, write the HTML atomically.

Two callers: the Dagster asset `morning_brief` after each publish (mode "run": new = first
published by this run, `<run date>.html` and `latest.html`), and the CLI `python -m
orchestration.cli.brief` for a chosen day or range over the analyst copy (mode "range").

Which events are new in a run: BRIEFS_DIR/.published_reports.parquet lists the report_ids that
were in the marts when the last brief was written; an event none of whose reports is in it is
new. It is rewritten only after the brief itself, so events of a run whose brief failed are
still new in the next one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from orchestration.brief import data

LEDGER_NAME = ".published_reports.parquet"
LATEST_NAME = "latest.html"


@dataclass
class BriefResult:
    path: Path
    latest: Path | None
    brief: data.BriefData
    markdown: str

    def numbers(self) -> dict[str, int]:
        """Figures per materialization (Dagster plots them across runs)."""
        h = self.brief.headline
        day, week = h.get("last 24 h"), h.get("last 7 days")
        return {
            "new_events": self.brief.n_new_events,
            "events_24h": day.events if day else 0,
            "killed_24h": day.killed_best if day else 0,
            "wounded_24h": day.wounded_best if day else 0,
            "events_7d": week.events if week else 0,
            "killed_7d": week.killed_best if week else 0,
            "wounded_7d": week.wounded_best if week else 0,
            "events_total": self.brief.n_events_total,
            "reports_in_review": self.brief.review_total,
        }


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_ledger(analyst_db: Path, ledger: Path) -> None:
    tmp = ledger.with_name(f".{ledger.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    con = data.connect(analyst_db)
    try:
        con.execute(
            f"COPY (SELECT report_id FROM {data.MARTS}.fct_event_reports ORDER BY report_id) "
            f"TO '{str(tmp).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)"
        )
        os.replace(tmp, ledger)
    finally:
        con.close()
        tmp.unlink(missing_ok=True)


def stored_gx_outcomes(gx_context_dir: Path) -> tuple[list[dict] | None, str]:
    """The latest stored GX validation result of each suite (the CLI has no Dagster run to ask)."""
    root = Path(gx_context_dir) / "uncommitted" / "validations"
    if not root.is_dir():
        return None, f"no stored GX validation results under {root}"
    checks, times = [], []
    for suite_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(suite_dir.glob("*/*/*.json"), key=lambda p: p.parent.name)
        if not files:
            continue
        try:
            result = json.loads(files[-1].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        failed = [r for r in result.get("results", []) if not r.get("success")]
        severe = any(
            (r.get("expectation_config", {}).get("meta") or {}).get("severity", "error") == "error" for r in failed
        )
        detail = "; ".join(
            f"{r['expectation_config'].get('type')}({(r['expectation_config'].get('kwargs') or {}).get('column', '')})"
            for r in failed[:4]
        )
        checks.append(
            {
                "name": f"gx_{suite_dir.name}",
                "target": result.get("suite_name", suite_dir.name),
                "passed": bool(result.get("success")),
                "severity": "ERROR" if severe else "WARN",
                "detail": detail,
            }
        )
        times.append(files[-1].parent.name)
    if not checks:
        return None, f"no stored GX validation results under {root}"
    return checks, f"latest stored GX validation of each suite, {min(times)[:8]} to {max(times)[:8]}"


def write_brief(
    analyst_db: Path,
    briefs_dir: Path,
    run_date: dt.date,
    *,
    mode: str = "run",
    range_start: dt.date | None = None,
    warehouse: Path | None = None,
    rejected_since: dt.datetime | None = None,
    checks: tuple[list | None, str] = (None, "not read"),
    generated_at: dt.datetime | None = None,
) -> BriefResult:
    """Write the brief; in mode "run" also latest.html and the ledger of published reports."""
    analyst_db, briefs_dir = Path(analyst_db), Path(briefs_dir)
    if not analyst_db.exists():
        raise FileNotFoundError(f"no analyst copy at {analyst_db}: run the pipeline first (make run)")
    briefs_dir.mkdir(parents=True, exist_ok=True)
    ledger = briefs_dir / LEDGER_NAME
    start = range_start or run_date
    if mode == "run" and rejected_since is not None:
        rejected = data.rejected_inputs(warehouse, since=rejected_since)
    else:
        rejected = data.rejected_inputs(warehouse, on_days=(start, run_date))
    brief = data.collect(
        analyst_db,
        run_date,
        mode=mode,
        previously_published=data.read_ledger(ledger) if mode == "run" else None,
        range_start=range_start,
        rejected=rejected,
        checks=checks,
        generated_at=generated_at,
    )
    if mode == "run":
        name, title = f"{run_date}.html", f"Morning brief, {run_date}"
    elif start == run_date:
        name, title = f"brief_{run_date}.html", f"Brief for {run_date}"
    else:
        name, title = f"brief_{start}_to_{run_date}.html", f"Brief for {start} to {run_date}"
    # matplotlib is slow to import: loaded here, not when the code location loads
    from orchestration.brief import render

    drawn = render.build_charts(brief)
    try:
        page = render.html_page(brief, drawn, title)
        preview_png = drawn["timeline"].png()
    finally:
        for chart in drawn.values():
            chart.close()
    path = briefs_dir / name
    _write_atomic(path, page)
    latest = None
    if mode == "run":
        latest = briefs_dir / LATEST_NAME
        _write_atomic(latest, page)
        _write_ledger(analyst_db, ledger)
    return BriefResult(
        path=path, latest=latest, brief=brief, markdown=render.markdown_preview(brief, preview_png, str(path))
    )
