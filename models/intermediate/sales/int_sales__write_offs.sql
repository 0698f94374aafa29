-- Grain: one row per bad-debt write-off of an issued invoice. The amount is in the
-- invoice's currency and is converted at the rate of the invoice it relieves (charter).
-- Write-offs of unknown or cancelled invoices are left out (listed in
-- int_sales__data_quality_exceptions).
with

write_offs as (

    select * from {{ ref('stg_ar__write_offs') }}

),

invoices as (

    select * from {{ ref('int_sales__invoices') }}

),

final as (

    select
        -- ids
        write_offs.write_off_id,
        write_offs.invoice_id,
        invoices.company_code,
        invoices.customer_id,

        -- dimensions
        invoices.invoice_type,
        invoices.currency,
        invoices.document_sign,
        write_offs.reason,

        -- amounts (invoice currency as delivered; CNY at the invoice's rate, unsigned)
        write_offs.amount,
        invoice_fx.rate_to_cny as fx_rate_to_cny,
        {{ to_cny('write_offs.amount', 'invoice_fx') }} as amount_cny,

        -- dates
        write_offs.write_off_date,
        cast({{ dbt.date_trunc('month', 'write_offs.write_off_date') }} as date) as write_off_month,
        invoices.invoice_date,

        -- lineage: the delivered row this one is built from
        write_offs._source_file,
        write_offs._batch_id,
        write_offs._source_row_number

    from write_offs
    inner join invoices
        on write_offs.invoice_id = invoices.invoice_id
    {{ fx_rate_join('invoices.currency', 'invoices.invoice_date', 'invoice_fx') }}

)

select * from final
