{%- set amount = 'decimal(38, 16)' -%}
-- The numerator and denominator of the invoice-line indicators: revenue, cogs, gross_margin,
-- gross_margin_rate, invoice_accuracy_rate and ship_to_invoice_days, by invoice month.
-- Grain: one row per metric_code, month_start, company_code, the dimensions the metric's
-- records carry (NULL where it has none) and the document behind the amounts (document_type,
-- document_id: the drill-through, 穿透); the component interface of docs/METRICS.md.
-- One CTE per indicator; a family of its own so that their dbt graph is what they read.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

invoice_lines as (

    select * from {{ ref('int_sales__invoice_lines') }}
    where {{ in_recompute_months('invoice_month') }}

),

-- revenue, cogs and gross margin: lines of issued invoices and credit notes, invoice month
line_margins as (

    select
        invoice_month as month_start,
        company_code,
        customer_id,
        product_id,
        channel,
        invoice_type as document_type,
        invoice_id as document_id,
        sum(revenue_cny) as revenue_cny,
        sum(cogs_cny) as cogs_cny,
        sum(gross_margin_cny) as gross_margin_cny
    from invoice_lines
    group by invoice_month, company_code, customer_id, product_id, channel, invoice_type, invoice_id

),

revenue as (

    select
        'revenue' as metric_code,
        month_start,
        company_code,
        customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        channel,
        document_type,
        document_id,
        cast(revenue_cny as {{ amount }}) as numerator,
        cast(null as {{ amount }}) as denominator,
        'flow' as numerator_basis,
        cast(null as {{ dbt.type_string() }}) as denominator_basis
    from line_margins

),

cogs as (

    select
        'cogs' as metric_code,
        month_start,
        company_code,
        customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        channel,
        document_type,
        document_id,
        cast(cogs_cny as {{ amount }}) as numerator,
        cast(null as {{ amount }}) as denominator,
        'flow' as numerator_basis,
        cast(null as {{ dbt.type_string() }}) as denominator_basis
    from line_margins

),

gross_margin as (

    select
        'gross_margin' as metric_code,
        month_start,
        company_code,
        customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        channel,
        document_type,
        document_id,
        cast(gross_margin_cny as {{ amount }}) as numerator,
        cast(null as {{ amount }}) as denominator,
        'flow' as numerator_basis,
        cast(null as {{ dbt.type_string() }}) as denominator_basis
    from line_margins

),

gross_margin_rate as (

    select
        'gross_margin_rate' as metric_code,
        month_start,
        company_code,
        customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        channel,
        document_type,
        document_id,
        cast(gross_margin_cny as {{ amount }}) as numerator,
        cast(revenue_cny as {{ amount }}) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from line_margins

),

-- lines of issued invoices (type invoice), invoice month
invoice_accuracy_rate as (

    select
        'invoice_accuracy_rate' as metric_code,
        invoice_month as month_start,
        company_code,
        customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        channel,
        invoice_type as document_type,
        invoice_id as document_id,
        cast(sum(case when is_accurate then 1 else 0 end) as {{ amount }}) as numerator,
        cast(count(*) as {{ amount }}) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from invoice_lines
    where invoice_type = 'invoice'
    group by invoice_month, company_code, customer_id, product_id, channel, invoice_type, invoice_id

),

ship_to_invoice_days as (

    select
        'ship_to_invoice_days' as metric_code,
        invoice_month as month_start,
        company_code,
        customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        channel,
        invoice_type as document_type,
        invoice_id as document_id,
        cast(sum(ship_to_invoice_days) as {{ amount }}) as numerator,
        cast(count(*) as {{ amount }}) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from invoice_lines
    where invoice_type = 'invoice'
        and latest_ship_date is not null
    group by invoice_month, company_code, customer_id, product_id, channel, invoice_type, invoice_id

),

final as (

    {{ metric_component_rows(
        ['revenue', 'cogs', 'gross_margin', 'gross_margin_rate', 'invoice_accuracy_rate',
         'ship_to_invoice_days']) }}

)

select * from final
