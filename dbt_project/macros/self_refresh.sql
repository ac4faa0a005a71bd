{#-
  Self-refresh: a plain `dbt build` (or run) never leaves stale rows after a project change.

  Every incremental model (and seed) keeps, in ops.dbt_model_fingerprints, the fingerprint of everything
  that decided its rows when it was last built successfully (model_fingerprint() below): the
  contents and configs of the model and of every model and seed it reads (directly or not), the
  source tables it names, the project macros these call (directly or through other macros; macro
  contents are reached through `context`, which holds every macro with its macro_sql), and the
  values of every var their SQL reads (CLI --vars included). dbt's should_full_refresh() is overridden here (root-project macros win over
  dbt's own, also when is_incremental() and the incremental materialization call it): an
  incremental model whose stored fingerprint is missing or differs is rebuilt whole, as with
  --full-refresh, and only that model; one whose fingerprint matches stays incremental. A model
  configured full_refresh=false (event_id_registry) keeps that: the config wins, as in dbt.

  The on-run-end hook record_model_fingerprints() stores the fingerprints of the incremental
  models the run built, and only when every node of the run succeeded: a failed run changes
  nothing, and its models are rebuilt whole again next time. Models a run did not select keep
  their old fingerprint, so a subset run never vouches for a model it did not build.

  Not covered (change them with `dbt build --full-refresh`): dbt_project.yml settings other
  than vars and model/seed configs, macros of installed packages or of dbt itself (a dbt or
  adapter upgrade), env_var() values (PIPELINE_INBOX_DIR only shapes a view), a macro called
  only through a name built at run time, and data tests (they change no rows).
-#}

{% macro model_fingerprint_table() -%}
    {{ return(api.Relation.create(database=target.database, schema='ops', identifier='dbt_model_fingerprints')) }}
{%- endmacro %}

{#- name -> macro of this project's own macros (macros/, not tests/generic). -#}
{% macro _self_refresh_project_macros() -%}
    {%- set found = {} -%}
    {%- for name, value in context.items() -%}
        {%- if value.macro is defined and value.macro.package_name == project_name
              and value.macro.original_file_path.startswith('macros') -%}
            {%- do found.update({value.macro.name: value.macro}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{%- endmacro %}

{#- md5 of what decides the rows of model `unique_id` (see the top of this file):
      nodes    the model and every model, seed and source it reads, directly or not: file
               checksum and config (materialization, strategy, hooks, seed column types...);
      macros   every project macro these nodes call, directly or through another macro (found by
               name in their SQL), and the incremental strategy macro of an incremental node;
      vars     every var read in the SQL of those nodes and macros, with its current value. -#}
{% macro model_fingerprint(unique_id) -%}
    {%- set ns = namespace(frontier=[unique_id], seen=[unique_id]) -%}
    {%- for _ in range(200) if ns.frontier -%}
        {%- set next = [] -%}
        {%- for uid in ns.frontier -%}
            {%- set node = graph.nodes.get(uid) -%}
            {%- if node is not none -%}
                {%- for parent in node.depends_on.nodes if parent not in ns.seen -%}
                    {%- do ns.seen.append(parent) -%}
                    {%- do next.append(parent) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set ns.frontier = next -%}
    {%- endfor -%}

    {%- set macros = _self_refresh_project_macros() -%}
    {%- set call = modules.re.compile("\\b(" ~ (macros.keys() | sort | join('|')) ~ ")\\s*\\(") -%}
    {%- set lines = [] -%}
    {%- set texts = [] -%}
    {%- set used = [] -%}
    {%- for uid in ns.seen | sort -%}
        {%- if uid in graph.nodes -%}
            {%- set node = graph.nodes[uid] -%}
            {%- do lines.append(uid ~ ' ' ~ node.checksum.checksum ~ ' ' ~ local_md5(tojson(node.config, sort_keys=true))) -%}
            {%- do texts.append(node.raw_code or '') -%}
            {%- do texts.append(tojson(node.config)) -%}
            {%- for macro_id in node.depends_on.macros if macro_id.split('.')[-1] in macros -%}
                {%- do used.append(macro_id.split('.')[-1]) -%}
            {%- endfor -%}
            {%- if node.config.materialized == 'incremental' and node.config.incremental_strategy -%}
                {%- do used.append('get_incremental_' ~ node.config.incremental_strategy ~ '_sql') -%}
            {%- endif -%}
        {%- elif uid in graph.sources -%}
            {%- do lines.append(uid ~ ' ' ~ graph.sources[uid].relation_name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for text in texts -%}
        {%- do used.extend(call.findall(text)) -%}
    {%- endfor -%}
    {%- set ms = namespace(frontier=used | unique | list, seen=used | unique | list) -%}
    {%- for _ in range(200) if ms.frontier -%}
        {%- set next = [] -%}
        {%- for name in ms.frontier if name in macros -%}
            {%- for callee in call.findall(macros[name].macro_sql) if callee not in ms.seen -%}
                {%- do ms.seen.append(callee) -%}
                {%- do next.append(callee) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set ms.frontier = next -%}
    {%- endfor -%}
    {%- for name in ms.seen | sort if name in macros -%}
        {%- do lines.append(macros[name].unique_id ~ ' ' ~ local_md5(macros[name].macro_sql)) -%}
        {%- do texts.append(macros[name].macro_sql) -%}
    {%- endfor -%}

    {%- set var_names = [] -%}
    {%- for text in texts -%}
        {%- do var_names.extend(modules.re.findall("\\bvar\\(\\s*['\"]([A-Za-z0-9_]+)['\"]", text)) -%}
    {%- endfor -%}
    {%- for name in var_names | unique | sort -%}
        {%- do lines.append('var ' ~ name ~ '=' ~ tojson(var(name, none), sort_keys=true)) -%}
    {%- endfor -%}
    {{ return(local_md5(lines | join('\n'))) }}
{%- endmacro %}

{#- The fingerprint stored for `unique_id` by the last successful run that built it, or none. -#}
{% macro stored_model_fingerprint(unique_id) -%}
    {%- set table = model_fingerprint_table() -%}
    {%- set found = adapter.get_relation(database=table.database, schema=table.schema, identifier=table.identifier) -%}
    {%- if found is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set result = run_query("select fingerprint from " ~ table ~ " where unique_id = '" ~ unique_id ~ "'") -%}
    {%- if result is none or result.rows | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(result.rows[0][0]) }}
{%- endmacro %}

{#- The nodes that keep rows from one run to the next: incremental models, and seeds (a seed
    whose columns changed must be dropped and created again, not truncated). -#}
{% macro _self_refresh_keeps_state(node) -%}
    {{ return(node.resource_type == 'seed'
              or (node.resource_type == 'model' and node.config.materialized == 'incremental')) }}
{%- endmacro %}

{#- True when an incremental model (or a seed) must be rebuilt whole because what decides its rows changed. -#}
{% macro model_needs_refresh(node) -%}
    {%- if not execute or node is none or not _self_refresh_keeps_state(node) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set stored = stored_model_fingerprint(node.unique_id) -%}
    {%- set current = model_fingerprint(node.unique_id) -%}
    {%- if stored != current and load_relation(this) is not none -%}
        {%- do log("self-refresh: " ~ node.name ~ " is rebuilt whole (fingerprint " ~ (stored or 'missing')[:12] ~ " -> " ~ current[:12] ~ ")", info=true) -%}
    {%- endif -%}
    {{ return(stored != current) }}
{%- endmacro %}

{#- Overrides dbt's global should_full_refresh() (macros/materializations/configs.sql). -#}
{% macro should_full_refresh() %}
    {% set config_full_refresh = config.get('full_refresh') %}
    {% if config_full_refresh is not none %}
        {% do return(config_full_refresh) %}
    {% endif %}
    {% if flags.FULL_REFRESH %}
        {% do return(true) %}
    {% endif %}
    {% do return(model_needs_refresh(model if model is defined else none)) %}
{% endmacro %}

{#- on-run-end: store the fingerprints of the incremental models this run built, if every node succeeded. -#}
{% macro record_model_fingerprints(results) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set failed = [] -%}
    {%- for result in results if result.status not in ['success', 'pass', 'warn', 'no-op'] -%}
        {%- do failed.append(result.node.unique_id ~ ' ' ~ result.status) -%}
    {%- endfor -%}
    {%- if failed -%}
        {%- do log("self-refresh: fingerprints not recorded, " ~ (failed | length) ~ " node(s) did not succeed", info=true) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set rows = [] -%}
    {%- for result in results if _self_refresh_keeps_state(result.node) -%}
        {%- do rows.append("('" ~ result.node.unique_id ~ "', '" ~ model_fingerprint(result.node.unique_id) ~ "')") -%}
    {%- endfor -%}
    {%- if not rows -%}
        {{ return('') }}
    {%- endif -%}
    {%- set table = model_fingerprint_table() -%}
    {%- set sql -%}
        create schema if not exists {{ table.schema }};
        create table if not exists {{ table }} (
            unique_id varchar primary key, fingerprint varchar not null, built_at timestamp, invocation_id varchar);
        insert or replace into {{ table }}
            select unique_id, fingerprint, now()::timestamp, '{{ invocation_id }}'
            from (values {{ rows | join(', ') }}) as t(unique_id, fingerprint);
    {%- endset -%}
    {{ return(sql) }}
{%- endmacro %}
