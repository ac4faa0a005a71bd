"""clean_articles: raw.articles -> clean.articles (boilerplate removed, language, publication date)."""

import dagster as dg

from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.stages.clean import clean_new_articles


@dg.asset(
    group_name="clean",
    pool=DUCKDB_POOL,
    deps=["raw_articles"],
    kinds={"python", "duckdb"},
    description="Cleaned article text with language (Arabic share of letters >= 0.5 -> 'ar') and "
    "publication date (metadata, else detected in the text; future dates rejected). "
    "Table clean.articles.",
)
def clean_articles(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        stats = clean_new_articles(con)
    context.log.info(f"cleaned {stats['cleaned']} articles ({stats['mode']})")
    return dg.MaterializeResult(
        metadata={
            "cleaned_this_run": stats["cleaned"],
            "by_language": dg.MetadataValue.json(stats["by_language"]),
            "date_sources_this_run": dg.MetadataValue.json(stats["date_sources"]),
            "dagster/row_count": stats["total"],
        }
    )
