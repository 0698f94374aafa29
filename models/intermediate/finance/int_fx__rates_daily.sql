-- Grain: one row per currency and calendar day: the rate a document of that day converts
-- at. The day's own rate, else the latest earlier rate at most 7 days older (charter,
-- common rules); days with no usable rate have no row. CNY converts at 1 on every day.
with

rates as (

    select * from {{ ref('stg_fin__fx_rates') }}

),

calendar as (

    select * from {{ ref('int_calendar__days') }}

),

candidates as (

    select
        rates.currency,
        calendar.date_day as rate_day,
        rates.rate_date as rate_date_used,
        rates.rate_to_cny,
        row_number() over (
            partition by rates.currency, calendar.date_day
            order by rates.rate_date desc
        ) as recency_rank
    from calendar
    inner join rates
        on calendar.date_day >= rates.rate_date
        and rates.rate_date >= {{ dbt.dateadd('day', -7, 'calendar.date_day') }}

),

foreign_currency as (

    select
        currency,
        rate_day,
        rate_date_used,
        rate_to_cny
    from candidates
    where recency_rank = 1

),

functional_currency as (

    select
        'CNY' as currency,
        date_day as rate_day,
        date_day as rate_date_used,
        cast(1 as decimal(18, 8)) as rate_to_cny
    from calendar

),

final as (

    {{ union_by_name(
        ['foreign_currency', 'functional_currency'],
        ['currency', 'rate_day', 'rate_date_used', 'rate_to_cny']) }}

)

select * from final
