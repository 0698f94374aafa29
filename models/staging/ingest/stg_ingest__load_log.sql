-- One row per delivery file seen by `yecai ingest`, passed through for data-quality
-- reporting. No version resolution: the log is append-only and every row is a fact.
with

source as (

    select * from {{ source('ingest', 'load_log') }}

),

final as (

    select
        -- ids
        batch_id,
        extract_name,
        source_file,

        -- attributes
        file_format,
        encoding,
        status,
        message,

        -- amounts and quantities
        file_bytes,
        rows_read,
        rows_loaded,
        rows_quarantined,

        -- dates and timestamps
        loaded_at

    from source

)

select * from final
