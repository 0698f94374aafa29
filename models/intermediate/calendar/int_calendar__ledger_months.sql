-- Grain: one row per ledger and month (ledger, month_start): the month-ends at which the
-- ledger's balances are measured, from the month of its first to the month of its last
-- activity date. One definition for every balance, average and reconciliation: a month-end
-- after a ledger's latest date has not happened yet for that ledger.
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

receipts as (

    select * from {{ ref('int_sales__receipts') }}

),

supplier_invoices as (

    select * from {{ ref('int_supply__supplier_invoices') }}

),

supplier_payments as (

    select * from {{ ref('int_supply__supplier_payments') }}

),

inventory_movements as (

    select * from {{ ref('int_supply__inventory_movements') }}

),

journal_lines as (

    select * from {{ ref('stg_fin__journal_lines') }}

),

days as (

    select * from {{ ref('int_calendar__days') }}

),

activity_dates as (

    select
        'sales' as ledger,
        invoice_date as activity_date
    from invoices
    where invoice_status = 'issued'
    union all
    select
        'sales' as ledger,
        applied_date as activity_date
    from applications
    union all
    select
        'sales' as ledger,
        write_off_date as activity_date
    from write_offs
    union all
    select
        'cash' as ledger,
        receipt_date as activity_date
    from receipts
    union all
    select
        'payables' as ledger,
        invoice_date as activity_date
    from supplier_invoices
    union all
    select
        'payables' as ledger,
        payment_date as activity_date
    from supplier_payments
    union all
    select
        'inventory' as ledger,
        movement_date as activity_date
    from inventory_movements
    union all
    select
        'general_ledger' as ledger,
        posting_date as activity_date
    from journal_lines

),

ledger_spans as (

    select
        ledger,
        min(activity_date) as first_activity_date,
        max(activity_date) as last_activity_date
    from activity_dates
    group by ledger

),

final as (

    select
        -- ids
        ledger_spans.ledger,

        -- dates
        days.month_start,
        days.month_end,
        days.days_in_month

    from ledger_spans
    inner join days
        on days.is_month_end
        and ledger_spans.first_activity_date <= days.month_end
        and ledger_spans.last_activity_date >= days.month_start

)

select * from final
