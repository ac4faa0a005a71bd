"""Process set-up for the entry points: what no module does when it is merely imported.

The definitions loader (`orchestration.definitions`) and the command-line tools (`orchestration.cli`)
call `prepare_process()` once; the Makefile exports the same switches for the commands it runs.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from orchestration import compat

TEMPLATE = Path(__file__).resolve().parent / "dagster_home" / "dagster.yaml"
# The dbt of this environment, beside the interpreter (the venv is usually not activated).
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


def offline_environment() -> None:
    """No usage pings from dbt or GX: there is no network, and a ping that waits for its time-out
    slows every run. Values already set by the operator win."""
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def dbt_on_path() -> None:
    """The runs invoke dbt through `orchestration/bin/dbt-in-run`, which execs $PIPELINE_DBT; and
    dagster-dbt helpers that build their own CLI resource (DbtProject.prepare_if_dev under `dagster
    dev`) look for plain `dbt` on PATH, so the venv's bin directory goes first."""
    os.environ["PIPELINE_DBT"] = DBT_EXECUTABLE
    venv_bin = str(Path(sys.executable).parent)
    if venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")


def install_dagster_home_template() -> Path | None:
    """Gives a DAGSTER_HOME without dagster.yaml the shipped template (telemetry off, one run at a
    time, the pooled event log), so the webserver and daemon processes, which never import this
    code, read it too. A dagster.yaml that is already there is the operator's and is left alone.
    Returns the file written, if one was."""
    home = os.environ.get("DAGSTER_HOME", "").strip()
    if not home or not Path(home).is_dir():
        return None
    target = Path(home) / "dagster.yaml"
    if target.exists():
        return None
    try:
        shutil.copyfile(TEMPLATE, target)
    except OSError:  # a read-only home: this process is still covered
        return None
    return target


def prepare_process() -> dict[str, str]:
    """Everything above, and Dagster telemetry off in this process. Returns compat.problems()."""
    offline_environment()
    dbt_on_path()
    compat.disable_telemetry_in_process()
    install_dagster_home_template()
    return compat.problems()
