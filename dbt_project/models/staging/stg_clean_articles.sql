-- clean.articles, one row per cleaned article: the cleaned text and the publication date the
-- clean stage decided. The join to the raw metadata is int_articles.
with

source as (
    select * from {{ source('clean', 'articles') }}
)

select
    article_id,
    {{ nullif_blank('title') }} as title,
    published_date,
    date_source,
    date_evidence,
    language,
    arabic_share,
    n_chars,
    n_lines_removed,
    clean_text,
    cleaned_at

from source
