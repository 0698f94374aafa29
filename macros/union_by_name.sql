{#-
    union_by_name(relations, columns)

    `union all` of the relations (CTE or model names), each selecting `columns` by name, so
    a CTE whose columns come in another order cannot shift values into the wrong column
    (a positional `select *` union would, silently).
-#}
{% macro union_by_name(relations, columns) -%}
    {%- for relation in relations %}
    select {{ columns | join(', ') }}
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
