-- Grain: one row per calendar day of the warehouse calendar (vars calendar_start and
-- calendar_end). Fiscal month = calendar month (charter, common rules).
with

days as (

    {{ dbt.date_spine('day', "cast('" ~ var('calendar_start') ~ "' as date)",
                      "cast('" ~ var('calendar_end') ~ "' as date)") }}

),

final as (

    select
        cast(date_day as date) as date_day,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast({{ dbt.last_day('date_day', 'month') }} as date) as month_end,
        cast(
            {{ days_between(dbt.date_trunc('month', 'date_day'), dbt.last_day('date_day', 'month')) }} + 1
            as integer
        ) as days_in_month,
        {{ date_part_int('year', 'date_day') }} as calendar_year,
        {{ date_part_int('quarter', 'date_day') }} as calendar_quarter,
        {{ date_part_int('month', 'date_day') }} as calendar_month,
        {{ fiscal_month('date_day') }} as fiscal_month,
        cast(date_day as date) = cast({{ dbt.last_day('date_day', 'month') }} as date) as is_month_end
    from days

)

select * from final
