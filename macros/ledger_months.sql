{#-
    ledger_months(activity_dates, days)

    The month-ends of one ledger: the month-end rows of `days` (the calendar,
    int_calendar__days) from the month of the ledger's first to the month of its last
    activity_date in `activity_dates` (a CTE with one column activity_date). A month-end
    after a ledger's latest date has not happened yet for that ledger; a ledger without
    activity has no months. The one definition of "the months of a ledger": each
    int_calendar__<ledger>_months model renders it over its own ledger's dates only, so a
    consumer of one ledger's months depends on that ledger's extracts and no others.
-#}
{% macro ledger_months(activity_dates, days) -%}
    select
        {{ days }}.month_start,
        {{ days }}.month_end,
        {{ days }}.days_in_month
    from (
        select
            min(activity_date) as first_activity_date,
            max(activity_date) as last_activity_date
        from {{ activity_dates }}
    ) as ledger_span
    inner join {{ days }}
        on {{ days }}.is_month_end
        and ledger_span.first_activity_date <= {{ days }}.month_end
        and ledger_span.last_activity_date >= {{ days }}.month_start
{%- endmacro %}
