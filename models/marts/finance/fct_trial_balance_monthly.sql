-- Grain: one row per company and month-end of the ledger (company_code, month_start): the
-- trial balance (试算平衡表) — period debits and credits over all accounts — and the
-- balance-sheet equation at the month-end, assets = liabilities + equity + retained
-- earnings + current-year result. The GL has no year-end closing journals, so the results
-- of earlier years still sit in the revenue and expense accounts: they are split by
-- calendar year into retained earnings (earlier years) and the current-year result.
-- All amounts CNY, from the account balances of fct_gl_balance_monthly.
with

account_balances as (

    select * from {{ ref('fct_gl_balance_monthly') }}

),

company_month_totals as (

    -- closing balances debit − credit by account type; the period's P&L result credit − debit
    select
        company_code,
        month_start,
        month_end,
        sum(period_debit_amount) as period_debit_amount,
        sum(period_credit_amount) as period_credit_amount,
        sum(case when account_type = 'asset' then closing_balance else 0 end) as asset_balance,
        sum(case when account_type = 'liability' then closing_balance else 0 end) as liability_balance,
        sum(case when account_type = 'equity' then closing_balance else 0 end) as equity_balance,
        sum(case when account_type in ('revenue', 'expense') then closing_balance else 0 end)
            as profit_and_loss_balance,
        sum(case when account_type in ('revenue', 'expense') then -period_movement else 0 end)
            as period_result
    from account_balances
    group by company_code, month_start, month_end

),

year_results as (

    -- result of the calendar year up to and including the month (no closing journals)
    select
        company_month_totals.*,
        {{ running_sum('period_result', 'company_code, ' ~ dbt.date_trunc('year', 'month_start')) }}
            as current_year_result
    from company_month_totals

),

normal_sign_totals as (

    -- each total positive in its normal sign; the P&L accounts' cumulative balance
    -- (credit − debit) is every result so far: what precedes this year is retained earnings
    select
        company_code,
        month_start,
        month_end,
        period_debit_amount,
        period_credit_amount,
        asset_balance as total_assets,
        -liability_balance as total_liabilities,
        -equity_balance as total_equity,
        -profit_and_loss_balance - current_year_result as retained_earnings,
        current_year_result
    from year_results

),

final as (

    select
        -- ids
        company_code,

        -- period flows (CNY): equal when every journal of the month balances
        cast(period_debit_amount as decimal(38, 8)) as period_debit_amount,
        cast(period_credit_amount as decimal(38, 8)) as period_credit_amount,
        cast(period_debit_amount - period_credit_amount as decimal(38, 8)) as period_imbalance,

        -- closing balances (CNY) and the balance-sheet equation; an account of unknown
        -- type is in no total, so it shows as a difference too
        cast(total_assets as decimal(38, 8)) as total_assets,
        cast(total_liabilities as decimal(38, 8)) as total_liabilities,
        cast(total_equity as decimal(38, 8)) as total_equity,
        cast(retained_earnings as decimal(38, 8)) as retained_earnings,
        cast(current_year_result as decimal(38, 8)) as current_year_result,
        cast(
            total_assets
            - (total_liabilities + total_equity + retained_earnings + current_year_result) as decimal(38, 8)
        ) as balance_sheet_difference,

        -- dates
        month_start,
        month_end,

        -- flags
        abs(total_assets - (total_liabilities + total_equity + retained_earnings + current_year_result)) < 0.005
        and abs(period_debit_amount - period_credit_amount) < 0.005 as is_balanced

    from normal_sign_totals

)

select * from final
