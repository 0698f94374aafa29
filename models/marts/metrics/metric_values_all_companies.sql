-- Grain: one row per indicator × month: the all-companies (group) value, company_code
-- 'ALL', computed from every company's component rows (Σ/Σ), never from the company values.
{{ config(
    materialized='incremental',
    incremental_strategy='recompute_months',
    recompute_month_column='month',
    on_schema_change='fail'
) }}
with

values_by_scope as (

    select * from {{ ref('int_metric_values__company_and_all') }}
    where {{ in_recompute_months('month') }}

),

final as (

    select
        -- ids
        metric_code,
        month,
        company_code,

        -- amounts
        value,
        target_value,

        -- attributes
        unit,
        display_format,
        direction,
        name_zh,
        name_en

    from values_by_scope
    where company_code = 'ALL'

)

select * from final
