-- Grain: one row per indicator of the purchasing family, month, company and dimensions: the
-- document rows of int_metric_components__purchasing summed over their documents (the semantic
-- model purchasing_components reads it; fct_metric_components unions every family).
with

document_components as (

    select * from {{ ref('int_metric_components__purchasing') }}

),

final as (

    {{ sum_metric_components('document_components', 'int_metric_components__purchasing') }}

)

select * from final
