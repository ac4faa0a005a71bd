-- fct_events in ACLED's export format: ACLED's column names, codes and column order, one row per
-- event, so scripts written for ACLED files read it unchanged. Published as
-- EXPORTS_DIR/acled_format.csv and .parquet. Code mappings (documented in acled_format.yml):
--   event_id_cnty   country ISO3 + the registry's event_number (stable, unique across countries)
--   time_precision  day 1, week 2, month or year 3
--   disorder_type   Battles, Explosions/Remote violence, Violence against civilians -> Political
--                   violence; Protests -> Demonstrations ('Excessive force against protesters':
--                   Political violence; Demonstrations); Riots: Violent demonstration ->
--                   Demonstrations, Mob violence -> Political violence; Strategic developments
--   inter1 / inter2 actor type: State Forces 1, Rebel Groups 2, Political Militias 3, Identity
--                   Militias 4, Rioters 5, Protesters 6, Civilians 7, External/Other Forces 8; no actor 0
--   interaction     the two codes as one number, lower first (1 and 3 -> 13); one actor: its code then 0 (20)
--   geo_precision   site, village, town, city -> 1; admin3, admin2 -> 2; admin1, region, country, none -> 3
--   fatalities      fatalities_best, 0 when no report states a figure (ACLED's convention)
--   timestamp       Unix time of the event's last extraction or correction
{{ config(materialized='incremental', incremental_strategy='diff', unique_key='event_id_cnty') }}
with

events as (
    select * from {{ ref('fct_events') }}
),

actors as (
    select actor_id, actor_type from {{ ref('stg_actors') }}
),

inter_codes as (
    select * from (values
        ('State Forces', 1), ('Rebel Groups', 2), ('Political Militias', 3), ('Identity Militias', 4),
        ('Rioters', 5), ('Protesters', 6), ('Civilians', 7), ('External/Other Forces', 8)
    ) as t(actor_type, inter)
),

report_facts as (
    -- per event: the sources' scales and the time of its last change
    select
        reports.event_id,
        string_agg(distinct scales.source_scale, '-' order by scales.source_scale) as source_scale,
        max(reports.extracted_at) as last_extracted_at
    from {{ ref('fct_event_reports') }} as reports
    left join {{ ref('source_scales') }} as scales
        on scales.site = lower(reports.site)
        or scales.site = regexp_extract(lower(reports.url), '^[a-z]+://(www\.)?([^/:?#]+)', 2)
    group by 1
),

last_corrections as (
    select event_id, max(corrected_on) as last_corrected_on
    from {{ ref('report_correction_status') }}
    where status = 'applied' and event_id is not null
    group by 1
),

coded as (
    select
        events.*,
        coalesce(inter1.inter, 0) as inter1,
        coalesce(inter2.inter, 0) as inter2,
        actor2.actor_type as actor2_type,
        countries.iso,
        countries.region,
        report_facts.source_scale,
        greatest(report_facts.last_extracted_at, cast(last_corrections.last_corrected_on as timestamp)) as last_changed_at
    from events
    left join actors as actor1 on events.actor1_id = actor1.actor_id
    left join actors as actor2 on events.actor2_id = actor2.actor_id
    left join inter_codes as inter1 on actor1.actor_type = inter1.actor_type
    left join inter_codes as inter2 on actor2.actor_type = inter2.actor_type
    left join {{ ref('countries') }} as countries on events.country = countries.country
    left join report_facts on events.event_id = report_facts.event_id
    left join last_corrections on events.event_id = last_corrections.event_id
)

select
    event_id_cnty,
    event_date,
    cast(year(event_date) as integer) as year,
    case date_precision when 'day' then 1 when 'week' then 2 else 3 end as time_precision,
    case
        when event_type in ('Battles', 'Explosions/Remote violence', 'Violence against civilians') then 'Political violence'
        when sub_event_type = 'Excessive force against protesters' then 'Political violence; Demonstrations'
        when event_type = 'Protests' then 'Demonstrations'
        when sub_event_type = 'Mob violence' then 'Political violence'
        when event_type = 'Riots' then 'Demonstrations'
        when event_type = 'Strategic developments' then 'Strategic developments'
    end as disorder_type,
    event_type,
    sub_event_type,
    actor1,
    cast(null as varchar) as assoc_actor_1,
    inter1,
    actor2,
    cast(null as varchar) as assoc_actor_2,
    inter2,
    case
        when inter1 > 0 and inter2 > 0 then least(inter1, inter2) * 10 + greatest(inter1, inter2)
        else greatest(inter1, inter2) * 10
    end as interaction,
    case when event_type = 'Violence against civilians' or actor2_type = 'Civilians' then 'Civilian targeting' end as civilian_targeting,
    iso,
    region,
    country,
    admin1,
    admin2,
    case when location_precision = 'admin3' then location end as admin3,
    coalesce(location, admin2, admin1, country) as location,
    latitude,
    longitude,
    case
        when location_precision in ('site', 'village', 'town', 'city') then 1
        when location_precision in ('admin3', 'admin2') then 2
        else 3
    end as geo_precision,
    nullif(array_to_string(sites, '; '), '') as source,
    source_scale,
    notes,
    coalesce(fatalities_best, 0) as fatalities,
    cast(null as varchar) as tags,
    cast(epoch(last_changed_at) as bigint) as "timestamp"
from coded
