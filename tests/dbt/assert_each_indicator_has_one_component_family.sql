-- Every indicator's document rows come from one family model, so the union
-- int_metric_components__documents keeps each family's tested key unique.
-- Returns the indicators found in more than one family.
with components as (

    select * from {{ ref('int_metric_components__documents') }}

),

families as (

    select
        metric_code,
        count(distinct component_source) as family_count
    from components
    group by metric_code

)

select * from families
where family_count > 1
