"""The dbt CLI resource: dagster-dbt's, holding the warehouse lock for the run (dbt writes it)."""

from __future__ import annotations

from pathlib import Path

from pydantic import PrivateAttr

from orchestration.compat import DbtCliBase
from orchestration.defs.resources.warehouse import RunLockMixin

# What the runs invoke: the environment's dbt (PIPELINE_DBT, see runtime.dbt_on_path) through a
# wrapper that makes it die with the run's process.
DBT_IN_RUN = str(Path(__file__).resolve().parents[2] / "bin" / "dbt-in-run")


class LockedDbtCliResource(RunLockMixin, DbtCliBase):
    """The dbt CLI, holding the warehouse lock for the run like WarehouseResource."""

    _locked_path: str | None = PrivateAttr(default=None)
