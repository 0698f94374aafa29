-- Grain: one row per receipt application (receipt_id, invoice_id) to an issued invoice or
-- credit note, in CNY at the rate of the invoice it relieves.
with

applications as (

    select * from {{ ref('int_sales__receipt_applications') }}

),

final as (

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
        applied_amount_cny,

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
