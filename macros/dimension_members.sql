{#-
    dimension_members(relation, dimensions, columns)

    One row per row of `relation` and dimension: its `columns`, then `dimension` (the
    dimension's name), `member` and `member_name` (the row's member of that dimension, NULL
    where it has none). `dimensions` is a list of (name, member column, member name column).
-#}
{% macro dimension_members(relation, dimensions, columns) -%}
    {%- for dimension, member, member_name in dimensions %}
    select
        {{ columns | join(', ') }},
        '{{ dimension }}' as dimension,
        {{ member }} as member,
        {{ member_name }} as member_name
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
