-- Grain: one row per payment of an issued supplier invoice (payment_id), attributed to the
-- month of payment_date, in CNY at the rate of the invoice it pays.
with

payments as (

    select * from {{ ref('int_supply__supplier_payments') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
    select
        -- ids
        payment_id,
        supplier_invoice_id,
        supplier_id,

        -- dimensions
        company_code,
        currency,

        -- amounts
        amount,
        fx_rate_to_cny,
        cast(amount_cny as decimal(38, 16)) as amount_cny,

        -- dates
        payment_date,
        month_start,
        invoice_date,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        _source_file,
        _batch_id,
        _source_row_number

    from payments

)

select * from final
