-- Grain: one row per indicator × month × company_code, where company_code is each company
-- (seed companies) plus 'ALL' (all companies together): the values of metric_values and
-- metric_values_all_companies, computed once so that both follow one definition, from the
-- document-level components (Σ over a value's documents is Σ over its component rows).
-- Dense: every indicator has a row for every month from the first to the last month with a
-- component or a KPI target, and for every company; value is NULL where the indicator has
-- no component rows (or an empty denominator). Values follow the indicator's aggregation
-- (docs/METRICS.md), and 'ALL' is computed over all companies' rows the same way (Σ/Σ),
-- never from the company values. Built incrementally from the first month a delivery changes
-- (macro recompute_months): the dense frame's bounds come from every month, the values from
-- the recomputed ones.
{{ config(
    materialized='incremental',
    incremental_strategy='recompute_months',
    recompute_month_column='month',
    on_schema_change='fail'
) }}
with

components as (

    select * from {{ ref('int_metric_components__documents') }}

),

recomputed_components as (

    select * from components
    where {{ in_recompute_months('month_start') }}

),

catalog as (

    select * from {{ ref('metric_catalog') }}

),

companies as (

    select * from {{ ref('companies') }}

),

calendar as (

    select * from {{ ref('int_calendar__days') }}

),

kpi_targets as (

    select * from {{ ref('stg_fin__kpi_targets') }}

),

months as (

    select distinct
        month_start,
        fiscal_month
    from calendar

),

company_targets as (

    select
        kpi_targets.metric_code,
        months.month_start,
        kpi_targets.company_code,
        kpi_targets.target_value
    from kpi_targets
    inner join months
        on kpi_targets.fiscal_month = months.fiscal_month

),

months_with_data as (

    select month_start from components
    union all
    select month_start from company_targets

),

month_bounds as (

    select
        min(month_start) as first_month,
        max(month_start) as last_month
    from months_with_data

),

reporting_months as (

    select months.month_start
    from months
    cross join month_bounds
    where months.month_start between month_bounds.first_month and month_bounds.last_month

),

reporting_companies as (

    select company_code from companies
    union all
    select 'ALL' as company_code

),

metric_frame as (

    select
        catalog.metric_code,
        catalog.aggregation,
        reporting_months.month_start,
        reporting_companies.company_code
    from catalog
    cross join reporting_months
    cross join reporting_companies

),

-- Per company, and over every company's rows as 'ALL': a customer active in two companies
-- is one customer there (per_customer), and ratios are Σ/Σ, not an average of company ratios.
totals as (

    {{ company_and_all_company_sums('recomputed_components', ['metric_code', 'month_start']) }}

),

measured_values as (

    select
        metric_frame.metric_code,
        metric_frame.month_start,
        metric_frame.company_code,
        {{ metric_value('metric_frame.aggregation', 'totals.numerator', 'totals.denominator',
                        'totals.customer_count') }} as value
    from metric_frame
    left join totals
        on metric_frame.metric_code = totals.metric_code
        and metric_frame.month_start = totals.month_start
        and metric_frame.company_code = totals.company_code
    where metric_frame.aggregation <> 'derived'

),

derivation_inputs as (

    select
        month_start,
        company_code,
        max(case when metric_code = 'dso' then value end) as dso,
        max(case when metric_code = 'dio' then value end) as dio,
        max(case when metric_code = 'dpo' then value end) as dpo
    from measured_values
    where metric_code in ('dso', 'dio', 'dpo')
    group by month_start, company_code

),

-- Derived indicators combine other indicators of the same month and company; NULL as
-- soon as one input is NULL (plain arithmetic).
derived_values as (

    select
        metric_frame.metric_code,
        metric_frame.month_start,
        metric_frame.company_code,
        -- cast back: Spark's decimal sum gives up scale (decimal(38, 8)), DuckDB's widens it
        cast(
            case metric_frame.metric_code
                when 'cash_conversion_cycle'
                    then derivation_inputs.dso + derivation_inputs.dio - derivation_inputs.dpo
            end as {{ type_metric_value() }}
        ) as value
    from metric_frame
    left join derivation_inputs
        on metric_frame.month_start = derivation_inputs.month_start
        and metric_frame.company_code = derivation_inputs.company_code
    where metric_frame.aggregation = 'derived'

),

all_values as (

    {{ union_by_name(
        ['measured_values', 'derived_values'],
        ['metric_code', 'month_start', 'company_code', 'value']) }}

),

company_count as (

    select count(*) as n_companies
    from companies

),

-- A group target exists for sum indicators only (a consolidated revenue target is the Σ
-- of the companies' targets; a ratio target cannot be combined without weights), and only
-- when every company has one, so a missing target never understates the group's.
group_targets as (

    select
        company_targets.metric_code,
        company_targets.month_start,
        'ALL' as company_code,
        sum(company_targets.target_value) as target_value
    from company_targets
    inner join catalog
        on company_targets.metric_code = catalog.metric_code
    cross join company_count
    where catalog.aggregation = 'sum'
    group by company_targets.metric_code, company_targets.month_start
    having count(*) = max(company_count.n_companies)

),

targets as (

    {{ union_by_name(
        ['company_targets', 'group_targets'],
        ['metric_code', 'month_start', 'company_code', 'target_value']) }}

),

final as (

    select
        -- ids
        all_values.metric_code,
        all_values.month_start as month,
        all_values.company_code,

        -- amounts (a derived value's sum of decimals is cast back: Spark widens it)
        cast(all_values.value as {{ type_metric_value() }}) as value,
        cast(targets.target_value as {{ type_metric_value() }}) as target_value,

        -- attributes (from the catalog, for BI convenience)
        catalog.unit,
        catalog.display_format,
        catalog.direction,
        catalog.name_zh,
        catalog.name_en

    from all_values
    inner join catalog
        on all_values.metric_code = catalog.metric_code
    left join targets
        on all_values.metric_code = targets.metric_code
        and all_values.month_start = targets.month_start
        and all_values.company_code = targets.company_code

)

select * from final
