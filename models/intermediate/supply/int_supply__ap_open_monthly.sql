-- Grain: one row per issued supplier invoice and month-end, from the month of its first
-- activity (invoice or payment) to the month it is finally settled, or to the last month of
-- the supplier ledger while it stays open. Open amount at month-end = gross − payments up to
-- that day, CNY at the invoice's rate (charter, dpo). Months after final settlement carry
-- 0 and have no row; balances are carried forward, never summed across months.
-- Built incrementally (macro recompute_months): the running balances are computed over every
-- month and only the recomputed months are written (an opening balance from the model's own
-- previous month would spare the rest; DECISIONLOG).
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

supplier_invoices as (

    select * from {{ ref('int_supply__supplier_invoices') }}

),

payments as (

    select * from {{ ref('int_supply__supplier_payments') }}

),

payables_months as (

    select * from {{ ref('int_calendar__payables_months') }}

),

payment_totals as (

    select
        supplier_invoice_id,
        sum(amount) as paid_amount,
        min(payment_date) as first_payment_date,
        max(payment_date) as last_payment_date
    from payments
    group by supplier_invoice_id

),

monthly_payments as (

    select
        supplier_invoice_id,
        month_start,
        sum(amount) as paid_amount,
        sum(amount_cny) as paid_amount_cny
    from payments
    group by supplier_invoice_id, month_start

),

invoice_spans as (

    select
        supplier_invoices.supplier_invoice_id,
        supplier_invoices.supplier_id,
        supplier_invoices.company_code,
        supplier_invoices.currency,
        supplier_invoices.gross_amount,
        supplier_invoices.gross_amount_cny,
        supplier_invoices.invoice_date,
        supplier_invoices.due_date,
        case
            when payment_totals.first_payment_date < supplier_invoices.invoice_date
                then payment_totals.first_payment_date
            else supplier_invoices.invoice_date
        end as first_activity_date,
        -- settled for good: nothing changes after the last payment, so no rows are needed;
        -- NULL while open: carried to the payables ledger's last month-end (the calendar's last)
        case
            when supplier_invoices.gross_amount - coalesce(payment_totals.paid_amount, 0) = 0
                then case
                        when payment_totals.last_payment_date > supplier_invoices.invoice_date
                            then payment_totals.last_payment_date
                        else supplier_invoices.invoice_date
                    end
        end as settled_date
    from supplier_invoices
    left join payment_totals
        on supplier_invoices.supplier_invoice_id = payment_totals.supplier_invoice_id

),

invoice_months as (

    select
        invoice_spans.*,
        payables_months.month_start,
        payables_months.month_end,
        payables_months.days_in_month
    from invoice_spans
    inner join payables_months
        on invoice_spans.first_activity_date <= payables_months.month_end
        and (invoice_spans.settled_date is null or invoice_spans.settled_date >= payables_months.month_start)

),

monthly_flows as (

    select
        invoice_months.supplier_invoice_id,
        invoice_months.supplier_id,
        invoice_months.company_code,
        invoice_months.currency,
        invoice_months.month_start,
        invoice_months.month_end,
        invoice_months.days_in_month,
        invoice_months.invoice_date,
        invoice_months.due_date,
        case
            when invoice_months.invoice_date between invoice_months.month_start and invoice_months.month_end
                then invoice_months.gross_amount
            else 0
        end as invoiced_amount,
        case
            when invoice_months.invoice_date between invoice_months.month_start and invoice_months.month_end
                then invoice_months.gross_amount_cny
            else 0
        end as invoiced_amount_cny,
        coalesce(monthly_payments.paid_amount, 0) as paid_amount,
        coalesce(monthly_payments.paid_amount_cny, 0) as paid_amount_cny
    from invoice_months
    left join monthly_payments
        on invoice_months.supplier_invoice_id = monthly_payments.supplier_invoice_id
        and invoice_months.month_start = monthly_payments.month_start

),

balances as (

    select
        monthly_flows.*,
        {{ running_sum('invoiced_amount - paid_amount', 'supplier_invoice_id') }} as open_amount,
        {{ running_sum('invoiced_amount_cny - paid_amount_cny', 'supplier_invoice_id') }} as open_amount_cny
    from monthly_flows

),

final as (

    select
        -- ids
        supplier_invoice_id,
        supplier_id,

        -- dimensions
        company_code,
        currency,

        -- amounts: flows of the month, then the balance at month-end
        invoiced_amount_cny,
        paid_amount_cny,
        open_amount,
        open_amount_cny,

        -- dates
        month_start,
        month_end,
        days_in_month,
        invoice_date,
        due_date

    from balances
    where {{ in_recompute_months('month_start') }}

)

select * from final
