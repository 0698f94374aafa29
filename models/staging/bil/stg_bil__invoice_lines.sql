-- Current version of each customer invoice or credit note line (key: invoice_id, line_no) from the delta extract bil_invoice_lines.
{%- set primary_key = ['invoice_id', 'line_no'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('bil', 'invoice_lines') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        invoice_id,
        line_no,
        order_id,
        order_line_no,
        product_id,

        -- amounts and quantities
        quantity,
        unit_price,
        net_amount,
        tax_amount,

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
