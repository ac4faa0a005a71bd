-- Deduplicates reports of the same real incident across articles (the labelling: which reports
-- form one incident), from the compatible pairs of int_event_candidate_pairs. Only unflagged reports (quality_issue is null) are clustered; flagged
-- reports get no event. Full rules: int_event_clusters.yml. In short, two reports are
-- COMPATIBLE when they come from different articles, both event_dates are known and at most
-- var('dedup_max_day_gap') days apart, their armed-actor sets share an actor or one set is
-- empty (Civilians ignored), and event_type is equal or unknown on one side.
--
-- Step 1  reports with a KNOWN admin1: edges between compatible reports with the same admin1.
--         A report links to at most one report per other article (its best match: closest
--         date, most shared actors, smallest report_id) and only MUTUAL best matches become
--         edges. A report's cluster is labelled by the smallest report_id among itself and
--         its edge neighbours (matches are pairwise within one incident; chains are not
--         followed, so consecutive daily incidents do not fold into one event).
--         Guard: if a chain still puts two reports of one article together, only the smallest
--         report_id of that article stays (others: clustering_rule 'split_same_article').
-- Step 2  reports with UNKNOWN admin1 (country known) attach to the single best compatible
--         step-1 cluster of the same country that has no report of their article (best =
--         smallest day gap, then most shared actors; a tie between two different clusters is
--         ambiguous and the report stays alone); per cluster and article only the closest
--         one attaches. Two unknown-admin1 reports never merge
--         with each other (too little evidence that they are one incident).
-- event_id = 'e_' || md5(smallest report_id in the cluster).
--
-- Incremental: a run re-clusters only the reports within event_cluster_reach() days (16 gaps,
-- macros/event_clustering.sql) of a report whose clustering inputs changed (new, re-extracted,
-- newly flagged or removed; at its old and new date), computing them from the reports (and
-- their pairs) within twice that, and keeps every other stored row. Reports without a date or
-- country are never paired: only their own change rewrites them.
{{ config(
    materialized='incremental',
    unique_key='report_id',
    incremental_strategy='delete+insert',
    post_hook="{% if is_incremental() %}delete from {{ this }} where report_id not in (select report_id from {{ ref('int_event_reports_flagged') }} where not is_flagged){% endif %}"
) }}
{%- set reach = event_cluster_reach() %}
with

all_reports as (
    {{ clustering_inputs() }}
),

{% if is_incremental() %}
changed_reports as (
    -- clustering inputs now and as stored: a difference either way is a change
    (select * from all_reports
     except
     select report_id, article_id, event_date, admin1, country, event_type, armed_actor1, armed_actor2 from {{ this }})
    union all
    (select report_id, article_id, event_date, admin1, country, event_type, armed_actor1, armed_actor2 from {{ this }}
     except
     select * from all_reports)
),

rewritten_days as (
    select distinct country, event_date + cast(shift.day_shift as integer) as day
    from changed_reports
    cross join range(-{{ reach }}, {{ reach }} + 1) as shift(day_shift)
    where country is not null and event_date is not null
),

context_days as (
    select distinct country, day + cast(shift.day_shift as integer) as day
    from rewritten_days
    cross join range(-{{ reach }}, {{ reach }} + 1) as shift(day_shift)
),

rewritten_reports as (
    select report_id from all_reports
    where exists (select 1 from rewritten_days as d
                  where d.country = all_reports.country and d.day = all_reports.event_date)
    union
    select report_id from changed_reports
),

reports as (
    select * from all_reports
    where exists (select 1 from context_days as d
                  where d.country = all_reports.country and d.day = all_reports.event_date)
       or report_id in (select report_id from changed_reports)
),
{% else %}
reports as (
    select * from all_reports
),
{% endif %}

compatible_pairs as materialized (
    -- the pairs of int_event_candidate_pairs between the reports computed in this run
    select report_id, article_id, admin1, other_report_id, other_article_id, other_admin1, day_gap, n_shared_actors
    from {{ ref('int_event_candidate_pairs') }}
    {%- if is_incremental() %}
    where report_id in (select report_id from reports)
      and other_report_id in (select report_id from reports)
    {%- endif %}
),

-- step 1 -------------------------------------------------------------------------------
known_best_matches as (
    select report_id, other_report_id
    from compatible_pairs
    where admin1 is not null and admin1 = other_admin1
    qualify row_number() over (
        partition by report_id, other_article_id
        order by day_gap, n_shared_actors desc, other_report_id
    ) = 1
),

edges as (
    select ab.report_id as src, ab.other_report_id as dst
    from known_best_matches as ab
    inner join known_best_matches as ba
        on ab.report_id = ba.other_report_id
        and ab.other_report_id = ba.report_id
),

components as (
    -- each report joins the event of the smallest report_id among itself and the reports it is
    -- matched with. Not transitive on purpose: reports of one incident match each other
    -- pairwise and share that smallest id, while a chain of matches (a Monday report matching a
    -- Tuesday one matching a Wednesday one...) would otherwise fold weeks of daily incidents in
    -- one governorate into a single event, and cost one recursion round per link.
    select reports.report_id, least(reports.report_id, coalesce(min(edges.dst), reports.report_id)) as component_label
    from reports
    left join edges on edges.src = reports.report_id
    where reports.admin1 is not null
    group by reports.report_id
),

known_clusters as materialized (
    -- the component label is the component's smallest report_id, which is always the
    -- smallest of its own article, so it is never split away
    select
        reports.report_id,
        reports.article_id,
        case
            when row_number() over (partition by components.component_label, reports.article_id
                                    order by reports.report_id) > 1
                then reports.report_id
            else components.component_label
        end as cluster_label,
        row_number() over (partition by components.component_label, reports.article_id
                           order by reports.report_id) > 1 as is_split
    from reports
    inner join components on reports.report_id = components.report_id
),

-- step 2 -------------------------------------------------------------------------------
clusters_by_article as (
    select distinct cluster_label, article_id from known_clusters
),

attach_candidates as (
    select
        pairs.report_id,
        pairs.article_id,
        known_clusters.cluster_label,
        pairs.day_gap,
        pairs.n_shared_actors,
        -- orders like (day_gap, n_shared_actors desc): n_shared_actors is 0, 1 or 2
        pairs.day_gap * 3 - pairs.n_shared_actors as score
    from compatible_pairs as pairs
    inner join known_clusters on pairs.other_report_id = known_clusters.report_id
    anti join clusters_by_article as same_article
        on same_article.cluster_label = known_clusters.cluster_label
        and same_article.article_id = pairs.article_id
    where pairs.admin1 is null
),

attachments as (
    -- best candidate cluster per unknown-admin1 report; ambiguous ties between different
    -- clusters (same day gap and same number of shared actors) attach to nothing.
    -- Aggregates rather than window functions: ~40 candidates per report, ~2M rows at 100k articles.
    select
        candidates.report_id,
        any_value(candidates.article_id) as article_id,
        min(candidates.cluster_label) as cluster_label,
        min(candidates.day_gap) as day_gap,
        max(candidates.n_shared_actors) as n_shared_actors
    from attach_candidates as candidates
    inner join (
        select report_id, min(score) as best_score from attach_candidates group by report_id
    ) as best
        on candidates.report_id = best.report_id
        and candidates.score = best.best_score
    group by candidates.report_id
    having count(distinct candidates.cluster_label) = 1
),

unique_attachments as (
    -- one attached report per (cluster, article): the closest one
    select report_id, cluster_label
    from attachments
    qualify row_number() over (
        partition by cluster_label, article_id
        order by day_gap, n_shared_actors desc, report_id
    ) = 1
),

labelled as (
    select report_id, cluster_label, is_split, false as is_attached
    from known_clusters
    union all
    select
        reports.report_id,
        coalesce(attachments.cluster_label, reports.report_id) as cluster_label,
        false as is_split,
        attachments.report_id is not null as is_attached
    from reports
    left join unique_attachments as attachments on reports.report_id = attachments.report_id
    where reports.admin1 is null
),

final as (
    select
        labelled.report_id,
        reports.article_id,
        'e_' || md5(min(labelled.report_id) over (partition by labelled.cluster_label)) as event_id,
        min(labelled.report_id) over (partition by labelled.cluster_label) as anchor_report_id,
        count(*) over (partition by labelled.cluster_label) as n_reports_in_event,
        case
            when labelled.is_split then 'split_same_article'
            when labelled.is_attached then 'attached_unknown_admin1'
            when count(*) over (partition by labelled.cluster_label) = 1 then 'singleton'
            else 'matched'
        end as clustering_rule,
        -- the clustering inputs, stored so the next run can tell which reports changed
        reports.event_date,
        reports.admin1,
        reports.country,
        reports.event_type,
        reports.armed_actor1,
        reports.armed_actor2
    from labelled
    inner join reports on labelled.report_id = reports.report_id
)

select * from final
{% if is_incremental() -%}
where report_id in (select report_id from rewritten_reports)
{%- endif %}
