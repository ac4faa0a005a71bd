-- One row per enriched report (int_event_reports_enriched) with its ACLED event type and
-- sub-event type: the rules below, or the analyst's correction when there is one.
--
-- ACLED rules (documented in int_event_reports_classified.yml):
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
-- A view: a few CASE expressions over the stored enriched rows.
{{ config(materialized='view') }}
with

reports as (
    select * from {{ ref('int_event_reports_enriched') }}
),

sub_event_types as (
    {{ acled_sub_event_type_values() }}
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
    from reports
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
        event_type_rule = 'battle_single_actor' and not corrects_type as is_single_actor_battle
    from rule_typed
)

select * from classified
