-- Grain: one row per month (month_start) of the general ledger: the month-ends at which
-- account balances are measured, from the month of its first to the month of its last
-- journal line (posting_date).
with

journal_lines as (

    select * from {{ ref('stg_fin__journal_lines') }}

),

days as (

    select * from {{ ref('int_calendar__days') }}

),

activity_dates as (

    select posting_date as activity_date
    from journal_lines

),

months as (

    {{ ledger_months('activity_dates', 'days') }}

),

final as (

    select
        -- dates
        month_start,
        month_end,
        days_in_month

    from months

)

select * from final
