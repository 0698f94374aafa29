-- Current version of each bad-debt write-off of (part of) an invoice (key: write_off_id) from the delta extract ar_write_offs.
{%- set primary_key = ['write_off_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('ar', 'write_offs') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        write_off_id,
        invoice_id,

        -- attributes
        reason,

        -- amounts and quantities
        amount,

        -- dates and timestamps
        write_off_date,
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
