-- Grain: one row per break reason (seed reconciliation_break_reasons): what it means and how
-- to act on it, in the order of precedence in which a break is classified.
with

break_reasons as (

    select * from {{ ref('reconciliation_break_reasons') }}

),

final as (

    select
        -- ids
        break_reason,

        -- names
        name_zh,
        name_en,

        -- attributes
        precedence,

        -- documentation
        meaning,
        how_to_act

    from break_reasons

)

select * from final
