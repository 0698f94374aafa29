-- Current version of each sales order line (key: order_id, line_no) from the delta extract erp_sales_order_lines.
{%- set primary_key = ['order_id', 'line_no'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('erp', 'sales_order_lines') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        order_id,
        line_no,
        product_id,

        -- amounts and quantities
        quantity,
        unit_price,
        tax_rate,

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
