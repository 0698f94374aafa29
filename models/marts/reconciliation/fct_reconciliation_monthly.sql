-- Grain: one row per reconciliation, company and month (reconciliation_code, company_code,
-- month_start). Business side as the published marts state it (the metric layer's revenue
-- and inventory value, the AR and AP balance marts, customer receipts), GL side from the
-- reconciled accounts, the difference, and how much of it the listed breaks explain.
-- difference = explained (breaks) + rounding (documents each within 0.01 CNY) + unexplained;
-- the unexplained remainder is 0 when every break is listed (tested).
with

reconciliation_months as (

    select * from {{ ref('int_reconciliation__months') }}

),

reconciliations as (

    select * from {{ ref('reconciliations') }}

),

metric_components as (

    select * from {{ ref('fct_metric_components') }}

),

ar_balances as (

    select * from {{ ref('fct_ar_balance_monthly') }}

),

inventory_balances as (

    select * from {{ ref('fct_inventory_balance_monthly') }}

),

ap_balances as (

    select * from {{ ref('fct_ap_balance_monthly') }}

),

receipts as (

    select * from {{ ref('int_sales__receipts') }}

),

document_months as (

    select * from {{ ref('int_reconciliation__document_months') }}

),

breaks as (

    select * from {{ ref('fct_reconciliation_breaks') }}

),

business_side as (

    select
        'revenue' as reconciliation_code,
        company_code,
        month_start,
        sum(numerator) as business_amount
    from metric_components
    where metric_code = 'revenue'
    group by company_code, month_start

    union all

    select
        'accounts_receivable' as reconciliation_code,
        company_code,
        cast({{ dbt.date_trunc('month', 'month_end') }} as date) as month_start,
        sum(open_amount_cny) as business_amount
    from ar_balances
    group by company_code, cast({{ dbt.date_trunc('month', 'month_end') }} as date)

    union all

    select
        'inventory' as reconciliation_code,
        company_code,
        month_start,
        sum(inventory_value_cny) as business_amount
    from inventory_balances
    group by company_code, month_start

    union all

    select
        'accounts_payable' as reconciliation_code,
        company_code,
        month_start,
        sum(open_amount_cny) as business_amount
    from ap_balances
    group by company_code, month_start

    union all

    select
        'cash_receipts' as reconciliation_code,
        company_code,
        receipt_month as month_start,
        sum(amount_cny) as business_amount
    from receipts
    group by company_code, receipt_month

),

-- GL side and the document-level comparison, per month before accumulation
monthly_documents as (

    select
        reconciliation_code,
        company_code,
        month_start,
        sum(gl_amount) as gl_amount,
        sum(gl_amount - business_amount) as document_difference
    from document_months
    group by reconciliation_code, company_code, month_start

),

monthly_breaks as (

    select
        reconciliation_code,
        company_code,
        month_start,
        count(*) as break_count,
        sum(difference) as explained_difference
    from breaks
    group by reconciliation_code, company_code, month_start

),

months_with_flows as (

    select
        reconciliation_months.reconciliation_code,
        reconciliation_months.company_code,
        reconciliation_months.month_start,
        reconciliation_months.month_end,
        reconciliations.basis,
        coalesce(monthly_documents.gl_amount, 0) as period_gl_amount,
        coalesce(monthly_documents.document_difference, 0) as period_document_difference
    from reconciliation_months
    inner join reconciliations
        on reconciliation_months.reconciliation_code = reconciliations.reconciliation_code
    left join monthly_documents
        on reconciliation_months.reconciliation_code = monthly_documents.reconciliation_code
        and reconciliation_months.company_code = monthly_documents.company_code
        and reconciliation_months.month_start = monthly_documents.month_start

),

-- balance reconciliations compare positions at month-end: accumulate the monthly movements
measured as (

    select
        months_with_flows.*,
        case
            when
                months_with_flows.basis = 'balance'
                then {{ running_sum('period_gl_amount', 'reconciliation_code, company_code') }}
            else months_with_flows.period_gl_amount
        end as gl_amount,
        case
            when
                months_with_flows.basis = 'balance'
                then {{ running_sum('period_document_difference', 'reconciliation_code, company_code') }}
            else months_with_flows.period_document_difference
        end as document_difference
    from months_with_flows

),

compared as (

    select
        measured.reconciliation_code,
        measured.company_code,
        measured.month_start,
        measured.month_end,
        measured.basis,
        coalesce(business_side.business_amount, 0) as business_amount,
        measured.gl_amount,
        measured.gl_amount - coalesce(business_side.business_amount, 0) as difference,
        coalesce(monthly_breaks.break_count, 0) as break_count,
        coalesce(monthly_breaks.explained_difference, 0) as explained_difference,
        measured.document_difference
    from measured
    left join business_side
        on measured.reconciliation_code = business_side.reconciliation_code
        and measured.company_code = business_side.company_code
        and measured.month_start = business_side.month_start
    left join monthly_breaks
        on measured.reconciliation_code = monthly_breaks.reconciliation_code
        and measured.company_code = monthly_breaks.company_code
        and measured.month_start = monthly_breaks.month_start

),

final as (

    select
        -- ids
        reconciliation_code,
        company_code,

        -- attributes
        basis,
        break_count,

        -- amounts (CNY): difference = GL − business
        cast(business_amount as decimal(38, 8)) as business_amount,
        cast(gl_amount as decimal(38, 8)) as gl_amount,
        cast(difference as decimal(38, 8)) as difference,
        cast(explained_difference as decimal(38, 8)) as explained_difference,
        -- documents that differ by at most 0.01 CNY each: cent rounding of converted amounts
        cast(document_difference - explained_difference as decimal(38, 8)) as rounding_difference,
        cast(difference - document_difference as decimal(38, 8)) as unexplained_difference,

        -- dates
        month_start,
        month_end,

        -- flags
        abs(difference) <= 0.01 as is_clean

    from compared

)

select * from final
