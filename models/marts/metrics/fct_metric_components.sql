-- Grain: one row per component row: the numerator and denominator of an indicator for one
-- month, company and set of dimensions (docs/METRICS.md, the component interface): every
-- indicator family's mart, unchanged. Each family is its own mart so that an indicator's
-- dbt graph (metric → semantic model → mart → sources) holds only what it reads; this table
-- is the one BI and metric_values read for all of them.
with

invoicing as (

    select * from {{ ref('fct_metric_components__invoicing') }}

),

fulfilment as (

    select * from {{ ref('fct_metric_components__fulfilment') }}

),

receivables as (

    select * from {{ ref('fct_metric_components__receivables') }}

),

customer_value as (

    select * from {{ ref('fct_metric_components__customer_value') }}

),

inventory as (

    select * from {{ ref('fct_metric_components__inventory') }}

),

inventory_turnover as (

    select * from {{ ref('fct_metric_components__inventory_turnover') }}

),

payables as (

    select * from {{ ref('fct_metric_components__payables') }}

),

purchasing as (

    select * from {{ ref('fct_metric_components__purchasing') }}

),

production as (

    select * from {{ ref('fct_metric_components__production') }}

),

final as (

    {{ union_by_name(
        ['invoicing', 'fulfilment', 'receivables', 'customer_value', 'inventory', 'inventory_turnover', 'payables', 'purchasing', 'production'],
        ['metric_code', 'month_start', 'company_code', 'customer_id', 'product_id', 'warehouse_id',
         'supplier_id', 'channel', 'numerator', 'denominator', 'component_source']) }}

)

select * from final
