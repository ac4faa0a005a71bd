-- Trigger lexicon: Arabic trigger phrases -> ACLED event_type / sub_event_type.
select
    trim(trigger_id) as trigger_id,
    {{ split_aliases('aliases_ar') }} as aliases_ar,
    {{ nullif_blank('event_type') }} as event_type,
    {{ nullif_blank('sub_event_type') }} as sub_event_type,
    cast(priority as integer) as priority,
    trim(trigger_id) in {{ sql_string_list(var('two_sided_trigger_ids')) }} as is_two_sided

from {{ ref('event_triggers') }}
where {{ nullif_blank('trigger_id') }} is not null
