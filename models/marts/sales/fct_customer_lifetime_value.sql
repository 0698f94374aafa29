-- Grain: one row per customer, company and month-end, from the month of the customer's
-- first issued invoice or credit note of that company. Lifetime value to date: a balance,
-- never summed across months.
with

customer_lifetime_value as (

    select * from {{ ref('int_sales__customer_lifetime_value_monthly') }}

),

final as (

    select
        -- ids
        customer_id,
        company_code,

        -- amounts (CNY)
        cumulative_gross_margin_cny,
        cumulative_write_off_cny,
        lifetime_value_cny,

        -- dates
        month_end,
        first_document_date

    from customer_lifetime_value

)

select * from final
