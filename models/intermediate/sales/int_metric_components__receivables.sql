{%- set amount = 'decimal(38, 16)' -%}
-- The numerator and denominator of the receivables indicators: collection_days, dso,
-- ar_overdue_rate and bad_debt_rate.
-- Grain: one row per metric_code, month_start, company_code, the dimensions the metric's
-- records carry (NULL where it has none) and the document behind the amounts (document_type,
-- document_id: the drill-through, 穿透); the component interface of docs/METRICS.md.
-- numerator_basis / denominator_basis say what a document's amount measures: flow (a
-- document of the month), month_end (its open balance at the month-end), trailing_12_months
-- (a document of the 12 months ending with the month). One CTE per indicator.
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

invoices as (

    select * from {{ ref('int_sales__invoices') }}
    where {{ in_recompute_months('invoice_month', months_before=11) }}

),

invoice_collections as (

    select * from {{ ref('int_sales__invoice_collections') }}
    where {{ in_recompute_months('collection_month') }}

),

ar_balances as (

    select * from {{ ref('int_sales__ar_balances_monthly') }}
    where {{ in_recompute_months('month_start') }}

),

write_offs as (

    select * from {{ ref('int_sales__write_offs') }}
    where {{ in_recompute_months('write_off_month', months_before=11) }}

),

reporting_months as (

    select * from {{ ref('int_calendar__sales_months') }}

),

-- invoices fully collected by receipts, month of the collection date, gross-weighted days
collection_days as (

    select
        'collection_days' as metric_code,
        collection_month as month_start,
        company_code,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        'invoice' as document_type,
        invoice_id as document_id,
        cast(gross_amount_cny * collection_days as {{ amount }}) as numerator,
        cast(gross_amount_cny as {{ amount }}) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from invoice_collections
    where is_fully_collected

),

-- AR(month-end) × days_in_month / gross invoiced in the month. An invoice open at the
-- month-end adds to the numerator, one issued in the month to the denominator; a customer
-- with AR and no sales in the month has a NULL denominator, not 0, so a month without
-- sales has no value rather than a division by zero
dso_parts as (

    select
        ar_balances.month_start,
        ar_balances.company_code,
        ar_balances.customer_id,
        ar_balances.invoice_type as document_type,
        ar_balances.invoice_id as document_id,
        ar_balances.open_amount_cny * reporting_months.days_in_month as ar_days_cny,
        cast(null as {{ amount }}) as invoiced_cny
    from ar_balances
    inner join reporting_months
        on ar_balances.month_start = reporting_months.month_start

    union all

    select
        invoices.invoice_month as month_start,
        invoices.company_code,
        invoices.customer_id,
        invoices.invoice_type as document_type,
        invoices.invoice_id as document_id,
        cast(0 as {{ amount }}) as ar_days_cny,
        invoices.gross_amount_cny as invoiced_cny
    from invoices
    inner join reporting_months
        on invoices.invoice_month = reporting_months.month_start

),

dso as (

    select
        'dso' as metric_code,
        month_start,
        company_code,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        document_type,
        document_id,
        cast(sum(ar_days_cny) as {{ amount }}) as numerator,
        cast(sum(invoiced_cny) as {{ amount }}) as denominator,
        'month_end' as numerator_basis,
        'flow' as denominator_basis
    from dso_parts
    group by month_start, company_code, customer_id, document_type, document_id

),

-- open invoices (type invoice) at month-end: overdue share
ar_overdue_rate as (

    select
        'ar_overdue_rate' as metric_code,
        month_start,
        company_code,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        invoice_type as document_type,
        invoice_id as document_id,
        cast(case when is_overdue then open_amount_cny else 0 end as {{ amount }}) as numerator,
        cast(open_amount_cny as {{ amount }}) as denominator,
        'month_end' as numerator_basis,
        'month_end' as denominator_basis
    from ar_balances
    where invoice_type = 'invoice'

),

-- write-offs and gross invoiced, each counted in the 12 month rows (its own month and the
-- 11 after) whose trailing window contains it; a customer without sales in the window has a
-- NULL denominator, not 0
bad_debt_parts as (

    select
        write_off_month as month_start,
        company_code,
        customer_id,
        'write_off' as document_type,
        write_off_id as document_id,
        amount_cny * document_sign as write_off_cny,
        cast(null as {{ amount }}) as invoiced_cny
    from write_offs

    union all

    select
        invoice_month as month_start,
        company_code,
        customer_id,
        invoice_type as document_type,
        invoice_id as document_id,
        cast(0 as {{ amount }}) as write_off_cny,
        gross_amount_cny as invoiced_cny
    from invoices

),

bad_debt_rate as (

    select
        'bad_debt_rate' as metric_code,
        reporting_months.month_start,
        bad_debt_parts.company_code,
        bad_debt_parts.customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        bad_debt_parts.document_type,
        bad_debt_parts.document_id,
        cast(bad_debt_parts.write_off_cny as {{ amount }}) as numerator,
        cast(bad_debt_parts.invoiced_cny as {{ amount }}) as denominator,
        'trailing_12_months' as numerator_basis,
        'trailing_12_months' as denominator_basis
    from bad_debt_parts
    inner join reporting_months
        on bad_debt_parts.month_start <= reporting_months.month_start
        and reporting_months.month_start <= cast({{ dbt.dateadd('month', 11, 'bad_debt_parts.month_start') }} as date)

),

final as (

    {{ metric_component_rows(['collection_days', 'dso', 'ar_overdue_rate', 'bad_debt_rate']) }}

)

select * from final
