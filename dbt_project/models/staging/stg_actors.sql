-- Actor lexicon with aliases split into a list.
select
    trim(actor_id) as actor_id,
    {{ nullif_blank('name') }} as name,
    {{ nullif_blank('name_ar') }} as name_ar,
    {{ split_aliases('aliases_ar') }} as aliases_ar,
    {{ nullif_blank('actor_type') }} as actor_type,
    {{ nullif_blank('country') }} as country,
    {{ nullif_blank('actor_type') }} in {{ sql_string_list(var('armed_actor_types')) }} as is_armed

from {{ ref('actors') }}
where {{ nullif_blank('actor_id') }} is not null
