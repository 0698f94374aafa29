-- Grain: one row per indicator × month × dimension × member over all companies (company_code
-- 'ALL'), computed from every company's component rows.
with

breakdowns_by_scope as (

    select * from {{ ref('int_metric_value_breakdowns__company_and_all') }}

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
