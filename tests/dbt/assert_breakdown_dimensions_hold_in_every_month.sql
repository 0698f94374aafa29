-- An indicator's dimensions are the same in every month and company it has breakdown rows for,
-- and each has a member somewhere (int_metric_value_breakdowns__company_and_all). True of any
-- full build by construction; after an incremental build it fails only when a delivery brought
-- a dimension an indicator never had, or took away its last member, which changes the months
-- the build kept too: run `yecai run --full-refresh` (DECISIONLOG, "Month-range incremental models").
with

breakdowns as (

    select * from {{ ref('int_metric_value_breakdowns__company_and_all') }}

),

indicator_months as (

    select distinct
        metric_code,
        month,
        company_code
    from breakdowns

),

indicator_dimensions as (

    select distinct
        metric_code,
        dimension
    from breakdowns

),

present as (

    select distinct
        metric_code,
        month,
        company_code,
        dimension
    from breakdowns

),

missing as (

    select
        indicator_months.metric_code,
        indicator_months.month,
        indicator_months.company_code,
        indicator_dimensions.dimension,
        'dimension missing in this month' as problem
    from indicator_months
    inner join indicator_dimensions
        on indicator_months.metric_code = indicator_dimensions.metric_code
    left join present
        on indicator_months.metric_code = present.metric_code
        and indicator_months.month = present.month
        and indicator_months.company_code = present.company_code
        and indicator_dimensions.dimension = present.dimension
    where present.metric_code is null

),

memberless as (

    select
        metric_code,
        cast(null as date) as month,
        cast(null as {{ dbt.type_string() }}) as company_code,
        dimension,
        'dimension without a member' as problem
    from breakdowns
    group by metric_code, dimension
    having max(case when member <> 'unknown' then 1 else 0 end) = 0

),

final as (

    select * from missing
    union all
    select * from memberless

)

select * from final
