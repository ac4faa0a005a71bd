-- One row per ingested article with its publication date and how many reports/events it produced.
-- Incremental 'diff' (macros/incremental_diff.sql): computed whole, only changed rows rewritten.
{{ config(materialized='incremental', incremental_strategy='diff', unique_key='article_id') }}
with

articles as (
    select * from {{ ref('int_articles') }}
),

reports as (
    select
        reports.article_id,
        count(*) as n_reports,
        count(*) filter (where reports.is_flagged) as n_flagged_reports,
        count(distinct clusters.event_id) as n_events
    from {{ ref('int_event_reports_flagged') }} as reports
    left join {{ ref('int_event_clusters') }} as clusters
        on reports.report_id = clusters.report_id
    group by 1
)

select
    articles.article_id,
    articles.url,
    articles.source_path,
    articles.source_type,
    articles.source_line,
    articles.site,
    articles.title,
    articles.published_date,
    articles.date_source,
    articles.date_evidence,
    articles.published_meta,
    articles.language,
    articles.arabic_share,
    articles.n_chars,
    articles.n_lines_removed,
    articles.is_cleaned,
    coalesce(reports.n_reports, 0) as n_reports,
    coalesce(reports.n_flagged_reports, 0) as n_flagged_reports,
    coalesce(reports.n_events, 0) as n_events,
    articles.content_sha256,
    articles.text_fingerprint,
    articles.ingested_at,
    articles.cleaned_at

from articles
left join reports on articles.article_id = reports.article_id
