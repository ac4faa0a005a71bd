{#- No two rows share the same combination of `columns` (NULLs in any column are ignored). -#}
{% test unique_combination_of_columns(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
where {% for c in columns %}{{ c }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
