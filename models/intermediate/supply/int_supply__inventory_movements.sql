-- Grain: one row per inventory movement in a known warehouse, with the company that owns
-- the warehouse (charter, inventory_value) and its value in CNY (quantity × unit_cost;
-- quantity is signed). Widened before multiplying (see int_supply__supplier_invoices).
with

movements as (

    select * from {{ ref('stg_wms__inventory_movements') }}

),

warehouses as (

    select * from {{ ref('stg_wms__warehouses') }}

),

final as (

    select
        -- ids
        movements.movement_id,
        movements.product_id,
        movements.warehouse_id,
        movements.reference_id,

        -- dimensions
        warehouses.company_code,
        movements.movement_type,
        movements.reference_type,

        -- amounts and quantities
        movements.quantity,
        movements.unit_cost,
        cast(movements.quantity as decimal(38, 8)) * movements.unit_cost as movement_value_cny,

        -- dates
        movements.movement_date,
        cast({{ dbt.date_trunc('month', 'movements.movement_date') }} as date) as month_start,

        -- lineage: the delivered row this one is built from
        movements._source_file,
        movements._batch_id,
        movements._source_row_number

    from movements
    inner join warehouses
        on movements.warehouse_id = warehouses.warehouse_id

)

select * from final
