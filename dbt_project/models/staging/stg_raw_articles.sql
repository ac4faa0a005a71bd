-- raw.articles, one row per ingested article: typed, blank strings turned into NULLs, inbox paths
-- made relative to the inbox. The join to the cleaned text is int_articles.
with

source as (
    select * from {{ source('raw', 'articles') }}
)

select
    article_id,
    {{ inbox_relative_path('source_path') }} as source_path,
    source_type,
    source_line,
    content_sha256,
    text_fingerprint,
    {{ nullif_blank('url') }} as url,
    {{ nullif_blank('title') }} as title,
    {{ nullif_blank('site') }} as site,
    published_meta,
    ingested_at

from source
