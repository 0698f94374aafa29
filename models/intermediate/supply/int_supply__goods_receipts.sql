-- Grain: one row per goods receipt booked against a purchase order that exists and is not
-- cancelled. Receipts naming an unknown purchase order have no company (orphans) and
-- receipts on cancelled orders count nowhere; both are listed in int_supply__orphan_records.
with

goods_receipts as (

    select * from {{ ref('stg_wms__goods_receipts') }}

),

purchase_orders as (

    select * from {{ ref('stg_erp__purchase_orders') }}

),

purchase_order_lines as (

    select * from {{ ref('int_supply__purchase_order_lines') }}

),

live_purchase_orders as (

    select *
    from purchase_orders
    where po_status != 'cancelled'

),

final as (

    select
        -- ids
        goods_receipts.goods_receipt_id,
        goods_receipts.po_id,
        goods_receipts.po_line_no,
        goods_receipts.warehouse_id,
        live_purchase_orders.supplier_id,
        -- NULL when the receipt names a line the purchase order does not have
        purchase_order_lines.product_id,

        -- dimensions
        live_purchase_orders.company_code,

        -- quantities
        goods_receipts.quantity,

        -- dates
        goods_receipts.receipt_date,
        cast({{ dbt.date_trunc('month', 'goods_receipts.receipt_date') }} as date) as month_start,

        -- lineage: the delivered row this one is built from
        goods_receipts._source_file,
        goods_receipts._batch_id,
        goods_receipts._source_row_number

    from goods_receipts
    inner join live_purchase_orders
        on goods_receipts.po_id = live_purchase_orders.po_id
    left join purchase_order_lines
        on goods_receipts.po_id = purchase_order_lines.po_id
        and goods_receipts.po_line_no = purchase_order_lines.po_line_no

)

select * from final
