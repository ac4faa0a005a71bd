"""analyst_copy: the marts published for analysts (orchestration.warehouse.publish does the work)."""

import dagster as dg

from orchestration import config
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.warehouse.publish import publish_marts


def upstream_keys(mart_keys: list[dg.AssetKey], dbt_assets: list[dg.AssetsDefinition]) -> list:
    """Every marts model; failing that (marts not written yet) every dbt asset, so the copy
    never runs before dbt; failing that (no dbt project) the last Python stage."""
    if mart_keys:
        return list(mart_keys)
    dbt_keys = [k for a in dbt_assets for k in a.keys]
    return dbt_keys or ["extracted_reports"]


def build_analyst_copy(deps: list) -> dg.AssetsDefinition:
    """The analyst_copy asset, after `deps` (upstream_keys())."""
    return dg.asset(
        name="analyst_copy",
        group_name="publish",
        pool=DUCKDB_POOL,
        deps=deps,
        kinds={"duckdb", "parquet"},
        description="Read-only copy of the marts for analysts (ANALYST_DB_PATH), swapped in atomically, "
        "plus Parquet of every mart, CSV/GeoJSON of fct_events and the ACLED- and UCDP-GED-format "
        "files (acled_format.csv/.parquet, ucdp_ged_format.csv) under EXPORTS_DIR.",
    )(analyst_copy)


def analyst_copy(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    # `warehouse` is required so this step holds the warehouse run lock even when it is
    # materialised on its own (it only reads the warehouse, through a read-only ATTACH).
    result = publish_marts(warehouse.resolved_path(), config.analyst_db_path(), config.exports_dir())
    if result["stale_temporaries_removed"]:
        context.log.warning(f"removed temporaries of an interrupted publish: {result['stale_temporaries_removed']}")
    if result["damaged_copy"]:
        context.log.warning(
            f"the published copy {result['analyst_db']} was damaged "
            f"({result['damaged_copy']}): rebuilt whole from the warehouse"
        )
    if result["unchanged"]:
        context.log.info(f"marts unchanged since the last publish: kept {result['analyst_db']} and its exports")
    else:
        context.log.info(f"published {result['analyst_db']}: {result['row_counts']}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(result["analyst_db"]),
            "exports_dir": dg.MetadataValue.path(str(config.exports_dir())),
            "row_counts": dg.MetadataValue.json(result["row_counts"]),
            "exports": dg.MetadataValue.json(result["exports"]),
            "unchanged_since_last_publish": result["unchanged"],
            "dagster/row_count": sum(result["row_counts"].values()),
        }
    )
