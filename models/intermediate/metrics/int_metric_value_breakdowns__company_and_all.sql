-- Grain: one row per indicator × month × company_code × dimension × member: the value of
-- the indicator over the component rows of one member of one dimension (customer segment
-- and region, product category and type, warehouse, supplier, sales channel). A dimension
-- appears for an indicator only where its components carry it; component rows without a
-- member (an unknown product, say) form the member 'unknown', so a sum indicator's members
-- add up to its metric_values value. Values follow the indicator's aggregation (macro
-- metric_value), and 'ALL' is computed over all companies' rows, as in metric_values.
-- Derived indicators (cash_conversion_cycle) have no breakdown. The rows of
-- metric_value_breakdowns and metric_value_breakdowns_all_companies, computed once. Built
-- incrementally from the first month a delivery changes (macro recompute_months).
{{ config(
    materialized='incremental',
    incremental_strategy='recompute_months',
    recompute_month_column='month',
    on_schema_change='fail'
) }}
{# (dimension, member column, member name column) #}
{%- set dimensions = [
    ('customer_segment', 'customer_segment', 'customer_segment'),
    ('customer_region', 'customer_region', 'customer_region'),
    ('product_category', 'product_category', 'product_category'),
    ('product_type', 'product_type', 'product_type'),
    ('warehouse', 'warehouse_id', 'warehouse_name'),
    ('supplier', 'supplier_id', 'supplier_name'),
    ('channel', 'channel', 'channel'),
] %}

with

components as (

    select * from {{ ref('int_metric_components__documents') }}
    where {{ in_recompute_months('month_start') }}

),

catalog as (

    select * from {{ ref('metric_catalog') }}

),

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

products as (

    select * from {{ ref('stg_erp__products') }}

),

warehouses as (

    select * from {{ ref('stg_wms__warehouses') }}

),

suppliers as (

    select * from {{ ref('stg_srm__suppliers') }}

),

-- Documents collapse before the fan-out to dimensions: one row per combination of members,
-- and per customer only where the indicator counts customers (per_customer), since no other
-- aggregation needs the customer. At scale 1 this is what keeps the model from spilling
-- tens of GB.
member_combinations as (

    select
        components.metric_code,
        components.month_start,
        components.company_code,
        case
            when catalog.aggregation = 'per_customer' then components.customer_id
        end as customer_id,
        customers.segment as customer_segment,
        customers.region as customer_region,
        products.category as product_category,
        products.product_type,
        components.warehouse_id,
        warehouses.warehouse_name,
        components.supplier_id,
        suppliers.supplier_name,
        components.channel,
        sum(components.numerator) as numerator,
        sum(components.denominator) as denominator
    from components
    inner join catalog
        on components.metric_code = catalog.metric_code
    left join customers
        on components.customer_id = customers.customer_id
    left join products
        on components.product_id = products.product_id
    left join warehouses
        on components.warehouse_id = warehouses.warehouse_id
    left join suppliers
        on components.supplier_id = suppliers.supplier_id
    where catalog.aggregation <> 'derived'
    group by
        components.metric_code,
        components.month_start,
        components.company_code,
        case
            when catalog.aggregation = 'per_customer' then components.customer_id
        end,
        customers.segment,
        customers.region,
        products.category,
        products.product_type,
        components.warehouse_id,
        warehouses.warehouse_name,
        components.supplier_id,
        suppliers.supplier_name,
        components.channel

),

-- One row per member combination and dimension, with the member of that dimension.
member_rows as (

    {{ dimension_members('member_combinations', dimensions,
        ['metric_code', 'month_start', 'company_code', 'customer_id', 'numerator', 'denominator']) }}

),

-- An indicator has a dimension when at least one of its component rows has a member. An
-- incremental build adds the dimensions of the months it keeps; a dimension that a delivery
-- brings or takes away would change those months too, which the singular
-- test assert_breakdown_dimensions_hold_in_every_month catches (then --full-refresh).
indicator_dimensions as (

    select distinct
        metric_code,
        dimension
    from member_rows
    where member is not null
    {%- if is_incremental() %}
    union
    select distinct
        metric_code,
        dimension
    from {{ this }}
    where month < {{ recompute_from_month() }}
    {%- endif %}

),

indicator_member_rows as (

    select
        member_rows.metric_code,
        member_rows.month_start,
        member_rows.company_code,
        member_rows.customer_id,
        member_rows.numerator,
        member_rows.denominator,
        member_rows.dimension,
        coalesce(member_rows.member, 'unknown') as member,
        coalesce(member_rows.member_name, 'unknown') as member_name
    from member_rows
    inner join indicator_dimensions
        on member_rows.metric_code = indicator_dimensions.metric_code
        and member_rows.dimension = indicator_dimensions.dimension

),

totals as (

    {{ company_and_all_company_sums('indicator_member_rows',
        ['metric_code', 'month_start', 'dimension', 'member', 'member_name']) }}

),

final as (

    select
        -- ids
        totals.metric_code,
        totals.month_start as month,
        totals.company_code,
        totals.dimension,
        totals.member,

        -- amounts
        {{ metric_value('catalog.aggregation', 'totals.numerator', 'totals.denominator',
                        'totals.customer_count') }} as value,

        -- attributes
        totals.member_name

    from totals
    inner join catalog
        on totals.metric_code = catalog.metric_code

)

select * from final
