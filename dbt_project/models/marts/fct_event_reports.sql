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
    reports.report_id,
    reports.article_id,
    clusters.event_id,
    reports.seq,
    reports.event_date,
    reports.date_precision,
    reports.country,
    reports.admin1,
    reports.admin2,
    reports.location,
    reports.latitude,
    reports.longitude,
    reports.event_type,
    reports.sub_event_type,
    reports.actor1,
    reports.actor2,
    reports.killed,
    reports.wounded,
    reports.evidence,

    -- how the values were obtained
    reports.date_rule,
    reports.date_text,
    reports.killed_rule,
    reports.wounded_rule,
    reports.vague_text,
    reports.place_id,
    reports.location_ar,
    reports.location_text,
    reports.location_precision,
    reports.country_source,
    reports.trigger_id,
    reports.trigger_text,
    reports.event_type_rule,
    reports.is_single_actor_battle,
    reports.actor1_id,
    reports.actor1_type,
    reports.actor2_id,
    reports.actor2_type,
    reports.has_victim_breakdown,
    reports.civilian_killed,
    reports.civilian_wounded,
    clusters.clustering_rule,

    -- article context
    reports.published_date,
    reports.site,
    reports.url,

    reports.extractor_version,
    reports.extracted_at,

    -- analyst corrections (seed report_corrections)
    reports.is_corrected,
    reports.corrected_fields,
    reports.correction_reason

from reports
left join clusters on reports.report_id = clusters.report_id
where not reports.is_flagged
