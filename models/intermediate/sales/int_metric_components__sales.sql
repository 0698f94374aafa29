{#- The numerator and denominator of every order-to-cash indicator of the charter at its
    finest grain (docs/METRICS.md, the component interface). One CTE per indicator. -#}
{%- set amount = 'decimal(38, 16)' -%}
-- Grain: one row per metric_code, month_start, company_code and the dimensions the metric's
-- records carry (customer_id, product_id, warehouse_id, and the order's channel for the
-- line-level indicators; NULL where the metric has none).
-- The value over any rows of one month is Σ numerator / Σ denominator (Σ numerator when the
-- denominator is NULL; customer_lifetime_value: Σ numerator / distinct customers).
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
        sum(revenue_cny) as revenue_cny,
        sum(cogs_cny) as cogs_cny,
        sum(gross_margin_cny) as gross_margin_cny
    from invoice_lines
    group by invoice_month, company_code, customer_id, product_id, channel

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
        cast(revenue_cny as {{ amount }}) as numerator,
        cast(null as {{ amount }}) as denominator
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
        cast(cogs_cny as {{ amount }}) as numerator,
        cast(null as {{ amount }}) as denominator
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
        cast(gross_margin_cny as {{ amount }}) as numerator,
        cast(null as {{ amount }}) as denominator
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
        cast(gross_margin_cny as {{ amount }}) as numerator,
        cast(revenue_cny as {{ amount }}) as denominator
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
        cast(sum(case when is_fulfilled_on_time_in_full then 1 else 0 end) as {{ amount }}) as numerator,
        cast(count(*) as {{ amount }}) as denominator
    from order_line_fulfilment
    where not is_order_cancelled
    group by requested_delivery_month, company_code, customer_id, product_id, channel

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
        cast(sum(case when is_on_time then 1 else 0 end) as {{ amount }}) as numerator,
        cast(count(*) as {{ amount }}) as denominator
    from shipments
    where order_match_status <> 'unknown_order'
        and not is_order_cancelled
    group by ship_month, company_code, customer_id, product_id, warehouse_id, channel

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
        cast(sum(gross_amount_cny * collection_days) as {{ amount }}) as numerator,
        cast(sum(gross_amount_cny) as {{ amount }}) as denominator
    from invoice_collections
    where is_fully_collected
    group by collection_month, company_code, customer_id

),

ar_by_customer as (

    select
        month_start,
        company_code,
        customer_id,
        sum(open_amount_cny) as open_amount_cny,
        sum(case when invoice_type = 'invoice' then open_amount_cny else 0 end) as invoice_open_amount_cny,
        sum(case when invoice_type = 'invoice' and is_overdue then open_amount_cny else 0 end)
            as overdue_open_amount_cny,
        sum(case when invoice_type = 'invoice' then 1 else 0 end) as open_invoice_count
    from ar_balances
    group by month_start, company_code, customer_id

),

invoiced_by_customer as (

    select
        invoice_month as month_start,
        company_code,
        customer_id,
        sum(gross_amount_cny) as gross_amount_cny
    from invoices
    group by invoice_month, company_code, customer_id

),

-- AR(month-end) × days_in_month / gross invoiced in the month. A customer with AR and no
-- sales in the month adds to the numerator only: its denominator is NULL, not 0, so a
-- month without sales has no value rather than a division by zero
dso_parts as (

    select
        month_start,
        company_code,
        customer_id,
        open_amount_cny as ar_cny,
        cast(null as {{ amount }}) as invoiced_cny
    from ar_by_customer
    union all
    select
        month_start,
        company_code,
        customer_id,
        cast(0 as {{ amount }}) as ar_cny,
        gross_amount_cny as invoiced_cny
    from invoiced_by_customer

),

dso as (

    select
        'dso' as metric_code,
        dso_parts.month_start,
        dso_parts.company_code,
        dso_parts.customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(sum(dso_parts.ar_cny) * max(reporting_months.days_in_month) as {{ amount }}) as numerator,
        cast(sum(dso_parts.invoiced_cny) as {{ amount }}) as denominator
    from dso_parts
    inner join reporting_months
        on dso_parts.month_start = reporting_months.month_start
    group by dso_parts.month_start, dso_parts.company_code, dso_parts.customer_id

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
        cast(overdue_open_amount_cny as {{ amount }}) as numerator,
        cast(invoice_open_amount_cny as {{ amount }}) as denominator
    from ar_by_customer
    where open_invoice_count > 0

),

-- write-offs and gross invoiced per customer-month, each counted in the 12 month rows
-- (its own month and the 11 after) whose trailing window contains it; a denominator part
-- is NULL, not 0, when the customer had no sales in the window
bad_debt_parts as (

    select
        write_off_month as month_start,
        company_code,
        customer_id,
        amount_cny * document_sign as write_off_cny,
        cast(null as {{ amount }}) as invoiced_cny
    from write_offs
    union all
    select
        month_start,
        company_code,
        customer_id,
        cast(0 as {{ amount }}) as write_off_cny,
        gross_amount_cny as invoiced_cny
    from invoiced_by_customer

),

bad_debt_monthly as (

    select
        month_start,
        company_code,
        customer_id,
        sum(write_off_cny) as write_off_cny,
        sum(invoiced_cny) as invoiced_cny
    from bad_debt_parts
    group by month_start, company_code, customer_id

),

bad_debt_rate as (

    select
        'bad_debt_rate' as metric_code,
        reporting_months.month_start,
        bad_debt_monthly.company_code,
        bad_debt_monthly.customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        cast(sum(bad_debt_monthly.write_off_cny) as {{ amount }}) as numerator,
        cast(sum(bad_debt_monthly.invoiced_cny) as {{ amount }}) as denominator
    from bad_debt_monthly
    inner join reporting_months
        on bad_debt_monthly.month_start <= reporting_months.month_start
        and reporting_months.month_start <= cast({{ dbt.dateadd('month', 11, 'bad_debt_monthly.month_start') }} as date)
    group by reporting_months.month_start, bad_debt_monthly.company_code, bad_debt_monthly.customer_id

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
        cast(lifetime_value_cny as {{ amount }}) as numerator,
        cast(null as {{ amount }}) as denominator
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
        cast(sum(case when is_accurate then 1 else 0 end) as {{ amount }}) as numerator,
        cast(count(*) as {{ amount }}) as denominator
    from invoice_lines
    where invoice_type = 'invoice'
    group by invoice_month, company_code, customer_id, product_id, channel

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
        cast(sum(ship_to_invoice_days) as {{ amount }}) as numerator,
        cast(count(*) as {{ amount }}) as denominator
    from invoice_lines
    where invoice_type = 'invoice'
        and latest_ship_date is not null
    group by invoice_month, company_code, customer_id, product_id, channel

),

all_components as (

    {{ union_by_name(
        ['revenue', 'cogs', 'gross_margin', 'gross_margin_rate', 'order_fulfillment_rate',
         'on_time_delivery_rate', 'collection_days', 'dso', 'ar_overdue_rate', 'bad_debt_rate',
         'customer_lifetime_value_rows', 'invoice_accuracy_rate', 'ship_to_invoice_days'],
        ['metric_code', 'month_start', 'company_code', 'customer_id', 'product_id', 'warehouse_id',
         'channel', 'numerator', 'denominator']) }}

),

final as (

    select
        cast(metric_code as {{ dbt.type_string() }}) as metric_code,
        month_start,
        company_code,
        customer_id,
        product_id,
        warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        channel,
        numerator,
        denominator
    from all_components

)

select * from final
