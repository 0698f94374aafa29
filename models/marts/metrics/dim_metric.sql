-- Grain: one row per indicator of the metric charter, published to BI as the table
-- metric_catalog (alias: the seed of that name keeps the model name). The seed is the one
-- place the catalog is maintained; this model only publishes it with typed columns.
with

catalog as (

    select * from {{ ref('metric_catalog') }}

),

final as (

    select
        -- ids
        metric_code,

        -- names
        name_zh,
        name_en,

        -- attributes
        owner,
        unit,
        aggregation,
        grain,

        -- documentation
        definition,
        formula,

        -- display: how BI formats the value, and which way is good
        display_format,
        direction,

        -- lineage
        source_models

    from catalog

)

select * from final
