-- Grain: one row per goods receipt on a purchase order that exists and is not cancelled
-- (goods_receipt_id). Orphan receipts are in int_supply__orphan_records.
with

goods_receipts as (

    select * from {{ ref('int_supply__goods_receipts') }}

),

final as (

    select
        -- ids
        goods_receipt_id,
        po_id,
        po_line_no,
        warehouse_id,
        supplier_id,
        product_id,

        -- dimensions
        company_code,

        -- quantities
        quantity,

        -- dates
        receipt_date,
        month_start,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        _source_file,
        _batch_id,
        _source_row_number

    from goods_receipts

)

select * from final
