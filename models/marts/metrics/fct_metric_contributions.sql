-- Grain: one row per indicator, company, month and document (metric_code, company_code,
-- month_start, document_type, document_id): what each document adds to the numerator and
-- denominator of the published value (穿透). Σ numerator / Σ denominator over a company's
-- rows of one month is its value in metric_values (Σ numerator for sums;
-- customer_lifetime_value: Σ numerator / number of customers). cash_conversion_cycle has no
-- rows of its own: it is dso + dio − dpo, each with its documents here.
with

document_components as (

    select * from {{ ref('int_metric_components__documents') }}

),

final as (

    select
        -- ids
        metric_code,
        company_code,
        cast(month_start as date) as month_start,
        document_type,
        document_id,

        -- amounts
        cast(sum(numerator) as decimal(38, 16)) as numerator,
        cast(sum(denominator) as decimal(38, 16)) as denominator,

        -- what each amount measures, and the month-end balances and averages refer to
        max(numerator_basis) as numerator_basis,
        max(denominator_basis) as denominator_basis,
        cast({{ dbt.last_day('month_start', 'month') }} as date) as month_end

    from document_components
    group by metric_code, company_code, month_start, document_type, document_id

)

select * from final
