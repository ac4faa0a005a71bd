-- One row per ingested article: raw metadata (stg_raw_articles) joined to its cleaned text and
-- publication date (stg_clean_articles). Articles not (yet) cleaned are kept with NULL clean
-- columns (is_cleaned = false). A view, as when this was staging (it carries clean_text).
{{ config(materialized='view') }}
with

raw_articles as (
    select * from {{ ref('stg_raw_articles') }}
),

clean_articles as (
    select * from {{ ref('stg_clean_articles') }}
)

select
    raw_articles.article_id,
    raw_articles.source_path,
    raw_articles.source_type,
    raw_articles.source_line,
    raw_articles.content_sha256,
    raw_articles.text_fingerprint,
    raw_articles.url,
    coalesce(clean_articles.title, raw_articles.title) as title,
    raw_articles.site,
    -- a "source" for n_sources: the publishing site, else the article itself (txt files have no site)
    coalesce(lower(raw_articles.site), raw_articles.article_id) as source_key,
    raw_articles.published_meta,
    -- the clean stage decides the publication date; metadata only stands in for articles not yet
    -- cleaned, and never when the clean stage refused it as lying in the future
    case
        when clean_articles.article_id is not null then clean_articles.published_date
        else raw_articles.published_meta
    end as published_date,
    coalesce(clean_articles.date_source, case when raw_articles.published_meta is not null then 'metadata' else 'unknown' end) as date_source,
    clean_articles.date_evidence,
    clean_articles.language,
    clean_articles.arabic_share,
    clean_articles.n_chars,
    clean_articles.n_lines_removed,
    clean_articles.clean_text,
    clean_articles.article_id is not null as is_cleaned,
    raw_articles.ingested_at,
    clean_articles.cleaned_at

from raw_articles
left join clean_articles
    on raw_articles.article_id = clean_articles.article_id
