-- Grain: one row per receipt application (receipt_id, invoice_id) to an issued invoice or
-- credit note, in CNY at the rate of the invoice it relieves.
with

applications as (

    select * from {{ ref('int_sales__receipt_applications') }}

),

final as (

    select
        -- ids
        receipt_id,
        invoice_id,
        company_code,
        customer_id,

        -- dimensions
        invoice_type,
        currency,

        -- amounts
        applied_amount,
        fx_rate_to_cny,
        applied_amount_cny,

        -- dates
        applied_date,
        receipt_date,
        invoice_date

    from applications

)

select * from final
