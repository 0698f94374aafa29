-- Grain: one row per issued invoice (type invoice). Its collection date is the
-- applied_date on which the cumulative applied_amount of its receipt applications first
-- reaches gross − 0.01 (applications of the same date count together); NULL while it is
-- not fully collected by receipts (for instance when written off).
with

invoices as (

    select * from {{ ref('int_sales__invoices') }}

),

applications as (

    select * from {{ ref('int_sales__receipt_applications') }}

),

applied_per_day as (

    select
        invoice_id,
        applied_date,
        sum(applied_amount) as applied_amount
    from applications
    where invoice_type = 'invoice'
    group by invoice_id, applied_date

),

cumulative as (

    select
        invoice_id,
        applied_date,
        {{ running_sum('applied_amount', 'invoice_id',
                       order_by='applied_date') }} as cumulative_applied_amount
    from applied_per_day

),

collected as (

    select
        cumulative.invoice_id,
        min(cumulative.applied_date) as collection_date
    from cumulative
    inner join invoices
        on cumulative.invoice_id = invoices.invoice_id
    where cumulative.cumulative_applied_amount >= invoices.gross_amount - 0.01
    group by cumulative.invoice_id

),

applied_totals as (

    select
        invoice_id,
        sum(applied_amount) as applied_amount,
        min(applied_date) as first_applied_date,
        max(applied_date) as last_applied_date
    from applied_per_day
    group by invoice_id

),

final as (

    select
        -- ids
        invoices.invoice_id,
        invoices.company_code,
        invoices.customer_id,

        -- amounts
        invoices.gross_amount,
        invoices.gross_amount_cny,
        coalesce(applied_totals.applied_amount, 0) as applied_amount,

        -- dates
        invoices.invoice_date,
        applied_totals.first_applied_date,
        applied_totals.last_applied_date,
        collected.collection_date,
        cast({{ dbt.date_trunc('month', 'collected.collection_date') }} as date) as collection_month,
        {{ days_between('invoices.invoice_date', 'collected.collection_date') }} as collection_days,

        -- flags
        collected.collection_date is not null as is_fully_collected

    from invoices
    left join applied_totals
        on invoices.invoice_id = applied_totals.invoice_id
    left join collected
        on invoices.invoice_id = collected.invoice_id
    where invoices.invoice_type = 'invoice'

)

select * from final
