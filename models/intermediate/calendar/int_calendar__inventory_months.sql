-- Grain: one row per month (month_start) of the inventory ledger: the month-ends at which
-- stock is valued, from the month of its first to the month of its last stock movement
-- (movement_date).
with

inventory_movements as (

    select * from {{ ref('int_supply__inventory_movements') }}

),

days as (

    select * from {{ ref('int_calendar__days') }}

),

activity_dates as (

    select movement_date as activity_date
    from inventory_movements

),

final as (

    {{ ledger_months('activity_dates', 'days') }}

)

select * from final
