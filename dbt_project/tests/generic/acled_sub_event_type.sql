{#-
  sub_event_type must be one of ACLED's sub-event types for the row's event_type
  (var('acled_sub_event_types')). NULL passes.
-#}
{% test acled_sub_event_type(model, column_name, event_type_column='event_type') %}
{%- set lists = var('acled_sub_event_types') %}
select {{ event_type_column }} as event_type, {{ column_name }} as sub_event_type, count(*) as n_rows
from {{ model }}
where {{ column_name }} is not null
  and not (
    {%- for et, subs in lists.items() %}
    ({{ event_type_column }} = '{{ et }}' and {{ column_name }} in {{ sql_string_list(subs) }}){% if not loop.last %} or{% endif %}
    {%- endfor %}
  )
group by 1, 2
{% endtest %}
