"""The resources every run gets: the DuckDB warehouse and the dbt CLI, both holding the run lock."""

from orchestration.defs.dbt_project import dbt_project
from orchestration.defs.resources.dbt import DBT_IN_RUN, LockedDbtCliResource
from orchestration.defs.resources.warehouse import DUCKDB_POOL, WarehouseResource

__all__ = ["DBT_IN_RUN", "DUCKDB_POOL", "LockedDbtCliResource", "WarehouseResource", "build_resources"]


def build_resources() -> dict:
    return {
        "warehouse": WarehouseResource(),
        "dbt": LockedDbtCliResource(project_dir=dbt_project, dbt_executable=DBT_IN_RUN),
    }
