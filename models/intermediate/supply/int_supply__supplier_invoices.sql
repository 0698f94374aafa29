-- Grain: one row per issued supplier invoice (cancelled ones count nowhere). Gross =
-- Σ(net + tax) over its lines (charter common rules), converted at the rate of the invoice
-- date through the FX macros. Amounts are widened before conversion: DuckDB types the
-- product of two DECIMAL(18, 8) as DECIMAL(18, 16), which overflows from 100 upwards.
with

supplier_invoices as (

    select * from {{ ref('stg_ap__supplier_invoices') }}

),

supplier_invoice_lines as (

    select * from {{ ref('stg_ap__supplier_invoice_lines') }}

),

issued_invoices as (

    select *
    from supplier_invoices
    where invoice_status = 'issued'

),

line_totals as (

    select
        supplier_invoice_id,
        count(*) as line_count,
        sum(net_amount) as net_amount,
        sum(tax_amount) as tax_amount
    from supplier_invoice_lines
    group by supplier_invoice_id

),

totals as (

    select
        issued_invoices.supplier_invoice_id,
        issued_invoices.supplier_id,
        issued_invoices.company_code,
        issued_invoices.currency,
        coalesce(line_totals.line_count, 0) as line_count,
        cast(coalesce(line_totals.net_amount, 0) as decimal(38, 8)) as net_amount,
        cast(coalesce(line_totals.tax_amount, 0) as decimal(38, 8)) as tax_amount,
        cast(
            coalesce(line_totals.net_amount, 0) + coalesce(line_totals.tax_amount, 0)
            as decimal(38, 8)
        ) as gross_amount,
        issued_invoices.invoice_date,
        issued_invoices.due_date,
        issued_invoices._source_file,
        issued_invoices._batch_id,
        issued_invoices._source_row_number
    from issued_invoices
    left join line_totals
        on issued_invoices.supplier_invoice_id = line_totals.supplier_invoice_id

),

final as (

    select
        -- ids
        totals.supplier_invoice_id,
        totals.supplier_id,

        -- dimensions
        totals.company_code,
        totals.currency,

        -- amounts (document currency, then CNY at the invoice-date rate)
        totals.line_count,
        totals.net_amount,
        totals.tax_amount,
        totals.gross_amount,
        invoice_fx.rate_to_cny as fx_rate_to_cny,
        {{ to_cny('totals.net_amount', 'invoice_fx') }} as net_amount_cny,
        {{ to_cny('totals.tax_amount', 'invoice_fx') }} as tax_amount_cny,
        {{ to_cny('totals.gross_amount', 'invoice_fx') }} as gross_amount_cny,

        -- dates
        totals.invoice_date,
        totals.due_date,
        cast({{ dbt.date_trunc('month', 'totals.invoice_date') }} as date) as month_start,

        -- lineage: the delivered row this one is built from
        totals._source_file,
        totals._batch_id,
        totals._source_row_number

    from totals
    {{ fx_rate_join('totals.currency', 'totals.invoice_date', 'invoice_fx') }}

)

select * from final
