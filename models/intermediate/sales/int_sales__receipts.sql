-- Grain: one row per current customer receipt (cash received), in CNY at the rate of its
-- receipt date (the cash side: charter cash_receipts reconciliation), with the part of it
-- applied to invoices (核销) and the unapplied remainder. Applications are in the invoice's
-- currency; only those to invoices in the receipt's currency can be set against the
-- receipt's amount (the demo business never mixes currencies).
with

receipts as (

    select * from {{ ref('stg_ar__receipts') }}

),

applications as (

    select * from {{ ref('int_sales__receipt_applications') }}

),

applied_per_receipt as (

    select
        receipts.receipt_id,
        sum(applications.applied_amount) as applied_amount,
        count(*) as application_count
    from receipts
    inner join applications
        on receipts.receipt_id = applications.receipt_id
        and receipts.currency = applications.currency
    group by receipts.receipt_id

),

final as (

    select
        -- ids
        receipts.receipt_id,
        receipts.company_code,
        receipts.customer_id,

        -- dimensions
        receipts.currency,
        receipts.bank_reference,

        -- amounts (receipt currency; CNY at the receipt date's rate)
        receipts.amount,
        coalesce(applied_per_receipt.applied_amount, 0) as applied_amount,
        receipts.amount - coalesce(applied_per_receipt.applied_amount, 0) as unapplied_amount,
        receipt_fx.rate_to_cny as fx_rate_to_cny,
        {{ to_cny('receipts.amount', 'receipt_fx') }} as amount_cny,
        coalesce(applied_per_receipt.application_count, 0) as application_count,

        -- dates
        receipts.receipt_date,
        cast({{ dbt.date_trunc('month', 'receipts.receipt_date') }} as date) as receipt_month,

        -- lineage: the delivered row this one is built from
        receipts._source_file,
        receipts._batch_id,
        receipts._source_row_number

    from receipts
    left join applied_per_receipt
        on receipts.receipt_id = applied_per_receipt.receipt_id
    {{ fx_rate_join('receipts.currency', 'receipts.receipt_date', 'receipt_fx') }}

)

select * from final
