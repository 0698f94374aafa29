-- Grain: one row per bad-debt write-off of an issued invoice, in CNY at the rate of the
-- invoice it relieves.
with

write_offs as (

    select * from {{ ref('int_sales__write_offs') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
    select
        -- ids
        write_off_id,
        invoice_id,
        company_code,
        customer_id,

        -- dimensions
        invoice_type,
        currency,
        reason,

        -- amounts
        amount,
        fx_rate_to_cny,
        cast(amount_cny as decimal(38, 16)) as amount_cny,

        -- dates
        write_off_date,
        invoice_date,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        _source_file,
        _batch_id,
        _source_row_number

    from write_offs

)

select * from final
