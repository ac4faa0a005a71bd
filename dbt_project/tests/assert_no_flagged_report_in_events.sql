-- fct_events aggregates only unflagged reports: n_reports must equal the unflagged reports
-- carrying that event_id, and no flagged report may carry an event_id.
with per_event as (
    select event_id, count(*) as n_reports
    from {{ ref('fct_event_reports') }}
    where event_id is not null and not is_flagged
    group by 1
)
select e.event_id, e.n_reports, p.n_reports as n_unflagged_reports
from {{ ref('fct_events') }} as e
left join per_event as p on e.event_id = p.event_id
where p.n_reports is distinct from e.n_reports
union all
select event_id, null, null
from {{ ref('fct_event_reports') }}
where is_flagged and event_id is not null
