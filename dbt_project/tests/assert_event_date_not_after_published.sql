-- Unflagged reports never describe an incident after the article was published.
select report_id, event_date, published_date
from {{ ref('fct_event_reports') }}
where not is_flagged
  and event_date > published_date
