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
      In an incremental model (materialized='incremental', unique_key=primary_key), a run
      after the first reads only the keys of rows loaded (_loaded_at) after the newest
      version the model holds, with every version of those keys, so it returns the same
      rows for them as a full refresh; the materialization deletes and re-inserts them.
      Delta extracts never drop a key, so no other row of the model can change.
    - mode='snapshot': each delivery is the complete current state, so all rows of the
      newest delivery (greatest _source_file) are returned, and a key missing from it is
      gone, with one exception: a key whose row of the newest delivery was quarantined by
      ingestion (listed in ingest.snapshot_held_keys) was delivered, only not readable, so
      its latest earlier version is kept, with _is_held_version true (DECISIONLOG).

    Arguments
      relation     the relation or CTE name to read (e.g. 'source'); it must carry the raw
                   lineage columns _source_file and _source_row_number.
      primary_key  column name or list of column names (the contract's primary_key).
      mode         'delta' or 'snapshot' (the contract's delivery mode).
      order_by     delta only: column name or list of columns/expressions, compared in
                   descending order ("greatest wins") before the delivery tie-breakers.
                   Default ['updated_at'].
      extract      snapshot only (required): the contract's extract name, as ingestion
                   records it in ingest.snapshot_held_keys.

    Output columns: the columns of `relation`, plus the helper column
    _current_version_rank (always 1) and, in snapshot mode, _is_held_version. Callers list
    their columns explicitly (the staging `final` CTE does), so the helper never reaches a
    model.

    Portable SQL on purpose (DuckDB now, Apache Spark via dbt-spark later): a window
    function in a subquery filtered to 1, an uncorrelated scalar subquery; no QUALIFY,
    no SELECT * EXCLUDE, no engine-specific functions.
-#}
{% macro current_version(relation, primary_key, mode, order_by=none, extract=none) -%}

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
        {%- endif -%}
        {%- if extract is none -%}
            {{ exceptions.raise_compiler_error(
                "current_version: snapshot mode needs extract=<the contract's extract name>") }}
        {%- endif %}
    select newest_rows.*, false as _is_held_version, 1 as _current_version_rank
    from {{ relation }} as newest_rows
    where newest_rows._source_file = (select max(_source_file) from {{ relation }})

    union all

    select held_rows.*
    from (
        select
            earlier_rows.*,
            true as _is_held_version,
            row_number() over (
                partition by {% for column in key_columns %}earlier_rows.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
                order by earlier_rows._source_file desc, earlier_rows._source_row_number desc
            ) as _current_version_rank
        from {{ relation }} as earlier_rows
        inner join (
            select distinct {% for column in key_columns %}key_{{ loop.index }}{{ ', ' if not loop.last }}{% endfor %}
            from {{ source('ingest', 'snapshot_held_keys') }}
            where extract_name = '{{ extract }}'
              and source_file = (select max(_source_file) from {{ relation }})
        ) as held_keys
            on {% for column in key_columns -%}
            cast(earlier_rows.{{ column }} as {{ dbt.type_string() }}) = held_keys.key_{{ loop.index }}
            {%- if not loop.last %} and {% endif %}
            {%- endfor %}
        where earlier_rows._source_file < (select max(_source_file) from {{ relation }})
          and not exists (
              select 1
              from {{ relation }} as delivered
              where delivered._source_file = (select max(_source_file) from {{ relation }})
                {%- for column in key_columns %}
                and delivered.{{ column }} = earlier_rows.{{ column }}
                {%- endfor %}
          )
    ) as held_rows
    where held_rows._current_version_rank = 1

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
        {%- if is_incremental() %}
        -- An incremental build resolves only the keys delivered since the last build, over
        -- all their versions (a late delta can lose to the version already current), and
        -- the materialization replaces those keys (unique_key).
        where exists (
            select 1
            from {{ relation }} as delivered_since_last_build
            where delivered_since_last_build._loaded_at > (
                    select coalesce(max(_loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
                    from {{ this }}
                )
                {%- for column in key_columns %}
                and delivered_since_last_build.{{ column }} = {{ relation }}.{{ column }}
                {%- endfor %}
        )
        {%- endif %}
    ) as versions
    where _current_version_rank = 1

    {%- endif -%}

{%- endmacro %}
