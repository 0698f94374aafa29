-- Grain: one row per metric_code, month_start, company_code, dimensions and document: the
-- component rows of every indicator family at document level (the component interface), each
-- with the model it comes from. fct_metric_contributions sums it over dimensions; each
-- family's mart (fct_metric_components__<family>) sums its own model over documents.
with

invoicing_components as (

    select
        *,
        'int_metric_components__invoicing' as component_source
    from {{ ref('int_metric_components__invoicing') }}

),

fulfilment_components as (

    select
        *,
        'int_metric_components__fulfilment' as component_source
    from {{ ref('int_metric_components__fulfilment') }}

),

receivables_components as (

    select
        *,
        'int_metric_components__receivables' as component_source
    from {{ ref('int_metric_components__receivables') }}

),

customer_value_components as (

    select
        *,
        'int_metric_components__customer_value' as component_source
    from {{ ref('int_metric_components__customer_value') }}

),

inventory_components as (

    select
        *,
        'int_metric_components__inventory' as component_source
    from {{ ref('int_metric_components__inventory') }}

),

inventory_turnover_components as (

    select
        *,
        'int_metric_components__inventory_turnover' as component_source
    from {{ ref('int_metric_components__inventory_turnover') }}

),

payables_components as (

    select
        *,
        'int_metric_components__payables' as component_source
    from {{ ref('int_metric_components__payables') }}

),

purchasing_components as (

    select
        *,
        'int_metric_components__purchasing' as component_source
    from {{ ref('int_metric_components__purchasing') }}

),

production_components as (

    select
        *,
        'int_metric_components__production' as component_source
    from {{ ref('int_metric_components__production') }}

),

final as (

    {{ union_by_name(
        ['invoicing_components', 'fulfilment_components', 'receivables_components', 'customer_value_components', 'inventory_components', 'inventory_turnover_components', 'payables_components', 'purchasing_components', 'production_components'],
        ['metric_code', 'month_start', 'company_code', 'customer_id', 'product_id', 'warehouse_id',
         'supplier_id', 'channel', 'document_type', 'document_id', 'numerator', 'denominator',
         'numerator_basis', 'denominator_basis', 'component_source']) }}

)

select * from final
