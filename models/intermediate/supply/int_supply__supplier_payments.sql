-- Grain: one row per payment of an issued supplier invoice. A payment relieves the payable,
-- so it is converted at the rate of the invoice it pays (charter common rules): a fully
-- paid invoice leaves exactly 0 CNY of AP whatever the rate on the payment date.
with

payments as (

    select * from {{ ref('stg_ap__payments') }}

),

supplier_invoices as (

    select * from {{ ref('int_supply__supplier_invoices') }}

),

paid_invoices as (

    select
        payments.payment_id,
        payments.supplier_invoice_id,
        supplier_invoices.supplier_id,
        supplier_invoices.company_code,
        supplier_invoices.currency as invoice_currency,
        payments.currency,
        cast(payments.amount as decimal(38, 8)) as amount,
        payments.payment_date,
        supplier_invoices.invoice_date,
        payments._source_file,
        payments._batch_id,
        payments._source_row_number
    from payments
    -- payments of cancelled invoices relieve nothing that counts
    inner join supplier_invoices
        on payments.supplier_invoice_id = supplier_invoices.supplier_invoice_id

),

final as (

    select
        -- ids
        paid_invoices.payment_id,
        paid_invoices.supplier_invoice_id,
        paid_invoices.supplier_id,

        -- dimensions
        paid_invoices.company_code,
        paid_invoices.currency,

        -- amounts (payment currency = invoice currency; CNY at the invoice's rate)
        paid_invoices.amount,
        invoice_fx.rate_to_cny as fx_rate_to_cny,
        {{ to_cny('paid_invoices.amount', 'invoice_fx') }} as amount_cny,

        -- dates
        paid_invoices.payment_date,
        cast({{ dbt.date_trunc('month', 'paid_invoices.payment_date') }} as date) as month_start,
        paid_invoices.invoice_date,

        -- lineage: the delivered row this one is built from
        paid_invoices._source_file,
        paid_invoices._batch_id,
        paid_invoices._source_row_number

    from paid_invoices
    {{ fx_rate_join('paid_invoices.invoice_currency', 'paid_invoices.invoice_date', 'invoice_fx') }}

)

select * from final
