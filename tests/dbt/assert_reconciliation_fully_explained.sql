-- Every company-month's reconciliation difference is explained by its listed breaks and
-- sub-cent document rounding: the unexplained remainder is 0. Returns the company-months
-- where it is not — the break list or the document comparison is incomplete there.
with reconciliation_monthly as (

    select * from {{ ref('fct_reconciliation_monthly') }}

)

select
    reconciliation_code,
    company_code,
    month_start,
    difference,
    explained_difference,
    rounding_difference,
    unexplained_difference
from reconciliation_monthly
where abs(unexplained_difference) >= 0.000001
