-- Current version of each goods receipt against a purchase order line (key: goods_receipt_id) from the delta extract wms_goods_receipts.
{%- set primary_key = ['goods_receipt_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('wms', 'goods_receipts') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        goods_receipt_id,
        po_id,
        po_line_no,
        warehouse_id,

        -- amounts and quantities
        quantity,

        -- dates and timestamps
        receipt_date,
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
