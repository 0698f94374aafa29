-- Grain: one row per company, customer, month-end and aging bucket with open items. The AR
-- aging published beside ar_overdue_rate; a balance: never sum it across months.
with

ar_balances as (

    select * from {{ ref('int_sales__ar_balances_monthly') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
    select
        -- ids
        company_code,
        customer_id,

        -- dimensions
        aging_bucket,

        -- amounts and counts
        cast(sum(open_amount_cny) as decimal(38, 16)) as open_amount_cny,
        count(*) as open_document_count,

        -- dates
        month_end

    from ar_balances
    group by company_code, customer_id, aging_bucket, month_end

)

select * from final
