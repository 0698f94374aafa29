-- Grain: one row per line of a purchase order that is not cancelled (cancelled purchase
-- orders count nowhere, charter common rules), with the header's company and supplier.
with

purchase_orders as (

    select * from {{ ref('stg_erp__purchase_orders') }}

),

purchase_order_lines as (

    select * from {{ ref('stg_erp__purchase_order_lines') }}

),

live_purchase_orders as (

    select *
    from purchase_orders
    where po_status != 'cancelled'

),

final as (

    select
        -- ids
        purchase_order_lines.po_id,
        purchase_order_lines.line_no as po_line_no,
        live_purchase_orders.supplier_id,
        purchase_order_lines.product_id,

        -- dimensions
        live_purchase_orders.company_code,
        live_purchase_orders.currency,
        live_purchase_orders.po_status,

        -- amounts and quantities
        purchase_order_lines.quantity as ordered_quantity,
        purchase_order_lines.unit_price,

        -- dates
        live_purchase_orders.po_date,
        live_purchase_orders.expected_date,

        -- lineage: the delivered row this one is built from
        purchase_order_lines._source_file,
        purchase_order_lines._batch_id,
        purchase_order_lines._source_row_number

    from purchase_order_lines
    inner join live_purchase_orders
        on purchase_order_lines.po_id = live_purchase_orders.po_id

)

select * from final
