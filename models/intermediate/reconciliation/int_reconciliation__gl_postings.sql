-- Grain: one row per reconciliation, company, document key, GL journal and month: the
-- journal's amount on the reconciliation's GL accounts (its lines in
-- int_reconciliation__gl_lines), per the document it names.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

reconciled_lines as (

    select * from {{ ref('int_reconciliation__gl_lines') }}
    where {{ in_recompute_months('month_start') }}

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
