"""The record the publish step keeps beside the analyst copy (`<analyst db>.published.json`).

It says what the copy holds: the marts' fingerprint, the exports written with it, the row
counts, and the dbt build the marts came from (`ops.dbt_build_state.built_at`), which the dbt
step reads to know that the marts of its last build are already published.
"""

import json
from pathlib import Path


def state_path(analyst_path: Path) -> Path:
    return Path(analyst_path).with_name(Path(analyst_path).name + ".published.json")


def published_state(analyst_path: Path) -> dict:
    """The record, or {} when there is none (never published, or unreadable)."""
    try:
        return json.loads(state_path(analyst_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def published_dbt_build(analyst_path: Path) -> str | None:
    """ISO time of the dbt build whose marts the analyst copy holds, when the copy exists."""
    if not Path(analyst_path).exists():
        return None
    return published_state(analyst_path).get("dbt_build")
