-- Casualty breakdown by victim side, one row per (report, victim actor).
-- Duplicate rows for the same side are collapsed with max(): they are repeated mentions of
-- the same figure, not additive counts.
with

source as (
    select * from {{ source('extract', 'report_victims') }}
)

select
    report_id || ':' || coalesce({{ nullif_blank('victim_actor_id') }}, 'unknown') as report_victim_id,
    report_id,
    {{ nullif_blank('victim_actor_id') }} as victim_actor_id,
    max(cast(killed as integer)) as killed,
    max(cast(wounded as integer)) as wounded,
    string_agg(distinct evidence, ' | ') as evidence,
    count(*) as n_source_rows

from source
group by 1, 2, 3
