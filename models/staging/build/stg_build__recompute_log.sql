-- One row per build of a month-range incremental model (macro recompute_months): the months
-- it recomputed and the deliveries it had taken in. A view: the log grows during a build.
{{ config(materialized='view') }}

with

source as (

    select * from {{ source('build', 'recompute_log') }}

),

final as (

    select
        -- ids
        model_name,
        invocation_id,

        -- dates and timestamps
        recompute_from_month,
        last_month,
        changes_through,
        recorded_at

    from source

)

select * from final
