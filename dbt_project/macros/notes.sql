{#-
  fct_events.notes: one or two English sentences in ACLED's style, built from the event's fields
  (never translated from the article). Names are the lexicons' English names; a part the event
  does not have (actor, place, toll) is left out of the sentence, never guessed:

    On 2 August 2021, ISIS clashed with the Iraqi Federal Police in Rashad (Kirkuk).
    3 people were killed and 3 wounded.

  date phrase (by date_precision) + clause (seed note_templates, by sub_event_type and by which
  actors are known) + place phrase (by the place's feature type) + toll sentence.
-#}

{#- An actor's name inside a sentence: civilians in lower case, "the" before forces and parties. -#}
{% macro note_actor_name(name, actor_type) -%}
    case
        when {{ name }} is null then null
        when {{ actor_type }} = 'Civilians' then lower({{ name }})
        when {{ name }} ilike 'unidentified %' then 'an ' || lower({{ name }})
        when regexp_matches({{ name }}, '\b(Army|Police|Forces|Services?|Guards|Units|Mobili[sz]ation|Coalition|Party|Militia|Resistance|Peshmerga|Asayish)\b')
            then 'the ' || {{ name }}
        else {{ name }}
    end
{%- endmacro %}

{% macro note_date_phrase(event_date, date_precision) -%}
    case {{ date_precision }}
        when 'day' then 'On ' || strftime({{ event_date }}, '%-d %B %Y')
        when 'week' then 'In the week of ' || strftime({{ event_date }}, '%-d %B %Y')
        when 'month' then 'In ' || strftime({{ event_date }}, '%B %Y')
        when 'year' then 'In ' || strftime({{ event_date }}, '%Y')
    end
{%- endmacro %}

{#- The clause: a note_templates form, with the generic one for a type the seed lacks. -#}
{% macro note_clause(actor1, actor2, template_alias) -%}
    case
        when {{ actor1 }} is not null and {{ actor2 }} is not null and {{ actor1 }} <> {{ actor2 }} then
            replace(replace(coalesce({{ template_alias }}.both_actors, 'an incident involving {actor1} and {actor2} took place'),
                            '{actor1}', {{ actor1 }}), '{actor2}', {{ actor2 }})
        when {{ actor1 }} is not null then
            replace(coalesce({{ template_alias }}.actor1_only, 'an incident involving {actor1} took place'), '{actor1}', {{ actor1 }})
        when {{ actor2 }} is not null then
            replace(coalesce({{ template_alias }}.actor2_only, 'an incident involving {actor2} took place'), '{actor2}', {{ actor2 }})
        else coalesce({{ template_alias }}.no_actor, 'an incident took place')
    end
{%- endmacro %}

{#- " in <place> (<district>, <governorate>)", by the place's feature type; the country alone when no place. -#}
{% macro note_place_phrase(location, location_precision, admin2, admin1, country) -%}
    case
        when {{ location }} is null then coalesce(' in ' || {{ country }}, '')
        when {{ location_precision }} = 'admin1' then ' in ' || coalesce({{ admin1 }}, {{ location }}) || ' governorate'
        when {{ location_precision }} = 'admin2' then ' in ' || {{ location }} || ' district' || coalesce(' (' || {{ admin1 }} || ')', '')
        when {{ location_precision }} in ('country', 'region') then ' in ' || {{ location }}
        else ' in ' || {{ location }} || coalesce(' (' || nullif(concat_ws(', ',
                case when {{ admin2 }} <> {{ location }} then {{ admin2 }} end,
                case when {{ admin1 }} <> {{ location }} and {{ admin1 }} is distinct from {{ admin2 }} then {{ admin1 }} end
            ), '') || ')', '')
    end
{%- endmacro %}

{#- The toll sentence from the best figures (with the reports' range when they disagree); NULL when no figure is stated. -#}
{% macro note_toll_sentence(killed, wounded, killed_low, killed_high) -%}
    case
        when {{ killed }} > 0 or ({{ killed }} = 0 and {{ killed_high }} > 0) then
            case when {{ killed }} = 0 then 'No one was killed'
                 when {{ killed }} = 1 then '1 person was killed'
                 else {{ killed }} || ' people were killed' end
            || case when {{ killed_low }} < {{ killed_high }} then ' (reports give ' || {{ killed_low }} || ' to ' || {{ killed_high }} || ')' else '' end
            || case when {{ wounded }} > 0 then ' and ' || {{ wounded }} || ' wounded' else '' end
            || '.'
        when {{ wounded }} > 0 then
            {{ wounded }} || case when {{ wounded }} = 1 then ' person was' else ' people were' end || ' wounded'
            || case when {{ killed }} = 0 then ' and no one was killed' else '' end || '.'
        when {{ killed }} = 0 then 'No one was killed.'
    end
{%- endmacro %}

{#- The note from its parts: "<date phrase>, <clause><place>. <toll>" (capitalised when there is no date). -#}
{% macro note_from_parts(date_phrase, clause, toll) -%}
    concat_ws(' ',
        coalesce({{ date_phrase }} || ', ' || {{ clause }}, upper(left({{ clause }}, 1)) || substr({{ clause }}, 2)),
        {{ toll }})
{%- endmacro %}
