-- Grain: one row per indicator × month × dimension × member over all companies (company_code
-- 'ALL'), computed from every company's component rows.
{{ config(
    materialized='incremental',
    incremental_strategy='recompute_months',
    recompute_month_column='month',
    on_schema_change='fail'
) }}
with

breakdowns_by_scope as (

    select * from {{ ref('int_metric_value_breakdowns__company_and_all') }}
    where {{ in_recompute_months('month') }}

),

final as (

    select
        -- ids
        metric_code,
        month,
        company_code,
        dimension,
        member,

        -- amounts
        value,

        -- attributes
        member_name

    from breakdowns_by_scope
    where company_code = 'ALL'

)

select * from final
