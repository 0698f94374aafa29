-- Grain: one row per customer, company and month-end, from the month of the customer's
-- first issued invoice or credit note of that company to the last reporting month.
-- Lifetime value = Σ gross_margin (CNY) of the customer's invoices and credit notes of
-- the company up to the month − Σ write-offs (CNY) on those invoices up to the month-end.
-- Monthly changes are cumulated with a window over the customer's months.
-- Built incrementally (macro recompute_months): the running balances are computed over every
-- month and only the recomputed months are written (an opening balance from the model's own
-- previous month would spare the rest; DECISIONLOG).
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

invoices as (

    select * from {{ ref('int_sales__invoices') }}

),

invoice_lines as (

    select * from {{ ref('int_sales__invoice_lines') }}

),

write_offs as (

    select * from {{ ref('int_sales__write_offs') }}

),

sales_months as (

    select * from {{ ref('int_calendar__sales_months') }}

),

margin_changes as (

    select
        customer_id,
        company_code,
        invoice_month as month_start,
        gross_margin_cny,
        cast(0 as decimal(38, 16)) as write_off_cny
    from invoice_lines

    union all

    select
        customer_id,
        company_code,
        write_off_month as month_start,
        cast(0 as decimal(38, 16)) as gross_margin_cny,
        amount_cny * document_sign as write_off_cny
    from write_offs

),

monthly_changes as (

    select
        customer_id,
        company_code,
        month_start,
        sum(gross_margin_cny) as gross_margin_cny,
        sum(write_off_cny) as write_off_cny
    from margin_changes
    group by customer_id, company_code, month_start

),

first_documents as (

    select
        customer_id,
        company_code,
        min(invoice_month) as first_document_month,
        min(invoice_date) as first_document_date
    from invoices
    group by customer_id, company_code

),

first_changes as (

    select
        customer_id,
        company_code,
        min(month_start) as first_change_month
    from monthly_changes
    group by customer_id, company_code

),

customer_spans as (

    select
        first_documents.customer_id,
        first_documents.company_code,
        first_documents.first_document_month,
        first_documents.first_document_date,
        -- cumulate from a write-off dated before the first document too, so none is lost
        case
            when first_changes.first_change_month < first_documents.first_document_month
                then first_changes.first_change_month
            else first_documents.first_document_month
        end as first_change_month
    from first_documents
    left join first_changes
        on first_documents.customer_id = first_changes.customer_id
        and first_documents.company_code = first_changes.company_code

),

customer_months as (

    select
        customer_spans.customer_id,
        customer_spans.company_code,
        customer_spans.first_document_month,
        customer_spans.first_document_date,
        sales_months.month_start,
        sales_months.month_end
    from customer_spans
    inner join sales_months
        on customer_spans.first_change_month <= sales_months.month_start

),

cumulated as (

    select
        customer_months.customer_id,
        customer_months.company_code,
        customer_months.first_document_month,
        customer_months.first_document_date,
        customer_months.month_start,
        customer_months.month_end,
        {{ running_sum('coalesce(monthly_changes.gross_margin_cny, 0)',
                       'customer_months.customer_id, customer_months.company_code',
                       order_by='customer_months.month_start') }} as cumulative_gross_margin_cny,
        {{ running_sum('coalesce(monthly_changes.write_off_cny, 0)',
                       'customer_months.customer_id, customer_months.company_code',
                       order_by='customer_months.month_start') }} as cumulative_write_off_cny
    from customer_months
    left join monthly_changes
        on customer_months.customer_id = monthly_changes.customer_id
        and customer_months.company_code = monthly_changes.company_code
        and customer_months.month_start = monthly_changes.month_start

),

final as (

    select
        -- ids
        customer_id,
        company_code,

        -- amounts (CNY)
        cumulative_gross_margin_cny,
        cumulative_write_off_cny,
        cumulative_gross_margin_cny - cumulative_write_off_cny as lifetime_value_cny,

        -- dates
        month_start,
        month_end,
        first_document_date

    from cumulated
    where month_start >= first_document_month
        and {{ in_recompute_months('month_start') }}

)

select * from final
