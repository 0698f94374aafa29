-- Current version of each supplier invoice header (key: supplier_invoice_id) from the delta extract ap_supplier_invoices.
{%- set primary_key = ['supplier_invoice_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('ap', 'supplier_invoices') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        supplier_invoice_id,
        supplier_id,

        -- attributes
        company_code,
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
