-- Grain: one row per calendar day of the warehouse calendar. MetricFlow's time spine: the
-- day grain it needs for time-spine joins, read from dim_date so the calendar is defined once.
with

dates as (

    select * from {{ ref('dim_date') }}

),

final as (

    select date_day
    from dates

)

select * from final
