-- Grain: one row per indicator, company, month and document (metric_code, company_code,
-- month_start, document_type, document_id): what each document adds to the numerator and
-- denominator of the published value (穿透), and the delivery file and row of the document.
-- Σ numerator / Σ denominator over a company's rows of one month is its value in
-- metric_values (Σ numerator for sums; customer_lifetime_value: Σ numerator / number of
-- customers). cash_conversion_cycle has no rows of its own: it is dso + dio − dpo, each
-- with its documents here.
-- The delivery is joined to the document rows before they are summed, and its columns and
-- the bases (constant per indicator, so per document) are grouped by, not aggregated: a join
-- after the sum has to hold the sum's groups and its own hash table at once, which ran out of
-- memory at SF 10 (and at SF 1 under 1GB); this order spills. Built after fct_metric_components,
-- never beside it: each is a large aggregation over the same document rows.
-- depends_on: {{ ref('fct_metric_components') }}
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

document_components as (

    select * from {{ ref('int_metric_components__documents') }}
    where {{ in_recompute_months('month_start') }}

),

document_deliveries as (

    select * from {{ ref('int_documents__deliveries') }}

),

delivered_components as (

    select
        document_components.metric_code,
        document_components.company_code,
        document_components.month_start,
        document_components.document_type,
        document_components.document_id,
        document_components.numerator,
        document_components.denominator,
        document_components.numerator_basis,
        document_components.denominator_basis,
        document_deliveries.source_extract,
        document_deliveries._source_file,
        document_deliveries._batch_id,
        document_deliveries._source_row_number
    from document_components
    left join document_deliveries
        on document_components.document_type = document_deliveries.document_type
        and document_components.document_id = document_deliveries.document_id

),

contributions as (

    select
        metric_code,
        company_code,
        month_start,
        document_type,
        document_id,
        numerator_basis,
        denominator_basis,
        source_extract,
        _source_file,
        _batch_id,
        _source_row_number,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from delivered_components
    group by
        metric_code, company_code, month_start, document_type, document_id,
        numerator_basis, denominator_basis,
        source_extract, _source_file, _batch_id, _source_row_number

),

final as (

    select
        -- ids
        metric_code,
        company_code,
        cast(month_start as date) as month_start,
        document_type,
        document_id,

        -- amounts
        cast(numerator as decimal(38, 16)) as numerator,
        cast(denominator as decimal(38, 16)) as denominator,

        -- what each amount measures, and the month-end balances and averages refer to
        numerator_basis,
        denominator_basis,
        cast({{ dbt.last_day('month_start', 'month') }} as date) as month_end,

        -- the document's delivery (its current version), to find in ingest.load_log
        source_extract,
        _source_file,
        _batch_id,
        _source_row_number

    from contributions

)

select * from final
