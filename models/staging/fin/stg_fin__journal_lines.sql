-- Current version of each general-ledger journal line (key: journal_id, line_no) from the delta extract fin_journal_lines.
{%- set primary_key = ['journal_id', 'line_no'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('fin', 'journal_lines') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        journal_id,
        line_no,
        account_code,
        source_id,

        -- attributes
        company_code,
        currency,
        source_type,
        description,

        -- amounts and quantities
        debit_amount,
        credit_amount,
        transaction_amount,

        -- dates and timestamps
        posting_date,
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
