{#-
    current_version(relation, primary_key, mode, order_by=none)

    Returns a SELECT that resolves a raw extract to the current version of each record,
    following the delivery modes of the source-extract contract
    (yecai/contract/source_extracts.yml):

    - mode='delta': each delivery holds new and changed rows. Per primary key the row
      with the greatest `order_by` value(s) wins (default: updated_at); ties go to the
      later delivery (greater _source_file: file names sort by delivery time), then to
      the later row of that file (greater _source_row_number). Pass order_by=[] for a
      delta extract without an updated_at column (fin_fx_rates): the later delivery wins.
    - mode='snapshot': each delivery is the complete current state, so all rows of the
      newest delivery (greatest _source_file) are returned, and a key missing from it is
      gone. primary_key is not needed to resolve a snapshot; it is accepted for
      symmetry and checked by the staging tests.

    Arguments
      relation     the relation or CTE name to read (e.g. 'source'); it must carry the raw
                   lineage columns _source_file and _source_row_number.
      primary_key  column name or list of column names (the contract's primary_key).
      mode         'delta' or 'snapshot' (the contract's delivery mode).
      order_by     delta only: column name or list of columns/expressions, compared in
                   descending order ("greatest wins") before the delivery tie-breakers.
                   Default ['updated_at'].

    Output columns: in snapshot mode exactly the columns of `relation`; in delta mode those
    plus the helper column _current_version_rank (always 1). Callers list their columns
    explicitly (the staging `renamed` CTE does), so the helper never reaches a model.

    Portable SQL on purpose (DuckDB now, Apache Spark via dbt-spark later): a window
    function in a subquery filtered to 1, an uncorrelated scalar subquery; no QUALIFY,
    no SELECT * EXCLUDE, no engine-specific functions.
-#}
{% macro current_version(relation, primary_key, mode, order_by=none) -%}

    {%- if mode not in ('delta', 'snapshot') -%}
        {{ exceptions.raise_compiler_error(
            "current_version: mode must be 'delta' or 'snapshot', got '" ~ mode ~ "'") }}
    {%- endif -%}

    {%- set key_columns = [primary_key] if primary_key is string else primary_key -%}
    {%- if key_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error("current_version: primary_key must not be empty") }}
    {%- endif -%}

    {%- if mode == 'snapshot' -%}
        {%- if order_by is not none and order_by | length > 0 -%}
            {{ exceptions.raise_compiler_error(
                "current_version: order_by applies to delta mode only") }}
        {%- endif %}
    select *
    from {{ relation }}
    where _source_file = (select max(_source_file) from {{ relation }})

    {%- else -%}
        {%- if order_by is none -%}
            {%- set order_columns = ['updated_at'] -%}
        {%- elif order_by is string -%}
            {%- set order_columns = [order_by] -%}
        {%- else -%}
            {%- set order_columns = order_by -%}
        {%- endif %}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by
                    {%- for column in order_columns %}
                    {{ column }} desc nulls last,
                    {%- endfor %}
                    _source_file desc,
                    _source_row_number desc
            ) as _current_version_rank
        from {{ relation }}
    ) as versions
    where _current_version_rank = 1

    {%- endif -%}

{%- endmacro %}
