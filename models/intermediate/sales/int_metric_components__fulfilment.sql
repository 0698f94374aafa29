{%- set amount = 'decimal(38, 16)' -%}
-- The numerator and denominator of the delivery indicators: order_fulfillment_rate (by
-- requested delivery month) and on_time_delivery_rate (by ship month).
-- Grain: one row per metric_code, month_start, company_code, the dimensions the metric's
-- records carry (NULL where it has none) and the document behind the amounts (document_type,
-- document_id: the drill-through, 穿透); the component interface of docs/METRICS.md.
-- One CTE per indicator.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

order_line_fulfilment as (

    select * from {{ ref('int_sales__order_line_fulfilment') }}
    where {{ in_recompute_months('requested_delivery_month') }}

),

shipments as (

    select * from {{ ref('int_sales__shipments') }}
    where {{ in_recompute_months('ship_month') }}

),

-- OTIF: lines of orders not cancelled, month of the requested delivery date
order_fulfillment_rate as (

    select
        'order_fulfillment_rate' as metric_code,
        requested_delivery_month as month_start,
        company_code,
        customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        channel,
        'sales_order' as document_type,
        order_id as document_id,
        cast(sum(case when is_fulfilled_on_time_in_full then 1 else 0 end) as {{ amount }}) as numerator,
        cast(count(*) as {{ amount }}) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from order_line_fulfilment
    where not is_order_cancelled
    group by requested_delivery_month, company_code, customer_id, product_id, channel, order_id

),

-- shipments of known, not cancelled orders, month of ship_date
on_time_delivery_rate as (

    select
        'on_time_delivery_rate' as metric_code,
        ship_month as month_start,
        company_code,
        customer_id,
        product_id,
        warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        channel,
        'shipment' as document_type,
        shipment_id as document_id,
        cast(sum(case when is_on_time then 1 else 0 end) as {{ amount }}) as numerator,
        cast(count(*) as {{ amount }}) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from shipments
    where order_match_status <> 'unknown_order'
        and not is_order_cancelled
    group by ship_month, company_code, customer_id, product_id, warehouse_id, channel, shipment_id

),

final as (

    {{ metric_component_rows(['order_fulfillment_rate', 'on_time_delivery_rate']) }}

)

select * from final
