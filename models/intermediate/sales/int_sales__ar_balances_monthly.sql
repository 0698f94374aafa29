-- Grain: one row per issued invoice or credit note and month-end at which its open amount
-- is not zero. Open amount = gross − applications − write-offs up to the month-end, in CNY
-- at the invoice's rate (so a settled invoice is exactly zero and has no row); credit notes
-- count negative. Only the months in which a document is open are generated: its movements
-- are cumulated per month with a window, and each balance is spread over the month-ends
-- until its next movement.
-- Built incrementally (macro recompute_months): every invoice's balances from all its
-- movements, spread over the recomputed months only.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

invoices as (

    select * from {{ ref('int_sales__invoices') }}

),

applications as (

    select * from {{ ref('int_sales__receipt_applications') }}

),

write_offs as (

    select * from {{ ref('int_sales__write_offs') }}

),

sales_months as (

    select * from {{ ref('int_calendar__sales_months') }}
    where {{ in_recompute_months('month_start') }}

),

movements as (

    select
        invoice_id,
        invoice_date as movement_date,
        gross_amount * document_sign as amount,
        gross_amount_cny as amount_cny
    from invoices

    union all

    -- relieving a credit note (a refund) moves its negative balance towards zero
    select
        invoice_id,
        applied_date as movement_date,
        -applied_amount * document_sign as amount,
        -applied_amount_cny * document_sign as amount_cny
    from applications

    union all

    select
        invoice_id,
        write_off_date as movement_date,
        -amount * document_sign as amount,
        -amount_cny * document_sign as amount_cny
    from write_offs

),

movements_by_month as (

    select
        invoice_id,
        cast({{ dbt.date_trunc('month', 'movement_date') }} as date) as movement_month,
        amount,
        amount_cny
    from movements

),

monthly_movements as (

    select
        invoice_id,
        movement_month,
        sum(amount) as amount,
        sum(amount_cny) as amount_cny
    from movements_by_month
    group by invoice_id, movement_month

),

balances as (

    select
        invoice_id,
        movement_month as balance_from_month,
        lead(movement_month) over (partition by invoice_id order by movement_month) as next_movement_month,
        {{ running_sum('amount', 'invoice_id', order_by='movement_month') }} as open_amount,
        {{ running_sum('amount_cny', 'invoice_id', order_by='movement_month') }} as open_amount_cny
    from monthly_movements

),

open_balances as (

    select * from balances
    where open_amount <> 0

),

spread as (

    select
        open_balances.invoice_id,
        sales_months.month_start,
        sales_months.month_end,
        open_balances.open_amount,
        open_balances.open_amount_cny
    from open_balances
    inner join sales_months
        on open_balances.balance_from_month <= sales_months.month_start
        and (
            open_balances.next_movement_month > sales_months.month_start
            or open_balances.next_movement_month is null
        )

),

aged as (

    select
        spread.invoice_id,
        spread.month_start,
        spread.month_end,
        invoices.company_code,
        invoices.customer_id,
        invoices.invoice_type,
        invoices.currency,
        invoices.fx_rate_to_cny,
        spread.open_amount,
        spread.open_amount_cny,
        invoices.invoice_date,
        invoices.due_date,
        -- credit notes lower AR but are never overdue (charter, ar_overdue_rate)
        case
            when invoices.invoice_type = 'invoice'
                then {{ days_between('invoices.due_date', 'spread.month_end') }}
        end as days_past_due
    from spread
    inner join invoices
        on spread.invoice_id = invoices.invoice_id

),

final as (

    select
        -- ids
        invoice_id,
        company_code,
        customer_id,

        -- dimensions
        invoice_type,
        currency,
        case
            when days_past_due is null or days_past_due <= 0 then 'current'
            when days_past_due <= 30 then '1-30'
            when days_past_due <= 60 then '31-60'
            when days_past_due <= 90 then '61-90'
            when days_past_due <= 180 then '91-180'
            else '>180'
        end as aging_bucket,

        -- amounts (signed: credit notes negative)
        open_amount,
        fx_rate_to_cny,
        open_amount_cny,

        -- dates
        month_start,
        month_end,
        invoice_date,
        due_date,
        days_past_due,

        -- flags
        coalesce(days_past_due > 0, false) as is_overdue

    from aged

)

select * from final
