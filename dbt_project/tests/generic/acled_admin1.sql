{#-
  admin1 must use ACLED's English spelling for the row's country: a row of the acled_admin1 seed
  (the list the gazetteer builder maps GeoNames codes onto, written once). NULL admin1
  (country-level or unknown location) passes; rows of countries outside the seed fail.
-#}
{% test acled_admin1(model, column_name, country_column='country') %}
select rows.{{ country_column }} as country, rows.{{ column_name }} as admin1, count(*) as n_rows
from {{ model }} as rows
left join {{ ref('acled_admin1') }} as spellings
    on spellings.country = rows.{{ country_column }} and spellings.admin1 = rows.{{ column_name }}
where rows.{{ column_name }} is not null
  and spellings.admin1 is null
group by 1, 2
{% endtest %}
