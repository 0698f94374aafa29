-- The balance-sheet equation holds at every month-end of every company:
-- assets = liabilities + equity + retained earnings + current-year result (to the cent).
-- It holds whenever every journal balances and every posting is to an account of known
-- type; a failing row is a company-month whose books do not add up (see
-- fct_trial_balance_monthly: period_imbalance tells when the break entered).
with trial_balance as (

    select * from {{ ref('fct_trial_balance_monthly') }}

)

select
    company_code,
    month_start,
    total_assets,
    total_liabilities,
    total_equity,
    retained_earnings,
    current_year_result,
    balance_sheet_difference,
    period_imbalance
from trial_balance
where abs(balance_sheet_difference) >= 0.005
