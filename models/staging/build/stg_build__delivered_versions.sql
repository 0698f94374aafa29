-- Grain: one row per raw row (extract_name, _source_file, _source_row_number) that is a version
-- of a record delivered since the month-range incremental models last built: every version,
-- earlier and later, of each key a new delivery holds, with the earliest date it acts on and
-- the documents it links. What int_changes__recompute_months starts from: a changed record
-- moves the months of its old version as well as its new one. Empty before the first such
-- build (they are then built whole).
{%- set link_columns = ['order_id', 'invoice_id', 'receipt_id', 'po_id', 'supplier_invoice_id', 'work_order_id'] %}
with

recompute_log as (

    select * from {{ source('build', 'recompute_log') }}

),

delivery_window as (

    select {{ recompute_changes_since('recompute_log') }} as changes_since

),

versions as (
    {%- for extract in delivered_version_extracts() %}
        {%- set relation = extract.source | join('_') %}

        select
            '{{ relation }}' as extract_name,
            {{ extract.earliest_date }} as earliest_date,
            {%- for link in link_columns %}
                {{ link if link in extract.links else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as {{ link }},
            {%- endfor %}
            _source_file,
            _source_row_number,
            _loaded_at
        from {{ source(extract.source[0], extract.source[1]) }} as {{ relation }}
        where exists (
                select 1
                from {{ source(extract.source[0], extract.source[1]) }} as delivered
                where delivered._loaded_at > (select delivery_window.changes_since from delivery_window)
                    {%- for column in extract.key %}
                        and delivered.{{ column }} = {{ relation }}.{{ column }}
                    {%- endfor %}
            )
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select
        -- ids
        extract_name,
        {%- for link in link_columns %}
            {{ link }},
        {%- endfor %}

        -- dates
        earliest_date,

        -- lineage of the version
        _source_file,
        _source_row_number,
        _loaded_at

    from versions

)

select * from final
