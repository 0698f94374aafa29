-- Current version of each customer receipt (cash received) (key: receipt_id) from the delta extract ar_receipts.
{%- set primary_key = ['receipt_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('ar', 'receipts') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        receipt_id,
        customer_id,

        -- attributes
        company_code,
        currency,
        bank_reference,

        -- amounts and quantities
        amount,

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
