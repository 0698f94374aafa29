{#-
    The component interface (docs/METRICS.md), in one place for every component model.

    metric_component_rows(ctes)
        The document-level rows of an indicator family's model: the `union all` (by name) of
        its CTEs, one per indicator, each selecting every interface column, cast to one type
        per column so the families union without coercion.

    sum_metric_components(document_rows, component_source)
        A family's mart: its document rows summed over their documents, per indicator, month,
        company and dimensions. Σ keeps NULL where every document's part is NULL (a sum
        indicator's denominator, a customer without sales in the month), as the charter's
        empty-denominator rule needs. CNY amounts stay exact decimals (scale 16 holds to_cny's
        product of two 8-place decimals); values become double only in metric_values.
-#}
{% macro metric_component_rows(ctes) -%}
    {%- set columns = ['metric_code', 'month_start', 'company_code', 'customer_id', 'product_id',
                       'warehouse_id', 'supplier_id', 'channel', 'document_type', 'document_id',
                       'numerator', 'denominator', 'numerator_basis', 'denominator_basis'] -%}
    select
        -- ids and dimensions, in the order of the component interface
        cast(metric_code as {{ dbt.type_string() }}) as metric_code,
        cast(month_start as date) as month_start,
        company_code,
        customer_id,
        product_id,
        warehouse_id,
        supplier_id,
        channel,

        -- the document behind the amounts
        cast(document_type as {{ dbt.type_string() }}) as document_type,
        document_id,

        -- amounts
        cast(numerator as decimal(38, 16)) as numerator,
        cast(denominator as decimal(38, 16)) as denominator,

        -- what each amount measures
        cast(numerator_basis as {{ dbt.type_string() }}) as numerator_basis,
        cast(denominator_basis as {{ dbt.type_string() }}) as denominator_basis

    from (
        {{ union_by_name(ctes, columns) }}
    ) as components
{%- endmacro %}

{% macro sum_metric_components(document_rows, component_source) -%}
    select
        -- ids and dimensions, in the order of the component interface
        metric_code,
        month_start,
        company_code,
        customer_id,
        product_id,
        warehouse_id,
        supplier_id,
        channel,

        -- amounts
        cast(sum(numerator) as decimal(38, 16)) as numerator,
        cast(sum(denominator) as decimal(38, 16)) as denominator,

        -- audit
        cast('{{ component_source }}' as {{ dbt.type_string() }}) as component_source

    from {{ document_rows }}
    group by
        metric_code, month_start, company_code, customer_id, product_id, warehouse_id, supplier_id, channel
{%- endmacro %}
