-- Grain: one row per indicator, model column on its path, and source column that column
-- reads (metric_code, model_name, column_name, source_kind, source_name, source_column).
-- Computed from the compiled SQL by `yecai lineage` (yecai/lineage.py) into the seed; this
-- model publishes it with typed columns.
with

lineage as (

    select * from {{ ref('metric_column_lineage') }}

),

final as (

    select
        -- ids
        metric_code,
        model_name,
        column_name,

        -- the source column it reads
        source_kind,
        source_name,
        source_column,

        -- flags
        read_as

    from lineage

)

select * from final
