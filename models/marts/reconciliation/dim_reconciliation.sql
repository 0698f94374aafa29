-- Grain: one row per reconciliation of the metric charter (seed reconciliations): what each
-- side is, and how the GL side is selected. Published so BI tools and auditors can read the
-- definitions next to the numbers.
with

reconciliations as (

    select * from {{ ref('reconciliations') }}

),

final as (

    select
        -- ids
        reconciliation_code,

        -- names
        name_zh,
        name_en,

        -- attributes
        basis,
        gl_account_role,
        gl_source_type,
        gl_amount_side,

        -- documentation
        business_side,
        gl_side

    from reconciliations

)

select * from final
