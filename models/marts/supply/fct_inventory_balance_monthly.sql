-- Grain: one row per product, warehouse and month-end (product_id, warehouse_id,
-- month_start), from the first month with a movement to the last month of the movement
-- ledger. A balance: sum it over products and warehouses of one month-end, never across
-- months; average inventory of a month = (previous_month_end_value_cny +
-- inventory_value_cny) / 2.
with

inventory_balances as (

    select * from {{ ref('int_supply__inventory_balance_monthly') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
    select
        -- ids
        product_id,
        warehouse_id,

        -- dimensions
        company_code,

        -- quantities and amounts
        cast(movement_quantity as decimal(38, 8)) as movement_quantity,
        cast(movement_value_cny as decimal(38, 16)) as movement_value_cny,
        quantity_on_hand,
        cast(inventory_value_cny as decimal(38, 16)) as inventory_value_cny,
        cast(previous_month_end_value_cny as decimal(38, 16)) as previous_month_end_value_cny,

        -- dates
        month_start,
        month_end,
        days_in_month

    from inventory_balances

)

select * from final
