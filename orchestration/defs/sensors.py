"""Inbox sensor: request a pipeline run when the set of inbox files changes.

The cursor is a hash of the sorted (path, size, mtime_ns) triples of the files that
inbox.list_inbox_files() reports (same skipping rules as the ingest). The run_key is that hash,
so a change that reverts to an already-seen state does not queue a second identical run.
A deleted file also changes the state; the run then simply finds nothing new.

The runs it requests leave collection out (every asset but collected_pages): the inbox changed,
so there is something to ingest, and when the change is pages that a collection just wrote,
collecting again at once would only poll every feed a second time.
"""

import hashlib
import os
from pathlib import Path

import dagster as dg

from orchestration import config
from orchestration.defs.jobs import daily_pipeline

COLLECTION_KEY = dg.AssetKey("collected_pages")


def assets_after_collection(context) -> list[dg.AssetKey] | None:
    """Every materialisable asset of the code location except collected_pages (None: the whole job)."""
    try:
        graph = context.repository_def.asset_graph
    except Exception:  # noqa: BLE001 - a context built without definitions
        return None
    return sorted(
        (k for k in graph.get_all_asset_keys() if k != COLLECTION_KEY and graph.get(k).is_materializable),
        key=lambda k: k.to_user_string(),
    )


def inbox_state(articles_dir: Path) -> tuple[str, int]:
    """(digest of the inbox file set, number of files)."""
    from orchestration import inbox  # late: loading the code location does not load the reader

    entries = []
    for p in inbox.list_inbox_files(articles_dir):
        try:
            st = os.stat(p)
        except OSError:  # vanished between listing and stat
            continue
        entries.append(f"{p}\t{st.st_size}\t{st.st_mtime_ns}")
    entries.sort()
    # surrogateescape: a file name that is not UTF-8 is still a change to watch (the run rejects it)
    return hashlib.sha256("\n".join(entries).encode("utf-8", "surrogateescape")).hexdigest(), len(entries)


@dg.sensor(
    name="inbox_sensor",
    job=daily_pipeline,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Runs daily_pipeline (without collection) when files are added to, changed in or removed "
    "from ARTICLES_DIR.",
)
def inbox_sensor(context: dg.SensorEvaluationContext):
    articles_dir = config.existing_articles_dir()  # a missing inbox fails the tick, naming it
    digest, n_files = inbox_state(articles_dir)
    if digest == context.cursor:
        return dg.SkipReason(f"no change in {articles_dir} ({n_files} files)")
    context.update_cursor(digest)
    if n_files == 0:
        return dg.SkipReason(f"{articles_dir} is empty")
    return dg.RunRequest(
        run_key=f"inbox-{digest[:16]}",
        tags={"inbox_files": str(n_files)},
        asset_selection=assets_after_collection(context),
    )
