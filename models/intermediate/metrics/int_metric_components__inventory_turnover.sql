-- Grain: one row per indicator (inventory_turnover, dio), month_start, company_code,
-- product_id and document: each invoice's cogs of the product (the invoicing components,
-- over its customers and channels) and each stock
-- position's average inventory of the month (int_supply__average_inventory_monthly).
-- inventory_turnover = cogs / average inventory; dio = days_in_month × average inventory /
-- cogs. A row carries 0, not NULL, on the side it has no part in, so Σ over any product's
-- rows is its cogs and average inventory even when it was only held or only sold.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

invoicing_components as (

    select * from {{ ref('int_metric_components__invoicing') }}
    where {{ in_recompute_months('month_start') }}

),

average_inventory as (

    select * from {{ ref('int_supply__average_inventory_monthly') }}
    where {{ in_recompute_months('month_start') }}

),

cogs_documents as (

    select
        month_start,
        company_code,
        product_id,
        document_type,
        document_id,
        sum(numerator) as cogs_cny
    from invoicing_components
    where metric_code = 'cogs'
    group by month_start, company_code, product_id, document_type, document_id

),

stock_positions as (

    select
        month_start,
        company_code,
        product_id,
        'stock_position' as document_type,
        {{ dbt.concat(['warehouse_id', "'/'", 'product_id']) }} as document_id,
        average_inventory_cny,
        days_in_month * average_inventory_cny as inventory_days_cny
    from average_inventory

),

inventory_turnover as (

    select
        'inventory_turnover' as metric_code,
        month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        document_type,
        document_id,
        cogs_cny as numerator,
        0 as denominator,
        'flow' as numerator_basis,
        'month_average' as denominator_basis
    from cogs_documents

    union all

    select
        'inventory_turnover' as metric_code,
        month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        document_type,
        document_id,
        0 as numerator,
        average_inventory_cny as denominator,
        'flow' as numerator_basis,
        'month_average' as denominator_basis
    from stock_positions

),

dio as (

    select
        'dio' as metric_code,
        month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        document_type,
        document_id,
        0 as numerator,
        cogs_cny as denominator,
        'month_average' as numerator_basis,
        'flow' as denominator_basis
    from cogs_documents

    union all

    select
        'dio' as metric_code,
        month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        document_type,
        document_id,
        inventory_days_cny as numerator,
        0 as denominator,
        'month_average' as numerator_basis,
        'flow' as denominator_basis
    from stock_positions

),

-- the component interface: turnover and dio are measured per product only
final as (

    {{ metric_component_rows(['inventory_turnover', 'dio']) }}

)

select * from final
