-- Current version of each standard-cost period of a product (key: product_id, valid_from) from the snapshot extract erp_standard_costs.
with

source as (

    select * from {{ source('erp', 'standard_costs') }}

),

current_version as (

    {{ current_version('source', primary_key=['product_id', 'valid_from'],
                        mode='snapshot', extract='erp_standard_costs') }}

),

final as (

    select
        -- ids
        product_id,
        valid_from,

        -- amounts and quantities
        standard_cost,

        -- dates and timestamps
        valid_to,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at,
        _is_held_version

    from current_version

)

select * from final
