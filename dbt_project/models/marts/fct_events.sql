-- One row per real-world incident (cluster of unflagged reports from different articles).
-- Attribute picks:
--   * location (place, admin1/2, country, coordinates): the report with the most precise place
--     (site < village < town < city < admin3 < admin2 < admin1 < country), then latest published;
--   * event_date / date_precision: the report with the most precise date, then the earliest date;
--   * event type and actors: the report with the most known actors, then latest published.
--   * fatalities_low / high = min / max of the reports' killed; fatalities_best = killed of the
--     most credible report = the latest published one that states a figure (ties -> the larger).
--     Same for injured_* with wounded. NULL when no report states a figure.
-- Flagged reports (quality_issue not null; listed in marts.report_review_queue) are excluded before aggregation.
-- event_id is the stable id of the event's group (event_id_registry via int_event_ids); event_id_cnty
-- is ACLED's form of it (country ISO3 + the registry's event_number); notes is an English
-- description built from the fields (macros/notes.sql, seed note_templates).
-- Incremental 'diff' (macros/incremental_diff.sql): computed whole, only changed rows rewritten.
{{ config(materialized='incremental', incremental_strategy='diff', unique_key='event_id') }}
with

reports as (
    select
        reports.*,
        clusters.event_id,
        clusters.event_number,
        clusters.clustering_rule,
        (case when reports.actor1_id is not null then 1 else 0 end
         + case when reports.actor2_id is not null then 1 else 0 end) as n_known_actors
    from {{ ref('int_event_reports_flagged') }} as reports
    inner join {{ ref('int_event_ids') }} as clusters
        on reports.report_id = clusters.report_id
    where not reports.is_flagged
),

aggregated as (
    select
        event_id,

        first(event_date order by date_precision_rank, event_date, report_id) as event_date,
        first(date_precision order by date_precision_rank, event_date, report_id) as date_precision,

        first(country order by (country is null), location_precision_rank, published_date desc nulls last, report_id) as country,
        first(admin1 order by (admin1 is null), location_precision_rank, published_date desc nulls last, report_id) as admin1,
        first(admin2 order by location_precision_rank, published_date desc nulls last, report_id) as admin2,
        first(location order by location_precision_rank, published_date desc nulls last, report_id) as location,
        first(place_id order by location_precision_rank, published_date desc nulls last, report_id) as place_id,
        first(location_precision order by location_precision_rank, published_date desc nulls last, report_id) as location_precision,
        first(latitude order by location_precision_rank, published_date desc nulls last, report_id) as latitude,
        first(longitude order by location_precision_rank, published_date desc nulls last, report_id) as longitude,

        first(event_type order by (event_type is null), n_known_actors desc, published_date desc nulls last, report_id) as event_type,
        first(sub_event_type order by (event_type is null), n_known_actors desc, published_date desc nulls last, report_id) as sub_event_type,
        first(event_type_rule order by (event_type is null), n_known_actors desc, published_date desc nulls last, report_id) as event_type_rule,
        first(actor1 order by (event_type is null), n_known_actors desc, published_date desc nulls last, report_id) as actor1,
        first(actor2 order by (event_type is null), n_known_actors desc, published_date desc nulls last, report_id) as actor2,
        first(actor1_id order by (event_type is null), n_known_actors desc, published_date desc nulls last, report_id) as actor1_id,
        first(actor2_id order by (event_type is null), n_known_actors desc, published_date desc nulls last, report_id) as actor2_id,

        min(killed) as fatalities_low,
        first(killed order by published_date desc nulls last, killed desc) filter (where killed is not null) as fatalities_best,
        max(killed) as fatalities_high,
        min(wounded) as injured_low,
        first(wounded order by published_date desc nulls last, wounded desc) filter (where wounded is not null) as injured_best,
        max(wounded) as injured_high,

        count(*) as n_reports,
        count(distinct source_key) as n_sources,
        count(distinct article_id) as n_articles,
        min(published_date) as first_published_date,
        max(published_date) as last_published_date,
        list(report_id order by report_id) as report_ids,
        list(distinct site order by site) filter (where site is not null) as sites,  -- sorted: deterministic across builds
        bool_or(clustering_rule = 'split_same_article') as has_split_report,
        any_value(event_number) as event_number,
        bool_or(is_corrected) as is_corrected,
        string_agg(report_id || ' ' || correction_reason, '; ' order by report_id) filter (where is_corrected) as correction_reason
    from reports
    group by event_id
),

noted as (
    select
        aggregated.*,
        coalesce(countries.iso3, 'XXX') || aggregated.event_number as event_id_cnty,
        {{ note_date_phrase('aggregated.event_date', 'aggregated.date_precision') }} as note_date,
        {{ note_clause(note_actor_name('aggregated.actor1', 'actor1.actor_type'),
                       note_actor_name('aggregated.actor2', 'actor2.actor_type'), 'templates') }}
            || {{ note_place_phrase('aggregated.location', 'aggregated.location_precision', 'aggregated.admin2',
                                    'aggregated.admin1', 'aggregated.country') }} || '.' as note_clause,
        {{ note_toll_sentence('aggregated.fatalities_best', 'aggregated.injured_best',
                              'aggregated.fatalities_low', 'aggregated.fatalities_high') }} as note_toll
    from aggregated
    left join {{ ref('countries') }} as countries on aggregated.country = countries.country
    left join {{ ref('stg_actors') }} as actor1 on aggregated.actor1_id = actor1.actor_id
    left join {{ ref('stg_actors') }} as actor2 on aggregated.actor2_id = actor2.actor_id
    left join {{ ref('note_templates') }} as templates on aggregated.sub_event_type = templates.sub_event_type
)

select
    event_id,
    event_date,
    date_precision,
    country,
    admin1,
    location,
    latitude,
    longitude,
    event_type,
    sub_event_type,
    actor1,
    actor2,
    fatalities_low,
    fatalities_best,
    fatalities_high,
    injured_low,
    injured_best,
    injured_high,
    n_reports,
    n_sources,

    admin2,
    place_id,
    location_precision,
    event_type_rule,
    actor1_id,
    actor2_id,
    n_articles,
    first_published_date,
    last_published_date,
    report_ids,
    sites,
    has_split_report,

    event_id_cnty,
    {{ note_from_parts('note_date', 'note_clause', 'note_toll') }} as notes,
    is_corrected,
    correction_reason
from noted
