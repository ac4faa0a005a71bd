-- One row per extracted report, enriched: the matched analyst corrections applied, then the
-- report's place, actors, trigger, victim breakdown and article context joined, and its country
-- chosen (place, else article, else actor1). The ACLED event-type rules come next
-- (int_event_reports_classified), then the quality flags (int_event_reports_flagged).
-- Incremental per article (macros/incremental_articles.sql): only reports of new / re-cleaned /
-- re-extracted articles are recomputed; reports gone from the source are deleted.
{{ config(
    materialized='incremental',
    unique_key='article_id',
    incremental_strategy='delete+insert',
    post_hook="{% if is_incremental() %}delete from {{ this }} where report_id not in (select report_id from {{ ref('stg_event_reports') }}){% endif %}"
) }}
with

extracted as (
    select * from {{ ref('stg_event_reports') }}
    {{ article_filter('article_id') }}
),

corrections as (
    -- the analyst corrections that apply (int_report_corrections: one matched report, valid value,
    -- the newest per field), one row per corrected report
    select
        report_id,
        bool_or(field = 'killed') as corrects_killed,
        any_value(int_value) filter (where field = 'killed') as killed,
        bool_or(field = 'wounded') as corrects_wounded,
        any_value(int_value) filter (where field = 'wounded') as wounded,
        bool_or(field = 'event_date') as corrects_event_date,
        any_value(date_value) filter (where field = 'event_date') as event_date,
        any_value(date_precision_value) filter (where field = 'event_date') as date_precision,
        bool_or(field = 'place_id') as corrects_place_id,
        any_value(corrected_value) filter (where field = 'place_id') as place_id,
        bool_or(field = 'actor1_id') as corrects_actor1_id,
        any_value(corrected_value) filter (where field = 'actor1_id') as actor1_id,
        bool_or(field = 'actor2_id') as corrects_actor2_id,
        any_value(corrected_value) filter (where field = 'actor2_id') as actor2_id,
        bool_or(field = 'event_type') as corrects_event_type,
        any_value(corrected_value) filter (where field = 'event_type') as event_type,
        bool_or(field = 'sub_event_type') as corrects_sub_event_type,
        any_value(corrected_value) filter (where field = 'sub_event_type') as sub_event_type,
        any_value(event_type_value) filter (where field = 'sub_event_type') as sub_event_type_event_type,
        bool_or(field = 'not_an_event') as is_not_an_event,
        list(distinct field order by field) as corrected_fields,
        string_agg(field || ': ' || coalesce(reason, 'no reason given')
                   || ' (' || concat_ws(', ', correction_id, analyst, corrected_on) || ')', '; '
                   order by field, correction_id) as correction_reason
    from {{ ref('int_report_corrections') }}
    where status = 'matched'
    group by 1
),

reports as (
    -- corrected values replace the extracted ones before anything is derived from them (place ->
    -- admin1, actors -> event type, date -> quality flags); a report corrected as not an event is dropped
    select
        extracted.* replace (
            case when c.corrects_killed then c.killed else extracted.killed end as killed,
            case when c.corrects_killed then 'analyst_correction' else extracted.killed_rule end as killed_rule,
            case when c.corrects_wounded then c.wounded else extracted.wounded end as wounded,
            case when c.corrects_wounded then 'analyst_correction' else extracted.wounded_rule end as wounded_rule,
            case when c.corrects_event_date then c.event_date else extracted.event_date end as event_date,
            case when c.corrects_event_date then c.date_precision else extracted.date_precision end as date_precision,
            case when c.corrects_event_date then 'analyst_correction' else extracted.date_rule end as date_rule,
            case when c.corrects_place_id then c.place_id else extracted.place_id end as place_id,
            case when c.corrects_actor1_id then c.actor1_id else extracted.actor1_id end as actor1_id,
            case when c.corrects_actor2_id then c.actor2_id else extracted.actor2_id end as actor2_id
        ),
        coalesce(c.corrects_event_type or c.corrects_sub_event_type, false) as corrects_type,
        case when c.corrects_sub_event_type then c.sub_event_type_event_type
             when c.corrects_event_type then c.event_type end as corrected_event_type,
        c.corrects_sub_event_type,
        c.sub_event_type as corrected_sub_event_type,
        c.report_id is not null as is_corrected,
        c.corrected_fields,
        c.correction_reason
    from extracted
    left join corrections as c on extracted.report_id = c.report_id
    where c.is_not_an_event is not true
),

articles as (
    select * from {{ ref('int_articles') }}
),

places as (
    select * from {{ ref('stg_places') }}
),

actors as (
    select * from {{ ref('stg_actors') }}
),

triggers as (
    select * from {{ ref('stg_event_triggers') }}
),

article_countries as (
    select * from {{ ref('int_article_countries') }}
),

victims as (
    select
        victims.report_id,
        bool_or(victims.victim_actor_id = 'civilians' or victim_actors.actor_type = 'Civilians') as has_civilian_victims,
        bool_or(coalesce(victim_actors.is_armed, false)) as has_armed_victims,
        sum(case when victims.victim_actor_id = 'civilians' or victim_actors.actor_type = 'Civilians' then victims.killed end) as civilian_killed,
        sum(case when victims.victim_actor_id = 'civilians' or victim_actors.actor_type = 'Civilians' then victims.wounded end) as civilian_wounded,
        count(*) as n_victim_rows
    from {{ ref('int_report_victims') }} as victims
    left join {{ ref('stg_actors') }} as victim_actors
        on victims.victim_actor_id = victim_actors.actor_id
    group by 1
),

joined as (
    select
        reports.*,
        articles.published_date,
        articles.site,
        articles.source_key,
        articles.url,
        articles.title as article_title,

        places.name as place_name,
        places.name_ar as place_name_ar,
        places.feature_type as location_precision,
        places.admin1,
        places.admin2,
        places.latitude,
        places.longitude,
        places.country as place_country,
        article_countries.country as article_country,
        article_countries.country_source as article_country_source,

        actor1.name as actor1,
        actor1.actor_type as actor1_type,
        actor1.country as actor1_country,
        coalesce(actor1.is_armed, false) as actor1_is_armed,
        actor2.name as actor2,
        actor2.actor_type as actor2_type,
        coalesce(actor2.is_armed, false) as actor2_is_armed,

        triggers.event_type as trigger_event_type,
        triggers.sub_event_type as trigger_sub_event_type,
        coalesce(triggers.is_two_sided, false) as trigger_is_two_sided,

        coalesce(victims.has_civilian_victims, false) as has_civilian_victims,
        coalesce(victims.has_armed_victims, false) as has_armed_victims,
        victims.civilian_killed,
        victims.civilian_wounded,
        coalesce(victims.n_victim_rows, 0) > 0 as has_victim_breakdown,

        inputs.article_ingested_at,
        inputs.article_cleaned_at,
        inputs.reports_extracted_at,
        inputs.article_n_reports

    from reports
    left join articles on reports.article_id = articles.article_id
    left join places on reports.place_id = places.place_id
    left join article_countries on reports.article_id = article_countries.article_id
    left join actors as actor1 on reports.actor1_id = actor1.actor_id
    left join actors as actor2 on reports.actor2_id = actor2.actor_id
    left join triggers on reports.trigger_id = triggers.trigger_id
    left join victims on reports.report_id = victims.report_id
    left join ({{ article_inputs() }}) as inputs on reports.article_id = inputs.article_id
),

located as (
    select
        *,
        -- country: the place's own country (place may be a country row), else the article's country
        -- (other located reports of the article, else country named in the text), else actor1's country
        coalesce(place_country, article_country, actor1_country) as country,
        case
            when place_country is not null then 'place'
            when article_country is not null then article_country_source
            when actor1_country is not null then 'actor1'
        end as country_source,
        case location_precision
            when 'site' then 1 when 'village' then 2 when 'town' then 3 when 'city' then 4
            when 'admin3' then 5 when 'admin2' then 6 when 'admin1' then 7 when 'country' then 8
            else 9
        end as location_precision_rank,
        case date_precision
            when 'day' then 1 when 'week' then 2 when 'month' then 3 when 'year' then 4 else 9
        end as date_precision_rank
    from joined
)

select * from located
