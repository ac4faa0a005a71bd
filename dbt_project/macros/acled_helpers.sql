{#- Small helpers that turn project vars (ACLED code lists) into SQL. -#}

{% macro sql_string_list(values) -%}
    ({%- for v in values -%}'{{ v | replace("'", "''") }}'{%- if not loop.last -%}, {% endif -%}{%- endfor -%})
{%- endmacro %}

{#- VALUES rows (country, min_lat, max_lat, min_lon, max_lon) from var('country_bboxes'). -#}
{% macro country_bbox_values() -%}
    {%- set boxes = var('country_bboxes') -%}
    select * from (values
    {%- for country, b in boxes.items() %}
        ('{{ country }}', {{ b.min_lat }}::double, {{ b.max_lat }}::double, {{ b.min_lon }}::double, {{ b.max_lon }}::double){% if not loop.last %},{% endif %}
    {%- endfor %}
    ) as t(country, min_lat, max_lat, min_lon, max_lon)
{%- endmacro %}

{#- Split a '|'-separated alias string into a trimmed list without empty items. -#}
{% macro split_aliases(column) -%}
    list_filter(
        list_transform(string_split(coalesce({{ column }}, ''), '|'), lambda x: trim(x)),
        lambda x: x <> ''
    )
{%- endmacro %}

{#- Empty / whitespace-only strings -> NULL (CSV seeds and extractor output). -#}
{% macro nullif_blank(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- VALUES rows (event_type, sub_event_type) of ACLED's sub-event types, var('acled_sub_event_types'). -#}
{% macro acled_sub_event_type_values() -%}
    select * from (values
    {%- for et, subs in var('acled_sub_event_types').items() %}
        {%- set outer_last = loop.last %}
        {%- for sub in subs %}
        ('{{ et }}', '{{ sub | replace("'", "''") }}'){% if not (outer_last and loop.last) %},{% endif %}
        {%- endfor %}
    {%- endfor %}
    ) as t(event_type, sub_event_type)
{%- endmacro %}

{#- Whitespace runs -> one space, trimmed: how evidence and evidence_match are compared. -#}
{% macro squash_spaces(column) -%}
    trim(regexp_replace(coalesce({{ column }}, ''), '\s+', ' ', 'g'))
{%- endmacro %}
