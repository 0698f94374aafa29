{#-
    running_sum(expression, partition_by, order_by='month_start')

    The running total of `expression` within each `partition_by` group, in `order_by` order,
    up to and including the current row: how a month-end balance is built from the
    movements of its month and every month before. `partition_by` is a column list as SQL
    text ('invoice_id' or 'product_id, warehouse_id').
-#}
{% macro running_sum(expression, partition_by, order_by='month_start') -%}
    sum({{ expression }}) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}
