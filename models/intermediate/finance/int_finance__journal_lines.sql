-- Grain: one row per general-ledger journal line (journal_id, line_no), current version,
-- with its account's type, role and normal balance. signed_amount = debit − credit;
-- normal_balance_amount is the same amount in the account's normal-balance sign (credit −
-- debit for credit-normal accounts), as the charter's reconciliations read the GL.
with

journal_lines as (

    select * from {{ ref('stg_fin__journal_lines') }}

),

accounts as (

    select * from {{ ref('stg_fin__accounts') }}

),

final as (

    select
        -- ids
        journal_lines.journal_id,
        journal_lines.line_no,
        journal_lines.account_code,
        journal_lines.source_id,

        -- dimensions
        journal_lines.company_code,
        accounts.account_name,
        accounts.account_type,
        accounts.account_role,
        accounts.normal_balance,
        journal_lines.source_type,
        journal_lines.currency,
        journal_lines.description,

        -- amounts (CNY; transaction_amount in the transaction currency)
        journal_lines.debit_amount,
        journal_lines.credit_amount,
        journal_lines.debit_amount - journal_lines.credit_amount as signed_amount,
        case
            when accounts.normal_balance = 'credit'
                then journal_lines.credit_amount - journal_lines.debit_amount
            else journal_lines.debit_amount - journal_lines.credit_amount
        end as normal_balance_amount,
        journal_lines.transaction_amount,

        -- dates
        journal_lines.posting_date,
        cast({{ dbt.date_trunc('month', 'journal_lines.posting_date') }} as date) as month_start,

        -- lineage: the delivered row this one is built from
        journal_lines._source_file,
        journal_lines._batch_id,
        journal_lines._source_row_number

    from journal_lines
    left join accounts
        on journal_lines.account_code = accounts.account_code

)

select * from final
