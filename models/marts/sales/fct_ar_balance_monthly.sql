-- Grain: one row per issued invoice or credit note and month-end at which its open amount
-- is not zero. A balance: never sum it across months.
with

ar_balances as (

    select * from {{ ref('int_sales__ar_balances_monthly') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
    select
        -- ids
        invoice_id,
        company_code,
        customer_id,

        -- dimensions
        invoice_type,
        currency,
        aging_bucket,

        -- amounts (signed: credit notes negative)
        cast(open_amount as decimal(38, 8)) as open_amount,
        fx_rate_to_cny,
        cast(open_amount_cny as decimal(38, 16)) as open_amount_cny,

        -- dates
        month_end,
        invoice_date,
        due_date,
        cast(days_past_due as {{ dbt.type_bigint() }}) as days_past_due,

        -- flags
        is_overdue

    from ar_balances

)

select * from final
