-- Current version of each purchase order header (key: po_id) from the delta extract erp_purchase_orders.
{%- set primary_key = ['po_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('erp', 'purchase_orders') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        po_id,
        supplier_id,

        -- attributes
        company_code,
        currency,
        po_status,

        -- dates and timestamps
        po_date,
        expected_date,
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
