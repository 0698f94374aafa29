-- Grain: one row per line of a purchase order that is not cancelled (po_id, po_line_no),
-- with the quantity received on it (all goods receipts) and invoiced on it (lines of issued
-- supplier invoices), whatever their dates.
with

purchase_order_lines as (

    select * from {{ ref('int_supply__purchase_order_lines') }}

),

goods_receipts as (

    select * from {{ ref('int_supply__goods_receipts') }}

),

supplier_invoice_lines as (

    select * from {{ ref('int_supply__supplier_invoice_lines') }}

),

received as (

    select
        po_id,
        po_line_no,
        sum(quantity) as received_quantity
    from goods_receipts
    group by po_id, po_line_no

),

invoiced as (

    select
        po_id,
        po_line_no,
        sum(quantity) as invoiced_quantity
    from supplier_invoice_lines
    group by po_id, po_line_no

),

final as (

    select
        -- ids
        purchase_order_lines.po_id,
        purchase_order_lines.po_line_no,
        purchase_order_lines.supplier_id,
        purchase_order_lines.product_id,

        -- dimensions
        purchase_order_lines.company_code,
        purchase_order_lines.currency,
        purchase_order_lines.po_status,

        -- quantities and amounts (document currency)
        purchase_order_lines.ordered_quantity,
        purchase_order_lines.unit_price,
        cast(
            cast(purchase_order_lines.ordered_quantity as decimal(38, 8)) * purchase_order_lines.unit_price
            as decimal(38, 16)
        ) as ordered_amount,
        cast(coalesce(received.received_quantity, 0) as decimal(38, 8)) as received_quantity,
        cast(coalesce(invoiced.invoiced_quantity, 0) as decimal(38, 8)) as invoiced_quantity,

        -- dates
        purchase_order_lines.po_date,
        purchase_order_lines.expected_date,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        purchase_order_lines._source_file,
        purchase_order_lines._batch_id,
        purchase_order_lines._source_row_number

    from purchase_order_lines
    left join received
        on purchase_order_lines.po_id = received.po_id
        and purchase_order_lines.po_line_no = received.po_line_no
    left join invoiced
        on purchase_order_lines.po_id = invoiced.po_id
        and purchase_order_lines.po_line_no = invoiced.po_line_no

)

select * from final
