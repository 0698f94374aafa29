-- Grain: one row per calendar day of the warehouse calendar (int_calendar__days), published.
with

days as (

    select * from {{ ref('int_calendar__days') }}

),

final as (

    select
        date_day,
        month_start,
        month_end,
        days_in_month,
        calendar_year,
        calendar_quarter,
        calendar_month,
        fiscal_month,
        is_month_end
    from days

)

select * from final
