-- Every GL journal balances: Σ debit = Σ credit (contract note on fin_journal_lines).
-- Returns the journals that do not, with their imbalance in CNY.
with journal_lines as (

    select * from {{ ref('stg_fin__journal_lines') }}

),

imbalances as (

    select
        journal_id,
        company_code,
        sum(debit_amount) - sum(credit_amount) as imbalance_cny
    from journal_lines
    group by journal_id, company_code

)

select * from imbalances
where abs(imbalance_cny) >= 0.005
