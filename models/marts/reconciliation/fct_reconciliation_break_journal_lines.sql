-- Grain: one row per reconciliation break and GL journal line of the break's document on the
-- reconciled accounts: the rows behind fct_reconciliation_breaks.gl_journal_ids, for BI and
-- auditors to drill into the GL (穿透) without splitting a string.
with

breaks as (

    select * from {{ ref('fct_reconciliation_breaks') }}

),

gl_lines as (

    select * from {{ ref('int_reconciliation__gl_lines') }}

),

final as (

    select
        -- ids
        breaks.reconciliation_code,
        breaks.company_code,
        breaks.document_type,
        breaks.document_key,
        breaks.document_id,
        gl_lines.journal_id,
        gl_lines.line_no,
        gl_lines.account_code,

        -- amounts (CNY)
        gl_lines.debit_amount,
        gl_lines.credit_amount,
        gl_lines.amount as gl_amount,

        -- dates
        breaks.month_start,
        gl_lines.posting_date,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        gl_lines._source_file,
        gl_lines._batch_id,
        gl_lines._source_row_number

    from breaks
    inner join gl_lines
        on breaks.reconciliation_code = gl_lines.reconciliation_code
        and breaks.company_code = gl_lines.company_code
        and breaks.document_type = gl_lines.document_type
        and breaks.document_key = gl_lines.document_key
    -- the journals gl_journal_ids lists: those with an amount on the reconciled side
    where gl_lines.amount <> 0

)

select * from final
