-- Flagged reports never reach the analyst marts:
--   * every report is in exactly one of fct_event_reports / report_review_queue;
--   * no flagged report is clustered into an event or has casualty rows;
--   * fct_events.n_reports equals the fct_event_reports rows carrying that event_id.
with

reports as (
    select report_id, is_flagged from {{ ref('int_event_reports_flagged') }}
),

placed as (
    select report_id, 'fct_event_reports' as mart from {{ ref('fct_event_reports') }}
    union all
    select report_id, 'report_review_queue' as mart from {{ ref('report_review_queue') }}
),

per_event as (
    select event_id, count(*) as n_reports
    from {{ ref('fct_event_reports') }}
    group by 1
)

-- wrong mart, missing, or in both
select reports.report_id, 'misplaced in ' || coalesce(string_agg(placed.mart, ', '), 'no mart') as problem
from reports
left join placed on reports.report_id = placed.report_id
group by reports.report_id, reports.is_flagged
having count(placed.mart) <> 1
    or bool_or(placed.mart = 'fct_event_reports') is distinct from (not reports.is_flagged)

union all

select clusters.report_id, 'flagged report clustered into ' || clusters.event_id
from {{ ref('int_event_clusters') }} as clusters
inner join {{ ref('report_review_queue') }} as queue on clusters.report_id = queue.report_id

union all

select casualties.report_id, 'flagged report has casualty rows'
from {{ ref('fct_casualties') }} as casualties
inner join {{ ref('report_review_queue') }} as queue on casualties.report_id = queue.report_id

union all

select events.event_id, 'n_reports ' || events.n_reports || ' <> ' || coalesce(per_event.n_reports, 0) || ' reports'
from {{ ref('fct_events') }} as events
left join per_event on events.event_id = per_event.event_id
where per_event.n_reports is distinct from events.n_reports
