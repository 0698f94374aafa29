-- Grain: one row per line of an issued invoice or credit note. Revenue, cost and margin in
-- CNY (signed: credit notes negative), and for invoice lines the accuracy checks and the
-- lag from the latest shipment on or before the invoice date.
with

invoice_lines as (

    select * from {{ ref('int_sales__invoice_lines') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
    select
        -- ids
        invoice_id,
        line_no,
        order_id,
        order_line_no,
        company_code,
        customer_id,
        product_id,

        -- dimensions
        invoice_type,
        currency,
        order_match_status,

        -- document currency, as delivered (positive on credit notes too)
        quantity,
        unit_price,
        net_amount,
        tax_amount,
        gross_amount,

        -- CNY, signed
        fx_rate_to_cny,
        standard_cost,
        cast(revenue_cny as decimal(38, 16)) as revenue_cny,
        cast(gross_amount_cny as decimal(38, 16)) as gross_amount_cny,
        cast(cogs_cny as decimal(38, 16)) as cogs_cny,
        cast(gross_margin_cny as decimal(38, 16)) as gross_margin_cny,

        -- billing checks (invoice lines only)
        order_unit_price,
        cast(cumulative_invoiced_quantity as decimal(38, 8)) as cumulative_invoiced_quantity,
        cast(shipped_quantity_to_date as decimal(38, 8)) as shipped_quantity_to_date,

        -- dates
        invoice_date,
        due_date,
        latest_ship_date,
        cast(ship_to_invoice_days as {{ dbt.type_bigint() }}) as ship_to_invoice_days,

        -- flags (invoice lines only)
        is_order_line_valid,
        is_price_correct,
        is_quantity_within_shipped,
        is_accurate,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        _source_file,
        _batch_id,
        _source_row_number

    from invoice_lines

)

select * from final
