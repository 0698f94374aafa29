-- Current version of each product (finished good or raw material) (key: product_id) from the snapshot extract erp_products.
with

source as (

    select * from {{ source('erp', 'products') }}

),

current_version as (

    {{ current_version('source', primary_key=['product_id'], mode='snapshot', extract='erp_products') }}

),

final as (

    select
        -- ids
        product_id,

        -- attributes
        sku,
        product_name,
        product_type,
        category,
        uom,

        -- amounts and quantities
        list_price,

        -- dates and timestamps
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at,
        _is_held_version

    from current_version

)

select * from final
