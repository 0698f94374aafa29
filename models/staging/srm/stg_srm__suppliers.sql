-- Current version of each supplier (key: supplier_id) from the snapshot extract srm_suppliers.
with

source as (

    select * from {{ source('srm', 'suppliers') }}

),

current_version as (

    {{ current_version('source', primary_key=['supplier_id'], mode='snapshot', extract='srm_suppliers') }}

),

final as (

    select
        -- ids
        supplier_id,

        -- attributes
        supplier_name,
        category,
        country_code,
        currency,

        -- amounts and quantities
        payment_terms_days,

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
