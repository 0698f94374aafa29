-- Grain: one row per reconciliation, company and month-end at which it is measured: from the
-- company's first month with a business document or GL posting in that reconciliation to the
-- last month of the sub-ledgers (balances carry on after a company's last movement). GL
-- postings dated after the sub-ledgers' last month fall in a period the business side has
-- not reached yet and are not reconciled.
with

document_months as (

    select * from {{ ref('int_reconciliation__document_months') }}

),

subledger_postings as (

    select * from {{ ref('int_reconciliation__subledger_postings') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

first_months as (

    select
        reconciliation_code,
        company_code,
        min(month_start) as first_month_start
    from document_months
    group by reconciliation_code, company_code

),

last_month as (

    select max(month_start) as last_month_start
    from subledger_postings

),

final as (

    select
        -- ids
        first_months.reconciliation_code,
        first_months.company_code,

        -- dates
        calendar.month_start,
        calendar.month_end

    from first_months
    cross join last_month
    inner join calendar
        on calendar.is_month_end
        and calendar.month_start >= first_months.first_month_start
        and calendar.month_start <= last_month.last_month_start

)

select * from final
