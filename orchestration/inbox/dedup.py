"""What is already known (file digests, unchanged files) and in-inbox dedup: first in walk order wins."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from orchestration.inbox.records import FileOutcome, InboxBatch, RejectedInput, SkippedFile


def _pseudo_sha(*parts: bytes) -> str:
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


class KnownInputs(set):
    """Content hashes already recorded (a set of sha256), plus `files`: the recorded
    (source_path, size_bytes, mtime_ns) stat keys. Lets callers pass both through the one
    `known_sha256` argument of `scan_inbox`."""

    def __init__(self, sha256s=(), files=()):
        super().__init__(sha256s)
        self.files = set(files)


def _setting_sha(sha: str, limit: int, max_chars: int) -> str:
    """The digest recorded for a file rejected (wholly or in part) because of a size setting: it
    names the settings, so a run with other settings reads the file again."""
    return _pseudo_sha(b"setting-dependent", sha.encode(), str(limit).encode(), str(max_chars).encode())


def _merge_file(sp: str, res: _FileResult, batch: InboxBatch, seen_ids: set[str], seen_fps: set[str]) -> None:
    """Phase 2 for one file, in walk order: in-batch dedup (first wins), status, rejects."""
    if res.deferred:
        batch.skipped.append(SkippedFile(sp, "still being written (read on the next run)"))
        return
    if res.sha is None:
        if res.known_stat is not None:
            sha, size, mtime = res.known_stat
            batch.refreshed.append(FileOutcome(sp, sha, size, "known", 0, mtime))
        return
    if res.reject is not None:
        batch.rejects.append(RejectedInput(sp, None, res.reject))
        batch.files.append(FileOutcome(sp, res.sha, res.size, "rejected", 0, res.mtime_ns))
        return
    n_new = n_dup = n_bad = 0
    for line, rec in res.records:
        if isinstance(rec, str):
            n_bad += 1
            batch.rejects.append(RejectedInput(sp, line, rec))
            continue
        if rec.article_id in seen_ids or rec.text_fingerprint in seen_fps:
            n_dup += 1
            continue
        seen_ids.add(rec.article_id)
        seen_fps.add(rec.text_fingerprint)
        n_new += 1
        batch.articles.append(rec)
    if res.tail_reject is not None:
        batch.rejects.append(RejectedInput(sp, None, res.tail_reject))
        n_bad += 1
    if n_bad and (n_new or n_dup):
        status = "partial"
    elif n_bad:
        status = "rejected"
    elif n_new:
        status = "ingested"
    else:
        status = "duplicate"
    batch.files.append(FileOutcome(sp, res.sha, res.size, status, n_new, res.mtime_ns))


@dataclass
class _FileResult:
    """Outcome of phase 1 for one regular file (no dedup applied yet)."""

    sha: str | None = None  # None: content already known -> no outcome
    size: int = 0
    mtime_ns: int | None = None
    reject: str | None = None  # whole-file reject reason
    records: list = field(default_factory=list)  # [(line, ArticleRecord | reject reason str)]
    tail_reject: str | None = None  # a reject raised mid-file after some records
    deferred: bool = False  # still being written: not read, no outcome
    known_stat: tuple | None = None  # sha known but new stat: (sha, size, mtime_ns)
