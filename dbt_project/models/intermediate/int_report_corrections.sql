-- Analyst corrections (seed report_corrections) matched to the reports they correct, with their
-- values parsed and checked. One row per correction.
--
-- A correction is keyed by what re-extraction keeps: the article (article_id comes from the
-- canonical URL or the text fingerprint) and words of the report's evidence (evidence_match; empty
-- = the article's only report). It matches the reports of that article whose evidence contains
-- those words (whitespace runs compared as one space). status:
--   matched      exactly one report, valid field and value: int_event_reports_enriched applies it
--                (same_event_as: int_event_groups)
--   superseded   a newer correction of the same field of the same report wins (corrected_on, then correction_id)
--   no_match     orphaned: no report of the article contains the words any more (or the article is unknown)
--   ambiguous    several reports of the article contain them
--   invalid_field, invalid_value, target_no_match, target_ambiguous: see `problem`
-- Every status but matched / superseded fails the test assert_corrections_match_one_report.
-- Rebuilt whole every run (a few rows, joined to the reports of the corrected articles only).
{%- set fields = ['killed', 'wounded', 'event_date', 'place_id', 'actor1_id', 'actor2_id',
                  'event_type', 'sub_event_type', 'not_an_event', 'same_event_as'] %}
with

corrections as (
    select
        trim(correction_id) as correction_id,
        trim(article_id) as article_id,
        nullif({{ squash_spaces('evidence_match') }}, '') as evidence_match,
        lower(trim(field)) as field,
        {{ nullif_blank('corrected_value') }} as corrected_value,
        {{ nullif_blank('analyst') }} as analyst,
        {{ nullif_blank('reason') }} as reason,
        try_cast(trim(corrected_on) as date) as corrected_on,
        -- same_event_as: the other report, `article_id` or `article_id | evidence words`
        case when lower(trim(field)) = 'same_event_as' then
            trim(split_part(coalesce(corrected_value, ''), '|', 1))
        end as target_article_id,
        case when lower(trim(field)) = 'same_event_as' and strpos(coalesce(corrected_value, ''), '|') > 0 then
            nullif({{ squash_spaces("substr(corrected_value, strpos(corrected_value, '|') + 1)") }}, '')
        end as target_evidence_match
    from {{ ref('report_corrections') }}
),

reports as (
    select report_id, article_id, {{ squash_spaces('evidence') }} as evidence
    from {{ ref('stg_event_reports') }}
    where article_id in (select article_id from corrections union select target_article_id from corrections)
),

article_reports as (
    select article_id, count(*) as n_reports from reports group by 1
),

matches as (
    select
        corrections.correction_id,
        count(reports.report_id) as n_matching_reports,
        min(reports.report_id) as report_id
    from corrections
    left join reports
        on reports.article_id = corrections.article_id
        and (corrections.evidence_match is null or contains(reports.evidence, corrections.evidence_match))
    group by 1
),

target_matches as (
    select
        corrections.correction_id,
        count(reports.report_id) as n_matching_targets,
        min(reports.report_id) as target_report_id
    from corrections
    left join reports
        on reports.article_id = corrections.target_article_id
        and (corrections.target_evidence_match is null or contains(reports.evidence, corrections.target_evidence_match))
    where corrections.field = 'same_event_as'
    group by 1
),

sub_event_types as (
    {{ acled_sub_event_type_values() }}
),

parsed as (
    select
        corrections.*,
        matches.n_matching_reports,
        case when matches.n_matching_reports = 1 then matches.report_id end as report_id,
        coalesce(article_reports.n_reports, 0) as n_article_reports,
        target_matches.n_matching_targets,
        case when target_matches.n_matching_targets = 1 then target_matches.target_report_id end as target_report_id,
        -- killed / wounded
        case when corrections.field in ('killed', 'wounded') then try_cast(corrections.corrected_value as integer) end as int_value,
        -- event_date: YYYY-MM-DD (day), YYYY-MM (month), YYYY (year)
        case
            when corrections.field <> 'event_date' then null
            when regexp_full_match(corrections.corrected_value, '\d{4}-\d{2}-\d{2}') then try_cast(corrections.corrected_value as date)
            when regexp_full_match(corrections.corrected_value, '\d{4}-\d{2}') then try_cast(corrections.corrected_value || '-01' as date)
            when regexp_full_match(corrections.corrected_value, '\d{4}') then try_cast(corrections.corrected_value || '-01-01' as date)
        end as date_value,
        case
            when corrections.field <> 'event_date' then null
            when regexp_full_match(corrections.corrected_value, '\d{4}-\d{2}-\d{2}') then 'day'
            when regexp_full_match(corrections.corrected_value, '\d{4}-\d{2}') then 'month'
            when regexp_full_match(corrections.corrected_value, '\d{4}') then 'year'
        end as date_precision_value,
        -- the event type a sub-event type belongs to
        case when corrections.field = 'sub_event_type' then
            (select min(s.event_type) from sub_event_types as s where s.sub_event_type = corrections.corrected_value)
        end as event_type_value,
        places.place_id is not null as is_known_place,
        actors.actor_id is not null as is_known_actor
    from corrections
    left join matches on corrections.correction_id = matches.correction_id
    left join target_matches on corrections.correction_id = target_matches.correction_id
    left join article_reports on corrections.article_id = article_reports.article_id
    left join {{ ref('stg_places') }} as places
        on corrections.field = 'place_id' and places.place_id = corrections.corrected_value
    left join {{ ref('stg_actors') }} as actors
        on corrections.field in ('actor1_id', 'actor2_id') and actors.actor_id = corrections.corrected_value
),

checked as (
    select
        *,
        case
            when field not in {{ sql_string_list(fields) }} then 'invalid_field'
            when n_matching_reports = 0 then 'no_match'
            when n_matching_reports > 1 then 'ambiguous'
            when field in ('killed', 'wounded') and corrected_value is not null and not coalesce(int_value >= 0, false) then 'invalid_value'
            when field = 'event_date' and date_value is null then 'invalid_value'
            when field = 'place_id' and not is_known_place then 'invalid_value'
            when field in ('actor1_id', 'actor2_id') and corrected_value is not null and not is_known_actor then 'invalid_value'
            when field = 'event_type' and coalesce(corrected_value, '') not in {{ sql_string_list(var('acled_event_types')) }} then 'invalid_value'
            when field = 'sub_event_type' and event_type_value is null then 'invalid_value'
            when field = 'same_event_as' and n_matching_targets = 0 then 'target_no_match'
            when field = 'same_event_as' and n_matching_targets > 1 then 'target_ambiguous'
            when field = 'same_event_as' and target_report_id = report_id then 'invalid_value'
            else 'matched'
        end as match_status
    from parsed
),

ranked as (
    select
        *,
        -- the newest correction of a field of a report wins (same_event_as links all apply)
        case when match_status = 'matched' and field <> 'same_event_as' then
            row_number() over (partition by report_id, field, match_status = 'matched' and field <> 'same_event_as'
                               order by corrected_on desc nulls last, correction_id desc)
        end as field_rank
    from checked
)

select
    correction_id,
    article_id,
    evidence_match,
    field,
    corrected_value,
    analyst,
    reason,
    corrected_on,
    report_id,
    n_matching_reports,
    target_report_id,
    case when match_status = 'matched' and field_rank > 1 then 'superseded' else match_status end as status,
    case match_status
        when 'invalid_field' then 'correction ' || correction_id || ': unknown field ''' || coalesce(field, '') || ''' (use one of '
            || {{ "'" ~ fields | join(', ') ~ "'" }} || ')'
        when 'no_match' then 'correction ' || correction_id || ' matches no report: '
            || case when n_article_reports = 0
                    then 'article ' || coalesce(article_id, '(empty)') || ' has no extracted report (unknown article_id, or its re-extraction found no incident)'
                    else 'no report of article ' || article_id || ' has evidence containing "' || evidence_match
                         || '" (re-extracted since the correction was made?); find the report again in fct_event_reports / report_review_queue and update evidence_match, or delete the row'
               end
        when 'ambiguous' then 'correction ' || correction_id || ' matches ' || n_matching_reports || ' reports of article ' || article_id
            || ': copy more words of the evidence into evidence_match'
        when 'invalid_value' then 'correction ' || correction_id || ': invalid ' || field || ' value '''
            || coalesce(corrected_value, '') || ''' ('
            || case field
                   when 'killed' then 'a whole number >= 0, or empty for not stated'
                   when 'wounded' then 'a whole number >= 0, or empty for not stated'
                   when 'event_date' then 'YYYY-MM-DD, YYYY-MM or YYYY'
                   when 'place_id' then 'a location_id of dim_locations'
                   when 'event_type' then 'an ACLED event type'
                   when 'sub_event_type' then 'an ACLED sub-event type'
                   when 'same_event_as' then 'another report than the corrected one'
                   else 'an actor_id of dim_actors, or empty for no actor'
               end || ')'
        when 'target_no_match' then 'correction ' || correction_id || ' (same_event_as): no report of article '
            || coalesce(nullif(target_article_id, ''), '(empty)')
            || coalesce(' has evidence containing "' || target_evidence_match || '"', ' exists')
        when 'target_ambiguous' then 'correction ' || correction_id || ' (same_event_as): ' || n_matching_targets
            || ' reports of article ' || target_article_id || ' match; write the value as "article_id | evidence words"'
    end as problem,
    int_value,
    date_value,
    date_precision_value,
    event_type_value
from ranked
