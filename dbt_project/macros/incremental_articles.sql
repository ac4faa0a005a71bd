{#-
  Incremental per-article models (int_article_countries, int_event_reports_enriched).

  Everything these models compute for an article depends only on that article's row
  (raw + clean), its reports and victims (written together by one extraction) and the
  lexicon seeds / code. Seeds and code are covered by a full refresh: orchestration/assets/dbt.py
  runs `dbt build --full-refresh` whenever dbt_project.yml, models/, macros/ or seeds/ changed
  since the last successful build. Between such changes, an article is rebuilt when its input
  state below differs from the state stored with its rows (new, re-cleaned or re-extracted
  articles, reports removed by a re-extraction); its old rows are replaced (delete+insert on
  article_id) and rows whose source row disappeared are deleted by a post-hook.
-#}

{% macro article_inputs() -%}
    select
        coalesce(articles.article_id, reports.article_id) as article_id,
        articles.ingested_at as article_ingested_at,
        articles.cleaned_at as article_cleaned_at,
        reports.reports_extracted_at,
        coalesce(reports.n_reports, 0) as article_n_reports
    from {{ ref('int_articles') }} as articles
    full outer join (
        select article_id, max(extracted_at) as reports_extracted_at, count(*) as n_reports
        from {{ ref('stg_event_reports') }}
        group by 1
    ) as reports
        on articles.article_id = reports.article_id
{%- endmacro %}

{#- article_ids whose input state differs from the state stored in {{ this }} (incremental runs only) -#}
{% macro changed_article_ids() -%}
    select current_state.article_id
    from ({{ article_inputs() }}) as current_state
    left join (
        select distinct article_id, article_ingested_at, article_cleaned_at, reports_extracted_at, article_n_reports
        from {{ this }}
    ) as stored
        on current_state.article_id = stored.article_id
    where stored.article_id is null
       or current_state.article_ingested_at is distinct from stored.article_ingested_at
       or current_state.article_cleaned_at is distinct from stored.article_cleaned_at
       or current_state.reports_extracted_at is distinct from stored.reports_extracted_at
       or current_state.article_n_reports is distinct from stored.article_n_reports
{%- endmacro %}

{% macro article_filter(column) -%}
    {%- if is_incremental() %}
    where {{ column }} in ({{ changed_article_ids() }})
    {%- endif %}
{%- endmacro %}
