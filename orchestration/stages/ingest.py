"""The ingest stage: new inbox files -> raw.articles, ops.ingested_files, ops.rejected_inputs."""

from __future__ import annotations

import datetime as dt
from pathlib import PurePath

from orchestration.warehouse.tables import arrow_view, ensure_tables, insert_rows, transaction, write_stamp

RAW_COLUMNS = [
    "article_id",
    "source_path",
    "source_type",
    "source_line",
    "content_sha256",
    "text_fingerprint",
    "url",
    "title",
    "site",
    "published_meta",
    "raw_text",
]
FILE_COLUMNS = ["source_path", "content_sha256", "size_bytes", "status", "n_articles", "processed_at", "mtime_ns"]
REJECT_COLUMNS = ["source_path", "source_line", "reason", "detected_at"]


def _sql_value(v):
    return str(v) if isinstance(v, PurePath) else v


def _file_status(f, new_by_sha: dict[str, int]) -> str:
    """A file the reader ingested whose articles were all already in the warehouse is a duplicate."""
    if f.status == "ingested" and f.n_articles and not new_by_sha.get(f.content_sha256):
        return "duplicate"
    return f.status


def ingest_inbox(con, articles_dir) -> dict:
    """Scan the inbox and write what is new, all in one transaction, one slice of files at a
    time (memory stays flat however many files arrive). Returns counts."""
    from orchestration import inbox  # late: loading the code location does not load the reader

    ensure_tables(con)
    # content hashes (final word) + stat keys: files whose path/size/mtime are recorded are not read
    known = inbox.KnownInputs(
        (r[0] for r in con.execute("SELECT DISTINCT content_sha256 FROM ops.ingested_files").fetchall()),
        con.execute(
            "SELECT source_path, size_bytes, mtime_ns FROM ops.ingested_files "
            "WHERE mtime_ns IS NOT NULL AND NOT (status = 'rejected' AND source_path IN "
            # recorded by earlier versions with a stat key: must be looked at again when
            # MAX_INPUT_BYTES changes
            "(SELECT source_path FROM ops.rejected_inputs WHERE reason LIKE 'file too large%'))"
        ).fetchall(),
    )
    seen_ids = {r[0] for r in con.execute("SELECT article_id FROM raw.articles").fetchall()}
    seen_fps = {
        r[0]
        for r in con.execute("SELECT text_fingerprint FROM raw.articles WHERE text_fingerprint IS NOT NULL").fetchall()
    }
    now = write_stamp(con, "raw.articles", "ingested_at")
    stats = {
        "new_articles": 0,
        "updated_articles": 0,
        "duplicates": 0,
        "rejects": [],
        "files_scanned": 0,
        "duplicate_files": 0,
        "skipped_temporary": 0,
        "still_being_written": [],
        "unchanged_files": 0,
        "scan_mode": "sequential",
    }
    with transaction(con):
        for batch in inbox.iter_inbox(articles_dir, known):
            _write_slice(con, batch, seen_ids, seen_fps, now, stats)
    stats["total_articles"] = con.execute("SELECT count(*) FROM raw.articles").fetchone()[0]
    return stats


# Rows of a file's earlier version that its new version replaces (the article-level quarantine
# of extraction is about the article, which may be kept, and stays).
_ARTICLE_REJECTS = ("extraction failed%", "write failed%")


def _delete_articles(con, ids: list[str]) -> None:
    """Remove articles and everything derived from them (a new version of their file replaces them)."""
    with arrow_view(con, "_superseded", ["article_id"], [[i] for i in ids]) as gone:
        con.execute(
            "DELETE FROM extract.report_victims WHERE report_id IN (SELECT report_id FROM "
            f"extract.event_reports WHERE article_id IN (SELECT article_id FROM {gone}))"
        )
        for table in ("extract.event_reports", "ops.extraction_log", "clean.articles", "raw.articles"):
            con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM {gone})")


def _write_slice(con, batch, seen_ids: set, seen_fps: set, now: dt.datetime, stats: dict) -> None:
    # Articles already stored from the files of this slice: a file read again has a new version.
    paths = sorted({str(f.source_path) for f in batch.files})
    stored: dict[str, tuple] = {}  # article_id -> (source_path, source_line, fingerprint)
    if paths:
        with arrow_view(con, "_slice_paths", ["source_path"], [[p] for p in paths]) as view:
            stored = {
                aid: (sp, line, fp)
                for aid, sp, line, fp in con.execute(
                    "SELECT article_id, source_path, source_line, text_fingerprint FROM raw.articles "
                    f"SEMI JOIN {view} USING (source_path)"
                ).fetchall()
            }
    per_path = {}
    for a in batch.articles:
        per_path[str(a.source_path)] = per_path.get(str(a.source_path), 0) + 1

    new_rows, superseded, n_updates = [], set(), 0
    for a in batch.articles:
        sp = str(a.source_path)
        old = stored.get(a.article_id)
        if old is not None and old[0] == sp and old[2] != a.text_fingerprint:
            superseded.add(a.article_id)  # same article (same URL), edited in place: an update
            n_updates += 1
        elif a.article_id in seen_ids or (a.text_fingerprint and a.text_fingerprint in seen_fps):
            stats["duplicates"] += 1
            continue
        elif a.source_line is None and per_path[sp] == 1:
            # a one-article file read again (an edited .txt has no URL, so a new id): its new
            # text replaces the article its earlier version gave, never stands beside it
            previous = [aid for aid, (p, line, _) in stored.items() if p == sp and line is None]
            superseded.update(previous)
            n_updates += bool(previous)
        seen_ids.add(a.article_id)
        if a.text_fingerprint:
            seen_fps.add(a.text_fingerprint)
        new_rows.append([_sql_value(getattr(a, c)) for c in RAW_COLUMNS] + [now])
    if superseded:
        _delete_articles(con, sorted(superseded))
        for aid in superseded:
            seen_fps.discard(stored[aid][2])
    if paths:
        # one row per inbox file: its latest version, with that version's rejects
        with arrow_view(con, "_slice_paths", ["source_path"], [[p] for p in paths]) as view:
            con.execute(f"DELETE FROM ops.ingested_files WHERE source_path IN (SELECT source_path FROM {view})")
            con.execute(
                f"DELETE FROM ops.rejected_inputs WHERE source_path IN (SELECT source_path FROM {view}) "
                + "".join(f"AND reason NOT LIKE '{r}' " for r in _ARTICLE_REJECTS)
            )

    new_by_sha: dict[str, int] = {}
    for row in new_rows:
        sha = row[RAW_COLUMNS.index("content_sha256")]
        new_by_sha[sha] = new_by_sha.get(sha, 0) + 1

    insert_rows(con, "raw.articles", [*RAW_COLUMNS, "ingested_at"], new_rows)
    insert_rows(
        con,
        "ops.ingested_files",
        FILE_COLUMNS,
        [
            [
                str(f.source_path),
                f.content_sha256,
                f.size_bytes,
                _file_status(f, new_by_sha),
                f.n_articles,
                now,
                getattr(f, "mtime_ns", None),
            ]
            for f in batch.files
        ],
    )
    # a recorded file touched without a content change: record its new stat key so the next
    # scan skips it again (a copy under a new name has no row and is hashed on each scan)
    refreshed = [
        [f.mtime_ns, str(f.source_path), f.content_sha256]
        for f in getattr(batch, "refreshed", []) or []
        if f.mtime_ns is not None
    ]
    if refreshed:
        with arrow_view(con, "_refreshed", ["mtime_ns", "source_path", "content_sha256"], refreshed) as view:
            con.execute(
                f"UPDATE ops.ingested_files f SET mtime_ns = r.mtime_ns FROM {view} r "
                "WHERE f.source_path = r.source_path AND f.content_sha256 = r.content_sha256"
            )
    insert_rows(
        con,
        "ops.rejected_inputs",
        REJECT_COLUMNS,
        [[str(r.source_path), r.source_line, r.reason, now] for r in batch.rejects],
    )
    stats["new_articles"] += len(new_rows) - n_updates
    stats["updated_articles"] += n_updates
    stats["rejects"] += [(str(r.source_path), r.source_line, r.reason) for r in batch.rejects]
    stats["files_scanned"] += len(batch.files)
    stats["duplicate_files"] += sum(1 for f in batch.files if _file_status(f, new_by_sha) == "duplicate")
    skipped = getattr(batch, "skipped", []) or []
    still_written = [str(f.source_path) for f in skipped if f.reason.startswith("still being written")]
    stats["still_being_written"] += still_written
    stats["skipped_temporary"] += len(skipped) - len(still_written)
    stats["unchanged_files"] += getattr(batch, "n_unchanged", 0)
    stats["scan_mode"] = getattr(batch, "mode", "sequential")
