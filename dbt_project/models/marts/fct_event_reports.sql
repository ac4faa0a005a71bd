-- One row per incident as ONE article reports it, for every report that passed the quality
-- rules. Flagged reports (implausible figures, dates after publication, coordinates outside the
-- country, no resolvable date) are in marts.report_review_queue instead, with the reason, so
-- every row here has an event_id in fct_events and no quality columns are needed.
-- Incremental 'diff' (macros/incremental_diff.sql): computed whole, only changed rows rewritten.
{{ config(materialized='incremental', incremental_strategy='diff', unique_key='report_id') }}
with

reports as (
    select * from {{ ref('int_event_reports_flagged') }}
),

clusters as (
    select * from {{ ref('int_event_ids') }}
)

select
    {{ select_mart_columns('key', 'reports') }}
    clusters.event_id,
    {{ select_mart_columns('description', 'reports') }}

    -- how the values were obtained
    {{ select_mart_columns('provenance', 'reports') }}
    reports.civilian_killed,
    reports.civilian_wounded,
    clusters.clustering_rule,

    -- article context
    reports.published_date,
    reports.site,
    reports.url,

    {{ select_mart_columns('extraction', 'reports') }}

    -- analyst corrections (seed report_corrections)
    {{ select_mart_columns('corrections', 'reports', last=true) }}

from reports
left join clusters on reports.report_id = clusters.report_id
where not reports.is_flagged
