-- Grain: one row per procure-to-pay record that names a purchase order that does not
-- exist or is cancelled (record_type, record_id). Data-quality exceptions for the data
-- owners: goods receipts naming an unknown purchase order have no company and count in no
-- metric; supplier invoice lines (of any invoice status) keep their invoice's company, and
-- those of issued invoices stay in AP and in the three-way match population, not matched.
with

goods_receipts as (

    select * from {{ ref('stg_wms__goods_receipts') }}

),

supplier_invoice_lines as (

    select * from {{ ref('stg_ap__supplier_invoice_lines') }}

),

supplier_invoices as (

    select * from {{ ref('stg_ap__supplier_invoices') }}

),

purchase_orders as (

    select * from {{ ref('stg_erp__purchase_orders') }}

),

named_purchase_orders as (

    select
        'goods_receipt' as record_type,
        goods_receipts.goods_receipt_id as record_id,
        goods_receipts.po_id,
        cast(null as {{ dbt.type_string() }}) as company_code,
        goods_receipts.receipt_date as document_date
    from goods_receipts

    union all

    select
        'supplier_invoice_line' as record_type,
        {{ dbt.concat([
            'supplier_invoice_lines.supplier_invoice_id',
            "'/'",
            'cast(supplier_invoice_lines.line_no as ' ~ dbt.type_string() ~ ')',
        ]) }} as record_id,
        supplier_invoice_lines.po_id,
        supplier_invoices.company_code,
        supplier_invoices.invoice_date as document_date
    from supplier_invoice_lines
    inner join supplier_invoices
        on supplier_invoice_lines.supplier_invoice_id = supplier_invoices.supplier_invoice_id
    where supplier_invoice_lines.po_id is not null

),

final as (

    select
        named_purchase_orders.record_type,
        named_purchase_orders.record_id,
        named_purchase_orders.po_id,
        case
            when purchase_orders.po_id is null then 'unknown_purchase_order'
            else 'cancelled_purchase_order'
        end as orphan_reason,
        coalesce(named_purchase_orders.company_code, purchase_orders.company_code) as company_code,
        named_purchase_orders.document_date
    from named_purchase_orders
    left join purchase_orders
        on named_purchase_orders.po_id = purchase_orders.po_id
    where purchase_orders.po_id is null
        or purchase_orders.po_status = 'cancelled'

)

select * from final
