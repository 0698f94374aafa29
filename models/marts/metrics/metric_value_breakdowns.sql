-- Grain: one row per indicator × month × company × dimension × member (companies only;
-- the all-companies breakdowns are in metric_value_breakdowns_all_companies).
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
    where company_code <> 'ALL'

)

select * from final
