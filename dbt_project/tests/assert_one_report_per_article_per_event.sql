-- Reports of the same article are different incidents by construction: never in one event.
select event_id, article_id, count(*) as n_reports
from {{ ref('fct_event_reports') }}
where event_id is not null
group by 1, 2
having count(*) > 1
