-- Current version of each purchase order line (key: po_id, line_no) from the delta extract erp_purchase_order_lines.
{%- set primary_key = ['po_id', 'line_no'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('erp', 'purchase_order_lines') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        po_id,
        line_no,
        product_id,

        -- amounts and quantities
        quantity,
        unit_price,

        -- dates and timestamps
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
