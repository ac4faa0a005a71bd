-- The incremental reach of int_event_clusters (macros/event_clustering.sql) covers the whole
-- dependency chain of a report's cluster row: more than 15 gaps of var('dedup_max_day_gap'),
-- and the context a run reads (2 x reach) covers the reach of every rewritten report. A row here
-- means an incremental run could leave a stale cluster row: make the reach larger.
-- depends_on: {{ ref('int_event_clusters') }}  (checked with the model it guards; reads no rows)
select
    {{ event_cluster_reach() }} as reach_days,
    {{ var('dedup_max_day_gap') }} as day_gap
where {{ event_cluster_reach() }} < ({{ event_cluster_dependency_gaps() }} + 1) * {{ var('dedup_max_day_gap') }}
   or {{ event_cluster_reach() }} < 0
