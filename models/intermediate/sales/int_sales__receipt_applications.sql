-- Grain: one row per receipt application (receipt_id, invoice_id) to an issued invoice or
-- credit note. applied_amount is in the invoice's currency and is converted at the rate of
-- the invoice it relieves (charter), so a fully applied invoice nets to exactly zero in CNY.
-- Applications to unknown or cancelled invoices are left out (listed in
-- int_sales__data_quality_exceptions).
with

applications as (

    select * from {{ ref('stg_ar__receipt_applications') }}

),

receipts as (

    select * from {{ ref('stg_ar__receipts') }}

),

invoices as (

    select * from {{ ref('int_sales__invoices') }}

),

final as (

    select
        -- ids
        applications.receipt_id,
        applications.invoice_id,
        invoices.company_code,
        invoices.customer_id,

        -- dimensions
        invoices.invoice_type,
        invoices.currency,
        invoices.document_sign,

        -- amounts (invoice currency as delivered; CNY at the invoice's rate, unsigned)
        applications.applied_amount,
        invoice_fx.rate_to_cny as fx_rate_to_cny,
        {{ to_cny('applications.applied_amount', 'invoice_fx') }} as applied_amount_cny,

        -- dates
        applications.applied_date,
        receipts.receipt_date,
        invoices.invoice_date,

        -- lineage: the delivered row this one is built from
        applications._source_file,
        applications._batch_id,
        applications._source_row_number

    from applications
    inner join invoices
        on applications.invoice_id = invoices.invoice_id
    left join receipts
        on applications.receipt_id = receipts.receipt_id
    {{ fx_rate_join('invoices.currency', 'invoices.invoice_date', 'invoice_fx') }}

)

select * from final
