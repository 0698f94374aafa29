-- Grain: one row per product and standard-cost period (erp_standard_costs). valid_to is
-- filled with a far-future day for the open period, so "the standard cost valid on day d"
-- is a join on product_id and d between valid_from and valid_to_filled.
with

standard_costs as (

    select * from {{ ref('stg_erp__standard_costs') }}

),

final as (

    select
        product_id,
        standard_cost,
        valid_from,
        valid_to,
        coalesce(valid_to, cast('9999-12-31' as date)) as valid_to_filled
    from standard_costs

)

select * from final
