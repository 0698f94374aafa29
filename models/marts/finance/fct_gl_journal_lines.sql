-- Grain: one row per general-ledger journal line (journal_id, line_no), current version,
-- with its account's type, role and normal balance: int_finance__journal_lines, published.
with

journal_lines as (

    select * from {{ ref('int_finance__journal_lines') }}

),

final as (

    select
        -- ids
        journal_id,
        line_no,
        account_code,
        source_id,

        -- dimensions
        company_code,
        account_name,
        account_type,
        account_role,
        normal_balance,
        source_type,
        currency,
        description,

        -- amounts (CNY; transaction_amount in the transaction currency)
        debit_amount,
        credit_amount,
        signed_amount,
        normal_balance_amount,
        transaction_amount,

        -- dates
        posting_date,
        month_start,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        _source_file,
        _batch_id,
        _source_row_number

    from journal_lines

)

select * from final
