-- Current version of each customer (key: customer_id) from the snapshot extract crm_customers.
with

source as (

    select * from {{ source('crm', 'customers') }}

),

current_version as (

    {{ current_version('source', primary_key=['customer_id'], mode='snapshot', extract='crm_customers') }}

),

final as (

    select
        -- ids
        customer_id,

        -- attributes
        customer_name,
        contact_phone,
        segment,
        region,
        country_code,

        -- amounts and quantities
        credit_limit,
        payment_terms_days,

        -- dates and timestamps
        created_at,
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
