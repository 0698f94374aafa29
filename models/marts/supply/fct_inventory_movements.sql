-- Grain: one row per inventory movement (movement_id) in a known warehouse, attributed to
-- the company owning the warehouse and the month of movement_date; value = quantity ×
-- unit_cost in CNY (signed: + into stock, − out of stock).
with

movements as (

    select * from {{ ref('int_supply__inventory_movements') }}

),

final as (

    -- the casts give the contract's types on Spark too, whose sums, decimal products and
    -- datediff are typed differently from DuckDB's
    select
        -- ids
        movement_id,
        product_id,
        warehouse_id,
        reference_id,

        -- dimensions
        company_code,
        movement_type,
        reference_type,

        -- quantities and amounts
        quantity,
        unit_cost,
        cast(movement_value_cny as decimal(38, 16)) as movement_value_cny,

        -- dates
        movement_date,
        month_start,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        _source_file,
        _batch_id,
        _source_row_number

    from movements

)

select * from final
