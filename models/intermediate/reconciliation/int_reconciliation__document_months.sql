-- Grain: one row per reconciliation, company, document and month in which the document has
-- a business-side amount or a GL posting (reconciliation_code, company_code, document_type,
-- document_key, month_start): both sides side by side, the document's totals over all
-- months, and, for a document that can break, its GL journals and the reason that applies
-- wherever it breaks (seed reconciliation_break_reasons, in order of precedence). Which
-- rows are breaks depends on the reconciliation's basis (flow: the month; balance:
-- cumulative to month-end) and is decided in fct_reconciliation_breaks.
-- Built incrementally (macro recompute_months, strategy recompute_documents): a build
-- recomputes every month of each document with a posting, or a row of the previous build,
-- in a recomputed month, since its totals and its break reason span all its months.
{{ depends_on_recompute_months() }}
{{ config(
    materialized='incremental',
    incremental_strategy='recompute_documents',
    recompute_key=['reconciliation_code', 'company_code', 'document_type', 'document_key'],
    on_schema_change='fail') }}
with

all_subledger_postings as (

    select * from {{ ref('int_reconciliation__subledger_postings') }}

),

all_gl_postings as (

    select * from {{ ref('int_reconciliation__gl_postings') }}

),
{%- if is_incremental() %}

-- the documents an incremental build recomputes: with a posting, or a row of the previous
-- build, in a recomputed month
recomputed_documents as (

    select reconciliation_code, company_code, document_type, document_id as document_key
    from all_subledger_postings
    where {{ in_recompute_months('month_start') }}
    union
    select reconciliation_code, company_code, document_type, document_key
    from all_gl_postings
    where {{ in_recompute_months('month_start') }}
    union
    select reconciliation_code, company_code, document_type, document_key
    from {{ this }}
    where {{ in_recompute_months('month_start') }}

),
{%- endif %}

subledger_postings as (

    select all_subledger_postings.*
    from all_subledger_postings
    {%- if is_incremental() %}
    inner join recomputed_documents
        on all_subledger_postings.reconciliation_code = recomputed_documents.reconciliation_code
        and all_subledger_postings.company_code = recomputed_documents.company_code
        and all_subledger_postings.document_type = recomputed_documents.document_type
        and all_subledger_postings.document_id = recomputed_documents.document_key
    {%- endif %}

),

gl_postings as (

    select all_gl_postings.*
    from all_gl_postings
    {%- if is_incremental() %}
    inner join recomputed_documents
        on all_gl_postings.reconciliation_code = recomputed_documents.reconciliation_code
        and all_gl_postings.company_code = recomputed_documents.company_code
        and all_gl_postings.document_type = recomputed_documents.document_type
        and all_gl_postings.document_key = recomputed_documents.document_key
    {%- endif %}

),

reconciliations as (

    select * from {{ ref('reconciliations') }}

),

gl_months as (

    select
        reconciliation_code,
        company_code,
        document_type,
        document_key,
        month_start,
        max(document_id) as document_id,
        sum(gl_amount) as gl_amount
    from gl_postings
    group by reconciliation_code, company_code, document_type, document_key, month_start

),

gl_documents as (

    select
        reconciliation_code,
        company_code,
        document_type,
        document_key,
        sum(gl_amount) as total_gl_amount
    from gl_months
    group by reconciliation_code, company_code, document_type, document_key

),

business_documents as (

    select
        reconciliation_code,
        company_code,
        document_type,
        document_id as document_key,
        sum(business_amount) as total_business_amount,
        min(document_date) as document_date
    from subledger_postings
    group by reconciliation_code, company_code, document_type, document_id

),

document_months as (

    select
        coalesce(subledger_postings.reconciliation_code, gl_months.reconciliation_code) as reconciliation_code,
        coalesce(subledger_postings.company_code, gl_months.company_code) as company_code,
        coalesce(subledger_postings.document_type, gl_months.document_type) as document_type,
        coalesce(subledger_postings.document_id, gl_months.document_key) as document_key,
        coalesce(subledger_postings.document_id, gl_months.document_id) as document_id,
        coalesce(subledger_postings.month_start, gl_months.month_start) as month_start,
        coalesce(subledger_postings.business_amount, 0) as business_amount,
        coalesce(gl_months.gl_amount, 0) as gl_amount
    from subledger_postings
    full outer join gl_months
        on subledger_postings.reconciliation_code = gl_months.reconciliation_code
        and subledger_postings.company_code = gl_months.company_code
        and subledger_postings.document_type = gl_months.document_type
        and subledger_postings.document_id = gl_months.document_key
        and subledger_postings.month_start = gl_months.month_start

),

document_month_differences as (

    select
        document_months.*,
        max(abs(document_months.gl_amount - document_months.business_amount)) over (
            partition by
                document_months.reconciliation_code,
                document_months.company_code,
                document_months.document_type,
                document_months.document_key
        ) as largest_month_difference
    from document_months

),

-- a document can break unless it agrees within 0.01 CNY in every month and in total
document_agreement as (

    select
        document_months.*,
        reconciliations.basis,
        business_documents.total_business_amount,
        business_documents.document_date,
        gl_documents.total_gl_amount,
        case when business_documents.document_key is null then 0 else 1 end as has_business_document,
        case when gl_documents.document_key is null then 0 else 1 end as has_gl_posting,
        case
            when document_months.largest_month_difference <= 0.01
                and abs(
                    coalesce(gl_documents.total_gl_amount, 0)
                    - coalesce(business_documents.total_business_amount, 0)
                ) <= 0.01
                then 0
            else 1
        end as can_break
    from document_month_differences as document_months
    inner join reconciliations
        on document_months.reconciliation_code = reconciliations.reconciliation_code
    left join business_documents
        on document_months.reconciliation_code = business_documents.reconciliation_code
        and document_months.company_code = business_documents.company_code
        and document_months.document_type = business_documents.document_type
        and document_months.document_key = business_documents.document_key
    left join gl_documents
        on document_months.reconciliation_code = gl_documents.reconciliation_code
        and document_months.company_code = gl_documents.company_code
        and document_months.document_type = gl_documents.document_type
        and document_months.document_key = gl_documents.document_key

),

breaking_documents as (

    select distinct
        reconciliation_code,
        company_code,
        document_type,
        document_key
    from document_agreement
    where can_break = 1

),

-- journal-level evidence (duplicates, journal lists, posting dates) only for the documents
-- that can break: the agreeing ones, nearly all of them, need none
breaking_gl_postings as (

    select gl_postings.*
    from gl_postings
    inner join breaking_documents
        on gl_postings.reconciliation_code = breaking_documents.reconciliation_code
        and gl_postings.company_code = breaking_documents.company_code
        and gl_postings.document_type = breaking_documents.document_type
        and gl_postings.document_key = breaking_documents.document_key

),

gl_journals as (

    select
        reconciliation_code,
        company_code,
        document_type,
        document_key,
        journal_id,
        sum(gl_amount) as journal_amount,
        min(posting_date) as posting_date
    from breaking_gl_postings
    group by reconciliation_code, company_code, document_type, document_key, journal_id

),

-- a document posted by two journals of the same amount (within 0.01 CNY: each posting is
-- rounded to the cent on its own) was posted twice; the later journal is the duplicate
duplicate_journals as (

    select distinct
        later.reconciliation_code,
        later.company_code,
        later.document_type,
        later.document_key,
        later.journal_id
    from gl_journals as later
    inner join gl_journals as earlier
        on later.reconciliation_code = earlier.reconciliation_code
        and later.company_code = earlier.company_code
        and later.document_type = earlier.document_type
        and later.document_key = earlier.document_key
        and abs(earlier.journal_amount - later.journal_amount) <= 0.01
        and (
            later.posting_date > earlier.posting_date
            or (later.posting_date = earlier.posting_date and later.journal_id > earlier.journal_id)
        )

),

ranked_journals as (

    select
        gl_journals.*,
        case when duplicate_journals.journal_id is not null then 1 else 0 end as is_duplicate
    from gl_journals
    left join duplicate_journals
        on gl_journals.reconciliation_code = duplicate_journals.reconciliation_code
        and gl_journals.company_code = duplicate_journals.company_code
        and gl_journals.document_type = duplicate_journals.document_type
        and gl_journals.document_key = duplicate_journals.document_key
        and gl_journals.journal_id = duplicate_journals.journal_id

),

journal_evidence as (

    select
        reconciliation_code,
        company_code,
        document_type,
        document_key,
        count(*) as gl_journal_count,
        max(is_duplicate) as has_duplicate_journal,
        {{ ordered_listagg('journal_id', "', '", ['posting_date', 'journal_id']) }} as gl_journal_ids,
        {{ ordered_listagg('case when is_duplicate = 1 then journal_id end', "', '", ['posting_date', 'journal_id']) }}
            as duplicate_journal_ids,
        min(posting_date) as first_posting_date,
        max(posting_date) as last_posting_date
    from ranked_journals
    group by reconciliation_code, company_code, document_type, document_key

),

classified as (

    select
        document_agreement.*,
        journal_evidence.gl_journal_count,
        journal_evidence.gl_journal_ids,
        journal_evidence.duplicate_journal_ids,
        journal_evidence.first_posting_date,
        journal_evidence.last_posting_date,
        case
            when document_agreement.can_break = 0 then null
            when document_agreement.has_business_document = 0 and document_agreement.document_type = 'manual'
                then 'manual_journal'
            when document_agreement.has_business_document = 0 then 'missing_in_subledger'
            when document_agreement.has_gl_posting = 0 then 'missing_in_gl'
            when journal_evidence.has_duplicate_journal = 1 then 'duplicate_posting'
            -- right total, wrong month: a cut-off break
            when abs(document_agreement.total_gl_amount - document_agreement.total_business_amount) <= 0.01
                then 'period_mismatch'
            else 'amount_mismatch'
        end as break_reason
    from document_agreement
    left join journal_evidence
        on document_agreement.reconciliation_code = journal_evidence.reconciliation_code
        and document_agreement.company_code = journal_evidence.company_code
        and document_agreement.document_type = journal_evidence.document_type
        and document_agreement.document_key = journal_evidence.document_key

),

final as (

    select
        -- ids
        reconciliation_code,
        company_code,
        document_type,
        document_key,
        document_id,

        -- attributes
        basis,
        break_reason,
        gl_journal_count,
        gl_journal_ids,
        duplicate_journal_ids,

        -- amounts (CNY): this month, and the document's totals over all months
        business_amount,
        gl_amount,
        gl_amount - business_amount as difference,
        coalesce(total_business_amount, 0) as total_business_amount,
        coalesce(total_gl_amount, 0) as total_gl_amount,

        -- dates
        month_start,
        document_date,
        first_posting_date,
        last_posting_date

    from classified

)

select * from final
