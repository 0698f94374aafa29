-- Grain: one row per warehouse (current WMS snapshot). company_code is the company that
-- owns the stock held there: inventory movements belong to it (charter, inventory_value).
with

warehouses as (

    select * from {{ ref('stg_wms__warehouses') }}

),

final as (

    select
        -- ids
        warehouse_id,
        company_code,

        -- attributes
        warehouse_name,
        region

    from warehouses

)

select * from final
