-- Current version of each general-ledger account (chart of accounts) (key: account_code) from the snapshot extract fin_accounts.
with

source as (

    select * from {{ source('fin', 'accounts') }}

),

current_version as (

    {{ current_version('source', primary_key=['account_code'], mode='snapshot', extract='fin_accounts') }}

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

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at,
        _is_held_version

    from current_version

)

select * from final
