-- Grain: one row per current sales order line. Header attributes come from the current
-- order; a line whose order is unknown keeps NULL header columns and
-- order_match_status = 'unknown_order' (its company cannot be determined: left out of
-- every metric, listed in int_sales__data_quality_exceptions).
with

order_lines as (

    select * from {{ ref('stg_erp__sales_order_lines') }}

),

orders as (

    select * from {{ ref('stg_erp__sales_orders') }}

),

final as (

    select
        -- ids
        order_lines.order_id,
        order_lines.line_no,
        orders.company_code,
        orders.customer_id,
        order_lines.product_id,

        -- dimensions
        orders.channel,
        orders.currency,
        orders.order_status,
        case when orders.order_id is null then 'unknown_order' else 'matched' end as order_match_status,

        -- amounts and quantities (document currency)
        order_lines.quantity as ordered_quantity,
        order_lines.unit_price,
        order_lines.tax_rate,
        -- widened first, as to_cny does: DuckDB types DECIMAL(18, 8) × DECIMAL(18, 8) as DECIMAL(18, 16)
        cast(order_lines.quantity as decimal(38, 8)) * order_lines.unit_price as ordered_net_amount,

        -- dates
        orders.order_date,
        orders.requested_delivery_date,

        -- flags
        coalesce(orders.order_status = 'cancelled', false) as is_order_cancelled,

        -- lineage: the delivered row this one is built from
        order_lines._source_file,
        order_lines._batch_id,
        order_lines._source_row_number

    from order_lines
    left join orders
        on order_lines.order_id = orders.order_id

)

select * from final
