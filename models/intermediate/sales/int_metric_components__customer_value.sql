{%- set amount = 'decimal(38, 16)' -%}
-- The numerator of customer_lifetime_value: one row per customer × company × month-end, its
-- cumulative gross margin − write-offs to the month-end (to_month_end); the metric divides by
-- the distinct customers.
-- Grain: one row per metric_code, month_start, company_code, the dimensions the metric's
-- records carry (NULL where it has none) and the document behind the amounts (document_type,
-- document_id: the drill-through, 穿透); the component interface of docs/METRICS.md.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

customer_lifetime_value as (

    select * from {{ ref('int_sales__customer_lifetime_value_monthly') }}
    where {{ in_recompute_months('month_start') }}

),

-- one row per customer × company × month-end; the metric averages over distinct customers
customer_lifetime_value_rows as (

    select
        'customer_lifetime_value' as metric_code,
        month_start,
        company_code,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        'customer' as document_type,
        customer_id as document_id,
        cast(lifetime_value_cny as {{ amount }}) as numerator,
        cast(null as {{ amount }}) as denominator,
        'to_month_end' as numerator_basis,
        cast(null as {{ dbt.type_string() }}) as denominator_basis
    from customer_lifetime_value

),

final as (

    {{ metric_component_rows(['customer_lifetime_value_rows']) }}

)

select * from final
