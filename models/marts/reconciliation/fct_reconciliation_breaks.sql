-- Grain: one row per reconciliation, company, month and document that explains part of that
-- company-month's difference (reconciliation_code, company_code, month_start, document_type,
-- document_key). Flow reconciliations (revenue, cash receipts) compare the document's amounts
-- of the month; balance reconciliations (AR, inventory, AP) compare its cumulative amounts at
-- month-end, so a break stays listed at every month-end until the document agrees again.
-- A document is a break where the two sides differ by more than 0.01 CNY.
with

document_months as (

    select * from {{ ref('int_reconciliation__document_months') }}

),

reconciliation_months as (

    select * from {{ ref('int_reconciliation__months') }}

),

flow_breaks as (

    select
        document_months.reconciliation_code,
        document_months.company_code,
        document_months.month_start,
        document_months.document_type,
        document_months.document_key,
        document_months.document_id,
        document_months.break_reason,
        document_months.business_amount,
        document_months.gl_amount,
        document_months.document_date,
        document_months.first_posting_date,
        document_months.last_posting_date,
        document_months.gl_journal_ids,
        document_months.duplicate_journal_ids,
        'month' as amount_basis
    from document_months
    -- only the months that are reconciled (int_reconciliation__months)
    inner join reconciliation_months
        on document_months.reconciliation_code = reconciliation_months.reconciliation_code
        and document_months.company_code = reconciliation_months.company_code
        and document_months.month_start = reconciliation_months.month_start
    where document_months.basis = 'flow'
        and abs(document_months.gl_amount - document_months.business_amount) > 0.01

),

balance_movements as (

    select
        document_months.*,
        {{ running_sum('business_amount', 'reconciliation_code, company_code, document_type, document_key') }}
            as cumulative_business_amount,
        {{ running_sum('gl_amount', 'reconciliation_code, company_code, document_type, document_key') }}
            as cumulative_gl_amount,
        lead(document_months.month_start) over (
            partition by
                document_months.reconciliation_code,
                document_months.company_code,
                document_months.document_type,
                document_months.document_key
            order by document_months.month_start
        ) as next_movement_month_start
    from document_months
    where document_months.basis = 'balance'

),

-- each out-of-tolerance position holds until the document's next movement
balance_breaks as (

    select
        balance_movements.reconciliation_code,
        balance_movements.company_code,
        reconciliation_months.month_start,
        balance_movements.document_type,
        balance_movements.document_key,
        balance_movements.document_id,
        balance_movements.break_reason,
        balance_movements.cumulative_business_amount as business_amount,
        balance_movements.cumulative_gl_amount as gl_amount,
        balance_movements.document_date,
        balance_movements.first_posting_date,
        balance_movements.last_posting_date,
        balance_movements.gl_journal_ids,
        balance_movements.duplicate_journal_ids,
        'cumulative_to_month_end' as amount_basis
    from balance_movements
    inner join reconciliation_months
        on balance_movements.reconciliation_code = reconciliation_months.reconciliation_code
        and balance_movements.company_code = reconciliation_months.company_code
        and balance_movements.month_start <= reconciliation_months.month_start
        and (
            balance_movements.next_movement_month_start > reconciliation_months.month_start
            or balance_movements.next_movement_month_start is null
        )
    where abs(balance_movements.cumulative_gl_amount - balance_movements.cumulative_business_amount) > 0.01

),

breaks as (

    {{ union_by_name(
        ['flow_breaks', 'balance_breaks'],
        ['reconciliation_code', 'company_code', 'month_start', 'document_type', 'document_key', 'document_id',
         'break_reason', 'business_amount', 'gl_amount', 'document_date', 'first_posting_date',
         'last_posting_date', 'gl_journal_ids', 'duplicate_journal_ids', 'amount_basis']) }}

),

final as (

    select
        -- ids
        reconciliation_code,
        company_code,
        document_type,
        document_key,
        document_id,

        -- attributes
        break_reason,
        amount_basis,
        gl_journal_ids,
        duplicate_journal_ids,

        -- amounts (CNY): difference = GL − business
        cast(business_amount as decimal(38, 8)) as business_amount,
        cast(gl_amount as decimal(38, 8)) as gl_amount,
        cast(gl_amount - business_amount as decimal(38, 8)) as difference,

        -- dates
        month_start,
        cast({{ dbt.last_day('month_start', 'month') }} as date) as month_end,
        document_date,
        first_posting_date,
        last_posting_date

    from breaks

)

select * from final
