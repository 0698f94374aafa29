-- Grain: one row per company of the company master (seed `companies`). A company code in
-- the data that the master does not list fails the staging relationship tests (warn) and
-- the gate's dimension-key expectations (critical), so it never disappears silently.
with

companies as (

    select * from {{ ref('companies') }}

),

final as (

    select
        company_code,
        company_name_zh,
        company_name_en
    from companies

)

select * from final
