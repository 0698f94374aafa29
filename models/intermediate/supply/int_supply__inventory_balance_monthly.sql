-- Grain: one row per product, warehouse and month-end, from the month of the first movement
-- of that product in that warehouse to the last month of the movement ledger. Inventory at
-- a month-end = Σ quantity × unit_cost of all movements up to that day (charter,
-- inventory_value): movements are summed per month first, then accumulated over months, so
-- no movement is joined to more than its own month.
-- Built incrementally (macro recompute_months): the running balances are computed over every
-- month and only the recomputed months are written (an opening balance from the model's own
-- previous month would spare the rest; DECISIONLOG).
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

movements as (

    select * from {{ ref('int_supply__inventory_movements') }}

),

inventory_months as (

    select * from {{ ref('int_calendar__inventory_months') }}

),

monthly_movements as (

    select
        product_id,
        warehouse_id,
        company_code,
        month_start,
        sum(quantity) as movement_quantity,
        sum(movement_value_cny) as movement_value_cny
    from movements
    group by product_id, warehouse_id, company_code, month_start

),

positions as (

    select
        product_id,
        warehouse_id,
        company_code,
        min(month_start) as first_month_start
    from monthly_movements
    group by product_id, warehouse_id, company_code

),

position_months as (

    select
        positions.product_id,
        positions.warehouse_id,
        positions.company_code,
        inventory_months.month_start,
        inventory_months.month_end,
        inventory_months.days_in_month
    from positions
    inner join inventory_months
        on positions.first_month_start <= inventory_months.month_start

),

monthly_flows as (

    select
        position_months.*,
        coalesce(monthly_movements.movement_quantity, 0) as movement_quantity,
        coalesce(monthly_movements.movement_value_cny, 0) as movement_value_cny
    from position_months
    left join monthly_movements
        on position_months.product_id = monthly_movements.product_id
        and position_months.warehouse_id = monthly_movements.warehouse_id
        and position_months.month_start = monthly_movements.month_start

),

balances as (

    select
        monthly_flows.*,
        {{ running_sum('movement_quantity', 'product_id, warehouse_id') }} as quantity_on_hand,
        {{ running_sum('movement_value_cny', 'product_id, warehouse_id') }} as inventory_value_cny
    from monthly_flows

),

with_previous as (

    select
        balances.*,
        -- before a position's first movement month the balance is 0
        coalesce(
            lag(balances.inventory_value_cny)
                over (partition by balances.product_id, balances.warehouse_id order by balances.month_start),
            0
        ) as previous_month_end_value_cny
    from balances

),

final as (

    select
        -- ids
        product_id,
        warehouse_id,

        -- dimensions
        company_code,

        -- quantities and amounts: flows of the month, then balances
        movement_quantity,
        movement_value_cny,
        quantity_on_hand,
        inventory_value_cny,
        previous_month_end_value_cny,

        -- dates
        month_start,
        month_end,
        days_in_month

    from with_previous
    where {{ in_recompute_months('month_start') }}

)

select * from final
