-- The numerator and denominator of unit_output_cost: completed work orders' cost and
-- quantity, by finish month.
-- Grain: one row per metric_code, month_start, company_code, the dimensions the metric's
-- records carry (NULL where it has none) and the document behind the amounts (document_type,
-- document_id: the drill-through, 穿透); the component interface of docs/METRICS.md.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

work_orders as (

    select * from {{ ref('int_supply__work_orders') }}
    where {{ in_recompute_months('finish_month_start') }}

),

unit_output_cost as (

    select
        'unit_output_cost' as metric_code,
        finish_month_start as month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        'work_order' as document_type,
        work_order_id as document_id,
        cast(total_cost as decimal(38, 16)) as numerator,
        cast(completed_quantity as decimal(38, 16)) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from work_orders
    where is_completed
        and finish_date is not null

),

final as (

    {{ metric_component_rows(['unit_output_cost']) }}

)

select * from final
