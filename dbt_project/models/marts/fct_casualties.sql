-- Casualty breakdown by victim side: one row per (report, victim actor) exactly as the article
-- states it (extract.report_victims). No rows are invented for reports without a breakdown,
-- even when the victim side looks obvious; use fct_event_reports.killed/wounded for totals.
-- Only reports that passed the quality rules (the ones in fct_event_reports); breakdowns of
-- flagged reports stay out, the reports themselves are in marts.report_review_queue.
-- Incremental 'diff' (macros/incremental_diff.sql): computed whole, only changed rows rewritten.
{{ config(materialized='incremental', incremental_strategy='diff', unique_key='casualty_id') }}
with

victims as (
    select * from {{ ref('int_report_victims') }}
),

reports as (
    select * from {{ ref('int_event_reports_flagged') }}
),

clusters as (
    select * from {{ ref('int_event_ids') }}
),

actors as (
    select * from {{ ref('stg_actors') }}
)

select
    victims.report_victim_id as casualty_id,
    clusters.event_id,
    victims.report_id,
    case
        when victims.victim_actor_id = 'civilians' or actors.actor_type = 'Civilians' then 'Civilians'
        else coalesce(actors.name, victims.victim_actor_id)
    end as victim_group,
    victims.killed,
    victims.wounded,

    victims.victim_actor_id,
    actors.actor_type as victim_actor_type,
    victims.evidence,
    reports.article_id,
    reports.event_date,
    reports.country,
    reports.admin1,
    reports.event_type,
    reports.is_corrected,
    reports.correction_reason

from victims
inner join reports on victims.report_id = reports.report_id
left join clusters on victims.report_id = clusters.report_id
left join actors on victims.victim_actor_id = actors.actor_id
where not reports.is_flagged
