"""The pipeline's path variables for a test run, every one under one folder."""

from pathlib import Path


def paths_under(root: Path) -> dict[str, Path]:
    """ARTICLES_DIR (root/inbox) and the outputs under root/data: warehouse, analyst copy, exports,
    GX Data Docs and briefs, as the environment variables the pipeline reads."""
    return {
        "ARTICLES_DIR": root / "inbox",
        "WAREHOUSE_PATH": root / "data" / "warehouse.duckdb",
        "ANALYST_DB_PATH": root / "data" / "analyst.duckdb",
        "EXPORTS_DIR": root / "data" / "exports",
        "GX_DOCS_DIR": root / "data" / "gx_docs",
        "BRIEFS_DIR": root / "data" / "briefs",
    }
