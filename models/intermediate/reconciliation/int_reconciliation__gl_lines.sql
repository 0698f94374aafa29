-- Grain: one row per reconciliation and GL journal line on its accounts (reconciliation_code,
-- journal_id, line_no): the line's amount in the reconciliation's sign, selected as the seed
-- reconciliations says (account role, optional source type, normal-balance or debit-only
-- amount), with the document it names. document_key is the source_id, or the journal itself
-- for journals naming no document (manual journals), so that each such journal is a break
-- of its own.
with

journal_lines as (

    select * from {{ ref('int_finance__journal_lines') }}

),

reconciliations as (

    select * from {{ ref('reconciliations') }}

),

final as (

    select
        -- ids
        reconciliations.reconciliation_code,
        journal_lines.journal_id,
        journal_lines.line_no,
        journal_lines.account_code,
        journal_lines.company_code,
        journal_lines.source_type as document_type,
        journal_lines.source_id as document_id,
        coalesce(journal_lines.source_id, journal_lines.journal_id) as document_key,

        -- amounts (CNY, in the reconciliation's sign)
        journal_lines.debit_amount,
        journal_lines.credit_amount,
        case
            when reconciliations.gl_amount_side = 'debit' then journal_lines.debit_amount
            else journal_lines.normal_balance_amount
        end as amount,

        -- dates
        journal_lines.posting_date,
        journal_lines.month_start,

        -- lineage: the delivered row this one is built from
        journal_lines._source_file,
        journal_lines._batch_id,
        journal_lines._source_row_number

    from journal_lines
    inner join reconciliations
        on journal_lines.account_role = reconciliations.gl_account_role
        and (
            reconciliations.gl_source_type is null
            or journal_lines.source_type = reconciliations.gl_source_type
        )

)

select * from final
