-- Current version of each payment of a supplier invoice (key: payment_id) from the delta extract ap_payments.
{%- set primary_key = ['payment_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('ap', 'payments') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        payment_id,
        supplier_invoice_id,

        -- attributes
        currency,

        -- amounts and quantities
        amount,

        -- dates and timestamps
        payment_date,
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
