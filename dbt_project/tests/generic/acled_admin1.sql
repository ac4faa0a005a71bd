{#-
  admin1 must use ACLED's English spelling for the row's country (var('acled_admin1')).
  NULL admin1 (country-level or unknown location) passes; rows of other countries fail
  because the pipeline only covers Iraq and Syria.
-#}
{% test acled_admin1(model, column_name, country_column='country') %}
{%- set lists = var('acled_admin1') %}
select {{ country_column }} as country, {{ column_name }} as admin1, count(*) as n_rows
from {{ model }}
where {{ column_name }} is not null
  and not (
    {%- for country, names in lists.items() %}
    ({{ country_column }} = '{{ country }}' and {{ column_name }} in {{ sql_string_list(names) }}){% if not loop.last %} or{% endif %}
    {%- endfor %}
  )
group by 1, 2
{% endtest %}
