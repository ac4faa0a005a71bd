-- Extracted incident reports, typed and with blank strings turned into NULLs.
with

source as (
    select * from {{ source('extract', 'event_reports') }}
)

select
    report_id,
    article_id,
    cast(seq as integer) as seq,
    cast(event_date as date) as event_date,
    {{ nullif_blank('lower(date_precision)') }} as date_precision,
    {{ nullif_blank('date_rule') }} as date_rule,
    {{ nullif_blank('date_text') }} as date_text,
    {{ nullif_blank('place_id') }} as place_id,
    {{ nullif_blank('location_text') }} as location_text,
    {{ nullif_blank('trigger_id') }} as trigger_id,
    {{ nullif_blank('trigger_text') }} as trigger_text,
    {{ nullif_blank('actor1_id') }} as actor1_id,
    {{ nullif_blank('actor2_id') }} as actor2_id,
    cast(killed as integer) as killed,
    cast(wounded as integer) as wounded,
    {{ nullif_blank('killed_rule') }} as killed_rule,
    {{ nullif_blank('wounded_rule') }} as wounded_rule,
    {{ nullif_blank('vague_text') }} as vague_text,
    evidence,
    extractor_version,
    extracted_at

from source
