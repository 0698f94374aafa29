-- The numerator and denominator of three_way_match_rate: matching lines / lines of issued
-- supplier invoices, by invoice month.
-- Grain: one row per metric_code, month_start, company_code, the dimensions the metric's
-- records carry (NULL where it has none) and the document behind the amounts (document_type,
-- document_id: the drill-through, 穿透); the component interface of docs/METRICS.md.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

three_way_match as (

    select * from {{ ref('int_supply__three_way_match') }}
    where {{ in_recompute_months('month_start') }}

),

three_way_match_rate as (

    select
        'three_way_match_rate' as metric_code,
        month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        'supplier_invoice' as document_type,
        supplier_invoice_id as document_id,
        cast(sum(case when is_three_way_matched then 1 else 0 end) as decimal(38, 16)) as numerator,
        cast(count(*) as decimal(38, 16)) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from three_way_match
    group by month_start, company_code, supplier_id, supplier_invoice_id

),

final as (

    {{ metric_component_rows(['three_way_match_rate']) }}

)

select * from final
