-- Actor dimension (from the actors lexicon seed).
select
    actor_id,
    name,
    name_ar,
    aliases_ar as aliases,
    actor_type,
    country,
    is_armed
from {{ ref('stg_actors') }}
