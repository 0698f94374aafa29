-- Grain: one row per GL account (current chart of accounts). account_role maps accounts to
-- the concepts reconciliation needs; balance_sign turns debit − credit into the account's
-- natural sign (charter: debit − credit for debit-normal, credit − debit for credit-normal).
with

accounts as (

    select * from {{ ref('stg_fin__accounts') }}

),

final as (

    select
        -- ids
        account_code,

        -- attributes
        account_name,
        account_type,
        account_role,
        normal_balance,

        -- signs
        case normal_balance when 'debit' then 1 when 'credit' then -1 end as balance_sign

    from accounts

)

select * from final
