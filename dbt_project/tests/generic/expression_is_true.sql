{#-
  Model-level expression test (dbt_utils style, no package download needed).
  Fails on every row where `expression` is not true. Use `config: where:` to scope it.
  Usage:
    data_tests:
      - expression_is_true:
          arguments:
            expression: "fatalities_low <= fatalities_best"
-#}
{% test expression_is_true(model, expression, column_name=None) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
