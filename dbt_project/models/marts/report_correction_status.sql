-- The analyst corrections (seed report_corrections) and what each one did: one row per
-- correction, with the report it matched and its status. `applied` = the marts show the corrected
-- value; `superseded` = a newer correction of the same field wins; anything else is a problem the
-- test assert_corrections_match_one_report fails on, described in `problem`.
with

corrections as (
    select * from {{ ref('int_report_corrections') }}
),

reports as (
    select report_id, is_flagged from {{ ref('int_event_reports_flagged') }}
),

ids as (
    select report_id, event_id from {{ ref('int_event_ids') }}
)

select
    corrections.correction_id,
    corrections.article_id,
    corrections.evidence_match,
    corrections.field,
    corrections.corrected_value,
    corrections.analyst,
    corrections.reason,
    corrections.corrected_on,
    corrections.report_id,
    corrections.n_matching_reports,
    corrections.target_report_id,
    ids.event_id,
    case
        when corrections.status <> 'matched' then corrections.status
        when corrections.field = 'same_event_as' and (ids.event_id is null or target_ids.event_id is null)
            then 'not_applied'
        else 'applied'
    end as status,
    case
        when corrections.status <> 'matched' then corrections.problem
        when corrections.field = 'same_event_as' and (ids.event_id is null or target_ids.event_id is null)
            then 'correction ' || corrections.correction_id || ' (same_event_as): '
                 || case when ids.event_id is null then 'report ' || corrections.report_id
                         else 'report ' || corrections.target_report_id end
                 || ' is in no event (it waits in report_review_queue or was corrected as not an event): correct it first'
    end as problem,
    case
        when corrections.field = 'not_an_event' then 'dropped from every mart'
        when corrections.status = 'matched' and reports.is_flagged then 'report_review_queue'
        when corrections.status = 'matched' and ids.event_id is not null then 'fct_event_reports, fct_events'
    end as shown_in
from corrections
left join reports on corrections.report_id = reports.report_id
left join ids on corrections.report_id = ids.report_id
left join ids as target_ids on corrections.target_report_id = target_ids.report_id
