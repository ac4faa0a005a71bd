-- Gazetteer: the seeds of var('gazetteers') unioned; the earliest in that list wins when two
-- define the same place_id (the curated places over the generated GeoNames ones).
with

unioned as (
    {%- for gazetteer in var('gazetteers') %}
    select place_id, name, name_ar, aliases_ar, feature_type, admin1, admin2, country,
           latitude, longitude, '{{ gazetteer.label }}' as gazetteer, {{ loop.index }} as gazetteer_rank
    from {{ ref(gazetteer.seed) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    trim(place_id) as place_id,
    {{ nullif_blank('name') }} as name,
    {{ nullif_blank('name_ar') }} as name_ar,
    {{ split_aliases('aliases_ar') }} as aliases_ar,
    lower(trim(feature_type)) as feature_type,
    {{ nullif_blank('admin1') }} as admin1,
    {{ nullif_blank('admin2') }} as admin2,
    {{ nullif_blank('country') }} as country,
    cast(latitude as double) as latitude,
    cast(longitude as double) as longitude,
    gazetteer

from unioned
where {{ nullif_blank('place_id') }} is not null
qualify row_number() over (partition by trim(place_id) order by gazetteer_rank, name) = 1
