-- One row per extracted report, enriched with place, actors, trigger and article context,
-- with the ACLED event-type rules applied and quality flags computed.
--
-- ACLED rules applied here (documented in int_event_reports_enriched.yml):
--   * Direct-violence triggers (trigger event_type Battles / Violence against civilians) become
--     'Violence against civilians' when
--       (a) actor2 (the target) is a Civilians actor, or
--       (b) there is no armed target (actor2 unknown or unarmed), the breakdown lists civilian
--           victims and no armed-side victims, and the trigger is not two-sided
--           (var two_sided_trigger_ids, e.g. 'armed_clash': civilians caught in crossfire stay Battles).
--     Sub-type: the trigger's 'Abduction/forced disappearance' is kept, otherwise 'Attack'.
--   * Battles with fewer than two known armed actors stay Battles (ACLED allows an
--     "unidentified armed group" side) and are marked is_single_actor_battle.
--   * Explosions/Remote violence (IED, air/drone strike, shelling...) always keep the trigger type.
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

sub_event_types as (
    {{ acled_sub_event_type_values() }}
),

articles as (
    select * from {{ ref('stg_articles') }}
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
        bool_or(victims.killed < 0 or victims.killed > {{ var('max_plausible_casualties') }}
                or victims.wounded < 0 or victims.wounded > {{ var('max_plausible_casualties') }}) as has_implausible_breakdown,
        count(*) as n_victim_rows
    from {{ ref('stg_report_victims') }} as victims
    left join {{ ref('stg_actors') }} as victim_actors
        on victims.victim_actor_id = victim_actors.actor_id
    group by 1
),

bboxes as (
    {{ country_bbox_values() }}
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
        coalesce(victims.has_implausible_breakdown, false) as has_implausible_breakdown,

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

typed as (
    select
        *,
        case
            when trigger_event_type is null
                then 'no_trigger'
            when trigger_event_type in ('Battles', 'Violence against civilians')
                 and actor2_type = 'Civilians'
                then 'vac_civilian_target'
            when trigger_event_type in ('Battles', 'Violence against civilians')
                 and not actor2_is_armed
                 and has_civilian_victims
                 and not has_armed_victims
                 and not trigger_is_two_sided
                then 'vac_civilian_victims'
            when trigger_event_type = 'Battles'
                 and not (actor1_is_armed and actor2_is_armed)
                then 'battle_single_actor'
            else 'trigger'
        end as event_type_rule
    from joined
),

rule_typed as (
    select
        *,
        case
            when event_type_rule in ('vac_civilian_target', 'vac_civilian_victims')
                then 'Violence against civilians'
            else trigger_event_type
        end as rule_event_type,
        case
            when event_type_rule in ('vac_civilian_target', 'vac_civilian_victims')
                then case
                    when trigger_sub_event_type in ('Abduction/forced disappearance', 'Sexual violence')
                        then trigger_sub_event_type
                    else 'Attack'
                end
            else trigger_sub_event_type
        end as rule_sub_event_type
    from typed
),

classified as (
    select
        rule_typed.* replace (
            case when corrects_type then 'analyst_correction' else event_type_rule end as event_type_rule
        ),
        -- an analyst's event / sub-event type wins; a corrected event type keeps the rules'
        -- sub-event type only when it is one of the new type's
        case when corrects_type then corrected_event_type else rule_event_type end as event_type,
        case
            when corrects_sub_event_type then corrected_sub_event_type
            when corrects_type then (select min(s.sub_event_type) from sub_event_types as s
                                     where s.event_type = rule_typed.corrected_event_type
                                       and s.sub_event_type = rule_typed.rule_sub_event_type)
            else rule_sub_event_type
        end as sub_event_type,
        event_type_rule = 'battle_single_actor' and not corrects_type as is_single_actor_battle,

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
    from rule_typed
),

flagged as (
    select
        classified.*,
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
