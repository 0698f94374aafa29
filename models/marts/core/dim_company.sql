-- Grain: one row per company code found in the data (any extract that carries a
-- company_code). Names come from the hand-kept seed `companies`; a code missing there keeps
-- NULL names and is flagged by a warning test, so a new company never disappears silently.
with

sales_invoices as (

    select * from {{ ref('stg_bil__invoices') }}

),

sales_orders as (

    select * from {{ ref('stg_erp__sales_orders') }}

),

receipts as (

    select * from {{ ref('stg_ar__receipts') }}

),

purchase_orders as (

    select * from {{ ref('stg_erp__purchase_orders') }}

),

supplier_invoices as (

    select * from {{ ref('stg_ap__supplier_invoices') }}

),

warehouses as (

    select * from {{ ref('stg_wms__warehouses') }}

),

work_orders as (

    select * from {{ ref('stg_mes__work_orders') }}

),

journal_lines as (

    select * from {{ ref('stg_fin__journal_lines') }}

),

kpi_targets as (

    select * from {{ ref('stg_fin__kpi_targets') }}

),

company_names as (

    select * from {{ ref('companies') }}

),

company_codes as (

    select company_code from sales_invoices
    union
    select company_code from sales_orders
    union
    select company_code from receipts
    union
    select company_code from purchase_orders
    union
    select company_code from supplier_invoices
    union
    select company_code from warehouses
    union
    select company_code from work_orders
    union
    select company_code from journal_lines
    union
    select company_code from kpi_targets

),

final as (

    select
        company_codes.company_code,
        company_names.company_name_zh,
        company_names.company_name_en
    from company_codes
    left join company_names
        on company_codes.company_code = company_names.company_code
    where company_codes.company_code is not null

)

select * from final
