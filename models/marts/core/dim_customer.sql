-- Grain: one row per customer (current CRM snapshot). contact_phone is personal data and
-- is left out on purpose (contract: never exposed to BI); so are the raw lineage columns.
with

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

final as (

    select
        -- ids
        customer_id,

        -- attributes
        customer_name,
        segment,
        region,
        country_code,

        -- amounts and terms
        credit_limit,
        payment_terms_days,

        -- dates and timestamps
        created_at,
        updated_at

    from customers

)

select * from final
