-- Grain: one row per line of an issued supplier invoice, with the header's company,
-- supplier and currency, and CNY amounts at the rate of the invoice date.
with

supplier_invoice_lines as (

    select * from {{ ref('stg_ap__supplier_invoice_lines') }}

),

supplier_invoices as (

    select * from {{ ref('int_supply__supplier_invoices') }}

),

lines as (

    select
        supplier_invoice_lines.supplier_invoice_id,
        supplier_invoice_lines.line_no,
        supplier_invoice_lines.po_id,
        supplier_invoice_lines.po_line_no,
        supplier_invoices.supplier_id,
        supplier_invoices.company_code,
        supplier_invoices.currency,
        supplier_invoice_lines.quantity,
        supplier_invoice_lines.unit_price,
        cast(supplier_invoice_lines.net_amount as decimal(38, 8)) as net_amount,
        cast(supplier_invoice_lines.tax_amount as decimal(38, 8)) as tax_amount,
        cast(
            supplier_invoice_lines.net_amount + supplier_invoice_lines.tax_amount
            as decimal(38, 8)
        ) as gross_amount,
        supplier_invoices.invoice_date,
        supplier_invoices.month_start,
        supplier_invoice_lines._source_file,
        supplier_invoice_lines._batch_id,
        supplier_invoice_lines._source_row_number
    from supplier_invoice_lines
    inner join supplier_invoices
        on supplier_invoice_lines.supplier_invoice_id = supplier_invoices.supplier_invoice_id

),

final as (

    select
        -- ids
        lines.supplier_invoice_id,
        lines.line_no,
        lines.po_id,
        lines.po_line_no,
        lines.supplier_id,

        -- dimensions
        lines.company_code,
        lines.currency,

        -- amounts and quantities (document currency, then CNY at the invoice-date rate)
        lines.quantity,
        lines.unit_price,
        lines.net_amount,
        lines.tax_amount,
        lines.gross_amount,
        invoice_fx.rate_to_cny as fx_rate_to_cny,
        {{ to_cny('lines.net_amount', 'invoice_fx') }} as net_amount_cny,
        {{ to_cny('lines.tax_amount', 'invoice_fx') }} as tax_amount_cny,
        {{ to_cny('lines.gross_amount', 'invoice_fx') }} as gross_amount_cny,

        -- dates
        lines.invoice_date,
        lines.month_start,

        -- lineage: the delivered row this one is built from
        lines._source_file,
        lines._batch_id,
        lines._source_row_number

    from lines
    {{ fx_rate_join('lines.currency', 'lines.invoice_date', 'invoice_fx') }}

)

select * from final
