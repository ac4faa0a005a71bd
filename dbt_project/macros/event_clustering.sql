{#-
  Clustering (int_event_candidate_pairs, int_event_clusters).

  clustering_inputs(): what the dedup reads of each UNFLAGGED report (int_event_reports_flagged),
  the armed actors as two scalars (a set of at most two distinct ids, Civilians left out):
  comparing scalars is several times cheaper than list functions over millions of pairs.

  event_cluster_reach(): how far (days) an incremental int_event_clusters run looks around a
  changed report. A report's row depends only on reports of its country dated within 15 gaps
  (var dedup_max_day_gap) of it: best match 1 gap, mutual best 2, cluster label 4, attachment of
  an unknown-admin1 report 7, its competition for a cluster 11, the cluster's members and their
  labels 15. So a run rewrites the reports within reach = 16 gaps of a changed report (at its old
  and new date) and computes them from the reports within 2 * reach. Checked by the data test
  tests/assert_event_cluster_reach.sql and by tests/dbt_project/test_dbt_layout.py.
-#}

{% macro clustering_inputs() -%}
    select
        report_id,
        article_id,
        event_date,
        admin1,
        country,
        event_type,
        armed_actor1,
        case when armed_actor2 is distinct from armed_actor1 then armed_actor2 end as armed_actor2
    from (
        select
            *,
            case when coalesce(actor1_type, '') <> 'Civilians' then actor1_id end as armed_actor1,
            case when coalesce(actor2_type, '') <> 'Civilians' then actor2_id end as armed_actor2
        from {{ ref('int_event_reports_flagged') }}
        where not is_flagged
    )
{%- endmacro %}

{#- The dependency chain of a report's row, in gaps (see above); the reach is one gap more. -#}
{% macro event_cluster_dependency_gaps() -%}
    {{ return(15) }}
{%- endmacro %}

{% macro event_cluster_reach() -%}
    {{ return((event_cluster_dependency_gaps() + 1) * var('dedup_max_day_gap')) }}
{%- endmacro %}
