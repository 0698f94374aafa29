-- Grain: one row per component row: the numerator and denominator of an indicator for one
-- month, company and set of dimensions (docs/METRICS.md, the component interface): every
-- indicator family's mart, unchanged. Each family is its own mart so that an indicator's
-- dbt graph (metric → semantic model → mart → sources) holds only what it reads; this table
-- is the one BI and metric_values read for all of them.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

invoicing as (

    select * from {{ ref('fct_metric_components__invoicing') }}
    where {{ in_recompute_months('month_start') }}

),

fulfilment as (

    select * from {{ ref('fct_metric_components__fulfilment') }}
    where {{ in_recompute_months('month_start') }}

),

receivables as (

    select * from {{ ref('fct_metric_components__receivables') }}
    where {{ in_recompute_months('month_start') }}

),

customer_value as (

    select * from {{ ref('fct_metric_components__customer_value') }}
    where {{ in_recompute_months('month_start') }}

),

inventory as (

    select * from {{ ref('fct_metric_components__inventory') }}
    where {{ in_recompute_months('month_start') }}

),

inventory_turnover as (

    select * from {{ ref('fct_metric_components__inventory_turnover') }}
    where {{ in_recompute_months('month_start') }}

),

payables as (

    select * from {{ ref('fct_metric_components__payables') }}
    where {{ in_recompute_months('month_start') }}

),

purchasing as (

    select * from {{ ref('fct_metric_components__purchasing') }}
    where {{ in_recompute_months('month_start') }}

),

production as (

    select * from {{ ref('fct_metric_components__production') }}
    where {{ in_recompute_months('month_start') }}

),

final as (

    {{ union_by_name(
        ['invoicing', 'fulfilment', 'receivables', 'customer_value', 'inventory', 'inventory_turnover', 'payables', 'purchasing', 'production'],
        ['metric_code', 'month_start', 'company_code', 'customer_id', 'product_id', 'warehouse_id',
         'supplier_id', 'channel', 'numerator', 'denominator', 'component_source']) }}

)

select * from final
