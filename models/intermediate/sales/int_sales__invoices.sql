-- Grain: one row per issued invoice or credit note (cancelled documents count nowhere).
-- Gross = Σ(net_amount + tax_amount) of its lines. Amounts as delivered (positive) in the
-- document currency; the *_cny columns are signed (credit notes negative) and converted at
-- the invoice-date rate. No usable rate: NULL rate and NULL CNY amounts, never 0.
with

invoices as (

    select * from {{ ref('stg_bil__invoices') }}

),

invoice_lines as (

    select * from {{ ref('stg_bil__invoice_lines') }}

),

line_totals as (

    select
        invoice_id,
        count(*) as line_count,
        sum(net_amount) as net_amount,
        sum(tax_amount) as tax_amount,
        sum(net_amount + tax_amount) as gross_amount
    from invoice_lines
    group by invoice_id

),

issued as (

    select
        invoice_id,
        company_code,
        customer_id,
        order_id,
        invoice_type,
        currency,
        invoice_date,
        due_date,
        -- credit notes carry positive amounts and count negative (charter, common rules)
        case when invoice_type = 'credit_note' then -1 else 1 end as document_sign,
        _source_file,
        _batch_id,
        _source_row_number
    from invoices
    where invoice_status = 'issued'

),

final as (

    select
        -- ids
        issued.invoice_id,
        issued.company_code,
        issued.customer_id,
        issued.order_id,

        -- dimensions
        issued.invoice_type,
        issued.currency,
        issued.document_sign,

        -- amounts (document currency, as delivered)
        coalesce(line_totals.line_count, 0) as line_count,
        coalesce(line_totals.net_amount, 0) as net_amount,
        coalesce(line_totals.tax_amount, 0) as tax_amount,
        coalesce(line_totals.gross_amount, 0) as gross_amount,

        -- amounts (CNY at the invoice-date rate, signed)
        invoice_fx.rate_to_cny as fx_rate_to_cny,
        {{ to_cny('coalesce(line_totals.net_amount, 0)', 'invoice_fx') }} * issued.document_sign as net_amount_cny,
        {{ to_cny('coalesce(line_totals.gross_amount, 0)', 'invoice_fx') }} * issued.document_sign
            as gross_amount_cny,

        -- dates
        issued.invoice_date,
        issued.due_date,
        cast({{ dbt.date_trunc('month', 'issued.invoice_date') }} as date) as invoice_month,

        -- lineage: the delivered row this one is built from
        issued._source_file,
        issued._batch_id,
        issued._source_row_number

    from issued
    left join line_totals
        on issued.invoice_id = line_totals.invoice_id
    {{ fx_rate_join('issued.currency', 'issued.invoice_date', 'invoice_fx') }}

)

select * from final
