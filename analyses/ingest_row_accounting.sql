-- For auditors: every delivery file with its row accounting (read = loaded + quarantined)
-- and, for quarantined rows, the reasons. Compile with `dbt compile` and run in any SQL client.
with load_log as (

    select * from {{ ref('stg_ingest__load_log') }}

),

quarantine as (

    select * from {{ ref('stg_ingest__quarantine') }}

),

reasons as (

    select
        source_file,
        count(distinct source_row_number) as rows_with_reasons,
        count(*) as failing_values
    from quarantine
    group by source_file

),

final as (

    select
        load_log.extract_name,
        load_log.source_file,
        load_log.status,
        load_log.rows_read,
        load_log.rows_loaded,
        load_log.rows_quarantined,
        load_log.rows_read = load_log.rows_loaded + load_log.rows_quarantined as rows_add_up,
        coalesce(reasons.rows_with_reasons, 0) = load_log.rows_quarantined as quarantine_complete,
        load_log.message
    from load_log
    left join reasons on load_log.source_file = reasons.source_file

)

select * from final
order by extract_name, source_file
