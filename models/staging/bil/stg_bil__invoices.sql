-- Current version of each customer invoice or credit note header (key: invoice_id) from the delta extract bil_invoices.
{%- set primary_key = ['invoice_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('bil', 'invoices') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        invoice_id,
        customer_id,
        order_id,

        -- attributes
        company_code,
        invoice_type,
        currency,
        invoice_status,

        -- dates and timestamps
        invoice_date,
        due_date,
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
