"""Inbox reader: turns a folder of news files into article records, rejects and per-file outcomes.

Why one module of this size: the guarantees below (one outcome per file, first in walk order
wins, nothing read twice) are kept by the walk and the merge together, which are this module.

The walk and the merge run here; each file is read (decoded, parsed, cut into records) on the
worker pool or in this process. The ingest stage calls `iter_inbox(articles_dir, known_sha256)`
and writes the lists to raw.articles, ops.rejected_inputs and ops.ingested_files.

Guarantees (trusted ingestion):
- Every regular file under the inbox whose sha256 is not already known gets exactly one
  FileOutcome ('ingested' | 'partial' | 'duplicate' | 'rejected'). Each rejected file has one
  RejectedInput (source_line NULL); each bad JSONL line has one RejectedInput with its 1-based line
  number; bad records of a JSON list are rejected with "record N: ..." in the reason.
- A failure inside one file (parser error, trafilatura crash, unreadable file) becomes a reject
  for that file; the batch never crashes.
- Hostile text (SQL, Jinja, <script> in plain text or JSON text) is kept literally: nothing here
  evaluates or templates it.

Behaviours decided (see the report in the commit history / tests/inbox/test_inbox.py):
- Walk: recursive, sorted by relative POSIX path, directory symlinks never followed.
- Hidden and temporary files ('.DS_Store', '.*', '*.part', '*.tmp', '*.crdownload', '*~', '~$*',
  'Thumbs.db', 'desktop.ini') and hidden directories are IGNORED: no FileOutcome, no reject row,
  not hashed, not listed by list_inbox_files. They are reported in InboxBatch.skipped (for logs).
  Reason: a partial download renamed to its final name has the same bytes; recording its sha256 as
  "seen" would make the finished file look already ingested, and a growing '.part' would spam
  ops.rejected_inputs on every run.
- Symlinks: a link whose resolved target is outside the inbox is rejected "symlink outside inbox"
  without touching the target; a link to a directory is rejected "symlink to directory (not
  followed)"; a dangling link "broken symlink"; a link to a file inside the inbox is read like a
  file (its articles then dedup against the target's). Their content_sha256 is a pseudo digest
  of the link path + link text (the target is not read), so re-scans do not re-reject them.
- Size: files over `max_bytes` (default env MAX_INPUT_BYTES or 20_000_000) are rejected
  "file too large (N bytes > LIMIT)" after reading at most 64 KiB; their content_sha256 is a pseudo
  digest sha256("oversize", size, first 64 KiB) so the next scan skips them too.
- HTML bigger than `max_html_chars` (default env MAX_HTML_CHARS or 1_000_000 characters) is first
  stripped of <script>/<style>/<svg>/comments (JSON-LD kept), then cut at the last tag boundary
  before the limit; lxml recovers the truncated tree. trafilatura's full mode is quadratic in the
  number of elements, so pages with more than FULL_MODE_MAX_ELEMENTS (3,000) elements use its
  fast mode (no readability/justext fallback), and pages with more than MAX_HTML_ELEMENTS (40,000)
  lose inline formatting tags and are cut further. Worst case is a few seconds per page.
- Encodings: BOM (UTF-8, UTF-16 LE/BE, UTF-32) > strict UTF-8 > the HTML meta charset >
  windows-1256 (only if the result is plausibly Arabic) > windows-1252 (plausible Latin text) >
  reject "binary content". Strict-valid UTF-8 wins over a meta charset because Arabic
  windows-1256 bytes practically never form valid UTF-8, while mislabelled UTF-8 pages are common.
  CRLF/CR become LF; NUL and other C0 control characters (except tab/newline) are removed.
- published_meta: html -> only structured metadata (meta tags such as article:published_time,
  JSON-LD datePublished, itemprop=datePublished, <time pubdate>); json -> the `date` field (or the
  embedded html's metadata). Kept only if a real date between 1990-01-01 and today + 1 day
  (one day of tolerance for time zones ahead of the server). Never guessed from body text.
- article_id: 'a_' + sha256(canonical url)[:16] when the url is an article url, else
  'a_' + text_fingerprint[:16]. A url with an empty path and no query (a site home page, a frequent
  wrong canonical) is stored but not used as identity.
- Duplicates inside a batch (same article_id or same text_fingerprint): first in walk order wins.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from orchestration.config import env_number
from orchestration.inbox.dedup import _FileResult, _merge_file, _pseudo_sha, _setting_sha
from orchestration.inbox.formats import HTML_EXT, SUPPORTED_EXT, _read_records
from orchestration.inbox.limits import DEFAULT_MAX_ARTICLE_CHARS, max_article_chars, max_input_bytes, settle_seconds
from orchestration.inbox.records import (
    ArticleRecord,
    FileOutcome,
    InboxBatch,
    Rejected,
    RejectedInput,
    SkippedFile,
    make_article_id,
    text_fingerprint,
)
from orchestration.inbox.walk import BAD_NAME_REASON, _is_utf8, _walk, readable_path
from orchestration.utils.workers import WorkerPool

_OVERSIZE_HEAD = 64 * 1024


# the batch
#
# Two phases so the expensive part can run on several cores with the same result:
# 1. per file, independent of every other file (read, hash, decode, trafilatura, fingerprint):
#    `_read_file` -> `_FileResult`; run in-process for small batches, in a "spawn" process pool
#    for big ones (`_pool_threshold()`);
# 2. in the parent, in walk order: in-batch dedup (first in walk order wins), statuses, rejects
#    (`_merge_file`). Phase 2 alone decides ids/dedup/outcomes, so pooled == sequential.
#
# Incremental: a file whose (source_path, size_bytes, mtime_ns) is in `known_files` is skipped
# after one stat, without being opened; any change of size or mtime (a rewrite under the same
# name) makes it read again, and the content hash (`known_sha256`) stays the final word.
# Above this many files to read, per-file work goes to a process pool (2 cores on our
# machines); below it, spawning interpreters costs more than it saves.
# INBOX_PARALLEL_THRESHOLD / INBOX_WORKERS override (tests, benchmarks).
PARALLEL_THRESHOLD = 50

N_WORKERS = 2

MAX_CHUNK = 16


# Files per slice of `iter_inbox`: the ingest step holds one slice of article texts at a time.
BATCH_FILES = 2000


# A file modified less than this long before the scan may still change within the same mtime
# tick without changing size ("racy" timestamps, cf. git): its mtime is not recorded, so the
# next scan hashes it again instead of trusting the stat.
RACY_MTIME_NS = 2_000_000_000


def _threshold() -> int:
    return env_number("INBOX_PARALLEL_THRESHOLD", PARALLEL_THRESHOLD)


def _n_workers() -> int:
    n = env_number("INBOX_WORKERS", N_WORKERS)
    if "INBOX_WORKERS" in os.environ:
        return max(1, n)
    return max(1, min(n, os.cpu_count() or 1))


def scan_inbox(
    articles_dir: Path | str,
    known_sha256: set[str] | frozenset[str] = frozenset(),
    *,
    known_files=None,
    max_bytes: int | None = None,
    html_limit: int | None = None,
    today: date | None = None,
    parallel: bool | None = None,
) -> InboxBatch:
    """Read every new inbox file into articles, rejects and file outcomes (never raises per file).

    known_files: (source_path, size_bytes, mtime_ns) of files already recorded (or pass a
    `KnownInputs` as known_sha256); such files are skipped without being read.
    parallel: None = process pool when more than INBOX_PARALLEL_THRESHOLD files must be read;
    True/False force it (tests).
    """
    whole = InboxBatch()
    for part in iter_inbox(
        articles_dir,
        known_sha256,
        known_files=known_files,
        max_bytes=max_bytes,
        html_limit=html_limit,
        today=today,
        parallel=parallel,
        batch_files=None,
    ):
        for name in ("articles", "rejects", "files", "skipped", "refreshed"):
            getattr(whole, name).extend(getattr(part, name))
        whole.n_unchanged += part.n_unchanged
        whole.mode = part.mode
    return whole


def iter_inbox(
    articles_dir: Path | str,
    known_sha256: set[str] | frozenset[str] = frozenset(),
    *,
    known_files=None,
    max_bytes: int | None = None,
    html_limit: int | None = None,
    today: date | None = None,
    parallel: bool | None = None,
    batch_files: int | None = BATCH_FILES,
) -> Iterator[InboxBatch]:
    """`scan_inbox` in slices of `batch_files` files (walk order; None: one slice), so a caller
    holds one slice of article texts at a time however large the inbox. Each yielded batch has
    the outcomes of its own files; the first also the skipped files and the unchanged count.
    In-inbox dedup (first wins) spans the slices; the reader pool is started once."""
    root = Path(articles_dir)
    limit = max_bytes if max_bytes is not None else max_input_bytes()
    if known_files is None:
        known_files = getattr(known_sha256, "files", None)
    stat_keys = {(str(p), int(s), int(m)) for p, s, m in (known_files or ()) if m is not None}
    known = set(known_sha256 or ())
    head = InboxBatch()
    if not root.is_dir():
        yield head
        return
    scan_start_ns = time.time_ns()

    # phase 0 (parent): walk in sorted order, cheap outcomes, stat-skip; the rest is a task
    plan: list = []  # walk order: FileOutcome/RejectedInput pairs or task indexes
    tasks: list[tuple[str, str, str]] = []
    for path, kind, detail in _walk(root):
        sp = str(path)
        if kind != "ignored" and not _is_utf8(sp):
            # Not storable as text (and not safely printable): rejected under an escaped, readable
            # name; its pseudo digest (of the raw name) keeps the next scans from rejecting it again.
            shown = readable_path(sp)
            sha = _pseudo_sha(b"bad-name", sp.encode("utf-8", "surrogateescape"))
            if sha not in known:
                plan.append((RejectedInput(shown, None, BAD_NAME_REASON), FileOutcome(shown, sha, 0, "rejected", 0)))
            continue
        if kind == "ignored":
            head.skipped.append(SkippedFile(sp, f"temporary/hidden file ({detail})"))
            continue
        if kind != "file":
            reason = {
                "symlink_outside": "symlink outside inbox",
                "symlink_dir": "symlink to directory (not followed)",
                "broken_symlink": "broken symlink",
                "special": "not a regular file",
            }[kind]
            try:
                link = os.readlink(path).encode("utf-8", "surrogateescape") if path.is_symlink() else b""
            except OSError:
                link = b""
            sha = _pseudo_sha(b"not-read", kind.encode(), sp.encode("utf-8", "surrogateescape"), link)
            if sha in known:
                continue
            plan.append((RejectedInput(sp, None, reason), FileOutcome(sp, sha, 0, "rejected", 0)))
            continue
        if stat_keys:
            try:
                st = os.stat(detail)
                if (sp, st.st_size, st.st_mtime_ns) in stat_keys:
                    head.n_unchanged += 1
                    continue
            except OSError:
                pass  # the reader turns it into an "unreadable file" reject
        plan.append(len(tasks))
        tasks.append((sp, detail, path.suffix.lower()))

    # phase 1 (sequential or pooled, results in task order) and phase 2 (parent: merge in walk
    # order), one slice of the plan at a time
    use_pool = parallel if parallel is not None else len(tasks) > _threshold()
    ctx = (limit, today, html_limit, known, scan_start_ns, max_article_chars(), int(settle_seconds() * 1e9))
    seen_ids: set[str] = set()
    seen_fps: set[str] = set()
    size = batch_files or max(1, len(plan))
    with WorkerPool(
        len(tasks),
        threshold=0,
        use_pool=use_pool and bool(tasks),
        n_workers=_n_workers(),
        initializer=_init_worker,
        initargs=(ctx,),
    ) as read:
        for start in range(0, max(1, len(plan)), size):
            part = head if start == 0 else InboxBatch()
            items = plan[start : start + size]
            task_ids = [i for i in items if not isinstance(i, tuple)]
            results = dict(
                zip(
                    task_ids,
                    read.map(_read_chunk, [tasks[i] for i in task_ids], _chunk_size(len(task_ids), read.n_workers)),
                )
            )
            for item in items:
                if isinstance(item, tuple):
                    part.rejects.append(item[0])
                    part.files.append(item[1])
                    continue
                _merge_file(tasks[item][0], results[item], part, seen_ids, seen_fps)
            part.mode = read.mode
            yield part


_WORKER_CTX: tuple | None = None


def _init_worker(ctx: tuple) -> None:
    global _WORKER_CTX
    _WORKER_CTX = ctx


def _chunk_size(n_tasks: int, n_workers: int) -> int:
    """About four chunks per worker, at most MAX_CHUNK files each: one slow file holds up little."""
    return max(1, min(MAX_CHUNK, -(-n_tasks // (max(1, n_workers) * 4))))


def _read_chunk(chunk: list) -> list[_FileResult]:
    return [_read_file(t, _WORKER_CTX) for t in chunk]


def _read_file(task: tuple, ctx: tuple) -> _FileResult:
    """Phase 1 for one file; never raises (any failure is a reject of this file)."""
    sp, real, ext = task
    limit, today, html_limit, known, scan_start_ns, max_chars, settle_ns = ctx
    try:
        return _read_file_inner(sp, real, ext, limit, today, html_limit, known, scan_start_ns, max_chars, settle_ns)
    except Exception as exc:  # noqa: BLE001 - one broken file must never stop the batch
        sha = _pseudo_sha(b"unreadable", sp.encode("utf-8", "surrogateescape"))
        if sha in known:
            return _FileResult()
        return _FileResult(sha=sha, reject=f"internal error ({type(exc).__name__}: {exc})")


def _settled(real: str, settle_ns: int) -> os.stat_result | None:
    """The file's stat once it has not changed for `settle_ns` (waiting out the rest of that
    interval if it was modified more recently), or None when it changed meanwhile."""
    st = os.stat(real)
    wait_ns = min(settle_ns, st.st_mtime_ns + settle_ns - time.time_ns())
    if wait_ns <= 0:
        return st
    time.sleep(wait_ns / 1e9)
    again = os.stat(real)
    return st if (again.st_size, again.st_mtime_ns) == (st.st_size, st.st_mtime_ns) else None


def _read_file_inner(
    sp: str,
    real: str,
    ext: str,
    limit: int,
    today: date | None,
    html_limit: int | None,
    known: set[str],
    scan_start_ns: int,
    max_chars: int = DEFAULT_MAX_ARTICLE_CHARS,
    settle_ns: int = 0,
) -> _FileResult:
    # read at most limit+1 bytes (a growing file cannot push us past the limit)
    try:
        st = _settled(real, settle_ns)
        if st is None:
            return _FileResult(deferred=True)
        if not stat.S_ISREG(st.st_mode):
            sha = _pseudo_sha(b"not-read", b"special", sp.encode("utf-8", "surrogateescape"))
            return _FileResult() if sha in known else _FileResult(sha=sha, reject="not a regular file")
        with open(real, "rb") as fh:
            if st.st_size > limit:
                head = fh.read(_OVERSIZE_HEAD)
                size = st.st_size
                data = None
            else:
                data = fh.read(limit + 1)
                size = len(data)
                if size > limit:
                    head, data = data[:_OVERSIZE_HEAD], None
    except OSError as exc:
        sha = _pseudo_sha(b"unreadable", sp.encode("utf-8", "surrogateescape"))
        if sha in known:
            return _FileResult()
        return _FileResult(sha=sha, reject=f"unreadable file ({type(exc).__name__}: {exc.strerror or exc})")
    try:
        after = os.stat(real)
    except OSError:
        after = None
    if after is None or (after.st_size, after.st_mtime_ns) != (st.st_size, st.st_mtime_ns):
        return _FileResult(deferred=True)  # changed while we read it: next run
    # the stat key recorded for the next scan: only if the file was stable while we read it
    mtime = st.st_mtime_ns
    if size != st.st_size or mtime > scan_start_ns - RACY_MTIME_NS:
        mtime = None

    if data is None:
        # depends on MAX_INPUT_BYTES: no stat key (the 64 KiB head is read again on each scan) and
        # a digest naming the limit, so a run with a higher limit reads the whole file
        sha = _setting_sha(_pseudo_sha(b"oversize", str(size).encode(), head), limit, max_chars)
        if sha in known:
            return _FileResult()
        return _FileResult(sha=sha, size=size, reject=f"file too large ({size} bytes > {limit}, MAX_INPUT_BYTES)")

    sha = hashlib.sha256(data).hexdigest()
    if sha in known:
        return _FileResult(known_stat=(sha, size, mtime))
    res = _FileResult(sha=sha, size=size, mtime_ns=mtime)
    if ext not in SUPPORTED_EXT:
        res.reject = f"unsupported file type {ext}" if ext else "unsupported file type (no extension)"
        return res
    if not data.strip():
        res.reject = "empty file"
        return res
    kind = "html" if ext in HTML_EXT else ext[1:]
    records: list = []
    try:
        for line, rec in _read_records(kind, data, today, html_limit):
            if isinstance(rec, Rejected):
                records.append((line, str(rec)))
                continue
            if len(rec["text"]) > max_chars:
                records.append(
                    (line, f"article text too long ({len(rec['text'])} characters > {max_chars}, MAX_ARTICLE_CHARS)")
                )
                continue
            fp = text_fingerprint(rec["text"])
            records.append(
                (
                    line,
                    ArticleRecord(
                        article_id=make_article_id(rec["url"], fp),
                        source_path=sp,
                        source_type=kind,
                        source_line=line if kind == "jsonl" else None,
                        content_sha256=sha,
                        text_fingerprint=fp,
                        url=rec["url"],
                        title=rec["title"],
                        site=rec["site"],
                        published_meta=rec["published"],
                        raw_text=rec["text"],
                    ),
                )
            )
    except Rejected as rej:
        if records:  # a reject raised mid-file after some records: keep accounting
            res.tail_reject = str(rej)
        else:
            res.reject = str(rej)
            return res
    except Exception as exc:  # noqa: BLE001 - one broken file must never stop the batch
        res.reject = f"internal error ({type(exc).__name__}: {exc})"
        return res
    if not records:
        res.reject = "no records"
        return res
    if any(isinstance(rec, str) and rec.startswith("article text too long") for _, rec in records):
        res.sha, res.mtime_ns = _setting_sha(sha, limit, max_chars), None
        if res.sha in known:
            return _FileResult()
    res.records = records
    return res
