-- Grain: one row per month (month_start) of the sales ledger: the month-ends at which sales
-- balances are measured, from the month of its first to the month of its last activity
-- date. Activity: issued invoices and credit notes (invoice_date), receipt applications
-- (applied_date) and write-offs (write_off_date); cancelled documents count nowhere.
with

invoices as (

    select * from {{ ref('stg_bil__invoices') }}

),

applications as (

    select * from {{ ref('stg_ar__receipt_applications') }}

),

write_offs as (

    select * from {{ ref('stg_ar__write_offs') }}

),

days as (

    select * from {{ ref('int_calendar__days') }}

),

activity_dates as (

    select invoice_date as activity_date
    from invoices
    where invoice_status = 'issued'
    union all
    select applied_date as activity_date
    from applications
    union all
    select write_off_date as activity_date
    from write_offs

),

final as (

    {{ ledger_months('activity_dates', 'days') }}

)

select * from final
