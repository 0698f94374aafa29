-- Grain: one row per company, product, warehouse and month (company_code × product_id ×
-- warehouse_id × month_start). average_inventory = (inventory value at the previous
-- month-end + at the month-end) / 2 (charter, inventory_turnover and dio); it is linear, so
-- Σ over products and warehouses gives a company's average inventory. Assembled with the
-- sales area's cogs into inventory_turnover and dio in models/marts/metrics.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

inventory_balances as (

    select * from {{ ref('int_supply__inventory_balance_monthly') }}
    where {{ in_recompute_months('month_start') }}

),

final as (

    select
        company_code,
        product_id,
        warehouse_id,
        month_start,
        -- × 0.5 keeps the decimal exact where / 2 would turn it into a double
        (previous_month_end_value_cny + inventory_value_cny) * 0.5 as average_inventory_cny,
        days_in_month
    from inventory_balances

)

select * from final
