{#- Small date helpers the cross-database macros of dbt do not cover. -#}

{% macro date_part_int(part, date_expr) -%}
    cast(extract({{ part }} from {{ date_expr }}) as integer)
{%- endmacro %}

{#- Fiscal month label 'yyyy-mm' (fiscal month = calendar month), as fin_kpi_targets uses. -#}
{% macro fiscal_month(date_expr) -%}
    {{ return(adapter.dispatch('fiscal_month', 'yecai')(date_expr)) }}
{%- endmacro %}

{% macro default__fiscal_month(date_expr) -%}
    date_format({{ date_expr }}, 'yyyy-MM')
{%- endmacro %}

{% macro duckdb__fiscal_month(date_expr) -%}
    strftime({{ date_expr }}, '%Y-%m')
{%- endmacro %}

{#- Whole days from first_date to second_date (second − first), on one line: dbt's
    datediff renders across lines, which breaks the layout of the line that uses it. -#}
{% macro days_between(first_date, second_date) -%}
    {{ dbt.datediff(first_date, second_date, 'day') | trim }}
{%- endmacro %}
