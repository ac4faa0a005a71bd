"""dbt models, seeds and tests as Dagster assets / asset checks (`dbt build`).

The dbt sources are the tables the Python assets write; the translator maps them onto those
asset keys so the graph reads raw_articles -> clean_articles -> extracted_reports -> dbt -> publish.
"""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration import config
from orchestration.defs.dbt_project import dbt_project, ensure_dbt_manifest
from orchestration.defs.resources import DUCKDB_POOL
from orchestration.utils.memory import release_memory
from orchestration.warehouse.dbt_state import (
    FORCE_BUILD_TAG,
    dbt_build_args,
    last_build_state,
    project_fingerprint,
    reason_to_skip,
    record_build_fingerprint,
    sources_fingerprint,
    warehouse_state_dir,
)
from orchestration.warehouse.publish_state import published_dbt_build

# (schema, table) of a dbt source -> the Python asset that writes it.
SOURCE_ASSET_KEYS: dict[tuple[str, str], str] = {
    ("raw", "articles"): "raw_articles",
    ("ops", "ingested_files"): "raw_articles",
    ("ops", "rejected_inputs"): "raw_articles",
    ("clean", "articles"): "clean_articles",
    ("extract", "event_reports"): "extracted_reports",
    ("extract", "report_victims"): "extracted_reports",
    ("ops", "extraction_log"): "extracted_reports",
}


def _is_mart(props: Mapping[str, Any]) -> bool:
    schema = (props.get("config") or {}).get("schema") or ""
    return props.get("resource_type") == "model" and ("marts" in props.get("fqn", []) or schema == "marts")


class PipelineDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        meta = dbt_resource_props.get("meta") or {}
        has_explicit_key = "asset_key" in (meta.get("dagster") or {})
        if dbt_resource_props.get("resource_type") == "source" and not has_explicit_key:
            table = dbt_resource_props.get("identifier") or dbt_resource_props.get("name")
            schema = dbt_resource_props.get("schema") or dbt_resource_props.get("source_name")
            for candidate in ((schema, table), (dbt_resource_props.get("source_name"), table)):
                if candidate in SOURCE_ASSET_KEYS:
                    return dg.AssetKey(SOURCE_ASSET_KEYS[candidate])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if _is_mart(dbt_resource_props):
            return "marts"
        if dbt_resource_props.get("resource_type") == "seed":
            return "lexicons"
        return "transform"


translator = PipelineDbtTranslator(
    settings=DagsterDbtTranslatorSettings(
        enable_asset_checks=True,
        # extract.event_reports and extract.report_victims are both written by extracted_reports.
        enable_duplicate_source_asset_keys=True,
    )
)


def load_manifest() -> tuple[Path, dict] | None:
    """(path, contents) of the dbt manifest, parsed first when missing or damaged; None while
    there is no dbt project."""
    path = ensure_dbt_manifest()
    if path is None:
        return None
    try:
        return path, json.loads(path.read_text(encoding="utf-8"))
    except ValueError:  # damaged (e.g. a parse killed mid-write): parsed again, like a missing one
        if ensure_dbt_manifest(reparse=True) is None:
            raise RuntimeError(
                f"{path} is damaged and `dbt parse` did not write it again: run `make parse` and read its errors"
            ) from None
        return path, json.loads(path.read_text(encoding="utf-8"))


def mart_asset_keys(manifest: dict | None) -> dict[str, dg.AssetKey]:
    """Model name -> asset key of every marts model, as the translator names them."""
    if manifest is None:
        return {}
    return {
        props["name"]: translator.get_asset_key(props)
        for props in manifest.get("nodes", {}).values()
        if _is_mart(props)
    }


def build_dbt_assets(manifest_path: Path | None, manifest: dict | None) -> list[dg.AssetsDefinition]:
    """The dbt_warehouse multi-asset (every seed, model and test) from load_manifest()."""
    if manifest is None:
        return []

    @dbt_assets(
        manifest=manifest_path,
        project=dbt_project,
        dagster_dbt_translator=translator,
        pool=DUCKDB_POOL,
    )
    def dbt_warehouse(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        # profiles.yml reads WAREHOUSE_PATH; hand dbt the same absolute path the Python assets use.
        warehouse = config.warehouse_path()
        os.environ["WAREHOUSE_PATH"] = str(warehouse)
        # stg_raw_articles publishes inbox paths relative to it (macros/inbox_relative_path.sql)
        os.environ["PIPELINE_INBOX_DIR"] = str(config.articles_dir())
        fingerprint = project_fingerprint()
        sources = sources_fingerprint(warehouse)
        state = last_build_state(warehouse)
        routine = context.selected_asset_keys == set(context.assets_def.keys)  # not a UI subset
        if routine and context.run.tags.get(FORCE_BUILD_TAG) != "always":
            why = reason_to_skip(state, fingerprint, sources, published_dbt_build(config.analyst_db_path()))
            if why:
                # nothing is materialised, so the mart checks and the publish are skipped too
                context.log.info(f"dbt build skipped: {why} (run tag {FORCE_BUILD_TAG}=always forces it)")
                return
        release_memory()  # what the stages and checks freed, before dbt's process joins this one
        args, mode = dbt_build_args(state, fingerprint, manifest)
        context.log.info(f"dbt project fingerprint {fingerprint[:12]}: {mode} build ({' '.join(args)})")
        state = warehouse_state_dir(warehouse)
        target = state / "target"
        target.mkdir(parents=True, exist_ok=True)
        os.environ["DBT_LOG_PATH"] = str(state / "logs")
        yield from dbt.cli(args, context=context, target_path=target).stream()
        # only reached when every node passed: a failed build is retried whole next run
        record_build_fingerprint(warehouse, fingerprint, mode, sources)

    return [dbt_warehouse]
