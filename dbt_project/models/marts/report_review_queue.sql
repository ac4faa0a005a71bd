-- Reports that failed the quality rules, waiting for an analyst: one row per flagged report
-- (int_event_reports_flagged.is_flagged). These reports are NOT in fct_event_reports,
-- fct_casualties or fct_events. Each row carries the same descriptive columns as
-- fct_event_reports, every quality flag, quality_issue (what was detected, in words) and
-- review_hint (where to look to fix or dismiss it). No event_id: flagged reports are never
-- clustered. The victim breakdown is not repeated here (extract.report_victims has it).
-- Incremental 'diff' (macros/incremental_diff.sql): computed whole, only changed rows rewritten.
{{ config(materialized='incremental', incremental_strategy='diff', unique_key='report_id') }}
with

reports as (
    select * from {{ ref('int_event_reports_flagged') }}
    where is_flagged
),

articles as (
    select article_id, source_path, date_source from {{ ref('int_articles') }}
)

select
    {{ select_mart_columns('key', 'reports') }}
    {{ select_mart_columns('description', 'reports') }}

    -- what was detected and where to look
    reports.quality_issue,
    concat_ws('; ',
        case when reports.is_implausible_killed or reports.is_implausible_wounded
            then 'check the toll against the evidence sentence (killed_rule / wounded_rule)' end,
        case when reports.has_implausible_breakdown
            then 'check the victim breakdown of this report in extract.report_victims' end,
        case when reports.is_date_after_published
            then 'check date_text / date_rule and the article publication date (date_source '
                 || coalesce(articles.date_source, 'unknown') || ')' end,
        case when reports.is_outside_country_bbox
            then 'check the coordinates of place ' || coalesce(reports.place_id, '?')
                 || ' in the gazetteer (seeds places.csv / places_geonames.csv)' end,
        case when reports.is_undated
            then 'no event date could be resolved: find the publication date of the article (date_source '
                 || coalesce(articles.date_source, 'unknown') || ') or date the incident by hand' end
    ) as review_hint,
    reports.is_implausible_killed,
    reports.is_implausible_wounded,
    reports.has_implausible_breakdown,
    reports.is_date_after_published,
    reports.is_outside_country_bbox,
    reports.is_undated,

    -- how the values were obtained
    {{ select_mart_columns('provenance', 'reports') }}

    -- article context
    reports.published_date,
    articles.date_source,
    reports.site,
    reports.url,
    articles.source_path,
    reports.article_title,
    {{ select_mart_columns('extraction', 'reports') }}

    -- analyst corrections (seed report_corrections)
    {{ select_mart_columns('corrections', 'reports', last=true) }}

from reports
left join articles on reports.article_id = articles.article_id
