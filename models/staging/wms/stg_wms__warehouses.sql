-- Current version of each warehouse (key: warehouse_id) from the snapshot extract wms_warehouses.
with

source as (

    select * from {{ source('wms', 'warehouses') }}

),

current_version as (

    {{ current_version('source', primary_key=['warehouse_id'], mode='snapshot', extract='wms_warehouses') }}

),

final as (

    select
        -- ids
        warehouse_id,

        -- attributes
        company_code,
        warehouse_name,
        region,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at,
        _is_held_version

    from current_version

)

select * from final
