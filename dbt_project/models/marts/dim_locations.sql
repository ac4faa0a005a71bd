-- Location dimension: curated gazetteer + GeoNames-generated gazetteer (curated wins).
select
    place_id as location_id,
    name,
    name_ar,
    admin1,
    admin2,
    country,
    latitude,
    longitude,
    feature_type as precision,
    aliases_ar as aliases,
    gazetteer
from {{ ref('stg_places') }}
