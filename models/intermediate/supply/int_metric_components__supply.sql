-- Grain: one row per metric_code, month_start, company_code, the dimensions the metric's
-- records carry and the document behind the amounts (document_type, document_id: the
-- drill-through, 穿透; a stock position, warehouse/product, for inventory balances)
-- (docs/METRICS.md, the component interface). The value over any
-- group of rows of one month is Σ numerator / Σ denominator, or Σ numerator for
-- inventory_value (denominator NULL). A ratio row may carry a 0 denominator (e.g. open AP
-- but nothing invoiced that month): the assembled value is then NULL, never a division.
with

inventory_balances as (

    select * from {{ ref('int_supply__inventory_balance_monthly') }}

),

ap_open as (

    select * from {{ ref('int_supply__ap_open_monthly') }}

),

three_way_match as (

    select * from {{ ref('int_supply__three_way_match') }}

),

work_orders as (

    select * from {{ ref('int_supply__work_orders') }}

),

inventory_value as (

    select
        'inventory_value' as metric_code,
        month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        product_id,
        warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        'stock_position' as document_type,
        {{ dbt.concat(['warehouse_id', "'/'", 'product_id']) }} as document_id,
        cast(inventory_value_cny as decimal(38, 16)) as numerator,
        cast(null as decimal(38, 16)) as denominator,
        'month_end' as numerator_basis,
        cast(null as {{ dbt.type_string() }}) as denominator_basis
    from inventory_balances

),

-- dpo = AP(month-end) / gross supplier-invoiced in the month × days_in_month
dpo as (

    select
        'dpo' as metric_code,
        month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        supplier_id,
        'supplier_invoice' as document_type,
        supplier_invoice_id as document_id,
        cast(open_amount_cny * days_in_month as decimal(38, 16)) as numerator,
        cast(invoiced_amount_cny as decimal(38, 16)) as denominator,
        'month_end' as numerator_basis,
        'flow' as denominator_basis
    from ap_open

),

three_way_match_rate as (

    select
        'three_way_match_rate' as metric_code,
        month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        cast(null as {{ dbt.type_string() }}) as product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        supplier_id,
        'supplier_invoice' as document_type,
        supplier_invoice_id as document_id,
        cast(sum(case when is_three_way_matched then 1 else 0 end) as decimal(38, 16)) as numerator,
        cast(count(*) as decimal(38, 16)) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from three_way_match
    group by month_start, company_code, supplier_id, supplier_invoice_id

),

unit_output_cost as (

    select
        'unit_output_cost' as metric_code,
        finish_month_start as month_start,
        company_code,
        cast(null as {{ dbt.type_string() }}) as customer_id,
        product_id,
        cast(null as {{ dbt.type_string() }}) as warehouse_id,
        cast(null as {{ dbt.type_string() }}) as supplier_id,
        'work_order' as document_type,
        work_order_id as document_id,
        cast(total_cost as decimal(38, 16)) as numerator,
        cast(completed_quantity as decimal(38, 16)) as denominator,
        'flow' as numerator_basis,
        'flow' as denominator_basis
    from work_orders
    where is_completed
        and finish_date is not null

),

all_components as (

    {{ union_by_name(
        ['inventory_value', 'dpo', 'three_way_match_rate', 'unit_output_cost'],
        ['metric_code', 'month_start', 'company_code', 'customer_id', 'product_id', 'warehouse_id',
         'supplier_id', 'document_type', 'document_id', 'numerator', 'denominator', 'numerator_basis',
         'denominator_basis']) }}

),

final as (

    select
        -- ids and dimensions, in the order of the component interface
        metric_code,
        month_start,
        company_code,
        customer_id,
        product_id,
        warehouse_id,
        supplier_id,
        -- the sales channel is an order attribute: no supply indicator carries one
        cast(null as {{ dbt.type_string() }}) as channel,

        -- the document behind the amounts
        cast(document_type as {{ dbt.type_string() }}) as document_type,
        document_id,

        -- amounts
        numerator,
        denominator,

        -- what each amount measures
        cast(numerator_basis as {{ dbt.type_string() }}) as numerator_basis,
        cast(denominator_basis as {{ dbt.type_string() }}) as denominator_basis

    from all_components

)

select * from final
