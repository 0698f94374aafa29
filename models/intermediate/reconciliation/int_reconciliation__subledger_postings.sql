-- Grain: one row per reconciliation, company, business document and month
-- (reconciliation_code, company_code, document_type, document_id, month_start): the
-- document's effect on the business side of the reconciliation in that month, in CNY, the
-- sum of its delivered records (int_reconciliation__subledger_records).
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

subledger_records as (

    select * from {{ ref('int_reconciliation__subledger_records') }}
    where {{ in_recompute_months('month_start') }}

),

final as (

    select
        -- ids
        reconciliation_code,
        company_code,
        document_type,
        document_id,

        -- amounts (CNY, the document's effect on the business side)
        sum(amount_cny) as business_amount,
        count(*) as business_record_count,

        -- dates
        month_start,
        min(document_date) as document_date

    from subledger_records
    group by
        reconciliation_code,
        company_code,
        document_type,
        document_id,
        month_start

)

select * from final
