-- Grain: one row per indicator of the payables family, month, company and dimensions: the
-- document rows of int_metric_components__payables summed over their documents (the semantic
-- model payables_components reads it; fct_metric_components unions every family).
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

document_components as (

    select * from {{ ref('int_metric_components__payables') }}
    where {{ in_recompute_months('month_start') }}

),

final as (

    {{ sum_metric_components('document_components', 'int_metric_components__payables') }}

)

select * from final
