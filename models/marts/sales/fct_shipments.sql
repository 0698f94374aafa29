-- Grain: one row per current shipment of a known sales order (orphan shipments naming an
-- unknown order are left out: see int_sales__data_quality_exceptions).
with

shipments as (

    select * from {{ ref('int_sales__shipments') }}

),

final as (

    select
        -- ids
        shipment_id,
        order_id,
        order_line_no,
        company_code,
        customer_id,
        product_id,
        warehouse_id,

        -- dimensions
        order_match_status,

        -- quantities
        quantity,

        -- dates
        ship_date,
        requested_delivery_date,
        -- cast: Spark's datediff is an int, DuckDB's a bigint
        cast({{ days_between('requested_delivery_date', 'ship_date') }} as {{ dbt.type_bigint() }})
            as days_after_requested_date,

        -- flags
        is_on_time,
        is_order_cancelled,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        _source_file,
        _batch_id,
        _source_row_number

    from shipments
    where order_match_status <> 'unknown_order'

)

select * from final
