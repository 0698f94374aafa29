-- Grain: one row per current sales order line of a known order — the life of the line:
-- ordered, shipped (on time or not), invoiced, credited and collected.
with

order_lines as (

    select * from {{ ref('int_sales__order_line_fulfilment') }}

),

order_line_billing as (

    select * from {{ ref('int_sales__order_line_billing') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
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

        -- ordered (document currency, and CNY at the order-date rate)
        order_lines.ordered_quantity,
        order_lines.unit_price,
        cast(order_lines.ordered_net_amount as decimal(38, 16)) as ordered_net_amount,
        order_fx.rate_to_cny as fx_rate_to_cny,
        cast({{ to_cny('order_lines.ordered_net_amount', 'order_fx') }} as decimal(38, 16)) as ordered_net_amount_cny,

        -- shipped
        order_lines.shipment_count,
        cast(order_lines.shipped_quantity as decimal(38, 8)) as shipped_quantity,
        cast(order_lines.shipped_on_time_quantity as decimal(38, 8)) as shipped_on_time_quantity,

        -- invoiced and collected (CNY at each invoice's rate)
        cast(coalesce(order_line_billing.invoiced_quantity, 0) as decimal(38, 8)) as invoiced_quantity,
        cast(coalesce(order_line_billing.credited_quantity, 0) as decimal(38, 8)) as credited_quantity,
        cast(coalesce(order_line_billing.net_revenue_cny, 0) as decimal(38, 16)) as net_revenue_cny,
        cast(coalesce(order_line_billing.invoiced_gross_amount_cny, 0) as decimal(38, 16)) as invoiced_gross_amount_cny,
        cast(coalesce(order_line_billing.collected_gross_amount_cny, 0) as decimal(38, 16))
            as collected_gross_amount_cny,

        -- dates
        order_lines.order_date,
        order_lines.requested_delivery_date,
        order_lines.first_ship_date,
        order_lines.last_ship_date,
        order_line_billing.first_invoice_date,
        order_line_billing.last_invoice_date,
        order_line_billing.last_collection_date,

        -- flags
        order_lines.is_order_cancelled,
        order_lines.is_shipped_in_full,
        order_lines.is_fulfilled_on_time_in_full,
        coalesce(order_line_billing.invoiced_quantity, 0) >= order_lines.ordered_quantity as is_invoiced_in_full,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        order_lines._source_file,
        order_lines._batch_id,
        order_lines._source_row_number

    from order_lines
    left join order_line_billing
        on order_lines.order_id = order_line_billing.order_id
        and order_lines.line_no = order_line_billing.order_line_no
    {{ fx_rate_join('order_lines.currency', 'order_lines.order_date', 'order_fx') }}

)

select * from final
