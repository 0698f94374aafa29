-- Current version of each shipment of part or all of one sales order line (key: shipment_id) from the delta extract wms_shipments.
{%- set primary_key = ['shipment_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('wms', 'shipments') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        shipment_id,
        order_id,
        order_line_no,
        warehouse_id,

        -- amounts and quantities
        quantity,

        -- dates and timestamps
        ship_date,
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
