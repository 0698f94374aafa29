-- The numerator of inventory_value: each stock position's (warehouse × product) value at the
-- month-end.
-- Grain: one row per metric_code, month_start, company_code, the dimensions the metric's
-- records carry (NULL where it has none) and the document behind the amounts (document_type,
-- document_id: the drill-through, 穿透); the component interface of docs/METRICS.md.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

inventory_balances as (

    select * from {{ ref('int_supply__inventory_balance_monthly') }}
    where {{ in_recompute_months('month_start') }}

),

inventory_value as (

    select
        'inventory_value' as metric_code,
        month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        product_id,
        warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        'stock_position' as document_type,
        {{ dbt.concat(['warehouse_id', "'/'", 'product_id']) }} as document_id,
        cast(inventory_value_cny as decimal(38, 16)) as numerator,
        cast(null as decimal(38, 16)) as denominator,
        'month_end' as numerator_basis,
        cast(null as {{ dbt.type_string() }}) as denominator_basis
    from inventory_balances

),

final as (

    {{ metric_component_rows(['inventory_value']) }}

)

select * from final
