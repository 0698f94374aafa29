-- Grain: one row per product (current ERP snapshot), with its current standard cost (the
-- latest period of dim_product_standard_cost; NULL for a product never costed).
with

products as (

    select * from {{ ref('stg_erp__products') }}

),

standard_costs as (

    select * from {{ ref('dim_product_standard_cost') }}

),

current_standard_costs as (

    select
        product_id,
        standard_cost,
        valid_from
    from standard_costs
    where is_current

),

final as (

    select
        -- ids
        products.product_id,

        -- attributes
        products.sku,
        products.product_name,
        products.product_type,
        products.category,
        products.uom,

        -- amounts
        products.list_price,
        current_standard_costs.standard_cost as current_standard_cost,

        -- dates and timestamps
        current_standard_costs.valid_from as current_standard_cost_valid_from,
        products.updated_at

    from products
    left join current_standard_costs
        on products.product_id = current_standard_costs.product_id

)

select * from final
