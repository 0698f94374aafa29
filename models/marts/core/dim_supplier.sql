-- Grain: one row per supplier (current SRM snapshot).
with

suppliers as (

    select * from {{ ref('stg_srm__suppliers') }}

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

        -- terms
        payment_terms_days,

        -- dates and timestamps
        updated_at

    from suppliers

)

select * from final
