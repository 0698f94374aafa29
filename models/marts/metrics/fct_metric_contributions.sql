-- Grain: one row per indicator, company, month and document (metric_code, company_code,
-- month_start, document_type, document_id): what each document adds to the numerator and
-- denominator of the published value (穿透), and the delivery file and row of the document.
-- Σ numerator / Σ denominator over a company's rows of one month is its value in
-- metric_values (Σ numerator for sums; customer_lifetime_value: Σ numerator / number of
-- customers). cash_conversion_cycle has no rows of its own: it is dso + dio − dpo, each
-- with its documents here.
-- Only the families whose documents have several rows of one indicator and month (one per
-- product or customer: invoicing, fulfilment, inventory_turnover) are summed; the others have
-- one row per document already (their key test would fail otherwise), so they pass through
-- without an aggregation (at SF 10 the aggregation of every family spilled more than the
-- disk held: benchmarks/RESULTS.md). The delivery is joined
-- to the document rows before they are summed, and its columns and the bases (constant per
-- indicator, so per document) are grouped by, not aggregated: a join after the sum has to hold
-- the sum's groups and its own hash table at once, which ran out of memory at SF 10 (and at
-- SF 1 under 1GB); this order spills. Built after fct_metric_components, never beside it.
-- depends_on: {{ ref('fct_metric_components') }}
{%- set summed_families = ['int_metric_components__invoicing', 'int_metric_components__fulfilment',
                           'int_metric_components__inventory_turnover'] %}
{%- set summed_list = "'" ~ summed_families | join("', '") ~ "'" %}
{{ config(materialized='incremental', incremental_strategy='recompute_months', on_schema_change='fail') }}
with

-- each import reads only its families' models (the filter on component_source prunes the
-- union of int_metric_components__documents)
summed_family_documents as (

    select * from {{ ref('int_metric_components__documents') }}
    where component_source in ({{ summed_list }})
        and {{ in_recompute_months('month_start') }}

),

single_row_family_documents as (

    select * from {{ ref('int_metric_components__documents') }}
    where component_source not in ({{ summed_list }})
        and {{ in_recompute_months('month_start') }}

),

document_deliveries as (

    select * from {{ ref('int_documents__deliveries') }}

),

summed_contributions as (

    select
        summed_family_documents.metric_code,
        summed_family_documents.company_code,
        summed_family_documents.month_start,
        summed_family_documents.document_type,
        summed_family_documents.document_id,
        summed_family_documents.numerator_basis,
        summed_family_documents.denominator_basis,
        document_deliveries.source_extract,
        document_deliveries._source_file,
        document_deliveries._batch_id,
        document_deliveries._source_row_number,
        sum(summed_family_documents.numerator) as numerator,
        sum(summed_family_documents.denominator) as denominator
    from summed_family_documents
    left join document_deliveries
        on summed_family_documents.document_type = document_deliveries.document_type
        and summed_family_documents.document_id = document_deliveries.document_id
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11  -- every column but the two sums

),

single_row_contributions as (

    select
        single_row_family_documents.metric_code,
        single_row_family_documents.company_code,
        single_row_family_documents.month_start,
        single_row_family_documents.document_type,
        single_row_family_documents.document_id,
        single_row_family_documents.numerator_basis,
        single_row_family_documents.denominator_basis,
        document_deliveries.source_extract,
        document_deliveries._source_file,
        document_deliveries._batch_id,
        document_deliveries._source_row_number,
        single_row_family_documents.numerator,
        single_row_family_documents.denominator
    from single_row_family_documents
    left join document_deliveries
        on single_row_family_documents.document_type = document_deliveries.document_type
        and single_row_family_documents.document_id = document_deliveries.document_id

),

contributions as (

    select * from summed_contributions
    union all
    select * from single_row_contributions

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
