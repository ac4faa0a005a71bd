-- Gazetteer: curated `places` unioned with generated `places_geonames`.
-- The curated row wins when both define the same place_id.
with

curated as (
    select *, 'curated' as gazetteer, 1 as gazetteer_rank from {{ ref('places') }}
),

geonames as (
    select *, 'geonames' as gazetteer, 2 as gazetteer_rank from {{ ref('places_geonames') }}
),

unioned as (
    select place_id, name, name_ar, aliases_ar, feature_type, admin1, admin2, country,
           latitude, longitude, gazetteer, gazetteer_rank
    from curated
    union all
    select place_id, name, name_ar, aliases_ar, feature_type, admin1, admin2, country,
           latitude, longitude, gazetteer, gazetteer_rank
    from geonames
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
