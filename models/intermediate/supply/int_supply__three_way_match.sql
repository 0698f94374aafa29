-- Grain: one row per line of an issued supplier invoice. Three-way match (charter,
-- three_way_match_rate): the line names a purchase order line that exists (on a purchase
-- order that is not cancelled), |unit_price − PO price| ≤ 0.5% of the PO price, and the
-- cumulative invoiced quantity of that PO line, over issued invoice lines ordered by
-- (invoice_date, supplier_invoice_id, line_no) up to and including this line, does not
-- exceed the quantity received on it with receipt_date ≤ this line's invoice_date.
-- Lines naming an unknown purchase order keep their invoice's company and stay in the
-- population as not matched.
with

supplier_invoice_lines as (

    select * from {{ ref('int_supply__supplier_invoice_lines') }}

),

purchase_order_lines as (

    select * from {{ ref('int_supply__purchase_order_lines') }}

),

goods_receipts as (

    select * from {{ ref('int_supply__goods_receipts') }}

),

cumulative_invoiced as (

    select
        supplier_invoice_id,
        line_no,
        {{ running_sum('quantity', 'po_id, po_line_no',
                       order_by='invoice_date, supplier_invoice_id, line_no') }} as cumulative_invoiced_quantity
    from supplier_invoice_lines

),

received_by_invoice_date as (

    select
        supplier_invoice_lines.supplier_invoice_id,
        supplier_invoice_lines.line_no,
        sum(goods_receipts.quantity) as received_quantity
    from supplier_invoice_lines
    inner join goods_receipts
        on supplier_invoice_lines.po_id = goods_receipts.po_id
        and supplier_invoice_lines.po_line_no = goods_receipts.po_line_no
        and supplier_invoice_lines.invoice_date >= goods_receipts.receipt_date
    group by supplier_invoice_lines.supplier_invoice_id, supplier_invoice_lines.line_no

),

checks as (

    select
        supplier_invoice_lines.supplier_invoice_id,
        supplier_invoice_lines.line_no,
        supplier_invoice_lines.po_id,
        supplier_invoice_lines.po_line_no,
        supplier_invoice_lines.supplier_id,
        purchase_order_lines.product_id,
        supplier_invoice_lines.company_code,
        supplier_invoice_lines.quantity,
        supplier_invoice_lines.unit_price,
        purchase_order_lines.unit_price as po_unit_price,
        cumulative_invoiced.cumulative_invoiced_quantity,
        coalesce(received_by_invoice_date.received_quantity, 0) as received_quantity_to_invoice_date,
        supplier_invoice_lines.invoice_date,
        supplier_invoice_lines.month_start,
        purchase_order_lines.po_id is not null as names_known_po_line,
        coalesce(
            abs(supplier_invoice_lines.unit_price - purchase_order_lines.unit_price)
            <= 0.005 * purchase_order_lines.unit_price,
            false
        ) as is_price_within_tolerance,
        cumulative_invoiced.cumulative_invoiced_quantity
        <= coalesce(received_by_invoice_date.received_quantity, 0) as is_quantity_within_received
    from supplier_invoice_lines
    inner join cumulative_invoiced
        on supplier_invoice_lines.supplier_invoice_id = cumulative_invoiced.supplier_invoice_id
        and supplier_invoice_lines.line_no = cumulative_invoiced.line_no
    left join purchase_order_lines
        on supplier_invoice_lines.po_id = purchase_order_lines.po_id
        and supplier_invoice_lines.po_line_no = purchase_order_lines.po_line_no
    left join received_by_invoice_date
        on supplier_invoice_lines.supplier_invoice_id = received_by_invoice_date.supplier_invoice_id
        and supplier_invoice_lines.line_no = received_by_invoice_date.line_no

),

final as (

    select
        -- ids
        supplier_invoice_id,
        line_no,
        po_id,
        po_line_no,
        supplier_id,
        product_id,

        -- dimensions
        company_code,

        -- quantities and prices (document currency)
        quantity,
        unit_price,
        po_unit_price,
        cumulative_invoiced_quantity,
        received_quantity_to_invoice_date,

        -- dates
        invoice_date,
        month_start,

        -- flags
        names_known_po_line,
        is_price_within_tolerance,
        is_quantity_within_received,
        names_known_po_line
        and is_price_within_tolerance
        and is_quantity_within_received as is_three_way_matched

    from checks

)

select * from final
