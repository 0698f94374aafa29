-- Grain: one row per line of an issued invoice or credit note.
-- Amounts: revenue = net_amount in CNY at the invoice-date rate; cogs = quantity × the
-- product's standard cost valid on invoice_date (cost recognised with the revenue it
-- matches); both signed, credit notes negative. order_match_status says whether the line
-- names a known order line; the invoice's company is known either way, so every line
-- counts in revenue and AR.
-- Checks (lines of type invoice; NULL on credit notes): the charter's invoice-accuracy rules
--   1. the line names an existing order line (of an order not cancelled) with its product;
--   2. |unit_price − the order line's unit_price| <= 0.005;
--   3. the cumulative invoiced quantity of the order line, over lines of issued invoices in
--      (invoice_date, invoice_id, line_no) order up to and including this line, does not
--      exceed the quantity shipped for it with ship_date <= this line's invoice_date;
-- and the lag from the latest such shipment (ship_to_invoice_days). Shipments and invoice
-- lines of an order line form one event stream (a shipment before an invoice line of the
-- same day), so running sums give both quantities without joining lines to shipments.
with

invoice_lines as (

    select * from {{ ref('stg_bil__invoice_lines') }}

),

invoices as (

    select * from {{ ref('int_sales__invoices') }}

),

orders as (

    select * from {{ ref('stg_erp__sales_orders') }}

),

order_lines as (

    select * from {{ ref('int_sales__order_lines') }}

),

shipments as (

    select * from {{ ref('int_sales__shipments') }}

),

standard_costs as (

    select * from {{ ref('int_products__standard_cost_periods') }}

),

matched as (

    select
        invoice_lines.invoice_id,
        invoice_lines.line_no,
        invoice_lines.order_id,
        invoice_lines.order_line_no,
        invoices.company_code,
        invoices.customer_id,
        invoice_lines.product_id,
        invoices.invoice_type,
        invoices.currency,
        orders.channel,
        invoices.document_sign,
        case
            when invoice_lines.order_id is null or invoice_lines.order_line_no is null then 'no_order_reference'
            when orders.order_id is null then 'unknown_order'
            when order_lines.order_id is null then 'unknown_order_line'
            else 'matched'
        end as order_match_status,
        order_lines.product_id as order_product_id,
        order_lines.unit_price as order_unit_price,
        order_lines.is_order_cancelled,
        invoice_lines.quantity,
        invoice_lines.unit_price,
        invoice_lines.net_amount,
        invoice_lines.tax_amount,
        standard_costs.standard_cost,
        invoices.invoice_date,
        invoices.due_date,
        invoices.invoice_month,
        invoice_lines._source_file,
        invoice_lines._batch_id,
        invoice_lines._source_row_number
    from invoice_lines
    inner join invoices
        on invoice_lines.invoice_id = invoices.invoice_id
    left join orders
        on invoice_lines.order_id = orders.order_id
    left join order_lines
        on invoice_lines.order_id = order_lines.order_id
        and invoice_lines.order_line_no = order_lines.line_no
        and order_lines.order_match_status = 'matched'
    left join standard_costs
        on invoice_lines.product_id = standard_costs.product_id
        and invoices.invoice_date >= standard_costs.valid_from
        and invoices.invoice_date <= standard_costs.valid_to_filled

),

converted as (

    select
        matched.*,
        invoice_fx.rate_to_cny as fx_rate_to_cny,
        {{ to_cny('matched.net_amount', 'invoice_fx') }} * matched.document_sign as revenue_cny,
        {{ to_cny('matched.net_amount + matched.tax_amount', 'invoice_fx') }}
        * matched.document_sign as gross_amount_cny,
        -- widened first, as to_cny does: DuckDB types DECIMAL(18, 8) × DECIMAL(18, 8) as DECIMAL(18, 16)
        cast(matched.quantity as decimal(38, 8)) * matched.standard_cost * matched.document_sign as cogs_cny
    from matched
    {{ fx_rate_join('matched.currency', 'matched.invoice_date', 'invoice_fx') }}

),

billed_lines as (

    select * from converted
    where invoice_type = 'invoice'

),

events as (

    select
        order_id,
        order_line_no,
        ship_date as event_date,
        0 as event_order,
        cast(null as {{ dbt.type_string() }}) as invoice_id,
        cast(null as {{ dbt.type_int() }}) as line_no,
        quantity as shipped_quantity,
        cast(0 as decimal(18, 8)) as invoiced_quantity,
        ship_date
    from shipments
    where order_match_status = 'matched'

    union all

    select
        order_id,
        order_line_no,
        invoice_date as event_date,
        1 as event_order,
        invoice_id,
        line_no,
        cast(0 as decimal(18, 8)) as shipped_quantity,
        quantity as invoiced_quantity,
        cast(null as date) as ship_date
    from billed_lines
    where order_match_status = 'matched'

),

running as (

    select
        invoice_id,
        line_no,
        event_order,
        {{ running_sum('shipped_quantity', 'order_id, order_line_no',
                       order_by='event_date, event_order, invoice_id, line_no') }} as shipped_quantity_to_date,
        {{ running_sum('invoiced_quantity', 'order_id, order_line_no',
                       order_by='event_date, event_order, invoice_id, line_no') }} as cumulative_invoiced_quantity,
        max(ship_date) over (
            partition by order_id, order_line_no
            order by event_date, event_order, invoice_id, line_no
            rows between unbounded preceding and current row
        ) as latest_ship_date
    from events

),

invoice_events as (

    select * from running
    where event_order = 1

),

checked as (

    select
        billed_lines.invoice_id,
        billed_lines.line_no,
        -- a line naming no known order line is its order line's only invoiced quantity
        coalesce(invoice_events.cumulative_invoiced_quantity, billed_lines.quantity) as cumulative_invoiced_quantity,
        coalesce(invoice_events.shipped_quantity_to_date, 0) as shipped_quantity_to_date,
        invoice_events.latest_ship_date,
        coalesce(
            billed_lines.order_match_status = 'matched'
            and not billed_lines.is_order_cancelled
            and billed_lines.order_product_id = billed_lines.product_id,
            false
        ) as is_order_line_valid,
        coalesce(abs(billed_lines.unit_price - billed_lines.order_unit_price) <= 0.005, false) as is_price_correct
    from billed_lines
    left join invoice_events
        on billed_lines.invoice_id = invoice_events.invoice_id
        and billed_lines.line_no = invoice_events.line_no

),

final as (

    select
        -- ids
        converted.invoice_id,
        converted.line_no,
        converted.order_id,
        converted.order_line_no,
        converted.company_code,
        converted.customer_id,
        converted.product_id,

        -- dimensions
        converted.invoice_type,
        converted.currency,
        converted.channel,
        converted.document_sign,
        converted.order_match_status,

        -- amounts and quantities (document currency, as delivered)
        converted.quantity,
        converted.unit_price,
        converted.net_amount,
        converted.tax_amount,
        converted.net_amount + converted.tax_amount as gross_amount,

        -- amounts (CNY, signed: credit notes negative)
        converted.fx_rate_to_cny,
        converted.standard_cost,
        converted.revenue_cny,
        converted.gross_amount_cny,
        converted.cogs_cny,
        converted.revenue_cny - converted.cogs_cny as gross_margin_cny,

        -- billing checks (invoice lines)
        converted.order_unit_price,
        checked.cumulative_invoiced_quantity,
        checked.shipped_quantity_to_date,

        -- dates
        converted.invoice_date,
        converted.due_date,
        converted.invoice_month,
        checked.latest_ship_date,
        {{ days_between('checked.latest_ship_date', 'converted.invoice_date') }} as ship_to_invoice_days,

        -- flags (invoice lines)
        checked.is_order_line_valid,
        checked.is_price_correct,
        checked.cumulative_invoiced_quantity <= checked.shipped_quantity_to_date as is_quantity_within_shipped,
        (
            checked.is_order_line_valid
            and checked.is_price_correct
            and checked.cumulative_invoiced_quantity <= checked.shipped_quantity_to_date
        ) as is_accurate,

        -- lineage: the delivered row this one is built from
        converted._source_file,
        converted._batch_id,
        converted._source_row_number

    from converted
    left join checked
        on converted.invoice_id = checked.invoice_id
        and converted.line_no = checked.line_no

)

select * from final
