-- A victim side cannot have more killed than the report's stated total (when both are known).
-- warn: the extractor may legitimately read a side figure from another sentence.
-- (Both marts hold only reports that passed the quality rules.)
{{ config(severity='warn') }}
select c.casualty_id, c.killed, r.killed as report_killed
from {{ ref('fct_casualties') }} as c
inner join {{ ref('fct_event_reports') }} as r on c.report_id = r.report_id
where c.killed is not null and r.killed is not null
  and c.killed > r.killed
