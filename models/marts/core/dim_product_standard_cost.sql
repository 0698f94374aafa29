-- Grain: one row per product and standard-cost period (the erp_standard_costs history).
-- The current period of a product is its latest one (greatest valid_from): the open period
-- where there is one, else the last that ended (a product no longer costed keeps its last
-- cost). Chosen over "valid today" so that a rebuild of the same data gives the same answer.
with

cost_periods as (

    select * from {{ ref('int_products__standard_cost_periods') }}

),

ranked as (

    select
        product_id,
        valid_from,
        valid_to,
        valid_to_filled,
        standard_cost,
        row_number() over (partition by product_id order by valid_from desc) as recency_rank
    from cost_periods

),

final as (

    select
        -- ids
        product_id,
        valid_from,

        -- amounts
        standard_cost,

        -- dates
        valid_to,
        valid_to_filled,

        -- flags
        recency_rank = 1 as is_current

    from ranked

)

select * from final
