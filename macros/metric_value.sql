{#-
    metric_value(aggregation, numerator, denominator, customer_count)

    An indicator's value from its summed components, by the catalog's aggregation
    (docs/METRICS.md): sum → Σ numerator; ratio → Σ numerator / Σ denominator; per_customer →
    Σ numerator / distinct customers. NULL on an empty denominator, never a division by zero.
    Derived indicators combine other values and are not computed here. The one definition
    of the aggregation, used by metric_values and metric_value_breakdowns.
-#}
{% macro metric_value(aggregation, numerator, denominator, customer_count) -%}
    -- A sum stays exact (decimal all the way); a quotient is computed in double (not
    -- dbt.type_float, which is single precision on DuckDB and Spark), then rounded.
    case {{ aggregation }}
        when 'sum' then cast({{ numerator }} as {{ type_metric_value() }})
        when 'ratio'
            then cast(cast({{ numerator }} as double)
                / nullif(cast({{ denominator }} as double), 0) as {{ type_metric_value() }})
        when 'per_customer'
            then cast(cast({{ numerator }} as double)
                / nullif({{ customer_count }}, 0) as {{ type_metric_value() }})
    end
{%- endmacro %}

{#-
    type_metric_value()

    The type of every published value and target: a decimal BI tools show as a plain
    number (money, days, or a ratio to format as a percent), never in scientific notation,
    and exact when a BI tool sums companies. 28 integer digits; 10 decimals keep a ratio
    to 1e-10. Spark's widest decimal is also 38 digits.
-#}
{% macro type_metric_value() -%}
    decimal(38, 10)
{%- endmacro %}

{#-
    company_and_all_company_sums(relation, keys)

    Component rows of `relation` summed per `keys` and company, then per `keys` over every
    company's rows as company_code 'ALL' (Σ over the rows, so a ratio of ALL is Σ/Σ and a
    customer of two companies counts once, never a combination of company values): keys,
    company_code, numerator, denominator, customer_count — the inputs of metric_value.
-#}
{% macro company_and_all_company_sums(relation, keys) -%}
    {%- for company_code in ['company_code', "'ALL'"] %}
    select
        {{ keys | join(', ') }},
        {{ company_code }} as company_code,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        count(distinct customer_id) as customer_count
    from {{ relation }}
    group by {{ keys | join(', ') }}{{ ', company_code' if company_code == 'company_code' }}
    {%- if loop.first %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
