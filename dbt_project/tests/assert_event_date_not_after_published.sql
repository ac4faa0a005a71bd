-- Reports in the analyst marts never describe an incident after the article was published
-- (those that do are flagged and sit in report_review_queue).
select report_id, event_date, published_date
from {{ ref('fct_event_reports') }}
where event_date > published_date
