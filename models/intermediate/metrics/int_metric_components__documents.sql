-- Grain: one row per metric_code, month_start, company_code, dimensions and document: the
-- component rows of every area at document level (the component interface), each with the
-- model it comes from. The marts fct_metric_components (Σ over documents) and
-- fct_metric_contributions (Σ over dimensions) each read it once.
with

sales_components as (

    select
        *,
        'int_metric_components__sales' as component_source
    from {{ ref('int_metric_components__sales') }}

),

supply_components as (

    select
        *,
        'int_metric_components__supply' as component_source
    from {{ ref('int_metric_components__supply') }}

),

inventory_turnover_components as (

    select
        *,
        'int_metric_components__inventory_turnover' as component_source
    from {{ ref('int_metric_components__inventory_turnover') }}

),

final as (

    {{ union_by_name(
        ['sales_components', 'supply_components', 'inventory_turnover_components'],
        ['metric_code', 'month_start', 'company_code', 'customer_id', 'product_id', 'warehouse_id',
         'supplier_id', 'channel', 'document_type', 'document_id', 'numerator', 'denominator',
         'numerator_basis', 'denominator_basis', 'component_source']) }}

)

select * from final
