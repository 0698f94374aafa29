-- Grain: one row per customer, company and month-end, from the month of the customer's
-- first issued invoice or credit note of that company. Lifetime value to date: a balance,
-- never summed across months.
with

customer_lifetime_value as (

    select * from {{ ref('int_sales__customer_lifetime_value_monthly') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
    select
        -- ids
        customer_id,
        company_code,

        -- amounts (CNY)
        cast(cumulative_gross_margin_cny as decimal(38, 16)) as cumulative_gross_margin_cny,
        cast(cumulative_write_off_cny as decimal(38, 16)) as cumulative_write_off_cny,
        cast(lifetime_value_cny as decimal(38, 16)) as lifetime_value_cny,

        -- dates
        month_end,
        first_document_date

    from customer_lifetime_value

)

select * from final
