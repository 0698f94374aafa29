{#-
    What Spark needs that DuckDB does not: its sources registered over the raw layer's Parquet
    mirror, and a fix for how dbt-spark loads seeds. Dialect differences inside models are in
    cross_database.sql.
-#}

{#- on-run-start: the sources of the raw layer and the ingest ledger as tables over their
    folders in the Parquet mirror (yecai/ingest/mirror.py, var raw_parquet_dir); nothing on
    DuckDB, which reads the raw tables themselves. -#}
{% macro register_raw_layer() -%}
    {{- return(adapter.dispatch('register_raw_layer')()) -}}
{%- endmacro %}

{% macro default__register_raw_layer() -%}
{%- endmacro %}

{% macro spark__register_raw_layer() -%}
    {%- if execute -%}
        {%- set folders = {var('raw_schema'): var('raw_parquet_dir'), 'ingest': var('raw_parquet_dir') ~ '/ingest'} -%}
        {%- for schema in folders -%}
            {%- do run_query('create database if not exists ' ~ schema) -%}
        {%- endfor -%}
        {%- for source in graph.sources.values() if source.schema in folders -%}
            {%- set table = source.schema ~ '.' ~ source.identifier -%}
            {%- do run_query('create table if not exists ' ~ table ~ " using parquet location '"
                             ~ folders[source.schema] ~ '/' ~ source.identifier ~ "'") -%}
            {#- files of new deliveries appear in the folder: list them again -#}
            {%- do run_query('refresh table ' ~ table) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- dbt-spark 1.11's session mode binds each seed value as '<value>' without escaping, so a
    value with an apostrophe breaks the insert and an empty one becomes the text 'None'. This
    inlines every value as a cast string literal, escaped. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_types = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for column in agate_table.column_names -%}
                    {%- set type = column_types.get(column, adapter.convert_type(agate_table, loop.index0)) -%}
                    {%- set value = row[loop.index0] -%}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- else -%}
                        cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                    {%- endif -%}
                    {{- ', ' if not loop.last -}}
                {%- endfor -%}){{ ',' if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) if loop.first -%}
    {%- endfor -%}
    {{- return(statements[0]) -}}
{% endmacro %}

{#- Incremental models on Spark. dbt-spark runs only its own strategies, and Parquet tables have
    no DELETE or MERGE (Delta's would). So the project's strategies (delete+insert of the
    staging models' keys; recompute_months and recompute_documents, recompute_months.sql) run
    as one rewrite of the table: the rows the strategy keeps and the new rows, each copied aside,
    then written over the table. Only the model's SQL is incremental; the write is whole.
    Overrides of two dbt-spark macros that it does not dispatch. -#}
{% macro spark_incremental_strategies() -%}
    {{- return(['delete+insert'] + recompute_strategies()) -}}
{%- endmacro %}

{% macro dbt_spark_validate_get_incremental_strategy(raw_strategy, file_format) -%}
    {%- if raw_strategy not in spark_incremental_strategies() -%}
        {%- do exceptions.raise_compiler_error(
            this ~ ': incremental_strategy ' ~ raw_strategy ~ ' does not run on Spark here; '
            ~ 'the project has ' ~ spark_incremental_strategies() | join(', ') ~ ' (macros/spark.sql)') -%}
    {%- endif -%}
    {{- return(raw_strategy) -}}
{%- endmacro %}

{#- Returns the statement dbt runs as the model's `main`; the rewrite itself runs before it,
    one statement a call (the session cursor takes one). -#}
{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) -%}
    {%- set columns = get_quoted_csv(adapter.get_columns_in_relation(target) | map(attribute='name')) -%}
    {%- set month_column = config.get('recompute_month_column', 'month_start') -%}
    {%- set key = unique_key if strategy == 'delete+insert' else config.get('recompute_key') -%}
    {%- set key = [key] if key is string else key -%}
    {%- set replaced_key -%}
        exists (select 1 from {{ source }} as new_rows
                where {% for column in key or [] %}new_rows.{{ column }} = kept.{{ column }}{{ ' and ' if not loop.last }}{% endfor %})
    {%- endset -%}
    {%- if strategy == 'delete+insert' -%}
        {%- set keep, take = 'not ' ~ replaced_key, 'true' -%}
    {%- elif strategy == 'recompute_months' -%}
        {%- set keep = month_column ~ ' < ' ~ recompute_from_month() -%}
        {%- set take = month_column ~ ' >= ' ~ recompute_from_month() -%}
    {%- else -%}
        {%- set keep, take = month_column ~ ' < ' ~ recompute_from_month() ~ ' and not ' ~ replaced_key, 'true' -%}
    {%- endif -%}
    {#- both sides copied aside: the model's SQL may read the table it replaces (a document's
        earlier months), and Spark does not overwrite a table a query reads -#}
    {%- set kept = target.incorporate(path={'identifier': target.identifier ~ '__dbt_kept'}) -%}
    {%- set taken = target.incorporate(path={'identifier': target.identifier ~ '__dbt_new'}) -%}
    {%- for table in [kept, taken] -%}
        {%- do run_query('drop table if exists ' ~ table) -%}
    {%- endfor -%}
    {%- do run_query('create table ' ~ kept ~ ' using parquet as select ' ~ columns ~ ' from ' ~ target
                     ~ ' as kept where ' ~ keep) -%}
    {%- do run_query('create table ' ~ taken ~ ' using parquet as select ' ~ columns ~ ' from ' ~ source
                     ~ ' where ' ~ take) -%}
    {%- do run_query('insert overwrite table ' ~ target ~ ' select ' ~ columns ~ ' from ' ~ kept
                     ~ ' union all select ' ~ columns ~ ' from ' ~ taken) -%}
    {%- do run_query('drop table ' ~ kept) -%}
    drop table {{ taken }}
{%- endmacro %}
