-- Every analyst correction (seed report_corrections) must match exactly one report and carry a
-- valid value. A row returned here is a correction that is NOT applied: orphaned (its report is
-- gone or its evidence changed, e.g. after a re-extraction), ambiguous, or invalid. `problem`
-- says which and what to do; the rows are also stored in dbt_test__audit (store_failures).
{{ config(store_failures=true) }}
select correction_id, status, problem
from {{ ref('report_correction_status') }}
where status not in ('applied', 'superseded')
