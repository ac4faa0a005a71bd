"""The layering of the dbt project (jaffle-shop style) and the macros it shares.

Static checks on dbt_project/ (no warehouse), plus `dbt compile --inline` for the dedup's
incremental reach.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO / "dbt_project"
MODELS = DBT_PROJECT / "models"
DBT_BIN = Path(sys.executable).with_name("dbt")


def _models() -> dict[str, Path]:
    return {p.stem: p for p in MODELS.rglob("*.sql")}


def _sql_without_comments(path: Path) -> str:
    text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"--[^\n]*", "", text)


def test_every_model_has_its_own_yml_with_a_description():
    for name, sql in _models().items():
        yml = sql.with_suffix(".yml")
        assert yml.exists(), f"{name}: no {yml.relative_to(REPO)}"
        doc = yaml.safe_load(yml.read_text(encoding="utf-8"))
        entries = [m for m in doc.get("models", []) if m["name"] == name]
        assert len(entries) == 1, f"{yml.name} must document {name}"
        assert [m["name"] for m in doc["models"]] == [name], f"{yml.name} documents other models too"
        assert (entries[0].get("description") or "").strip(), f"{name} has no description"


def test_staging_models_are_one_to_one_with_their_source():
    for sql in (MODELS / "staging").glob("*.sql"):
        text = _sql_without_comments(sql).lower()
        reads = re.findall(r"\{\{\s*(source|ref)\(", text)
        assert len(reads) == 1 or sql.stem == "stg_places", f"{sql.stem} reads {len(reads)} relations"
        assert " join " not in text, f"{sql.stem} joins: that belongs in an intermediate model"
        assert "group by" not in text, f"{sql.stem} aggregates: that belongs in an intermediate model"


def test_the_marts_read_the_flagged_reports_and_share_their_report_columns():
    marts = MODELS / "marts"
    for name in ("fct_event_reports", "report_review_queue"):
        text = (marts / f"{name}.sql").read_text(encoding="utf-8")
        assert "ref('int_event_reports_flagged')" in text
        for block in ("key", "description", "provenance", "extraction", "corrections"):
            assert f"select_mart_columns('{block}'" in text, (name, block)
    for sql in MODELS.rglob("*.sql"):  # nothing downstream of the split reads its first step
        if sql.stem not in ("int_event_reports_classified",):
            assert "ref('int_event_reports_enriched')" not in sql.read_text(encoding="utf-8"), sql.stem


def _compile_inline(tmp_path: Path, expression: str, *vars_args: str) -> str:
    env = dict(os.environ, WAREHOUSE_PATH=str(tmp_path / "w.duckdb"), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    result = subprocess.run(
        [
            str(DBT_BIN),
            "--quiet",
            "compile",
            "--inline",
            expression,
            *vars_args,
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout.strip()


def test_the_cluster_reach_follows_the_day_gap(tmp_path):
    if not DBT_BIN.exists():
        pytest.skip(f"dbt not installed next to {sys.executable}")
    expr = "{{ event_cluster_reach() }} {{ event_cluster_dependency_gaps() }}"
    assert _compile_inline(tmp_path, expr).splitlines()[-1].strip() == "16 15"
    assert _compile_inline(tmp_path, expr, "--vars", "{dedup_max_day_gap: 3}").splitlines()[-1].strip() == "48 15"
