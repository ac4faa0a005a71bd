-- Best guess of the country an article is about, used as the country fallback for reports
-- whose place is unknown. Evidence, strongest first:
--   1. countries of the article's other reports that have a known place (most reports wins);
--   2. country names / aliases found in the title + clean text (earliest mention wins).
with

articles as (
    select article_id, coalesce(title, '') || ' ' || coalesce(clean_text, '') as full_text
    from {{ ref('stg_articles') }}
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
    article_id,
    country,
    country_source,
    n_located_reports,
    first_mention_pos
from ranked
where country_rank = 1
