"""The inbox directory walk: sorted, symlinks judged not followed, temporary and hidden files ignored."""

from __future__ import annotations

import os
from pathlib import Path

TEMP_SUFFIXES = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp", "~")

HIDDEN_NAMES = {"thumbs.db", "desktop.ini"}

BAD_NAME_REASON = "file name is not valid UTF-8 (rename the file; it was not read)"


def _is_utf8(path: str) -> bool:
    """False for a name with bytes that are not UTF-8 (Python keeps them as lone surrogates)."""
    try:
        path.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def readable_path(path: str) -> str:
    """The path with bytes that are not UTF-8 written as \\xNN escapes (for rows and messages)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_ignored_name(name: str) -> str | None:
    low = name.lower()
    if name.startswith("."):
        return "hidden file"
    if low in HIDDEN_NAMES:
        return "hidden file"
    if name.startswith("~$") or low.endswith(TEMP_SUFFIXES):
        return "temporary file"
    return None


# walking
def _walk(root: Path):
    """Yield (path_as_given, kind, detail) in sorted relative-path order.

    kind: 'file' (regular file or in-inbox symlink to one), 'ignored', 'symlink_outside',
    'symlink_dir', 'broken_symlink', 'special'.
    """
    root_real = os.path.realpath(root)

    def inside(target: str) -> bool:
        try:
            return os.path.commonpath([root_real, target]) == root_real
        except ValueError:
            return False

    def rec(dirpath: Path):
        try:
            entries = sorted(os.scandir(dirpath), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            path = dirpath / entry.name
            why = _is_ignored_name(entry.name)
            if why:
                yield path, "ignored", why
                continue
            if entry.is_symlink():
                target = os.path.realpath(path)
                if not inside(target):
                    yield path, "symlink_outside", target
                elif not os.path.exists(target):
                    yield path, "broken_symlink", target
                elif os.path.isdir(target):
                    yield path, "symlink_dir", target
                elif os.path.isfile(target):
                    yield path, "file", target
                else:
                    yield path, "special", target
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    yield from rec(path)
                elif entry.is_file(follow_symlinks=False):
                    yield path, "file", str(path)
                else:
                    yield path, "special", str(path)
            except OSError:
                yield path, "special", str(path)

    # deterministic: entries sorted by name within each directory, depth-first
    yield from rec(Path(root))


def list_inbox_files(articles_dir: Path | str) -> list[Path]:
    """Files the ingest would read (same skipping rules): what the sensor watches.

    Hidden/temporary files are not listed; neither are symlinks pointing outside the inbox,
    to directories, or dangling (so a sensor never stats/reads outside the inbox). Those are
    still rejected by scan_inbox on the next run.
    """
    root = Path(articles_dir)
    if not root.is_dir():
        return []
    return [path for path, kind, _ in _walk(root) if kind == "file"]
