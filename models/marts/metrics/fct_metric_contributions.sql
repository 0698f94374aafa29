-- Grain: one row per indicator, company, month and document (metric_code, company_code,
-- month_start, document_type, document_id): what each document adds to the numerator and
-- denominator of the published value (穿透), and the delivery file and row of the document.
-- Σ numerator / Σ denominator over a company's rows of one month is its value in
-- metric_values (Σ numerator for sums; customer_lifetime_value: Σ numerator / number of
-- customers). cash_conversion_cycle has no rows of its own: it is dso + dio − dpo, each
-- with its documents here.
-- Built after fct_metric_components, never beside it: each is a large aggregation over the
-- same document rows, and two at once exceed the memory limit at scale 1.
-- depends_on: {{ ref('fct_metric_components') }}
with

document_components as (

    select * from {{ ref('int_metric_components__documents') }}

),

document_deliveries as (

    select * from {{ ref('int_documents__deliveries') }}

),

contributions as (

    select
        metric_code,
        company_code,
        month_start,
        document_type,
        document_id,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        max(numerator_basis) as numerator_basis,
        max(denominator_basis) as denominator_basis
    from document_components
    group by metric_code, company_code, month_start, document_type, document_id

),

final as (

    select
        -- ids
        contributions.metric_code,
        contributions.company_code,
        cast(contributions.month_start as date) as month_start,
        contributions.document_type,
        contributions.document_id,

        -- amounts
        cast(contributions.numerator as decimal(38, 16)) as numerator,
        cast(contributions.denominator as decimal(38, 16)) as denominator,

        -- what each amount measures, and the month-end balances and averages refer to
        contributions.numerator_basis,
        contributions.denominator_basis,
        cast({{ dbt.last_day('contributions.month_start', 'month') }} as date) as month_end,

        -- the document's delivery (its current version), to find in ingest.load_log
        document_deliveries.source_extract,
        document_deliveries._source_file,
        document_deliveries._batch_id,
        document_deliveries._source_row_number

    from contributions
    left join document_deliveries
        on contributions.document_type = document_deliveries.document_type
        and contributions.document_id = document_deliveries.document_id

)

select * from final
