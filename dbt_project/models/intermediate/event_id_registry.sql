-- The event id registry: every event_id ever given out, with the reports it was last given to, so
-- an event keeps its id across runs while reports join it, leave it or are re-extracted.
-- One row per event_id. It is never rebuilt from scratch (full_refresh=false: `dbt build
-- --full-refresh` keeps it too); each build computes its next state from its current one:
--
--   1. Each report of a group (int_event_groups) carries the id it was last given, if any.
--   2. Each such id goes to ONE group: the group holding the id's founding report, else the group
--      with the most of its reports, else the smallest group_key.
--   3. A group keeps the OLDEST id it got (smallest event_number); the other ids it got are
--      retired (status 'retired', merged_into = the id kept): two events became one, and the
--      retired id is an alias of the kept one (marts.event_id_aliases).
--   4. A group that got no id is a new event: event_id = 'e_' || md5(group_key), the next
--      event_number. So a first build gives the same ids as the earlier scheme (md5 of the
--      smallest report_id).
--   5. An id no group got is 'dormant' (all its reports were removed, flagged or corrected away);
--      its reports keep it and take it back when they return.
-- Reports that are in no group now (flagged, removed by a re-extraction) stay listed under the id
-- that carries on their event, so they find it again when they come back. A cluster that splits
-- keeps its id on the part with the founding report; the other part gets a new id.
-- Written with the 'diff' strategy: only rows whose state changed are rewritten.
{{ config(
    materialized='incremental',
    incremental_strategy='diff',
    unique_key='event_id',
    full_refresh=false,
    on_schema_change='append_new_columns'
) }}
{%- set built_at = "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as timestamp)" %}
with

groups as (
    select report_id, group_key from {{ ref('int_event_groups') }}
),

{% if is_incremental() %}
previous as (
    select event_id, event_number, founding_report_id, status, merged_into, group_key,
           member_report_ids, created_at, retired_at
    from {{ this }}
),
{% else %}
previous as (
    select cast(null as varchar) as event_id, cast(null as bigint) as event_number,
           cast(null as varchar) as founding_report_id, cast(null as varchar) as status,
           cast(null as varchar) as merged_into, cast(null as varchar) as group_key,
           cast(null as varchar[]) as member_report_ids, cast(null as timestamp) as created_at,
           cast(null as timestamp) as retired_at
    where false
),
{% endif %}

previous_members as (
    -- each report as last assigned (retired ids hold none)
    select event_id, unnest(member_report_ids) as report_id
    from previous
    where status <> 'retired'
),

carriers as (
    select
        groups.group_key,
        previous_members.event_id,
        count(*) as n_carriers,
        bool_or(groups.report_id = previous.founding_report_id) as has_founder
    from groups
    inner join previous_members on groups.report_id = previous_members.report_id
    inner join previous on previous_members.event_id = previous.event_id
    group by 1, 2
),

owners as (
    -- step 2: one group per id
    select event_id, group_key
    from carriers
    qualify row_number() over (partition by event_id order by has_founder desc, n_carriers desc, group_key) = 1
),

owned as (
    select
        owners.event_id,
        owners.group_key,
        row_number() over (partition by owners.group_key order by previous.event_number) as age_rank
    from owners
    inner join previous on owners.event_id = previous.event_id
),

kept as (
    -- step 3: the oldest id of each group
    select group_key, event_id from owned where age_rank = 1
),

new_groups as (
    select distinct group_key from groups
    anti join kept using (group_key)
),

new_ids as (
    -- step 4 (an md5 already given out, possible only after a merge, is salted with the number)
    select
        case when 'e_' || md5(new_groups.group_key) in (select event_id from previous)
             then 'e_' || md5(new_groups.group_key || '#' || numbered.event_number)
             else 'e_' || md5(new_groups.group_key)
        end as event_id,
        numbered.event_number,
        new_groups.group_key
    from new_groups
    inner join (
        select group_key,
               coalesce((select max(event_number) from previous), 0)
                   + row_number() over (order by group_key) as event_number
        from new_groups
    ) as numbered on new_groups.group_key = numbered.group_key
),

assigned as (
    select group_key, event_id from kept
    union all
    select group_key, event_id from new_ids
),

absent_members as (
    -- reports in no group now: listed under the id that carries on their old event
    select coalesce(kept.event_id, previous_members.event_id) as event_id, previous_members.report_id
    from previous_members
    left join owned on previous_members.event_id = owned.event_id
    left join kept on owned.group_key = kept.group_key
    anti join groups on previous_members.report_id = groups.report_id
),

member_lists as (
    select event_id, list(report_id order by report_id) as member_report_ids
    from (
        select assigned.event_id, groups.report_id
        from assigned
        inner join groups on assigned.group_key = groups.group_key
        union all
        select event_id, report_id from absent_members
    )
    group by 1
),

final as (
    -- carried by a group now
    select
        assigned.event_id,
        coalesce(previous.event_number, new_ids.event_number) as event_number,
        coalesce(previous.founding_report_id, assigned.group_key) as founding_report_id,
        'active' as status,
        cast(null as varchar) as merged_into,
        assigned.group_key,
        member_lists.member_report_ids,
        coalesce(previous.created_at, {{ built_at }}) as created_at,
        cast(null as timestamp) as retired_at
    from assigned
    left join previous on assigned.event_id = previous.event_id
    left join new_ids on assigned.event_id = new_ids.event_id
    left join member_lists on assigned.event_id = member_lists.event_id

    union all
    -- merged into another id in this build
    select
        owned.event_id,
        previous.event_number,
        previous.founding_report_id,
        'retired',
        kept.event_id,
        cast(null as varchar),
        cast([] as varchar[]),
        previous.created_at,
        {{ built_at }}
    from owned
    inner join kept on owned.group_key = kept.group_key
    inner join previous on owned.event_id = previous.event_id
    where owned.age_rank > 1

    union all
    -- retired earlier: kept as they are
    select * from previous where status = 'retired'

    union all
    -- carried by no group: dormant
    select
        previous.event_id,
        previous.event_number,
        previous.founding_report_id,
        'dormant',
        cast(null as varchar),
        cast(null as varchar),
        coalesce(member_lists.member_report_ids, previous.member_report_ids),
        previous.created_at,
        cast(null as timestamp)
    from previous
    left join member_lists on previous.event_id = member_lists.event_id
    where previous.status <> 'retired'
      and previous.event_id not in (select event_id from owners)
)

select * from final
