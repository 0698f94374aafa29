-- Current version of each production work order (key: work_order_id) from the delta extract mes_work_orders.
{%- set primary_key = ['work_order_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('mes', 'work_orders') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        work_order_id,
        product_id,

        -- attributes
        company_code,
        work_order_status,

        -- amounts and quantities
        planned_quantity,
        completed_quantity,
        scrap_quantity,

        -- dates and timestamps
        start_date,
        finish_date,
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
