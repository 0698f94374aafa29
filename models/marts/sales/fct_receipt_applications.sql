-- Grain: one row per receipt application (receipt_id, invoice_id) to an issued invoice or
-- credit note, in CNY at the rate of the invoice it relieves.
with

applications as (

    select * from {{ ref('int_sales__receipt_applications') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
    select
        -- ids
        receipt_id,
        invoice_id,
        company_code,
        customer_id,

        -- dimensions
        invoice_type,
        currency,

        -- amounts
        applied_amount,
        fx_rate_to_cny,
        cast(applied_amount_cny as decimal(38, 16)) as applied_amount_cny,

        -- dates
        applied_date,
        receipt_date,
        invoice_date,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        _source_file,
        _batch_id,
        _source_row_number

    from applications

)

select * from final
