-- Grain: one row per issued supplier invoice and month-end (supplier_invoice_id,
-- month_start) while the invoice is open, including the month it is settled (open 0).
-- A balance: sum it over invoices of one month-end, never across months.
with

ap_open as (

    select * from {{ ref('int_supply__ap_open_monthly') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
    select
        -- ids
        supplier_invoice_id,
        supplier_id,

        -- dimensions
        company_code,
        currency,

        -- amounts
        cast(invoiced_amount_cny as decimal(38, 16)) as invoiced_amount_cny,
        cast(paid_amount_cny as decimal(38, 16)) as paid_amount_cny,
        cast(open_amount as decimal(38, 8)) as open_amount,
        cast(open_amount_cny as decimal(38, 16)) as open_amount_cny,

        -- dates
        month_start,
        month_end,
        days_in_month,
        invoice_date,
        due_date,

        -- flags
        due_date < month_end as is_overdue

    from ap_open

)

select * from final
