-- Event ids that no longer name an event of fct_events, and what to use instead: one row per
-- retired or dormant id of event_id_registry. A cited id that is not in fct_events is looked up
-- here. A merge (two events found to be one, by new reports or an analyst's same_event_as) keeps
-- the older id and retires the other: `event_id` is the id the merged event has now (following
-- later merges too). An id whose reports all left (removed by a re-extraction, flagged for
-- review, corrected as not an event) is dormant: `event_id` is NULL until its reports return.
with recursive

registry as (
    select event_id, status, merged_into, retired_at, created_at, event_number
    from {{ ref('event_id_registry') }}
),

chain(alias_event_id, current_id, depth) as (
    select event_id, merged_into, 1 from registry where status = 'retired'
    union all
    select chain.alias_event_id, registry.merged_into, chain.depth + 1
    from chain
    inner join registry on chain.current_id = registry.event_id
    where registry.status = 'retired' and chain.depth < 1000
),

resolved as (
    select alias_event_id, arg_max(current_id, depth) as current_id
    from chain
    group by 1
)

select
    registry.event_id as alias_event_id,
    case when current_registry.status = 'active' then current_registry.event_id end as event_id,
    case when registry.status = 'retired' then 'merged' else 'no_longer_an_event' end as alias_type,
    registry.merged_into,
    registry.event_number,
    registry.created_at,
    registry.retired_at
from registry
left join resolved on registry.event_id = resolved.alias_event_id
left join registry as current_registry on resolved.current_id = current_registry.event_id
where registry.status in ('retired', 'dormant')
