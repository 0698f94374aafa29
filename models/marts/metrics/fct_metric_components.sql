-- Grain: one row per component row: the numerator and denominator of an indicator for one
-- month, company and set of dimensions (docs/METRICS.md, the component interface): the
-- document-level component rows summed over their documents (the documents themselves are
-- published in fct_metric_contributions).
with

document_components as (

    select * from {{ ref('int_metric_components__documents') }}

),

-- Σ keeps NULL where every document's part is NULL (a sum indicator's denominator, a
-- customer without sales in the month), as the charter's empty-denominator rule needs.
-- One exact type for every area: CNY amounts stay decimal (scale 16 holds to_cny's exact
-- product of two 8-place decimals); values become double only in metric_values.
final as (

    select
        -- ids and dimensions, in the order of the component interface
        metric_code,
        cast(month_start as date) as month_start,
        company_code,
        customer_id,
        product_id,
        warehouse_id,
        supplier_id,
        channel,

        -- amounts
        cast(sum(numerator) as decimal(38, 16)) as numerator,
        cast(sum(denominator) as decimal(38, 16)) as denominator,

        -- audit
        component_source

    from document_components
    group by
        metric_code, month_start, company_code, customer_id, product_id, warehouse_id, supplier_id, channel,
        component_source

)

select * from final
