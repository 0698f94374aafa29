-- Current version of each inventory movement (stock in or out) (key: movement_id) from the delta extract wms_inventory_movements.
{%- set primary_key = ['movement_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('wms', 'inventory_movements') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        movement_id,
        product_id,
        warehouse_id,
        reference_id,

        -- attributes
        movement_type,
        reference_type,

        -- amounts and quantities
        quantity,
        unit_cost,

        -- dates and timestamps
        movement_date,
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
