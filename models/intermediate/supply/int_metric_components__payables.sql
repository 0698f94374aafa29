-- The numerator and denominator of dpo: each supplier invoice's open AP at the month-end ×
-- days in the month, and its gross of the month. A row may carry a 0 denominator (open AP
-- but nothing invoiced that month): the assembled value is then NULL, never a division.
-- Grain: one row per metric_code, month_start, company_code, the dimensions the metric's
-- records carry (NULL where it has none) and the document behind the amounts (document_type,
-- document_id: the drill-through, 穿透); the component interface of docs/METRICS.md.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

ap_open as (

    select * from {{ ref('int_supply__ap_open_monthly') }}
    where {{ in_recompute_months('month_start') }}

),

-- dpo = AP(month-end) / gross supplier-invoiced in the month × days_in_month
dpo as (

    select
        'dpo' as metric_code,
        month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        'supplier_invoice' as document_type,
        supplier_invoice_id as document_id,
        cast(open_amount_cny * days_in_month as decimal(38, 16)) as numerator,
        cast(invoiced_amount_cny as decimal(38, 16)) as denominator,
        'month_end' as numerator_basis,
        'flow' as denominator_basis
    from ap_open

),

final as (

    {{ metric_component_rows(['dpo']) }}

)

select * from final
