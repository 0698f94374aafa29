{#-
    Month-range incremental models (materialized='incremental', incremental_strategy='recompute_months').

    A month-grain model after staging is rebuilt only from the first month a new delivery can
    change (int_changes__recompute_months says which, per model): the materialization deletes
    the model's rows of that month and later and inserts the rows the model's SQL computes for
    them. A model filters its inputs with in_recompute_months() so that it computes little more
    than those months; the strategy inserts only rows of those months, so a filter that lets
    earlier months through costs time, never correctness. Not incremental (the first build,
    --full-refresh) every filter is true and the model is built whole.

    Every build of such a model appends one row to the recompute log (recompute_log_relation):
    the months it recomputed (NULL: all, a full build), its last month and the deliveries it
    has taken in (changes_through); int_changes__recompute_months reads it to decide the next
    build's months, and `yecai run` reports it. See DECISIONLOG, "Month-range incremental models".

    Config: recompute_month_column, the model's month column (default month_start).
-#}

{#- The log table: written here, read through the source build.recompute_log. -#}
{#- (Spark has no database above the schema: target.database is undefined there.) -#}
{% macro recompute_log_relation() -%}
    {{- return(api.Relation.create(database=target.get('database'), schema='audit', identifier='recompute_log')) -}}
{%- endmacro %}

{#- on-run-start, before create_recompute_log: its schema. Each hook is one statement (Spark's
    session cursor runs one statement a call). -#}
{% macro create_recompute_log_schema() -%}
    create schema if not exists {{ recompute_log_relation().include(identifier=false) }}
{%- endmacro %}

{#- on-run-start: the log exists before any model reads or writes it. -#}
{% macro create_recompute_log() -%}
    create table if not exists {{ recompute_log_relation() }} (
        model_name {{ dbt.type_string() }},
        invocation_id {{ dbt.type_string() }},
        recompute_from_month date,
        last_month date,
        changes_through {{ dbt.type_timestamp() }},
        recorded_at {{ dbt.type_timestamp() }}
    )
{%- endmacro %}

{#- The strategies of month-range incremental models: recompute_months replaces whole months,
    recompute_documents the documents with a row in them (all their months). -#}
{% macro recompute_strategies() -%}
    {{- return(['recompute_months', 'recompute_documents']) -}}
{%- endmacro %}

{#- The names of the project's month-range incremental models (none while dbt parses: the
    graph is known only when it executes). -#}
{% macro recompute_month_models() -%}
    {%- set names = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model'
                and node.config.get('incremental_strategy') in recompute_strategies() -%}
            {%- do names.append(node.name) -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(names | sort) -}}
{%- endmacro %}

{#- SQL expression: the first month this model recomputes (1900-01-01 when int_changes has no
    row for it yet: everything). -#}
{% macro recompute_from_month() -%}
    coalesce(
        (select recompute_months.recompute_from_month
         from {{ ref('int_changes__recompute_months') }} as recompute_months
         where recompute_months.model_name = '{{ this.identifier }}'),
        cast('1900-01-01' as date)
    )
{%- endmacro %}

{#- Predicate on an input: `month_column` is in a month this build recomputes, or one of the
    `months_before` before it (what a trailing window or an opening balance needs). `true` when
    the model is built whole. -#}
{% macro in_recompute_months(month_column, months_before=0) -%}
    {%- if model.resource_type == 'unit_test' -%}
        {#- a unit test builds the model whole from its given rows only -#}
        true
    {%- else -%}
        {{- depends_on_recompute_months() -}}
        {%- if not is_incremental() -%}
            true
        {%- elif months_before == 0 -%}
            {{ month_column }} >= {{ recompute_from_month() }}
        {%- else -%}
            {{ month_column }} >= cast({{ dbt.dateadd('month', -months_before, recompute_from_month()) }} as date)
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- The model's dependency on int_changes__recompute_months in dbt's graph, whether or not this
    build is incremental (none in a unit test, which builds the model whole from its given rows). -#}
{% macro depends_on_recompute_months() -%}
    {%- if model.resource_type != 'unit_test' -%}
        {%- do ref('int_changes__recompute_months') -%}
    {%- endif -%}
{%- endmacro %}

{#- The strategy: replace the rows of the recomputed months. -#}
{% macro get_incremental_recompute_months_sql(arg_dict) -%}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set month_column = config.get('recompute_month_column', 'month_start') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target_relation }}
    where {{ month_column }} >= {{ recompute_from_month() }};

    insert into {{ target_relation }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
    where {{ month_column }} >= {{ recompute_from_month() }}
{%- endmacro %}

{#- The strategy of a model whose rows carry totals over all of a document's months
    (config recompute_key: the document's columns): its SQL computes every month of each
    document with a row in a recomputed month, before or after the delivery; the documents it
    returns are replaced whole, and rows of the recomputed months of documents it no longer
    returns are deleted. -#}
{% macro get_incremental_recompute_documents_sql(arg_dict) -%}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- set month_column = config.get('recompute_month_column', 'month_start') -%}
    {%- set key = config.require('recompute_key') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target_relation }}
    where {{ month_column }} >= {{ recompute_from_month() }}
        or exists (
            select 1
            from {{ temp_relation }} as recomputed
            where {% for column in key %}recomputed.{{ column }} = {{ target_relation }}.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
        );

    insert into {{ target_relation }} ({{ columns }})
    select {{ columns }}
    from {{ temp_relation }}
{%- endmacro %}

{#- Post-hook of every model (dbt_project.yml); SQL only for a month-range model. -#}
{% macro log_recompute() -%}
    {%- if config.get('incremental_strategy') in recompute_strategies() -%}
        insert into {{ recompute_log_relation() }}
            (model_name, invocation_id, recompute_from_month, last_month, changes_through, recorded_at)
        select
            '{{ this.identifier }}',
            '{{ invocation_id }}',
            {% if is_incremental() %}{{ recompute_from_month() }}{% else %}cast(null as date){% endif %},
            (select max({{ config.get('recompute_month_column', 'month_start') }}) from {{ this }}),
            (select max(changes_through) from {{ ref('int_changes__recompute_months') }}),
            {{ dbt.current_timestamp() }}
    {%- endif -%}
{%- endmacro %}

{#- SQL expression: the delivery time from which this build looks for changes: the oldest
    changes_through any month-range model has logged (NULL before any has: nothing to look
    for, each model then recomputes everything). `recompute_log` is the log's relation or CTE. -#}
{% macro recompute_changes_since(recompute_log) -%}
    {%- set models = recompute_month_models() -%}
    (
        select min(last_recomputes.changes_through)
        from (
            select model_name, max(changes_through) as changes_through
            from {{ recompute_log }}
            where model_name in ({% for name in models %}'{{ name }}'{{ ', ' if not loop.last }}{% else %}''{% endfor %})
            group by model_name
        ) as last_recomputes
    )
{%- endmacro %}

{#- The delta extracts whose deliveries decide the recomputed months, each with its source
    (system, entity), primary key, the earliest date a version acts on, and the documents it links
    (the link columns of stg_build__delivered_versions). A delivery of any other extract (a
    snapshot: master data, accounts, targets) recomputes every month. -#}
{% macro delivered_version_extracts() -%}
    {{- return([
        {'source': ['erp', 'sales_orders'], 'key': ['order_id'], 'earliest_date': 'least(order_date, requested_delivery_date)', 'links': ['order_id']},
        {'source': ['erp', 'sales_order_lines'], 'key': ['order_id', 'line_no'], 'earliest_date': 'cast(null as date)', 'links': ['order_id']},
        {'source': ['wms', 'shipments'], 'key': ['shipment_id'], 'earliest_date': 'ship_date', 'links': ['order_id']},
        {'source': ['bil', 'invoices'], 'key': ['invoice_id'], 'earliest_date': 'least(invoice_date, due_date)', 'links': ['order_id', 'invoice_id']},
        {'source': ['bil', 'invoice_lines'], 'key': ['invoice_id', 'line_no'], 'earliest_date': 'cast(null as date)', 'links': ['order_id', 'invoice_id']},
        {'source': ['ar', 'receipts'], 'key': ['receipt_id'], 'earliest_date': 'receipt_date', 'links': ['receipt_id']},
        {'source': ['ar', 'receipt_applications'], 'key': ['receipt_id', 'invoice_id'], 'earliest_date': 'applied_date', 'links': ['receipt_id', 'invoice_id']},
        {'source': ['ar', 'write_offs'], 'key': ['write_off_id'], 'earliest_date': 'write_off_date', 'links': ['invoice_id']},
        {'source': ['erp', 'purchase_orders'], 'key': ['po_id'], 'earliest_date': 'least(po_date, expected_date)', 'links': ['po_id']},
        {'source': ['erp', 'purchase_order_lines'], 'key': ['po_id', 'line_no'], 'earliest_date': 'cast(null as date)', 'links': ['po_id']},
        {'source': ['wms', 'goods_receipts'], 'key': ['goods_receipt_id'], 'earliest_date': 'receipt_date', 'links': ['po_id']},
        {'source': ['ap', 'supplier_invoices'], 'key': ['supplier_invoice_id'], 'earliest_date': 'least(invoice_date, due_date)', 'links': ['supplier_invoice_id']},
        {'source': ['ap', 'supplier_invoice_lines'], 'key': ['supplier_invoice_id', 'line_no'], 'earliest_date': 'cast(null as date)', 'links': ['supplier_invoice_id', 'po_id']},
        {'source': ['ap', 'payments'], 'key': ['payment_id'], 'earliest_date': 'payment_date', 'links': ['supplier_invoice_id']},
        {'source': ['wms', 'inventory_movements'], 'key': ['movement_id'], 'earliest_date': 'movement_date', 'links': []},
        {'source': ['mes', 'work_orders'], 'key': ['work_order_id'], 'earliest_date': 'least(start_date, finish_date)', 'links': ['work_order_id']},
        {'source': ['mes', 'work_order_costs'], 'key': ['cost_id'], 'earliest_date': 'posting_date', 'links': ['work_order_id']},
        {'source': ['fin', 'journal_lines'], 'key': ['journal_id', 'line_no'], 'earliest_date': 'posting_date', 'links': []},
        {'source': ['fin', 'fx_rates'], 'key': ['rate_date', 'currency'], 'earliest_date': 'rate_date', 'links': []},
    ]) -}}
{%- endmacro %}

{#- dbt's get_where_subquery, for every data test: a test of a month-range model (strategy
    recompute_months) reads only the months this invocation recomputed, since the model's other
    months are the rows earlier builds tested, untouched. Only where that is exact: row-level
    tests (not_null, accepted_values, relationships) and key tests whose key holds the month
    column, on the tested model itself (not the `to` side of a relationship). A model not built
    in this invocation (dbt test alone) or built whole (first build, --full-refresh) logs no
    recomputed month for it, and every row is read; so does every other test. The test's own
    `where` config applies as in dbt. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append(config.get('where')) -%}
    {%- endif -%}
    {%- set recomputed = recomputed_months_of_tested_model(relation) -%}
    {%- if recomputed -%}
        {%- do conditions.append(recomputed) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where ({{ conditions | join(') and (') }})) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The predicate of get_where_subquery on a month-range model's recomputed months, or none. -#}
{% macro recomputed_months_of_tested_model(relation) -%}
    {%- set test = model -%}
    {%- set metadata = test.get('test_metadata') or {} -%}
    {%- set tested = graph.nodes.get(test.get('attached_node') or '') if execute else none -%}
    {%- if not tested or tested.config.get('incremental_strategy') != 'recompute_months'
            or relation.identifier != tested.alias -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set month_column = tested.config.get('recompute_month_column', 'month_start') -%}
    {%- set kwargs = metadata.get('kwargs') or {} -%}
    {%- set row_level = metadata.get('name') in ['not_null', 'accepted_values', 'relationships'] -%}
    {%- set keyed_by_month = metadata.get('name') == 'unique_combination_of_columns'
            and month_column in (kwargs.get('combination_of_columns') or []) -%}
    {%- if not (row_level or keyed_by_month) -%}
        {%- do return(none) -%}
    {%- endif -%}
    {%- set predicate -%}
        {{ month_column }} >= coalesce(
            (select max(recomputed.recompute_from_month)
             from {{ recompute_log_relation() }} as recomputed
             where recomputed.model_name = '{{ tested.alias }}'
                and recomputed.invocation_id = '{{ invocation_id }}'),
            cast('1900-01-01' as date))
    {%- endset -%}
    {%- do return(predicate) -%}
{%- endmacro %}
