-- Grain: one row per ledger and month (ledger, month_start): the month-ends at which the
-- ledger's balances are measured, from the month of its first to the month of its last
-- activity date. The union of the per-ledger models (int_calendar__<ledger>_months, each the
-- ledger_months macro over its own ledger's dates), for what needs every ledger
-- (reconciliation); a model that needs one ledger's months reads that ledger's model.
with

sales_months as (

    select * from {{ ref('int_calendar__sales_months') }}

),

cash_months as (

    select * from {{ ref('int_calendar__cash_months') }}

),

payables_months as (

    select * from {{ ref('int_calendar__payables_months') }}

),

inventory_months as (

    select * from {{ ref('int_calendar__inventory_months') }}

),

general_ledger_months as (

    select * from {{ ref('int_calendar__general_ledger_months') }}

),

ledger_months as (

    select
        'sales' as ledger,
        month_start,
        month_end,
        days_in_month
    from sales_months
    union all
    select
        'cash' as ledger,
        month_start,
        month_end,
        days_in_month
    from cash_months
    union all
    select
        'payables' as ledger,
        month_start,
        month_end,
        days_in_month
    from payables_months
    union all
    select
        'inventory' as ledger,
        month_start,
        month_end,
        days_in_month
    from inventory_months
    union all
    select
        'general_ledger' as ledger,
        month_start,
        month_end,
        days_in_month
    from general_ledger_months

),

final as (

    select
        -- ids
        ledger,

        -- dates
        month_start,
        month_end,
        days_in_month

    from ledger_months

)

select * from final
