-- Grain: one row per current sales order line of a known order. Shipments of the line,
-- in total and on time (ship_date <= the order's requested_delivery_date), and the OTIF
-- rule of the charter: fulfilled when the quantity shipped on time covers the quantity
-- ordered.
with

order_lines as (

    select * from {{ ref('int_sales__order_lines') }}

),

shipments as (

    select * from {{ ref('int_sales__shipments') }}

),

shipped_per_line as (

    select
        order_id,
        order_line_no,
        count(*) as shipment_count,
        sum(quantity) as shipped_quantity,
        sum(case when is_on_time then quantity else 0 end) as shipped_on_time_quantity,
        min(ship_date) as first_ship_date,
        max(ship_date) as last_ship_date
    from shipments
    where order_match_status = 'matched'
    group by order_id, order_line_no

),

final as (

    select
        -- ids
        order_lines.order_id,
        order_lines.line_no,
        order_lines.company_code,
        order_lines.customer_id,
        order_lines.product_id,

        -- dimensions
        order_lines.channel,
        order_lines.currency,
        order_lines.order_status,

        -- amounts and quantities
        order_lines.ordered_quantity,
        order_lines.unit_price,
        order_lines.ordered_net_amount,
        coalesce(shipped_per_line.shipment_count, 0) as shipment_count,
        coalesce(shipped_per_line.shipped_quantity, 0) as shipped_quantity,
        coalesce(shipped_per_line.shipped_on_time_quantity, 0) as shipped_on_time_quantity,

        -- dates
        order_lines.order_date,
        order_lines.requested_delivery_date,
        cast({{ dbt.date_trunc('month', 'order_lines.requested_delivery_date') }} as date) as requested_delivery_month,
        shipped_per_line.first_ship_date,
        shipped_per_line.last_ship_date,

        -- flags
        order_lines.is_order_cancelled,
        coalesce(shipped_per_line.shipped_quantity, 0) >= order_lines.ordered_quantity as is_shipped_in_full,
        coalesce(shipped_per_line.shipped_on_time_quantity, 0) >= order_lines.ordered_quantity
            as is_fulfilled_on_time_in_full,

        -- lineage: the delivered row this one is built from
        order_lines._source_file,
        order_lines._batch_id,
        order_lines._source_row_number

    from order_lines
    left join shipped_per_line
        on order_lines.order_id = shipped_per_line.order_id
        and order_lines.line_no = shipped_per_line.order_line_no
    where order_lines.order_match_status = 'matched'

)

select * from final
