-- Deduplicates reports of the same real incident across articles and gives each incident a
-- stable event_id. Only unflagged reports (quality_issue is null) are clustered; flagged
-- reports get no event.
--
-- Two reports are COMPATIBLE when
--   * they come from different articles (reports of one article are different incidents by construction),
--   * both event_dates are known and at most var('dedup_max_day_gap') days apart,
--   * same admin1, or admin1 unknown on at least one side and the same (known) country,
--   * their armed-actor sets share an actor, or one side has no known armed actor
--     (Civilians are ignored here: "civilians" alone does not identify an incident),
--   * the same event_type, or event_type unknown on one side.
-- To keep one incident per article per event, a report links to AT MOST ONE report of each
-- other article: its best match (closest date, then same admin1, then most shared actors,
-- then smallest report_id), and only MUTUAL best matches become edges.
-- Clusters are the connected components of those edges (min-label propagation in a recursive
-- CTE; UNION semantics make it terminate after at most component-size rounds).
-- Guard: if a chain still puts two reports of the same article in one component, only the
-- smallest report_id of that article stays; the others become their own events
-- (clustering_rule = 'split_same_article').
-- event_id = 'e_' || md5(smallest report_id in the cluster).
with

reports as (
    select
        report_id,
        article_id,
        event_date,
        admin1,
        country,
        event_type,
        list_filter(
            [case when coalesce(actor1_type, '') <> 'Civilians' then actor1_id end,
             case when coalesce(actor2_type, '') <> 'Civilians' then actor2_id end],
            lambda x: x is not null
        ) as armed_actor_ids
    from {{ ref('int_event_reports_enriched') }}
    where not is_flagged
),

candidate_pairs as (
    select
        a.report_id as report_id,
        b.report_id as other_report_id,
        b.article_id as other_article_id,
        abs(date_diff('day', a.event_date, b.event_date)) as day_gap,
        coalesce(a.admin1 = b.admin1, false) as same_admin1,
        len(list_intersect(a.armed_actor_ids, b.armed_actor_ids)) as n_shared_actors
    from reports as a
    inner join reports as b
        on a.article_id <> b.article_id
        and a.event_date is not null
        and b.event_date is not null
        and abs(date_diff('day', a.event_date, b.event_date)) <= {{ var('dedup_max_day_gap') }}
        and (
            a.admin1 = b.admin1
            or ((a.admin1 is null or b.admin1 is null) and a.country = b.country)
        )
        and (
            len(a.armed_actor_ids) = 0
            or len(b.armed_actor_ids) = 0
            or len(list_intersect(a.armed_actor_ids, b.armed_actor_ids)) > 0
        )
        and (
            a.event_type = b.event_type
            or a.event_type is null
            or b.event_type is null
        )
),

best_matches as (
    select report_id, other_report_id
    from candidate_pairs
    qualify row_number() over (
        partition by report_id, other_article_id
        order by day_gap, same_admin1 desc, n_shared_actors desc, other_report_id
    ) = 1
),

edges as (
    -- mutual best matches, both directions
    select ab.report_id as src, ab.other_report_id as dst
    from best_matches as ab
    inner join best_matches as ba
        on ab.report_id = ba.other_report_id
        and ab.other_report_id = ba.report_id
),

components as (
    select report_id, min(label) as component_label
    from (
        with recursive labels(report_id, label) as (
            select report_id, report_id from reports
            union
            select edges.dst, labels.label
            from labels
            inner join edges on edges.src = labels.report_id
        )
        select report_id, label from labels
    )
    group by report_id
),

guarded as (
    select
        reports.report_id,
        reports.article_id,
        components.component_label,
        row_number() over (
            partition by components.component_label, reports.article_id
            order by reports.report_id
        ) > 1 as is_split
    from reports
    inner join components on reports.report_id = components.report_id
),

labelled as (
    select
        report_id,
        article_id,
        case when is_split then report_id else component_label end as cluster_label,
        is_split
    from guarded
),

final as (
    select
        report_id,
        article_id,
        'e_' || md5(min(report_id) over (partition by cluster_label)) as event_id,
        min(report_id) over (partition by cluster_label) as anchor_report_id,
        count(*) over (partition by cluster_label) as n_reports_in_event,
        case
            when is_split then 'split_same_article'
            when count(*) over (partition by cluster_label) = 1 then 'singleton'
            else 'matched'
        end as clustering_rule
    from labelled
)

select * from final
