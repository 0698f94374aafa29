-- Grain: one row per business document (line) whose document chain (单据链) is incomplete
-- at the end of the data: (exception_type, document_type, document_id, line_no).
--   shipped_not_invoiced         order line (order not cancelled): shipped > invoiced
--   invoiced_not_shipped         order line: invoiced > shipped; or an invoice line naming
--                                no existing order line (nothing can ever ship against it)
--   unapplied_cash               receipt with cash not applied to any invoice
--   goods_received_not_invoiced  PO line (PO not cancelled): received > supplier-invoiced
-- Invoiced quantities are Σ lines of issued invoices of type invoice (current versions);
-- credit notes are not netted off. The gap is valued at the document's price; CNY through
-- to_cny at the rate the fact already carries (order date, invoice date, receipt date) or,
-- for PO lines, the rate of the last goods receipt. as_of_date is the latest document date
-- of the sub-ledgers involved (shipments, invoices, receipts, goods receipts, supplier
-- invoices): the same for every row.
with

sales_order_lines as (

    select * from {{ ref('fct_sales_order_lines') }}

),

invoice_lines as (

    select * from {{ ref('fct_invoice_lines') }}

),

shipments as (

    select * from {{ ref('fct_shipments') }}

),

receipts as (

    select * from {{ ref('int_sales__receipts') }}

),

purchase_order_lines as (

    select * from {{ ref('fct_purchase_order_lines') }}

),

goods_receipts as (

    select * from {{ ref('fct_goods_receipts') }}

),

supplier_invoice_lines as (

    select * from {{ ref('fct_supplier_invoice_lines') }}

),

document_dates as (

    -- the end of the data: the latest date any sub-ledger in the chain has a document
    select max(ship_date) as document_date from shipments
    union all
    select max(invoice_date) from invoice_lines
    union all
    select max(receipt_date) from receipts
    union all
    select max(receipt_date) from goods_receipts
    union all
    select max(invoice_date) from supplier_invoice_lines

),

as_of as (

    select max(document_date) as as_of_date
    from document_dates

),

shipped_not_invoiced as (

    -- gap valued at the order price; rate of the order date (on the fact)
    select
        'shipped_not_invoiced' as exception_type,
        'sales_order_line' as document_type,
        order_id as document_id,
        line_no,
        company_code,
        customer_id as counterparty_id,
        product_id,
        currency,
        cast(shipped_quantity - invoiced_quantity as decimal(38, 8)) as gap_quantity,
        cast(cast(shipped_quantity - invoiced_quantity as decimal(38, 8)) * unit_price as decimal(38, 8))
            as gap_amount,
        fx_rate_to_cny as rate_to_cny,
        last_ship_date as document_date
    from sales_order_lines
    where not is_order_cancelled
        and shipped_quantity > invoiced_quantity

),

order_lines_invoiced_not_shipped as (

    -- billed beyond what left the warehouse (cancelled orders too: the bill stands)
    select
        'invoiced_not_shipped' as exception_type,
        'sales_order_line' as document_type,
        order_id as document_id,
        line_no,
        company_code,
        customer_id as counterparty_id,
        product_id,
        currency,
        cast(invoiced_quantity - shipped_quantity as decimal(38, 8)) as gap_quantity,
        cast(cast(invoiced_quantity - shipped_quantity as decimal(38, 8)) * unit_price as decimal(38, 8))
            as gap_amount,
        fx_rate_to_cny as rate_to_cny,
        last_invoice_date as document_date
    from sales_order_lines
    where invoiced_quantity > shipped_quantity

),

invoice_lines_without_order_line as (

    -- no order line, so no shipment can ever match: the whole line is the gap
    select
        'invoiced_not_shipped' as exception_type,
        'invoice_line' as document_type,
        invoice_id as document_id,
        line_no,
        company_code,
        customer_id as counterparty_id,
        product_id,
        currency,
        cast(quantity as decimal(38, 8)) as gap_quantity,
        cast(net_amount as decimal(38, 8)) as gap_amount,
        fx_rate_to_cny as rate_to_cny,
        invoice_date as document_date
    from invoice_lines
    where invoice_type = 'invoice'
        and order_match_status != 'matched'

),

unapplied_cash as (

    -- cash on account (the GL holds it as customer advances); rate of the receipt date
    select
        'unapplied_cash' as exception_type,
        'receipt' as document_type,
        receipt_id as document_id,
        cast(null as {{ dbt.type_bigint() }}) as line_no,
        company_code,
        customer_id as counterparty_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        currency,
        cast(null as decimal(38, 8)) as gap_quantity,
        cast(unapplied_amount as decimal(38, 8)) as gap_amount,
        fx_rate_to_cny as rate_to_cny,
        receipt_date as document_date
    from receipts
    where unapplied_amount > 0.005

),

last_goods_receipts as (

    select
        po_id,
        po_line_no,
        max(receipt_date) as last_receipt_date
    from goods_receipts
    group by po_id, po_line_no

),

goods_received_not_invoiced as (

    -- gap valued at the PO price, at the rate of the last goods receipt (the GL credits
    -- GRNI at receipt-date rates)
    select
        'goods_received_not_invoiced' as exception_type,
        'purchase_order_line' as document_type,
        purchase_order_lines.po_id as document_id,
        purchase_order_lines.po_line_no as line_no,
        purchase_order_lines.company_code,
        purchase_order_lines.supplier_id as counterparty_id,
        purchase_order_lines.product_id,
        purchase_order_lines.currency,
        cast(
            purchase_order_lines.received_quantity - purchase_order_lines.invoiced_quantity as decimal(38, 8)
        ) as gap_quantity,
        cast(
            cast(purchase_order_lines.received_quantity - purchase_order_lines.invoiced_quantity as decimal(38, 8))
            * purchase_order_lines.unit_price as decimal(38, 8)
        ) as gap_amount,
        receipt_fx.rate_to_cny,
        last_goods_receipts.last_receipt_date as document_date
    from purchase_order_lines
    inner join last_goods_receipts
        on purchase_order_lines.po_id = last_goods_receipts.po_id
        and purchase_order_lines.po_line_no = last_goods_receipts.po_line_no
    {{ fx_rate_join('purchase_order_lines.currency', 'last_goods_receipts.last_receipt_date', 'receipt_fx') }}
    where purchase_order_lines.received_quantity > purchase_order_lines.invoiced_quantity

),

exceptions as (

    {{ union_by_name(
        ['shipped_not_invoiced', 'order_lines_invoiced_not_shipped',
         'invoice_lines_without_order_line', 'unapplied_cash', 'goods_received_not_invoiced'],
        ['exception_type', 'document_type', 'document_id', 'line_no', 'company_code',
         'counterparty_id', 'product_id', 'currency', 'gap_quantity', 'gap_amount', 'rate_to_cny',
         'document_date']) }}

),

final as (

    select
        -- ids
        exceptions.exception_type,
        exceptions.document_type,
        exceptions.document_id,
        exceptions.line_no,
        exceptions.company_code,
        exceptions.counterparty_id,
        exceptions.product_id,

        -- dimensions
        exceptions.currency,

        -- gap (document currency; CNY through the one conversion, at the rate chosen above)
        exceptions.gap_quantity,
        exceptions.gap_amount,
        exceptions.rate_to_cny as fx_rate_to_cny,
        cast({{ to_cny('exceptions.gap_amount', 'exceptions') }} as decimal(38, 16)) as gap_amount_cny,

        -- dates: when the gap started, the end of the data, and the age in between
        exceptions.document_date,
        as_of.as_of_date,
        cast({{ days_between('exceptions.document_date', 'as_of.as_of_date') }} as {{ dbt.type_bigint() }}) as age_days

    from exceptions
    cross join as_of

)

select * from final
