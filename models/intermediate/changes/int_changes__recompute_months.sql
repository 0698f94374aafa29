-- Grain: one row per month-range incremental model (model_name): the first month it
-- recomputes in this build (macro recompute_months). A delivery changes the months of the
-- documents it touches and of every document of the same chain, old version and new: a
-- shipment moves its order's fulfilment and its invoices' ship-to-invoice days, an application
-- its invoice's AR, a goods receipt its purchase order's three-way match. So the first month
-- is the earliest date of any version delivered since the models last built and of every
-- document of the sales orders, receipts, purchase orders, supplier invoices and work orders
-- they touch; every later month is recomputed (balances, averages and trailing windows carry
-- a change forward, never back). A snapshot delivery (master data, accounts, targets)
-- recomputes everything, and so does a model that has not logged a build since the oldest
-- one considered, or has no rows. A month after a model's last one is recomputed too: it is
-- new to the model even when no delivery is dated in it (a calendar that skips a month).
with

delivered_versions as (

    select * from {{ ref('stg_build__delivered_versions') }}

),

recompute_log as (

    select * from {{ ref('stg_build__recompute_log') }}

),

load_log as (

    select * from {{ ref('stg_ingest__load_log') }}

),

sales_orders as (

    select * from {{ ref('stg_erp__sales_orders') }}

),

shipments as (

    select * from {{ ref('stg_wms__shipments') }}

),

invoices as (

    select * from {{ ref('stg_bil__invoices') }}

),

receipts as (

    select * from {{ ref('stg_ar__receipts') }}

),

receipt_applications as (

    select * from {{ ref('stg_ar__receipt_applications') }}

),

write_offs as (

    select * from {{ ref('stg_ar__write_offs') }}

),

purchase_orders as (

    select * from {{ ref('stg_erp__purchase_orders') }}

),

goods_receipts as (

    select * from {{ ref('stg_wms__goods_receipts') }}

),

supplier_invoices as (

    select * from {{ ref('stg_ap__supplier_invoices') }}

),

supplier_invoice_lines as (

    select * from {{ ref('stg_ap__supplier_invoice_lines') }}

),

supplier_payments as (

    select * from {{ ref('stg_ap__payments') }}

),

work_orders as (

    select * from {{ ref('stg_mes__work_orders') }}

),

work_order_costs as (

    select * from {{ ref('stg_mes__work_order_costs') }}

),

delivery_window as (

    select
        {{ recompute_changes_since('recompute_log') }} as changes_since,
        (select max(loaded_at) from load_log) as changes_through

),

-- the chains the delivered versions touch
touched_orders as (

    select order_id from delivered_versions where order_id is not null
    union
    select invoices.order_id
    from delivered_versions
    inner join invoices
        on delivered_versions.invoice_id = invoices.invoice_id

),

touched_invoices as (

    select invoices.invoice_id
    from invoices
    inner join touched_orders
        on invoices.order_id = touched_orders.order_id
    union
    select invoice_id from delivered_versions where invoice_id is not null

),

touched_receipts as (

    select receipt_id from delivered_versions where receipt_id is not null

),

touched_purchase_orders as (

    select po_id from delivered_versions where po_id is not null
    union
    select supplier_invoice_lines.po_id
    from delivered_versions
    inner join supplier_invoice_lines
        on delivered_versions.supplier_invoice_id = supplier_invoice_lines.supplier_invoice_id

),

touched_supplier_invoices as (

    select supplier_invoice_lines.supplier_invoice_id
    from supplier_invoice_lines
    inner join touched_purchase_orders
        on supplier_invoice_lines.po_id = touched_purchase_orders.po_id
    union
    select supplier_invoice_id from delivered_versions where supplier_invoice_id is not null

),

touched_work_orders as (

    select work_order_id from delivered_versions where work_order_id is not null

),

-- every date a touched document acts on: the delivered versions' own, and their chains'
activity_dates as (

    select earliest_date as activity_date from delivered_versions
    union all
    select least(sales_orders.order_date, sales_orders.requested_delivery_date)
    from sales_orders
    inner join touched_orders on sales_orders.order_id = touched_orders.order_id
    union all
    select shipments.ship_date
    from shipments
    inner join touched_orders on shipments.order_id = touched_orders.order_id
    union all
    select invoices.invoice_date
    from invoices
    inner join touched_invoices on invoices.invoice_id = touched_invoices.invoice_id
    union all
    select receipt_applications.applied_date
    from receipt_applications
    inner join touched_invoices on receipt_applications.invoice_id = touched_invoices.invoice_id
    union all
    select write_offs.write_off_date
    from write_offs
    inner join touched_invoices on write_offs.invoice_id = touched_invoices.invoice_id
    union all
    select receipts.receipt_date
    from receipts
    inner join touched_receipts on receipts.receipt_id = touched_receipts.receipt_id
    union all
    select receipt_applications.applied_date
    from receipt_applications
    inner join touched_receipts on receipt_applications.receipt_id = touched_receipts.receipt_id
    union all
    select least(purchase_orders.po_date, purchase_orders.expected_date)
    from purchase_orders
    inner join touched_purchase_orders on purchase_orders.po_id = touched_purchase_orders.po_id
    union all
    select goods_receipts.receipt_date
    from goods_receipts
    inner join touched_purchase_orders on goods_receipts.po_id = touched_purchase_orders.po_id
    union all
    select supplier_invoices.invoice_date
    from supplier_invoices
    inner join touched_supplier_invoices
        on supplier_invoices.supplier_invoice_id = touched_supplier_invoices.supplier_invoice_id
    union all
    select supplier_payments.payment_date
    from supplier_payments
    inner join touched_supplier_invoices
        on supplier_payments.supplier_invoice_id = touched_supplier_invoices.supplier_invoice_id
    union all
    select least(work_orders.start_date, work_orders.finish_date)
    from work_orders
    inner join touched_work_orders on work_orders.work_order_id = touched_work_orders.work_order_id
    union all
    select work_order_costs.posting_date
    from work_order_costs
    inner join touched_work_orders on work_order_costs.work_order_id = touched_work_orders.work_order_id

),

-- master data, accounts and targets act on every month
snapshot_deliveries as (

    select count(*) as files
    from load_log
    cross join delivery_window
    where load_log.status = 'loaded'
        and load_log.loaded_at > delivery_window.changes_since
        and load_log.extract_name not in (
            {%- for extract in delivered_version_extracts() %}
            '{{ extract.source | join('_') }}'{{ ',' if not loop.last }}
            {%- endfor %}
        )

),

first_changed_month as (

    select
        case
            when (select files from snapshot_deliveries) > 0 then cast('1900-01-01' as date)
            else coalesce(
                cast({{ dbt.date_trunc('month', 'min(activity_date)') }} as date),
                cast('9999-12-01' as date)
            )
        end as month_start
    from activity_dates

),

range_models as (
    {%- for name in recompute_month_models() %}

    select '{{ name }}' as model_name
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}

    select cast(null as {{ dbt.type_string() }}) as model_name
    where false
    {%- endfor %}

),

latest_recomputes as (

    select
        model_name,
        changes_through,
        last_month
    from (
        select
            recompute_log.*,
            row_number() over (partition by model_name order by recorded_at desc) as recency
        from recompute_log
    ) as ranked
    where recency = 1

),

final as (

    select
        -- ids
        range_models.model_name,

        -- dates and timestamps
        case
            when latest_recomputes.changes_through is null
                or latest_recomputes.changes_through < delivery_window.changes_since
                or latest_recomputes.last_month is null
                then cast('1900-01-01' as date)
            -- a month after the model's last one is new to it even if no delivery is dated in it
            -- (a ledger's calendar that jumps a month without activity)
            else least(
                first_changed_month.month_start,
                cast({{ dbt.dateadd('month', 1, 'latest_recomputes.last_month') }} as date)
            )
        end as recompute_from_month,
        delivery_window.changes_since,
        delivery_window.changes_through

    from range_models
    left join latest_recomputes
        on range_models.model_name = latest_recomputes.model_name
    cross join delivery_window
    cross join first_changed_month

)

select * from final
