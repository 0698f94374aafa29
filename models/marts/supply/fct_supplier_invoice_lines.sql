-- Grain: one row per line of an issued supplier invoice (supplier_invoice_id, line_no),
-- attributed to the month of invoice_date: document-currency and CNY amounts at the
-- invoice-date rate, and the three-way match result with the check that failed.
with

supplier_invoice_lines as (

    select * from {{ ref('int_supply__supplier_invoice_lines') }}

),

three_way_match as (

    select * from {{ ref('int_supply__three_way_match') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
    select
        -- ids
        supplier_invoice_lines.supplier_invoice_id,
        supplier_invoice_lines.line_no,
        supplier_invoice_lines.po_id,
        supplier_invoice_lines.po_line_no,
        supplier_invoice_lines.supplier_id,
        three_way_match.product_id,

        -- dimensions
        supplier_invoice_lines.company_code,
        supplier_invoice_lines.currency,

        -- quantities and amounts
        supplier_invoice_lines.quantity,
        supplier_invoice_lines.unit_price,
        three_way_match.po_unit_price,
        cast(three_way_match.cumulative_invoiced_quantity as decimal(38, 8)) as cumulative_invoiced_quantity,
        cast(three_way_match.received_quantity_to_invoice_date as decimal(38, 8)) as received_quantity_to_invoice_date,
        supplier_invoice_lines.net_amount,
        supplier_invoice_lines.tax_amount,
        supplier_invoice_lines.gross_amount,
        supplier_invoice_lines.fx_rate_to_cny,
        cast(supplier_invoice_lines.net_amount_cny as decimal(38, 16)) as net_amount_cny,
        cast(supplier_invoice_lines.tax_amount_cny as decimal(38, 16)) as tax_amount_cny,
        cast(supplier_invoice_lines.gross_amount_cny as decimal(38, 16)) as gross_amount_cny,

        -- dates
        supplier_invoice_lines.invoice_date,
        supplier_invoice_lines.month_start,

        -- flags
        three_way_match.names_known_po_line,
        three_way_match.is_price_within_tolerance,
        three_way_match.is_quantity_within_received,
        three_way_match.is_three_way_matched,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        supplier_invoice_lines._source_file,
        supplier_invoice_lines._batch_id,
        supplier_invoice_lines._source_row_number

    from supplier_invoice_lines
    inner join three_way_match
        on supplier_invoice_lines.supplier_invoice_id = three_way_match.supplier_invoice_id
        and supplier_invoice_lines.line_no = three_way_match.line_no

)

select * from final
