-- Grain: one row per component row: the numerator and denominator of an indicator for one
-- month, company and set of dimensions (docs/METRICS.md, the component interface). The rows
-- of the two area models pass through unchanged; inventory_turnover and dio, which need cogs
-- (sales) and average inventory (supply), are assembled here, once, per company × month ×
-- product: the finest grain both sides carry.
with

sales_components as (

    select * from {{ ref('int_metric_components__sales') }}

),

supply_components as (

    select * from {{ ref('int_metric_components__supply') }}

),

average_inventory as (

    select * from {{ ref('int_supply__average_inventory_monthly') }}

),

area_components as (

    select
        metric_code,
        month_start,
        company_code,
        customer_id,
        product_id,
        warehouse_id,
        supplier_id,
        channel,
        numerator,
        denominator,
        'int_metric_components__sales' as component_source
    from sales_components

    union all

    select
        metric_code,
        month_start,
        company_code,
        customer_id,
        product_id,
        warehouse_id,
        supplier_id,
        channel,
        numerator,
        denominator,
        'int_metric_components__supply' as component_source
    from supply_components

),

cogs_by_product as (

    select
        company_code,
        month_start,
        product_id,
        sum(numerator) as cogs_cny
    from sales_components
    where metric_code = 'cogs'
    group by company_code, month_start, product_id

),

average_inventory_by_product as (

    select
        company_code,
        month_start,
        product_id,
        sum(average_inventory_cny) as average_inventory_cny,
        max(days_in_month) as days_in_month
    from average_inventory
    group by company_code, month_start, product_id

),

-- Full outer join: a product held but not sold (raw materials) still counts in the
-- company's average inventory, and one sold but not held still counts in its cogs, so
-- Σ over the product rows is the company's cogs / average inventory (charter).
cogs_and_inventory as (

    select
        coalesce(cogs_by_product.company_code, average_inventory_by_product.company_code) as company_code,
        coalesce(cogs_by_product.month_start, average_inventory_by_product.month_start) as month_start,
        coalesce(cogs_by_product.product_id, average_inventory_by_product.product_id) as product_id,
        coalesce(cogs_by_product.cogs_cny, 0) as cogs_cny,
        coalesce(average_inventory_by_product.average_inventory_cny, 0) as average_inventory_cny,
        coalesce(
            average_inventory_by_product.days_in_month * average_inventory_by_product.average_inventory_cny, 0
        ) as inventory_days_cny
    from cogs_by_product
    full outer join average_inventory_by_product
        on cogs_by_product.company_code = average_inventory_by_product.company_code
        and cogs_by_product.month_start = average_inventory_by_product.month_start
        and cogs_by_product.product_id = average_inventory_by_product.product_id

),

assembled_components as (

    select
        'inventory_turnover' as metric_code,
        month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        cogs_cny as numerator,
        average_inventory_cny as denominator,
        'int_metric_components__sales+int_supply__average_inventory_monthly' as component_source
    from cogs_and_inventory

    union all

    select
        'dio' as metric_code,
        month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        cast(null as {{ dbt.type_string() }}) as channel,
        inventory_days_cny as numerator,
        cogs_cny as denominator,
        'int_metric_components__sales+int_supply__average_inventory_monthly' as component_source
    from cogs_and_inventory

),

all_components as (

    {{ union_by_name(
        ['area_components', 'assembled_components'],
        ['metric_code', 'month_start', 'company_code', 'customer_id', 'product_id', 'warehouse_id',
         'supplier_id', 'channel', 'numerator', 'denominator', 'component_source']) }}

),

-- One exact type for every area: CNY amounts stay decimal (scale 16 holds to_cny's exact
-- product of two 8-place decimals); values become double only in metric_values.
final as (

    select
        -- ids and dimensions, in the order of the component interface
        metric_code,
        cast(month_start as date) as month_start,
        company_code,
        customer_id,
        product_id,
        warehouse_id,
        supplier_id,
        channel,

        -- amounts
        cast(numerator as decimal(38, 16)) as numerator,
        cast(denominator as decimal(38, 16)) as denominator,

        -- audit
        component_source

    from all_components

)

select * from final
