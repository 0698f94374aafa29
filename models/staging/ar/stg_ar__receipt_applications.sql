-- Current version of each application of a receipt to an invoice (核销) (key: receipt_id, invoice_id) from the delta extract ar_receipt_applications.
{%- set primary_key = ['receipt_id', 'invoice_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('ar', 'receipt_applications') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        receipt_id,
        invoice_id,

        -- amounts and quantities
        applied_amount,

        -- dates and timestamps
        applied_date,
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
