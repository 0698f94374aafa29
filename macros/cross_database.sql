{#-
    Dialect differences that dbt's cross-database macros leave open, one adapter-dispatched
    macro each (DuckDB: the default; Spark: spark__). Models call these, never dialect SQL.
-#}

{#- The values of `expression` in a group, joined by `delimiter` (SQL text of a string literal)
    in the order of `order_by_columns`; NULL values are left out, and NULL when there is none
    (dbt.listagg on Spark ignores the order and gives '' for no value). -#}
{% macro ordered_listagg(expression, delimiter, order_by_columns) -%}
    {{- return(adapter.dispatch('ordered_listagg')(expression, delimiter, order_by_columns)) -}}
{%- endmacro %}

{% macro default__ordered_listagg(expression, delimiter, order_by_columns) -%}
    {{ dbt.listagg(expression, delimiter, 'order by ' ~ order_by_columns | join(', ')) }}
{%- endmacro %}

{#- collect_list keeps every struct (none is NULL), array_sort orders them by their fields in
    turn, array_join skips the NULL values. -#}
{% macro spark__ordered_listagg(expression, delimiter, order_by_columns) -%}
    nullif(array_join(transform(array_sort(collect_list(named_struct(
        {%- for column in order_by_columns %}'sort_{{ loop.index }}', {{ column }}, {% endfor -%}
        'value', {{ expression }}))), entry -> entry.value), {{ delimiter }}), '')
{%- endmacro %}
