-- Grain: one row per indicator × month × company of dim_company: the companies' values,
-- which add up (Σ over companies is the group's value for a sum indicator). The
-- all-companies values are in metric_values_all_companies, never in this table, so a BI
-- tool's default SUM cannot count the group twice.
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
    where company_code <> 'ALL'

)

select * from final
