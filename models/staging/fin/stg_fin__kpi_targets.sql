-- Current version of each monthly KPI target (key: company_code, fiscal_month, metric_code) from the snapshot extract fin_kpi_targets.
with

source as (

    select * from {{ source('fin', 'kpi_targets') }}

),

current_version as (

    {{ current_version('source', primary_key=['company_code', 'fiscal_month', 'metric_code'],
                        mode='snapshot', extract='fin_kpi_targets') }}

),

final as (

    select
        -- ids
        company_code,
        fiscal_month,
        metric_code,

        -- amounts and quantities
        target_value,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at,
        _is_held_version

    from current_version

)

select * from final
