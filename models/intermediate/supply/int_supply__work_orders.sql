-- Grain: one row per current work order (every status), with the totals of all its work
-- order costs by cost type, whatever their posting date (charter, unit_output_cost).
with

work_orders as (

    select * from {{ ref('stg_mes__work_orders') }}

),

work_order_costs as (

    select * from {{ ref('stg_mes__work_order_costs') }}

),

cost_totals as (

    select
        work_order_id,
        sum(case when cost_type = 'material' then amount else 0 end) as material_cost,
        sum(case when cost_type = 'labor' then amount else 0 end) as labor_cost,
        sum(case when cost_type = 'overhead' then amount else 0 end) as overhead_cost,
        sum(amount) as total_cost
    from work_order_costs
    group by work_order_id

),

final as (

    select
        -- ids
        work_orders.work_order_id,
        work_orders.product_id,

        -- dimensions
        work_orders.company_code,
        work_orders.work_order_status,

        -- quantities
        work_orders.planned_quantity,
        work_orders.completed_quantity,
        work_orders.scrap_quantity,

        -- amounts (CNY)
        coalesce(cost_totals.material_cost, 0) as material_cost,
        coalesce(cost_totals.labor_cost, 0) as labor_cost,
        coalesce(cost_totals.overhead_cost, 0) as overhead_cost,
        coalesce(cost_totals.total_cost, 0) as total_cost,

        -- dates
        work_orders.start_date,
        work_orders.finish_date,
        cast({{ dbt.date_trunc('month', 'work_orders.finish_date') }} as date) as finish_month_start,

        -- flags
        work_orders.work_order_status = 'completed' as is_completed,

        -- lineage: the delivered row this one is built from
        work_orders._source_file,
        work_orders._batch_id,
        work_orders._source_row_number

    from work_orders
    left join cost_totals
        on work_orders.work_order_id = cost_totals.work_order_id

)

select * from final
