{#-
  The report columns the report-level marts share, in their published order, by block:
  fct_event_reports (clean reports) and report_review_queue (flagged reports) publish the same
  descriptive and provenance columns of int_event_reports_flagged, so an analyst reads them the
  same way in both. Change a block here and both marts change together (MARTS.md lists them).

    key          report_id, article_id (fct_event_reports puts event_id right after them)
    description  what happened, when, where, who, the toll and the evidence
    provenance   how each value was obtained (rules, surface forms, ids behind the names)
    extraction   the extractor version and time
    corrections  the analyst corrections applied (seed report_corrections)
-#}
{% macro mart_report_columns(block) -%}
    {%- set blocks = {
        'key': ['report_id', 'article_id'],
        'description': ['seq', 'event_date', 'date_precision', 'country', 'admin1', 'admin2', 'location',
                        'latitude', 'longitude', 'event_type', 'sub_event_type', 'actor1', 'actor2',
                        'killed', 'wounded', 'evidence'],
        'provenance': ['date_rule', 'date_text', 'killed_rule', 'wounded_rule', 'vague_text', 'place_id',
                       'location_ar', 'location_text', 'location_precision', 'country_source', 'trigger_id',
                       'trigger_text', 'event_type_rule', 'is_single_actor_battle', 'actor1_id', 'actor1_type',
                       'actor2_id', 'actor2_type', 'has_victim_breakdown'],
        'extraction': ['extractor_version', 'extracted_at'],
        'corrections': ['is_corrected', 'corrected_fields', 'correction_reason'],
    } -%}
    {%- if block not in blocks -%}
        {{ exceptions.raise_compiler_error("mart_report_columns: unknown block '" ~ block ~ "' (one of " ~ (blocks.keys() | list | join(', ')) ~ ")") }}
    {%- endif -%}
    {{ return(blocks[block]) }}
{%- endmacro %}

{#- `alias.column,` for each column of a block (no comma after the last one when last=true). -#}
{% macro select_mart_columns(block, alias, last=false) -%}
    {%- set columns = mart_report_columns(block) -%}
    {%- for column in columns %}
    {{ alias }}.{{ column }}{% if not (last and loop.last) %},{% endif %}
    {%- endfor %}
{%- endmacro %}
