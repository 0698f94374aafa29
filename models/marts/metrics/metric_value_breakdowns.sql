-- Grain: one row per indicator × month × company × dimension × member (companies only;
-- the all-companies breakdowns are in metric_value_breakdowns_all_companies).
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
    where company_code <> 'ALL'

)

select * from final
