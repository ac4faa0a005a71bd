-- One row per classified report (int_event_reports_classified) with its quality flags:
-- implausible tolls (var max_plausible_casualties, also for any victim-breakdown row), an event
-- date after the article's publication, coordinates outside the country's bounding box
-- (var country_bboxes + bbox_tolerance_deg), no resolvable event date. is_flagged = any flag;
-- quality_issue says which, in words. The marts and the dedup read this model.
-- A view: a few comparisons over the stored enriched rows.
{{ config(materialized='view') }}
with

classified as (
    select * from {{ ref('int_event_reports_classified') }}
),

victims as (
    select
        report_id,
        bool_or(killed < 0 or killed > {{ var('max_plausible_casualties') }}
                or wounded < 0 or wounded > {{ var('max_plausible_casualties') }}) as has_implausible_breakdown
    from {{ ref('int_report_victims') }}
    group by 1
),

bboxes as (
    {{ country_bbox_values() }}
),

flagged as (
    select
        classified.*,
        coalesce(victims.has_implausible_breakdown, false) as has_implausible_breakdown,
        (killed < 0 or killed > {{ var('max_plausible_casualties') }}) is true as is_implausible_killed,
        (wounded < 0 or wounded > {{ var('max_plausible_casualties') }}) is true as is_implausible_wounded,
        (event_date > published_date) is true as is_date_after_published,
        (
            latitude is not null and longitude is not null and bboxes.country is not null
            and (
                latitude  not between bboxes.min_lat - {{ var('bbox_tolerance_deg') }} and bboxes.max_lat + {{ var('bbox_tolerance_deg') }}
                or longitude not between bboxes.min_lon - {{ var('bbox_tolerance_deg') }} and bboxes.max_lon + {{ var('bbox_tolerance_deg') }}
            )
        ) is true as is_outside_country_bbox
    from classified
    left join victims on classified.report_id = victims.report_id
    left join bboxes on classified.country = bboxes.country
)

select
    report_id,
    article_id,
    seq,
    published_date,
    site,
    source_key,
    url,
    article_title,

    event_date,
    date_precision,
    date_precision_rank,
    date_rule,
    date_text,

    place_id,
    place_name as location,
    place_name_ar as location_ar,
    location_text,
    location_precision,
    location_precision_rank,
    admin1,
    admin2,
    country,
    country_source,
    latitude,
    longitude,

    trigger_id,
    trigger_text,
    trigger_event_type,
    trigger_sub_event_type,
    event_type,
    sub_event_type,
    event_type_rule,
    is_single_actor_battle,

    actor1_id,
    actor1,
    actor1_type,
    actor2_id,
    actor2,
    actor2_type,

    killed,
    wounded,
    killed_rule,
    wounded_rule,
    vague_text,
    evidence,
    has_victim_breakdown,
    has_civilian_victims,
    has_armed_victims,
    civilian_killed,
    civilian_wounded,

    is_implausible_killed,
    is_implausible_wounded,
    has_implausible_breakdown,
    is_date_after_published,
    is_outside_country_bbox,
    -- ACLED codes no event without a date: a report whose date could not be resolved (relative
    -- dates in an article whose publication date is unknown) waits for an analyst
    event_date is null as is_undated,
    (is_implausible_killed or is_implausible_wounded or has_implausible_breakdown
        or is_date_after_published or is_outside_country_bbox or event_date is null) as is_flagged,
    nullif(concat_ws('; ',
        case when is_implausible_killed then 'implausible killed (' || killed || ')' end,
        case when is_implausible_wounded then 'implausible wounded (' || wounded || ')' end,
        case when has_implausible_breakdown then 'implausible victim breakdown' end,
        case when is_date_after_published then 'event_date ' || event_date || ' after published_date ' || published_date end,
        case when is_outside_country_bbox then 'coordinates outside ' || country || ' bounding box' end,
        case when event_date is null then 'event date unknown (' || coalesce(date_rule, 'no date') || ')' end
    ), '') as quality_issue,

    extractor_version,
    extracted_at,

    -- analyst corrections applied to this report (seed report_corrections)
    is_corrected,
    corrected_fields,
    correction_reason,

    -- input state of the article when this row was built (incremental bookkeeping)
    article_ingested_at,
    article_cleaned_at,
    reports_extracted_at,
    article_n_reports

from flagged
