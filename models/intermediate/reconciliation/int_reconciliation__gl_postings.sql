-- Grain: one row per reconciliation, company, document key, GL journal and month: the
-- journal's amount on the reconciliation's GL accounts (seed reconciliations: account role,
-- optional source type, normal-balance or debit-only amount), per the document it names.
-- document_key is the source_id, or the journal itself for journals naming no document
-- (manual journals), so that each such journal is a break of its own.
with

journal_lines as (

    select * from {{ ref('int_finance__journal_lines') }}

),

reconciliations as (

    select * from {{ ref('reconciliations') }}

),

reconciled_lines as (

    select
        reconciliations.reconciliation_code,
        journal_lines.company_code,
        journal_lines.source_type as document_type,
        journal_lines.source_id as document_id,
        coalesce(journal_lines.source_id, journal_lines.journal_id) as document_key,
        journal_lines.journal_id,
        journal_lines.posting_date,
        journal_lines.month_start,
        case
            when reconciliations.gl_amount_side = 'debit' then journal_lines.debit_amount
            else journal_lines.normal_balance_amount
        end as amount
    from journal_lines
    inner join reconciliations
        on journal_lines.account_role = reconciliations.gl_account_role
        and (
            reconciliations.gl_source_type is null
            or journal_lines.source_type = reconciliations.gl_source_type
        )

),

final as (

    select
        -- ids
        reconciliation_code,
        company_code,
        document_type,
        document_key,
        journal_id,
        max(document_id) as document_id,

        -- amounts (CNY, in the reconciliation's sign)
        sum(amount) as gl_amount,

        -- dates
        month_start,
        min(posting_date) as posting_date

    from reconciled_lines
    group by reconciliation_code, company_code, document_type, document_key, journal_id, month_start
    -- a debit-only reconciliation (cash) has nothing to compare on a journal's credit lines
    having sum(case when amount <> 0 then 1 else 0 end) > 0

)

select * from final
