"""Dagster telemetry off, whatever DAGSTER_HOME the pipeline runs under.

Dagster reads its telemetry switch from $DAGSTER_HOME/dagster.yaml only, and defaults to on. The
shipped template (orchestration/dagster_home/dagster.yaml, copied by make) turns it off, but a
bare DAGSTER_HOME folder (a headless cron recipe) has no file. Loading the code location:
- turns it off in this process (every entry point loads orchestration.definitions);
- gives a DAGSTER_HOME without dagster.yaml the shipped template, so the webserver and daemon
  processes (which never import this code) read it off too. A dagster.yaml that is already there
  is the operator's and is left as it is.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg

TEMPLATE = Path(__file__).resolve().parent / "dagster_home" / "dagster.yaml"


def disable_dagster_telemetry() -> Path | None:
    """Returns the dagster.yaml written into DAGSTER_HOME, if one was."""
    dg.DagsterInstance.telemetry_enabled = property(lambda self: False)
    home = os.environ.get("DAGSTER_HOME", "").strip()
    if not home or not Path(home).is_dir():
        return None
    target = Path(home) / "dagster.yaml"
    if target.exists():
        return None
    try:
        shutil.copyfile(TEMPLATE, target)
    except OSError:       # a read-only home: this process is still covered
        return None
    return target
