-- Grain: one row per current shipment, matched to its sales order and order line.
-- order_match_status: matched | unknown_order_line (order known, line not) |
-- unknown_order (orphan: company unknown, left out of every metric).
with

shipments as (

    select * from {{ ref('stg_wms__shipments') }}

),

orders as (

    select * from {{ ref('stg_erp__sales_orders') }}

),

order_lines as (

    select * from {{ ref('stg_erp__sales_order_lines') }}

),

final as (

    select
        -- ids
        shipments.shipment_id,
        shipments.order_id,
        shipments.order_line_no,
        orders.company_code,
        orders.customer_id,
        order_lines.product_id,
        shipments.warehouse_id,

        -- dimensions
        orders.channel,
        case
            when orders.order_id is null then 'unknown_order'
            when order_lines.order_id is null then 'unknown_order_line'
            else 'matched'
        end as order_match_status,

        -- quantities
        shipments.quantity,

        -- dates
        shipments.ship_date,
        cast({{ dbt.date_trunc('month', 'shipments.ship_date') }} as date) as ship_month,
        orders.requested_delivery_date,

        -- flags
        coalesce(orders.order_status = 'cancelled', false) as is_order_cancelled,
        shipments.ship_date <= orders.requested_delivery_date as is_on_time,

        -- lineage: the delivered row this one is built from
        shipments._source_file,
        shipments._batch_id,
        shipments._source_row_number

    from shipments
    left join orders
        on shipments.order_id = orders.order_id
    left join order_lines
        on shipments.order_id = order_lines.order_id
        and shipments.order_line_no = order_lines.line_no

)

select * from final
