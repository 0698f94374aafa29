-- Grain: one row per current work order (work_order_id), every status, with the totals of
-- its material, labour and overhead costs over all posting dates. Completed work orders
-- count in unit_output_cost in the month of finish_date.
with

work_orders as (

    select * from {{ ref('int_supply__work_orders') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
    select
        -- ids
        work_order_id,
        product_id,

        -- dimensions
        company_code,
        work_order_status,

        -- quantities and amounts
        planned_quantity,
        completed_quantity,
        scrap_quantity,
        cast(material_cost as decimal(38, 8)) as material_cost,
        cast(labor_cost as decimal(38, 8)) as labor_cost,
        cast(overhead_cost as decimal(38, 8)) as overhead_cost,
        cast(total_cost as decimal(38, 8)) as total_cost,

        -- dates
        start_date,
        finish_date,
        finish_month_start,

        -- flags
        is_completed,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        _source_file,
        _batch_id,
        _source_row_number

    from work_orders

)

select * from final
