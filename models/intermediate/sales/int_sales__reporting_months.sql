-- Grain: one row per calendar month from the first to the last month of sales-ledger
-- activity (issued invoices, receipt applications, write-offs). The month-ends at which
-- balance-type indicators (AR, dso, ar_overdue_rate, customer lifetime value, trailing
-- bad-debt rate) are measured: month-ends after the latest ledger date have not happened yet.
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

calendar as (

    select * from {{ ref('dim_date') }}

),

ledger_dates as (

    select invoice_date as ledger_date from invoices where invoice_status = 'issued'
    union all
    select applied_date as ledger_date from applications
    union all
    select write_off_date as ledger_date from write_offs

),

ledger_span as (

    select
        min(ledger_date) as first_ledger_date,
        max(ledger_date) as last_ledger_date
    from ledger_dates

),

final as (

    select
        calendar.month_start,
        calendar.month_end,
        calendar.days_in_month
    from calendar
    inner join ledger_span
        on calendar.month_end >= ledger_span.first_ledger_date
        and calendar.month_start <= ledger_span.last_ledger_date
    where calendar.is_month_end

)

select * from final
