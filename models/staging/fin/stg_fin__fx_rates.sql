-- Current version of each daily FX rate to CNY (key: rate_date, currency) from the delta extract fin_fx_rates.
-- The extract has no updated_at, so the latest delivery (then the later row) wins.
{%- set primary_key = ['rate_date', 'currency'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('fin', 'fx_rates') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta', order_by=[]) }}

),

final as (

    select
        -- ids
        rate_date,
        currency,

        -- amounts and quantities
        rate_to_cny,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
