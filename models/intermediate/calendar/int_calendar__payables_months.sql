-- Grain: one row per month (month_start) of the payables ledger: the month-ends at which
-- supplier balances are measured, from the month of its first to the month of its last
-- activity date. Activity: issued supplier invoices (invoice_date) and their payments
-- (payment_date).
with

supplier_invoices as (

    select * from {{ ref('int_supply__supplier_invoices') }}

),

supplier_payments as (

    select * from {{ ref('int_supply__supplier_payments') }}

),

days as (

    select * from {{ ref('int_calendar__days') }}

),

activity_dates as (

    select invoice_date as activity_date
    from supplier_invoices
    union all
    select payment_date as activity_date
    from supplier_payments

),

final as (

    {{ ledger_months('activity_dates', 'days') }}

)

select * from final
