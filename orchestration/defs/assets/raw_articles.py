"""raw_articles: new inbox files -> raw.articles, ops.ingested_files, ops.rejected_inputs."""

import dagster as dg

from orchestration import config
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.stages.ingest import ingest_inbox


@dg.asset(
    group_name="ingest",
    deps=["collected_pages"],
    pool=DUCKDB_POOL,
    kinds={"python", "duckdb"},
    description="Articles read from the inbox (ARTICLES_DIR, collected pages included): html/txt/json/jsonl, deduplicated "
    "by url and text fingerprint. Table raw.articles; bookkeeping in ops.*.",
)
def raw_articles(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    articles_dir = config.existing_articles_dir()
    with warehouse.connect() as con:
        stats = ingest_inbox(con, articles_dir)
    rejects = stats["rejects"]
    if stats["still_being_written"]:
        context.log.warning(f"left for the next run, still being written: {stats['still_being_written'][:20]}")
    preview = "\n".join(f"- `{p}`{'' if ln is None else f' line {ln}'}: {why}" for p, ln, why in rejects[:20])
    context.log.info(
        f"ingest from {articles_dir}: {stats['new_articles']} new, "
        f"{stats['updated_articles']} updated (a new version of their file), "
        f"{stats['duplicates']} duplicates, {len(rejects)} rejects; "
        f"{stats['unchanged_files']} known files skipped unread; scan {stats['scan_mode']}"
    )
    return dg.MaterializeResult(
        metadata={
            "articles_dir": str(articles_dir),
            "new_articles": stats["new_articles"],
            "updated_articles": stats["updated_articles"],
            "duplicates": stats["duplicates"],
            "rejects": len(rejects),
            "rejects_preview": dg.MetadataValue.md(preview or "none"),
            "files_scanned": stats["files_scanned"],
            "duplicate_files": stats["duplicate_files"],
            "skipped_temporary_files": stats["skipped_temporary"],
            "files_still_being_written": len(stats["still_being_written"]),
            "unchanged_files_not_read": stats["unchanged_files"],
            "scan_mode": stats["scan_mode"],
            "dagster/row_count": stats["total_articles"],
        }
    )
