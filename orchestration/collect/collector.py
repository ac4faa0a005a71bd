"""One collection run: every enabled source's listing, then the new article pages, into the inbox.

Why one module of this size: the crash-safety order below (record, then fetch, then write, then
mark) spans the listing and the page steps, and is only checkable when it is read in one place.

Per source:
1. its listing (feed, sitemap or sitemap index) is fetched with If-None-Match / If-Modified-Since;
   a 304, or a 200 with the body hash of last time, is 'unchanged'. A new listing's items are
   recorded in ops.collect_urls ('pending') before the listing's ETag/hash, so a crash never loses
   them. A sitemap index's child sitemaps are fetched the same way (new or changed ones first).
2. its pending pages (new, failed before, or deferred and now due; newest first, at most
   max_items_per_run), only on the source's own host or its allowed_hosts, are fetched and each
   written into the inbox as one JSON record, then marked 'fetched'. Pages of all sources are
   interleaved so that one host's delay does not hold the others up.

A source whose listing cannot be fetched or read is 'failed' for this run (ops.collect_source_runs);
it never stops the other sources. A 429 / 503 with Retry-After leaves the host alone until
next_fetch_at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from orchestration.collect import client as client_mod
from orchestration.collect import parse
from orchestration.collect.sources import Source, url_host_key
from orchestration.collect.state import FETCHED, MAX_PAGE_ATTEMPTS, CollectState
from orchestration.config import env_number

COLLECTED_SUBDIR = "collected"
DEFAULT_BUDGET_S = 1800.0
MAX_CHILD_SITEMAPS = 20  # child sitemaps of an index fetched per run, newest first
HTML_TYPES = ("text/html", "application/xhtml+xml")
# page outcomes that end a URL for good (its status is the outcome)
TERMINAL = {"not_found", "gone", "too_large", "off_host", "disallowed", "redirect_error"}


@dataclass
class SourceRun:
    source_id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    status: str = "ok"  # ok | failed | deferred
    requests: int = 0
    unchanged: int = 0  # listings answered 304 or with the same body
    discovered: int = 0  # URLs new to the warehouse
    new_pages: int = 0  # pages written into the inbox
    errors: int = 0
    next_fetch_at: dt.datetime | None = None
    error: str | None = None
    skipped: dict = field(default_factory=dict)  # reason -> count (off_host, too_old, disallowed, ...)


def budget_s() -> float:
    return env_number("COLLECT_MAX_SECONDS", DEFAULT_BUDGET_S, float)


def collected_dir(inbox_dir: Path) -> Path:
    return Path(inbox_dir) / COLLECTED_SUBDIR


def inbox_path_for(inbox_dir: Path, source_id: str, url: str) -> Path:
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
    return collected_dir(inbox_dir) / source_id / digest[:2] / f"{digest[:24]}.json"


def canonical(url: str) -> str:
    from orchestration.inbox import canonical_url

    return canonical_url(url) or url


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        k, _, v = part.strip().partition("=")
        if k.lower() == "charset" and v.strip():
            return v.strip().strip("\"'")
    return None


def decode_page(body: bytes, content_type: str | None) -> str:
    """Page bytes -> text: BOM, else UTF-8, else the HTTP charset or the meta charset, else
    windows-1256 / windows-1252 (the inbox reader's rules); raises ValueError when binary."""
    from orchestration import inbox

    try:
        text, _enc = inbox.decode_bytes(body, _charset(content_type) or inbox.declared_charset(body))
    except inbox.Rejected as exc:
        raise ValueError(str(exc)) from None
    return text


def write_record(path: Path, record: dict) -> None:
    """Atomically: the ingest ignores '*.part', so it never reads a half-written page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Collector:
    def __init__(
        self,
        con,
        sources: list[Source],
        inbox_dir: Path,
        *,
        run_id: str,
        clock: client_mod.Clock | None = None,
        log: Callable[[str], None] | None = None,
        client_factory: Callable[..., client_mod.PoliteClient] | None = None,
        budget: float | None = None,
    ) -> None:
        self.sources = [s for s in sources if s.enabled]
        self.inbox_dir = Path(inbox_dir)
        self.clock = clock or client_mod.SystemClock()
        self.state = CollectState(con, run_id)
        self.log = log or (lambda msg: None)
        self.runs: dict[str, SourceRun] = {}
        self.budget = budget_s() if budget is None else budget
        factory = client_factory or client_mod.PoliteClient
        self.client = factory(
            self.clock, store=self.state, on_request=self._on_request, deadline=self.clock.monotonic() + self.budget
        )

    def _on_request(self, rec: dict) -> None:
        self.state.log_request(rec)
        run = self.runs.get(rec.get("source_id"))
        if run is not None:
            run.requests += 1

    # ------------------------------------------------------------------ run
    def run(self) -> list[SourceRun]:
        try:
            queues = {}
            for src in self.sources:
                run = self.runs[src.id] = SourceRun(src.id, self.clock.now())
                try:
                    self._listing(src, run)
                except Exception as exc:  # noqa: BLE001 - one source never stops the others
                    run.status, run.error = "failed", f"{type(exc).__name__}: {exc}"
                if run.status == "ok":
                    queues[src.id] = []
            self._pages(queues)
        finally:
            self.client.close()
        for src in self.sources:
            run = self.runs[src.id]
            run.finished_at = self.clock.now()
            self.state.record_source_run({**asdict(run), "skipped": json.dumps(run.skipped, sort_keys=True)})
            self.log(
                f"source {src.id}: {run.status}, {run.requests} requests, {run.unchanged} unchanged, "
                f"{run.new_pages} new pages, {run.errors} errors"
                + (f", next try after {run.next_fetch_at:%Y-%m-%d %H:%M} UTC" if run.next_fetch_at else "")
                + (f": {run.error}" if run.error else "")
            )
        return [self.runs[s.id] for s in self.sources]

    # ------------------------------------------------------------------ listings
    def _fetch_listing(self, src: Source, url: str, kind: str, run: SourceRun):
        """Fetch one listing URL with its stored validators -> (FetchResult, row) or None if not due."""
        now = self.clock.now()
        key = canonical(url)
        row = self.state.ensure_url(key, url, src.id, kind, now)
        if row["next_fetch_at"] is not None and row["next_fetch_at"] > now:
            return None, row
        res = self.client.fetch(
            url,
            may_fetch=src.may_fetch,
            min_delay=src.min_delay_s,
            etag=row["etag"],
            last_modified=row["last_modified"],
            known_sha256=row["body_sha256"],
            accept=client_mod.FEED_ACCEPT,
            source_id=src.id,
            purpose=kind,
        )
        return res, row

    def _record_listing(self, key: str, res: client_mod.FetchResult, error: str | None = None) -> None:
        values = {
            "last_fetched_at": self.clock.now(),
            "http_status": res.status,
            "final_url": res.final_url,
            "error": error or res.error,
            "next_fetch_at": res.next_fetch_at,
        }
        if res.outcome == "ok" and error is None:
            values.update(status="listed", etag=res.etag, last_modified=res.last_modified, body_sha256=res.body_sha256)
        elif res.outcome in ("not_modified", "unchanged"):
            values.update(status="listed")
        else:
            values.update(status=res.outcome if res.outcome != "ok" else "error")
        self.state.update_url(key, **values)

    def _parse(self, src: Source, res: client_mod.FetchResult) -> list[parse.Item]:
        if src.kind == "sitemap":
            return parse.parse_sitemap(res.body, res.final_url)
        return parse.parse_feed(res.body, res.final_url, res.headers.get("content-type"))

    def _listing(self, src: Source, run: SourceRun) -> None:
        res, row = self._fetch_listing(src, src.url, "listing", run)
        if res is None:
            run.status, run.next_fetch_at = "deferred", row["next_fetch_at"]
            run.error = f"listing not due before {row['next_fetch_at']:%Y-%m-%d %H:%M} UTC ({row['error']})"
            return
        if res.outcome == "out_of_time":  # the run's time budget: not the source's fault
            run.status, run.error = "deferred", res.error
            return
        if res.outcome in ("not_modified", "unchanged"):
            run.unchanged += 1
            self._record_listing(row["url"], res)
            return
        if res.outcome == "deferred":
            run.status, run.next_fetch_at, run.error = "deferred", res.next_fetch_at, res.error
            self._record_listing(row["url"], res)
            return
        if res.outcome != "ok":
            run.status, run.error = "failed", f"{res.outcome}: {res.error or res.status}"
            self._record_listing(row["url"], res)
            return
        try:
            items = self._parse(src, res)
        except parse.ListingError as exc:
            run.status, run.error = "failed", f"unreadable listing: {exc}"
            self._record_listing(row["url"], res, error=str(exc))
            return
        self._discover(src, [i for i in items if not i.is_sitemap], res.final_url, run)
        self._children(src, [i for i in items if i.is_sitemap], run)
        self._record_listing(row["url"], res)  # only now: its items are safe in the warehouse

    def _cutoff(self, src: Source) -> dt.datetime | None:
        return self.clock.now() - dt.timedelta(days=src.max_age_days) if src.max_age_days else None

    def _children(self, src: Source, children: list[parse.Item], run: SourceRun) -> None:
        """Child sitemaps of an index: new or changed ones (by lastmod), newest first, capped."""
        cutoff = self._cutoff(src)
        todo = []
        for child in children:
            if not src.may_fetch(child.url):
                run.skipped["off_host"] = run.skipped.get("off_host", 0) + 1
                continue
            if cutoff and child.published and child.published < cutoff:
                run.skipped["too_old"] = run.skipped.get("too_old", 0) + 1
                continue
            row = self.state.url_row(canonical(child.url))
            if (
                row
                and row["status"] == "listed"
                and child.published
                and row["last_fetched_at"]
                and child.published <= row["last_fetched_at"]
            ):
                continue  # not modified since we read it (by the index's lastmod)
            todo.append(child)
        todo.sort(key=lambda c: c.published or dt.datetime.max, reverse=True)
        for child in todo[:MAX_CHILD_SITEMAPS]:
            res, row = self._fetch_listing(src, child.url, "sitemap", run)
            if res is None:
                continue
            if res.outcome in ("not_modified", "unchanged"):
                run.unchanged += 1
                self._record_listing(row["url"], res)
                continue
            if res.outcome != "ok":
                run.errors += 1
                if res.outcome == "deferred":
                    run.next_fetch_at = res.next_fetch_at
                self._record_listing(row["url"], res)
                continue
            try:
                found = [i for i in parse.parse_sitemap(res.body, res.final_url) if not i.is_sitemap]
            except parse.ListingError as exc:
                run.errors += 1
                self._record_listing(row["url"], res, error=str(exc))
                continue
            self._discover(src, found, res.final_url, run)
            self._record_listing(row["url"], res)

    def _discover(self, src: Source, items: list[parse.Item], listing_url: str, run: SourceRun) -> None:
        now = self.clock.now()
        cutoff = self._cutoff(src)
        rows = []
        for it in items:
            if not src.may_fetch(it.url):
                run.skipped["off_host"] = run.skipped.get("off_host", 0) + 1
                continue
            if cutoff and it.published and it.published < cutoff:
                run.skipped["too_old"] = run.skipped.get("too_old", 0) + 1
                continue
            rows.append(
                [
                    canonical(it.url),
                    it.url,
                    src.id,
                    "page",
                    "pending",
                    now,
                    0,
                    it.title,
                    it.date_text,
                    it.published,
                    self.state.run_id,
                ]
            )
        run.discovered += self.state.add_discovered(rows, src.id, listing_url, now)

    # ------------------------------------------------------------------ pages
    def _pages(self, queues: dict[str, list]) -> None:
        now = self.clock.now()
        by_id = {s.id: s for s in self.sources}
        taken: set[str] = set()
        for sid in queues:
            src = by_id[sid]
            for row in self.state.due_pages(sid, now, src.max_items_per_run):
                if row["url"] not in taken:
                    taken.add(row["url"])
                    queues[sid].append(row)
        # interleave: always the source whose host may be asked soonest
        while any(queues.values()):
            sid = min(
                (s for s in queues if queues[s]),
                key=lambda s: self.client.ready_at(
                    url_host_key(queues[s][0]["listed_url"]) or "", by_id[s].min_delay_s
                ),
            )
            row = queues[sid].pop(0)
            src, run = by_id[sid], self.runs[sid]
            try:
                if self._page(src, row, run) == "out_of_time":
                    self.log(f"collection time budget ({self.budget:g}s) spent: the rest waits for the next run")
                    break
            except Exception as exc:  # noqa: BLE001 - one page never stops the run
                run.errors += 1
                self.state.update_url(
                    row["url"],
                    status="error",
                    error=f"{type(exc).__name__}: {exc}",
                    n_attempts=(row["n_attempts"] or 0) + 1,
                )

    def _page(self, src: Source, row: dict, run: SourceRun) -> str:
        path = inbox_path_for(self.inbox_dir, src.id, row["url"])
        if path.exists():  # written by a run that stopped before marking it: done, not fetched again
            self.state.update_url(row["url"], status=FETCHED, inbox_path=str(path), error=None)
            return FETCHED
        res = self.client.fetch(
            row["listed_url"],
            may_fetch=src.may_fetch,
            min_delay=src.min_delay_s,
            accept=client_mod.PAGE_ACCEPT,
            source_id=src.id,
            purpose="page",
        )
        now = self.clock.now()
        base = {"last_fetched_at": now, "http_status": res.status, "final_url": res.final_url, "error": res.error}
        if res.outcome == "out_of_time":
            return res.outcome
        if res.outcome == "deferred":
            run.next_fetch_at = max(filter(None, [run.next_fetch_at, res.next_fetch_at]))
            self.state.update_url(
                row["url"],
                status="deferred",
                next_fetch_at=res.next_fetch_at,
                error=res.error,
                **({"http_status": res.status} if res.status else {}),
            )
            return res.outcome
        if res.outcome in TERMINAL:
            run.skipped[res.outcome] = run.skipped.get(res.outcome, 0) + 1
            if res.outcome not in ("disallowed", "off_host"):
                run.errors += 1
            self.state.update_url(row["url"], status=res.outcome, **base)
            return res.outcome
        if res.outcome not in ("ok", "unchanged"):  # network / 5xx after retries, other 4xx
            run.errors += 1
            attempts = (row["n_attempts"] or 0) + 1
            self.state.update_url(
                row["url"], status="error" if attempts < MAX_PAGE_ATTEMPTS else "failed", n_attempts=attempts, **base
            )
            return res.outcome
        content_type = res.headers.get("content-type", "")
        if content_type and content_type.split(";")[0].strip().lower() not in HTML_TYPES:
            run.skipped["not_html"] = run.skipped.get("not_html", 0) + 1
            self.state.update_url(row["url"], status="not_html", **{**base, "error": f"Content-Type {content_type}"})
            return "not_html"
        try:
            html = decode_page(res.body, content_type)
        except ValueError as exc:
            run.errors += 1
            self.state.update_url(row["url"], status="not_html", **{**base, "error": str(exc)})
            return "not_html"
        write_record(
            path,
            {
                "url": res.final_url,
                "html": html,
                "feed_title": row["listing_title"],
                "feed_date": row["listing_date"],
                "source_id": src.id,
                "listed_url": row["listed_url"],
                "fetched_at": now.isoformat(timespec="seconds") + "Z",
            },
        )
        run.new_pages += 1
        self.state.update_url(
            row["url"],
            status=FETCHED,
            inbox_path=str(path),
            body_sha256=res.body_sha256,
            etag=res.etag,
            last_modified=res.last_modified,
            next_fetch_at=None,
            **base,
        )
        return FETCHED


def collect(con, sources: list[Source], inbox_dir: Path, *, run_id: str, **kwargs) -> list[SourceRun]:
    return Collector(con, sources, inbox_dir, run_id=run_id, **kwargs).run()
