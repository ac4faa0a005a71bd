-- fct_events in the UCDP GED format, the fields that apply: one row per event, published as
-- EXPORTS_DIR/ucdp_ged_format.csv (and .parquet). Mappings (documented in ucdp_ged_format.yml):
--   id                 the registry's event_number (the number in fct_events.event_id_cnty)
--   date_start/end     the span date_precision allows: the day; the week from event_date; the
--                      calendar month; the calendar year
--   date_prec          day 1, week 3, month 4, year 5
--   where_prec         site, village, town, city 1; admin3 2; admin2 3; admin1 4; region 5; country or no place 6
--   side_a / side_b    actor1 / actor2
--   deaths_*           the victim breakdown (fct_casualties) of the report that gives fatalities_best:
--                      a side's victims go to deaths_a / deaths_b (same actor, else the same actor type as
--                      only that side), civilians to deaths_civilians, the rest of best to deaths_unknown
--                      (all of it when that report has no breakdown)
--   best / low / high  fatalities_best / _low / _high, 0 when no report states a figure
--   source_article     each article as "site, publication date, url" ('; '-separated)
{{ config(materialized='incremental', incremental_strategy='diff', unique_key='id') }}
with

events as (
    select * from {{ ref('fct_events') }}
),

reports as (
    select * from {{ ref('fct_event_reports') }}
),

actors as (
    select actor_id, actor_type from {{ ref('stg_actors') }}
),

best_reports as (
    -- the report fatalities_best comes from (fct_events: the latest published report stating a
    -- figure, ties: the larger)
    select event_id, report_id
    from reports
    where killed is not null
    qualify row_number() over (partition by event_id order by published_date desc nulls last, killed desc, report_id) = 1
),

sides as (
    select
        best_reports.event_id,
        sum(case
                when casualties.victim_group = 'Civilians' then 0
                when casualties.victim_actor_id = events.actor1_id then casualties.killed
                when casualties.victim_actor_id = events.actor2_id then 0
                when casualties.victim_actor_type = actor1.actor_type
                     and casualties.victim_actor_type is distinct from actor2.actor_type then casualties.killed
                else 0 end) as deaths_a,
        sum(case
                when casualties.victim_group = 'Civilians' then 0
                when casualties.victim_actor_id = events.actor1_id then 0
                when casualties.victim_actor_id = events.actor2_id then casualties.killed
                when casualties.victim_actor_type = actor2.actor_type
                     and casualties.victim_actor_type is distinct from actor1.actor_type then casualties.killed
                else 0 end) as deaths_b,
        sum(case when casualties.victim_group = 'Civilians' then casualties.killed else 0 end) as deaths_civilians
    from best_reports
    inner join events on best_reports.event_id = events.event_id
    inner join {{ ref('fct_casualties') }} as casualties on best_reports.report_id = casualties.report_id
    left join actors as actor1 on events.actor1_id = actor1.actor_id
    left join actors as actor2 on events.actor2_id = actor2.actor_id
    where casualties.killed is not null
    group by 1
),

sources as (
    select event_id, string_agg(source, '; ' order by published_date, source) as source_article
    from (
        select distinct event_id, published_date,
               concat_ws(', ', site, cast(published_date as varchar), coalesce(url, article_id)) as source
        from reports
    )
    group by 1
),

registry as (
    select event_id, event_number from {{ ref('event_id_registry') }}
)

select
    registry.event_number as id,
    events.event_date as date_start,
    case events.date_precision
        when 'week' then events.event_date + 6
        when 'month' then cast(last_day(events.event_date) as date)
        when 'year' then cast(make_date(year(events.event_date), 12, 31) as date)
        else events.event_date
    end as date_end,
    case events.date_precision when 'day' then 1 when 'week' then 3 when 'month' then 4 when 'year' then 5 end as date_prec,
    case
        when events.location_precision in ('site', 'village', 'town', 'city') then 1
        when events.location_precision = 'admin3' then 2
        when events.location_precision = 'admin2' then 3
        when events.location_precision = 'admin1' then 4
        when events.location_precision = 'region' then 5
        else 6
    end as where_prec,
    events.latitude,
    events.longitude,
    events.country,
    events.admin1 as adm_1,
    events.actor1 as side_a,
    events.actor2 as side_b,
    cast(coalesce(sides.deaths_a, 0) as integer) as deaths_a,
    cast(coalesce(sides.deaths_b, 0) as integer) as deaths_b,
    cast(coalesce(sides.deaths_civilians, 0) as integer) as deaths_civilians,
    cast(greatest(coalesce(events.fatalities_best, 0)
             - coalesce(sides.deaths_a, 0) - coalesce(sides.deaths_b, 0) - coalesce(sides.deaths_civilians, 0), 0) as integer) as deaths_unknown,
    coalesce(events.fatalities_best, 0) as best,
    coalesce(events.fatalities_low, 0) as low,
    coalesce(events.fatalities_high, 0) as high,
    sources.source_article
from events
inner join registry on events.event_id = registry.event_id
left join sides on events.event_id = sides.event_id
left join sources on events.event_id = sources.event_id
