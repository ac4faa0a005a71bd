-- Best guess of the country an article is about, used as the country fallback for reports
-- whose place is unknown. Evidence, strongest first:
--   1. countries of the article's other reports that have a known place (most reports wins);
--   2. country names / aliases found in the title + clean text (earliest mention wins).
-- One row per article (country NULL when there is no evidence), carrying the article's input
-- state so that incremental runs only rescan new / re-cleaned / re-extracted articles
-- (macros/incremental_articles.sql).
{{ config(
    materialized='incremental',
    unique_key='article_id',
    incremental_strategy='delete+insert',
    post_hook="{% if is_incremental() %}delete from {{ this }} where article_id not in (select article_id from ({{ article_inputs() }})){% endif %}"
) }}
with

inputs as (
    select * from ({{ article_inputs() }}) {{ article_filter('article_id') }}
),

articles as (
    select article_id, coalesce(title, '') || ' ' || coalesce(clean_text, '') as full_text
    from {{ ref('int_articles') }}
    where article_id in (select article_id from inputs)
),

country_aliases as (
    select distinct country, alias
    from (
        select country, unnest(list_append(aliases_ar, name_ar)) as alias
        from {{ ref('stg_places') }}
        where feature_type = 'country' and country is not null
    )
    where alias is not null and alias <> ''
),

text_mentions as (
    select
        articles.article_id,
        country_aliases.country,
        min(instr(articles.full_text, country_aliases.alias)) as first_mention_pos
    from articles
    inner join country_aliases
        on instr(articles.full_text, country_aliases.alias) > 0
    group by 1, 2
),

located_reports as (
    select
        reports.article_id,
        places.country,
        count(*) as n_located_reports
    from {{ ref('stg_event_reports') }} as reports
    inner join {{ ref('stg_places') }} as places
        on reports.place_id = places.place_id
    where places.country is not null
      and reports.article_id in (select article_id from inputs)
    group by 1, 2
),

candidates as (
    select article_id, country from text_mentions
    union
    select article_id, country from located_reports
),

ranked as (
    select
        candidates.article_id,
        candidates.country,
        located_reports.n_located_reports,
        text_mentions.first_mention_pos,
        case when located_reports.n_located_reports is not null then 'article_reports' else 'article_text' end as country_source,
        row_number() over (
            partition by candidates.article_id
            order by located_reports.n_located_reports desc nulls last,
                     text_mentions.first_mention_pos asc nulls last,
                     candidates.country
        ) as country_rank
    from candidates
    left join located_reports
        on candidates.article_id = located_reports.article_id
        and candidates.country = located_reports.country
    left join text_mentions
        on candidates.article_id = text_mentions.article_id
        and candidates.country = text_mentions.country
)

select
    inputs.article_id,
    ranked.country,
    ranked.country_source,
    ranked.n_located_reports,
    ranked.first_mention_pos,
    inputs.article_ingested_at,
    inputs.article_cleaned_at,
    inputs.reports_extracted_at,
    inputs.article_n_reports
from inputs
left join ranked
    on inputs.article_id = ranked.article_id
    and ranked.country_rank = 1
