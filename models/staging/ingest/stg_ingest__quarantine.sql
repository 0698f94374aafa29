-- One row per (rejected row, failing column) of a delivery, passed through for
-- data-quality reporting. raw_record keeps the whole rejected row as JSON text.
with

source as (

    select * from {{ source('ingest', 'quarantine') }}

),

final as (

    select
        -- ids
        batch_id,
        extract_name,
        source_file,
        source_row_number,
        column_name,

        -- attributes
        reason,
        raw_record,

        -- dates and timestamps
        loaded_at

    from source

)

select * from final
