-- Grain: one row per company: the last month its books are closed for (seeds/period_close.csv).
-- The restatement check of the main job (yecai/restatements.py) reads it from here.
with

period_close as (

    select * from {{ ref('period_close') }}

),

final as (

    select
        -- ids
        company_code,

        -- dates
        cast(closed_through as date) as closed_through,
        cast(closed_on as date) as closed_on

    from period_close

)

select * from final
