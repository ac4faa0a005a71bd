-- The stable event_id of every clustered report: its group (int_event_groups) and the id the
-- registry gave that group (event_id_registry, status 'active'). One row per clustered report;
-- the marts take event_id from here.
select
    groups.report_id,
    groups.article_id,
    registry.event_id,
    registry.event_number,
    groups.group_key,
    groups.clustering_rule,
    groups.is_analyst_merged
from {{ ref('int_event_groups') }} as groups
inner join {{ ref('event_id_registry') }} as registry
    on registry.group_key = groups.group_key
    and registry.status = 'active'
