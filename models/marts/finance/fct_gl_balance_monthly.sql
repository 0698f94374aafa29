-- Grain: one row per account, company and month-end (account_code, company_code,
-- month_start), from the first month the account is posted in that company to the last
-- month of the ledger. Period movement and cumulative closing balance, debit − credit and
-- in the account's normal-balance sign. Journal lines are summed per month first, then
-- accumulated over months.
with

journal_lines as (

    select * from {{ ref('int_finance__journal_lines') }}

),

general_ledger_months as (

    select * from {{ ref('int_calendar__general_ledger_months') }}

),

monthly_postings as (

    select
        account_code,
        company_code,
        account_name,
        account_type,
        account_role,
        normal_balance,
        month_start,
        sum(debit_amount) as period_debit_amount,
        sum(credit_amount) as period_credit_amount
    from journal_lines
    group by
        account_code, company_code, account_name, account_type, account_role, normal_balance,
        month_start

),

positions as (

    select
        account_code,
        company_code,
        account_name,
        account_type,
        account_role,
        normal_balance,
        min(month_start) as first_month_start
    from monthly_postings
    group by account_code, company_code, account_name, account_type, account_role, normal_balance

),

position_months as (

    select
        positions.account_code,
        positions.company_code,
        positions.account_name,
        positions.account_type,
        positions.account_role,
        positions.normal_balance,
        general_ledger_months.month_start,
        general_ledger_months.month_end
    from positions
    inner join general_ledger_months
        on positions.first_month_start <= general_ledger_months.month_start

),

monthly_flows as (

    select
        position_months.*,
        coalesce(monthly_postings.period_debit_amount, 0) as period_debit_amount,
        coalesce(monthly_postings.period_credit_amount, 0) as period_credit_amount,
        coalesce(monthly_postings.period_debit_amount, 0)
        - coalesce(monthly_postings.period_credit_amount, 0) as period_movement
    from position_months
    left join monthly_postings
        on position_months.account_code = monthly_postings.account_code
        and position_months.company_code = monthly_postings.company_code
        and position_months.month_start = monthly_postings.month_start

),

balances as (

    select
        monthly_flows.*,
        {{ running_sum('period_movement', 'account_code, company_code') }} as closing_balance,
        case when monthly_flows.normal_balance = 'credit' then -1 else 1 end as normal_sign
    from monthly_flows

),

final as (

    select
        -- ids
        account_code,

        -- dimensions
        company_code,
        account_name,
        account_type,
        account_role,
        normal_balance,

        -- amounts (CNY): debit − credit, then in the normal-balance sign; cast to the contract's
        -- types, which Spark does not infer (its sum adds 10 digits of precision, DuckDB's gives 38)
        cast(period_debit_amount as decimal(38, 8)) as period_debit_amount,
        cast(period_credit_amount as decimal(38, 8)) as period_credit_amount,
        cast(period_movement as decimal(38, 8)) as period_movement,
        cast(closing_balance - period_movement as decimal(38, 8)) as opening_balance,
        cast(closing_balance as decimal(38, 8)) as closing_balance,
        cast(normal_sign * period_movement as decimal(38, 8)) as period_movement_normal,
        cast(normal_sign * (closing_balance - period_movement) as decimal(38, 8)) as opening_balance_normal,
        cast(normal_sign * closing_balance as decimal(38, 8)) as closing_balance_normal,

        -- dates
        month_start,
        month_end

    from balances

)

select * from final
