{#
  An inbox path as published: relative to the inbox (env PIPELINE_INBOX_DIR, set by the dbt asset
  from ARTICLES_DIR), never the machine's absolute path. An absolute path outside the current
  inbox (the inbox was moved since the article was read) is published as its file name.
#}
{% macro inbox_relative_path(column) -%}
{%- set inbox = env_var('PIPELINE_INBOX_DIR', '') | replace("'", "''") -%}
case
    {% if inbox %}when starts_with({{ column }}, '{{ inbox }}/') then substr({{ column }}, {{ inbox | length + 2 }})
    {% endif %}when starts_with({{ column }}, '/') then regexp_extract({{ column }}, '[^/]+$')
    else {{ column }}
end
{%- endmacro %}
