{#-
    Generic test: no two rows share the same combination of values in the given columns
    (the uniqueness half of a composite primary key; pair it with not_null on each column).

        data_tests:
          - unique_combination_of_columns:
              arguments:
                combination_of_columns: [order_id, line_no]

    Fails with one row per duplicated combination. Portable SQL (group by / having).
-#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

{%- set columns = [combination_of_columns] if combination_of_columns is string
    else combination_of_columns -%}
{%- if columns | length == 0 -%}
    {{ exceptions.raise_compiler_error(
        "unique_combination_of_columns: combination_of_columns must not be empty") }}
{%- endif %}

select
    {{ columns | join(',\n    ') }},
    count(*) as n_records
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
