-- The events as groups of reports: int_event_clusters' clusters, with the clusters that analysts
-- said are one event (same_event_as corrections, int_report_corrections) merged. One row per
-- clustered report. group_key = the smallest report_id of the group (for an unmerged cluster, its
-- anchor_report_id). The stable event_id of a group comes from event_id_registry (int_event_ids).
-- Rebuilt whole every run (a scan of the clusters; the merges are a handful of corrections).
with recursive

clusters as (
    select report_id, article_id, anchor_report_id, clustering_rule
    from {{ ref('int_event_clusters') }}
),

links as (
    -- a correction links the clusters of its two reports (both must be clustered, i.e. unflagged)
    select corrections.report_id, a.anchor_report_id as anchor_a, b.anchor_report_id as anchor_b
    from {{ ref('int_report_corrections') }} as corrections
    inner join clusters as a on corrections.report_id = a.report_id
    inner join clusters as b on corrections.target_report_id = b.report_id
    where corrections.field = 'same_event_as' and corrections.status = 'matched'
),

edges as (
    select anchor_a as src, anchor_b as dst from links
    union
    select anchor_b, anchor_a from links
),

reach(anchor, reached) as (
    -- clusters linked directly or through other linked clusters (a few rows: no depth limit needed)
    select src, src from edges
    union
    select reach.anchor, edges.dst
    from reach
    inner join edges on reach.reached = edges.src
),

merged as (
    select anchor, min(reached) as group_key from reach group by anchor
)

select
    clusters.report_id,
    clusters.article_id,
    coalesce(merged.group_key, clusters.anchor_report_id) as group_key,
    clusters.anchor_report_id,
    case when clusters.report_id in (select report_id from links) then 'analyst_same_event'
         else clusters.clustering_rule end as clustering_rule,
    merged.group_key is not null as is_analyst_merged
from clusters
left join merged on clusters.anchor_report_id = merged.anchor
