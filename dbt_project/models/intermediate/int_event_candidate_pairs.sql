-- The candidate pairs of the dedup (int_event_clusters): every directed pair (a -> b) of
-- UNFLAGGED reports from different articles whose event_dates are known and at most
-- var('dedup_max_day_gap') days apart and that the two clustering steps can use: same known
-- admin1 (step 1), or a without admin1 and b with one in the same country (step 2); kept when
-- the two reports are COMPATIBLE: their armed-actor sets share an actor or one set is empty
-- (Civilians ignored), and event_type is equal or unknown on one side.
-- Scored with day_gap and n_shared_actors (distinct shared armed actors).
-- A view: int_event_clusters reads the pairs of the reports it re-clusters (an incremental run
-- only those near changed reports, macros/event_clustering.sql).
{{ config(materialized='view') }}
with

reports as (
    {{ clustering_inputs() }}
),

reports_by_match_date as (
    -- each dated report once per date it can match (event_date - gap .. event_date + gap), so
    -- the pairs below are hash joins on dates: the same pairs as |date_diff| <= gap, without
    -- comparing every same-country pair (O(n^2) at 100k reports)
    select reports.*, reports.event_date + cast(shift.day_shift as integer) as match_date
    from reports
    cross join range(-{{ var('dedup_max_day_gap') }}, {{ var('dedup_max_day_gap') }} + 1) as shift(day_shift)
    where reports.event_date is not null and reports.country is not null
),

candidate_pairs as (
    -- directed pairs (a -> b) from different articles that the two steps below can use: same
    -- known admin1 (step 1), or a without admin1 and b with one in the same country (step 2).
    -- Two joins rather than one on country: pairs of two different admin1s were never used,
    -- and were ~9 in 10 of all same-country pairs.
    select a.*, b.report_id as other_report_id, b.article_id as other_article_id,
           b.admin1 as other_admin1, b.event_date as other_event_date, b.event_type as other_event_type,
           b.armed_actor1 as other_armed_actor1, b.armed_actor2 as other_armed_actor2
    from reports_by_match_date as a
    inner join reports as b
        on b.admin1 = a.admin1
        and b.event_date = a.match_date
        and a.article_id <> b.article_id
    union all
    select a.*, b.report_id, b.article_id, b.admin1, b.event_date, b.event_type, b.armed_actor1, b.armed_actor2
    from reports_by_match_date as a
    inner join reports as b
        on b.country = a.country
        and b.event_date = a.match_date
        and a.article_id <> b.article_id
    where a.admin1 is null and b.admin1 is not null
),

scored_pairs as (
    select
        *,
        abs(date_diff('day', event_date, other_event_date)) as day_gap,
        -- distinct shared armed actors (each side's two ids are distinct or null)
        coalesce(armed_actor1 in (other_armed_actor1, other_armed_actor2), false)::integer
            + coalesce(armed_actor2 in (other_armed_actor1, other_armed_actor2), false)::integer as n_shared_actors
    from candidate_pairs
),

compatible_pairs as (
    -- the candidate pairs whose reports are compatible (actors, event type)
    select report_id, article_id, admin1, other_report_id, other_article_id, other_admin1, day_gap, n_shared_actors
    from scored_pairs
    where (
            (armed_actor1 is null and armed_actor2 is null)
            or (other_armed_actor1 is null and other_armed_actor2 is null)
            or n_shared_actors > 0
        )
        and (
            event_type = other_event_type
            or event_type is null
            or other_event_type is null
        )
)

select
    report_id, article_id, admin1,
    other_report_id, other_article_id, other_admin1, day_gap, n_shared_actors
from compatible_pairs
