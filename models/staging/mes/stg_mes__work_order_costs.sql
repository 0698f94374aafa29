-- Current version of each cost posted to a work order (key: cost_id) from the delta extract mes_work_order_costs.
{%- set primary_key = ['cost_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('mes', 'work_order_costs') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        cost_id,
        work_order_id,

        -- attributes
        cost_type,

        -- amounts and quantities
        amount,

        -- dates and timestamps
        posting_date,
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
