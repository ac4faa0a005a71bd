-- Casualty breakdown by victim side, one row per (report, victim actor).
-- Duplicate rows for the same side are collapsed with max(): they are repeated mentions of
-- the same figure, not additive counts. A view, as when this was staging.
{{ config(materialized='view') }}
with

victims as (
    select * from {{ ref('stg_report_victims') }}
)

select
    report_id || ':' || coalesce(victim_actor_id, 'unknown') as report_victim_id,
    report_id,
    victim_actor_id,
    max(killed) as killed,
    max(wounded) as wounded,
    string_agg(distinct evidence, ' | ') as evidence,
    count(*) as n_source_rows

from victims
group by 1, 2, 3
