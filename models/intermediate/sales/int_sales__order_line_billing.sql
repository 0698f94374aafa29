-- Grain: one row per sales order line named by a matched invoice or credit-note line: what was
-- invoiced, credited and collected of it. A table of its own, not a CTE of
-- fct_sales_order_lines: aggregated in the same query as the join to the order lines it needed
-- over 6 GB at SF 10, in two steps under 3 GB.
with

invoice_lines as (

    select * from {{ ref('int_sales__invoice_lines') }}

),

invoice_collections as (

    select * from {{ ref('int_sales__invoice_collections') }}

),

matched_invoice_lines as (

    select
        invoice_lines.order_id,
        invoice_lines.order_line_no,
        invoice_lines.invoice_type,
        invoice_lines.quantity,
        invoice_lines.revenue_cny,
        invoice_lines.gross_amount_cny,
        invoice_lines.invoice_date,
        invoice_collections.collection_date,
        coalesce(invoice_collections.is_fully_collected, false) as is_invoice_fully_collected
    from invoice_lines
    left join invoice_collections
        on invoice_lines.invoice_id = invoice_collections.invoice_id
    where invoice_lines.order_match_status = 'matched'

),

final as (

    select
        -- ids
        order_id,
        order_line_no,

        -- quantities and amounts
        sum(case when invoice_type = 'invoice' then quantity else 0 end) as invoiced_quantity,
        sum(case when invoice_type = 'credit_note' then quantity else 0 end) as credited_quantity,
        sum(revenue_cny) as net_revenue_cny,
        sum(case when invoice_type = 'invoice' then gross_amount_cny else 0 end) as invoiced_gross_amount_cny,
        sum(case when is_invoice_fully_collected then gross_amount_cny else 0 end) as collected_gross_amount_cny,

        -- dates
        min(case when invoice_type = 'invoice' then invoice_date end) as first_invoice_date,
        max(case when invoice_type = 'invoice' then invoice_date end) as last_invoice_date,
        max(collection_date) as last_collection_date

    from matched_invoice_lines
    group by order_id, order_line_no

)

select * from final
