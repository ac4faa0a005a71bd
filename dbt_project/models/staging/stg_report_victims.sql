-- extract.report_victims, one row per source row: typed, blank strings turned into NULLs.
-- Repeated rows for the same side are collapsed in int_report_victims.
with

source as (
    select * from {{ source('extract', 'report_victims') }}
)

select
    report_id,
    {{ nullif_blank('victim_actor_id') }} as victim_actor_id,
    cast(killed as integer) as killed,
    cast(wounded as integer) as wounded,
    evidence

from source
