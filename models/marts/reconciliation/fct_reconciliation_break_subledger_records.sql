-- Grain: one row per reconciliation break and business record of the break's document that
-- makes up its business amount (the break's key in fct_reconciliation_breaks, then
-- source_extract, _source_file, _source_row_number): the sub-ledger side of a break as
-- delivered rows, as fct_reconciliation_break_journal_lines is its GL side. A flow break
-- lists the records of its month, a balance break those up to its month-end, so a break's
-- rows add up to its business_amount. A break missing in the sub-ledger has no rows.
with

breaks as (

    select * from {{ ref('fct_reconciliation_breaks') }}

),

subledger_records as (

    select * from {{ ref('int_reconciliation__subledger_records') }}

),

final as (

    select
        -- ids
        breaks.reconciliation_code,
        breaks.company_code,
        breaks.document_type,
        breaks.document_key,
        breaks.document_id,
        subledger_records.source_extract,

        -- amounts (CNY, the record's effect on the business side)
        cast(subledger_records.amount_cny as decimal(38, 8)) as business_amount,

        -- dates
        breaks.month_start,
        subledger_records.document_date,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        subledger_records._source_file,
        subledger_records._batch_id,
        subledger_records._source_row_number

    from breaks
    inner join subledger_records
        on breaks.reconciliation_code = subledger_records.reconciliation_code
        and breaks.company_code = subledger_records.company_code
        and breaks.document_type = subledger_records.document_type
        and breaks.document_key = subledger_records.document_id
        and (
            breaks.month_start = subledger_records.month_start
            or (breaks.amount_basis = 'cumulative_to_month_end' and breaks.month_start > subledger_records.month_start)
        )

)

select * from final
