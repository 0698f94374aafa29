-- Grain: one row per reconciliation, company and month-end at which it is measured: from the
-- company's first month with a business document or GL posting in that reconciliation to the
-- last month of the sub-ledgers (balances carry on after a company's last movement). GL
-- postings dated after the sub-ledgers' last month fall in a period the business side has
-- not reached yet and are not reconciled. Months come from the reporting calendar.
with

document_months as (

    select * from {{ ref('int_reconciliation__document_months') }}

),

ledger_months as (

    select * from {{ ref('int_calendar__ledger_months') }}

),

first_months as (

    select
        reconciliation_code,
        company_code,
        min(month_start) as first_month_start
    from document_months
    group by reconciliation_code, company_code

),

subledgers_end as (

    select max(month_start) as last_month_start
    from ledger_months
    where ledger <> 'general_ledger'

),

calendar_months as (

    select distinct
        month_start,
        month_end
    from ledger_months

),

final as (

    select
        -- ids
        first_months.reconciliation_code,
        first_months.company_code,

        -- dates
        calendar_months.month_start,
        calendar_months.month_end

    from first_months
    cross join subledgers_end
    inner join calendar_months
        on first_months.first_month_start <= calendar_months.month_start
        and subledgers_end.last_month_start >= calendar_months.month_start

)

select * from final
