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
from orchestration.resources import DUCKDB_POOL, dbt_project, ensure_dbt_manifest

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


translator = PipelineDbtTranslator(settings=DagsterDbtTranslatorSettings(
    enable_asset_checks=True,
    # extract.event_reports and extract.report_victims are both written by extracted_reports.
    enable_duplicate_source_asset_keys=True,
))

MANIFEST_PATH: Path | None = ensure_dbt_manifest()


def _load_manifest() -> dict | None:
    if MANIFEST_PATH is None:
        return None
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


MANIFEST = _load_manifest()


def mart_asset_keys() -> dict[str, dg.AssetKey]:
    """Model name -> asset key of every marts model, as the translator names them."""
    if MANIFEST is None:
        return {}
    return {
        props["name"]: translator.get_asset_key(props)
        for props in MANIFEST.get("nodes", {}).values()
        if _is_mart(props)
    }


def build_dbt_assets() -> list[dg.AssetsDefinition]:
    if MANIFEST is None:
        return []

    @dbt_assets(
        manifest=MANIFEST_PATH,
        project=dbt_project,
        dagster_dbt_translator=translator,
        pool=DUCKDB_POOL,
    )
    def dbt_warehouse(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        # profiles.yml reads WAREHOUSE_PATH; hand dbt the same absolute path the Python assets use.
        os.environ["WAREHOUSE_PATH"] = str(config.warehouse_path())
        yield from dbt.cli(["build"], context=context).stream()

    return [dbt_warehouse]


DBT_ASSETS = build_dbt_assets()
