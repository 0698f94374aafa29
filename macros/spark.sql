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
    no DELETE or MERGE (Delta's would). A month-range model (recompute_months.sql) is
    partitioned by its month column on Spark, and its strategy overwrites the partitions of the
    months it recomputes: its other months are not read or written. The staging models'
    delete+insert of their keys has no month to partition by: it runs as one rewrite of the
    table (the rows it keeps and the new rows). Overrides of dbt-spark macros it does not
    dispatch, and of partition_cols, which it does. -#}
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

{#- The table's partition columns (a list, empty: none): the model's partition_by, or a
    month-range model's month column. -#}
{% macro spark_partition_columns() -%}
    {%- set columns = config.get('partition_by', validator=validation.any[list, basestring]) -%}
    {%- if columns is none and config.get('materialized') == 'incremental'
            and config.get('incremental_strategy') in recompute_strategies() -%}
        {%- set columns = config.get('recompute_month_column', 'month_start') -%}
    {%- endif -%}
    {{- return([] if columns is none else [columns] if columns is string else columns) -}}
{%- endmacro %}

{#- dbt-spark's partition clause, on spark_partition_columns (Spark puts partition columns last
    in the table). -#}
{% macro spark__partition_cols(label, required=false) -%}
    {%- set columns = spark_partition_columns() -%}
    {%- if columns -%}
        {{ label }} ({{ columns | join(', ') }})
    {%- elif required -%}
        {%- do exceptions.raise_compiler_error('partition_cols: ' ~ label ~ ' needs partition_by') -%}
    {%- endif -%}
{%- endmacro %}

{#- `query` with the rows of each partition in one task, so that a write puts one file in each
    partition folder: left to the plan, each of a query's tasks writes a file into every month
    it holds (up to 11 a month at SF 0.01), and each file costs every later read of the table
    (Spark opens each with a Hadoop configuration of its own). -#}
{% macro spark_one_file_a_partition(query) -%}
    {%- set columns = spark_partition_columns() -%}
    {%- if columns -%}
        select * from ({{ query }}) as partitioned_rows distribute by {{ columns | join(', ') }}
    {%- else -%}
        {{ query }}
    {%- endif -%}
{%- endmacro %}

{#- dbt-spark's create table as, writing one file a partition. -#}
{% macro spark__create_table_as(temporary, relation, compiled_code, language='sql') -%}
    {%- set query = compiled_code if temporary or language != 'sql' else spark_one_file_a_partition(compiled_code) -%}
    {{- dbt.spark__create_table_as(temporary, relation, query, language) -}}
{%- endmacro %}

{#- Returns the statement dbt runs as the model's `main`; the statements before it run one a
    call (the session cursor takes one). The new rows are copied aside first: the model's SQL
    may read the table it writes (a document's earlier months), and Spark does not overwrite
    a table a query reads. -#}
{% macro dbt_spark_get_incremental_sql(strategy, source, target, existing, unique_key, incremental_predicates) -%}
    {%- set columns = get_quoted_csv(adapter.get_columns_in_relation(target) | map(attribute='name')) -%}
    {%- set taken = target.incorporate(path={'identifier': target.identifier ~ '__dbt_new'}) -%}
    {%- set kept = target.incorporate(path={'identifier': target.identifier ~ '__dbt_kept'}) -%}
    {%- for table in [kept, taken] -%}
        {%- do run_query('drop table if exists ' ~ table) -%}
    {%- endfor -%}
    {%- if strategy == 'delete+insert' -%}
        {%- set keep = 'not ' ~ spark_replaced_key(source, [unique_key] if unique_key is string else unique_key) -%}
        {%- do run_query('create table ' ~ kept ~ ' using parquet as select ' ~ columns ~ ' from ' ~ target
                         ~ ' as kept where ' ~ keep) -%}
        {%- do run_query('create table ' ~ taken ~ ' using parquet as select ' ~ columns ~ ' from ' ~ source) -%}
        {%- do run_query('insert overwrite table ' ~ target ~ ' select ' ~ columns ~ ' from ' ~ kept
                         ~ ' union all select ' ~ columns ~ ' from ' ~ taken) -%}
    {%- else -%}
        {%- do spark_overwrite_recomputed_months(strategy, source, target, columns, taken, kept) -%}
    {%- endif -%}
    {%- do run_query('drop table if exists ' ~ kept) -%}
    drop table {{ taken }}
{%- endmacro %}

{#- SQL predicate on `kept` (the table's rows): a row with the same key is in `source`. -#}
{% macro spark_replaced_key(source, key) -%}
    exists (select 1 from {{ source }} as new_rows
            where {% for column in key %}new_rows.{{ column }} = kept.{{ column }}{{ ' and ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- recompute_months and recompute_documents on a table partitioned by month (dynamic partition
    overwrite, profiles.yml): the partitions of the new rows are written, each with the rows of
    it the strategy keeps (recompute_documents: the earlier months' other documents); a
    recomputed month with no row left is dropped. -#}
{% macro spark_overwrite_recomputed_months(strategy, source, target, columns, taken, kept) -%}
    {%- set month_column = config.get('recompute_month_column', 'month_start') -%}
    {%- set from_month = recompute_from_month() -%}
    {%- set take = month_column ~ ' >= ' ~ from_month if strategy == 'recompute_months' else 'true' -%}
    {%- do run_query('create table ' ~ taken ~ ' using parquet as select ' ~ columns ~ ' from ' ~ source
                     ~ ' where ' ~ take) -%}
    {%- set written = 'select ' ~ columns ~ ' from ' ~ taken -%}
    {%- if strategy == 'recompute_documents' -%}
        {%- do run_query('create table ' ~ kept ~ ' using parquet as select ' ~ columns ~ ' from ' ~ target
                         ~ ' as kept where ' ~ month_column ~ ' < ' ~ from_month ~ ' and ' ~ month_column
                         ~ ' in (select ' ~ month_column ~ ' from ' ~ taken ~ ') and not '
                         ~ spark_replaced_key(taken, config.require('recompute_key'))) -%}
        {%- set written = written ~ ' union all select ' ~ columns ~ ' from ' ~ kept -%}
    {%- endif -%}
    {%- set emptied = run_query('select distinct cast(' ~ month_column ~ ' as string) from ' ~ target
                                ~ ' where ' ~ month_column ~ ' >= ' ~ from_month ~ ' and ' ~ month_column
                                ~ ' not in (select ' ~ month_column ~ ' from ' ~ taken ~ ')') -%}
    {%- for row in emptied.rows -%}
        {%- do run_query('alter table ' ~ target ~ ' drop if exists partition (' ~ month_column ~ " = '"
                         ~ row[0] ~ "')") -%}
    {%- endfor -%}
    {%- do run_query('insert overwrite table ' ~ target ~ ' partition (' ~ month_column ~ ') '
                     ~ spark_one_file_a_partition(written)) -%}
{%- endmacro %}
