{#- The numerator and denominator of every order-to-cash indicator of the charter at its
    finest grain (docs/METRICS.md, the component interface). One CTE per indicator. -#}
{%- set amount = 'decimal(38, 16)' -%}
-- Grain: one row per metric_code, month_start, company_code, the dimensions the metric's
-- records carry (customer_id, product_id, warehouse_id, and the order's channel for the
-- line-level indicators; NULL where the metric has none) and the document behind the
-- amounts (document_type, document_id: the drill-through, 穿透).
-- The value over any rows of one month is Σ numerator / Σ denominator (Σ numerator when the
-- denominator is NULL; customer_lifetime_value: Σ numerator / distinct customers).
-- numerator_basis / denominator_basis say what a document's amount measures: flow (a
-- document of the month), month_end (its open balance at the month-end), trailing_12_months
-- (a document of the 12 months ending with the month), to_month_end (cumulative to it).
with

invoice_lines as (

    select * from {{ ref('int_sales__invoice_lines') }}

),

order_line_fulfilment as (

    select * from {{ ref('int_sales__order_line_fulfilment') }}

),

shipments as (

    select * from {{ ref('int_sales__shipments') }}

),

invoices as (

    select * from {{ ref('int_sales__invoices') }}

),

invoice_collections as (

    select * from {{ ref('int_sales__invoice_collections') }}

),

ar_balances as (

    select * from {{ ref('int_sales__ar_balances_monthly') }}

),

write_offs as (

    select * from {{ ref('int_sales__write_offs') }}

),

customer_lifetime_value as (

    select * from {{ ref('int_sales__customer_lifetime_value_monthly') }}

),

ledger_months as (

    select * from {{ ref('int_calendar__ledger_months') }}

),

reporting_months as (

    select
        month_start,
        month_end,
        days_in_month
    from ledger_months
    where ledger = 'sales'

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
        channel,
        document_type,
        document_id,
        cast(gross_margin_cny as {{ amount }}) as numerator,
        cast(revenue_cny as {{ amount }}) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from line_margins

),

-- OTIF: lines of orders not cancelled, month of the requested delivery date
order_fulfillment_rate as (

    select
        'order_fulfillment_rate' as metric_code,
        requested_delivery_month as month_start,
        company_code,
        customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        channel,
        'sales_order' as document_type,
        order_id as document_id,
        cast(sum(case when is_fulfilled_on_time_in_full then 1 else 0 end) as {{ amount }}) as numerator,
        cast(count(*) as {{ amount }}) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from order_line_fulfilment
    where not is_order_cancelled
    group by requested_delivery_month, company_code, customer_id, product_id, channel, order_id

),

-- shipments of known, not cancelled orders, month of ship_date
on_time_delivery_rate as (

    select
        'on_time_delivery_rate' as metric_code,
        ship_month as month_start,
        company_code,
        customer_id,
        product_id,
        warehouse_id,
        channel,
        'shipment' as document_type,
        shipment_id as document_id,
        cast(sum(case when is_on_time then 1 else 0 end) as {{ amount }}) as numerator,
        cast(count(*) as {{ amount }}) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from shipments
    where order_match_status <> 'unknown_order'
        and not is_order_cancelled
    group by ship_month, company_code, customer_id, product_id, warehouse_id, channel, shipment_id

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

-- one row per customer × company × month-end; the metric averages over distinct customers
customer_lifetime_value_rows as (

    select
        'customer_lifetime_value' as metric_code,
        month_start,
        company_code,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        'customer' as document_type,
        customer_id as document_id,
        cast(lifetime_value_cny as {{ amount }}) as numerator,
        cast(null as {{ amount }}) as denominator,
        'to_month_end' as numerator_basis,
        cast(null as {{ dbt.type_string() }}) as denominator_basis
    from customer_lifetime_value

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

all_components as (

    {{ union_by_name(
        ['revenue', 'cogs', 'gross_margin', 'gross_margin_rate', 'order_fulfillment_rate',
         'on_time_delivery_rate', 'collection_days', 'dso', 'ar_overdue_rate', 'bad_debt_rate',
         'customer_lifetime_value_rows', 'invoice_accuracy_rate', 'ship_to_invoice_days'],
        ['metric_code', 'month_start', 'company_code', 'customer_id', 'product_id', 'warehouse_id',
         'channel', 'document_type', 'document_id', 'numerator', 'denominator', 'numerator_basis',
         'denominator_basis']) }}

),

final as (

    select
        -- ids and dimensions, in the order of the component interface
        cast(metric_code as {{ dbt.type_string() }}) as metric_code,
        month_start,
        company_code,
        customer_id,
        product_id,
        warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        channel,

        -- the document behind the amounts
        cast(document_type as {{ dbt.type_string() }}) as document_type,
        document_id,

        -- amounts
        numerator,
        denominator,

        -- what each amount measures
        cast(numerator_basis as {{ dbt.type_string() }}) as numerator_basis,
        cast(denominator_basis as {{ dbt.type_string() }}) as denominator_basis

    from all_components

)

select * from final
