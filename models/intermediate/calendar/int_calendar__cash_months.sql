-- Grain: one row per month (month_start) of the cash ledger: the month-ends at which cash
-- balances are measured, from the month of its first to the month of its last receipt
-- (receipt_date).
with

receipts as (

    select * from {{ ref('int_sales__receipts') }}

),

days as (

    select * from {{ ref('int_calendar__days') }}

),

activity_dates as (

    select receipt_date as activity_date
    from receipts

),

final as (

    {{ ledger_months('activity_dates', 'days') }}

)

select * from final
