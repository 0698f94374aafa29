-- Grain: one row per order-to-cash record that a metric has to leave out or cannot value,
-- with the reason (exception_type): orphans (no known order, order line or issued invoice:
-- the company or the rule's reference cannot be determined) and documents without a usable
-- FX rate or standard cost. Listed for data owners; the warn-severity tests point here.
with

order_lines as (

    select * from {{ ref('int_sales__order_lines') }}

),

shipments as (

    select * from {{ ref('int_sales__shipments') }}

),

invoice_lines as (

    select * from {{ ref('int_sales__invoice_lines') }}

),

invoices as (

    select * from {{ ref('int_sales__invoices') }}

),

applications as (

    select * from {{ ref('stg_ar__receipt_applications') }}

),

write_offs as (

    select * from {{ ref('stg_ar__write_offs') }}

),

order_line_exceptions as (

    select
        'order_line_unknown_order' as exception_type,
        'erp_sales_order_lines' as extract_name,
        order_id as document_id,
        line_no,
        cast(null as {{ dbt.type_string() }}) as company_code,
        cast(null as date) as document_date,
        order_id as missing_reference
    from order_lines
    where order_match_status = 'unknown_order'

),

shipment_exceptions as (

    select
        case order_match_status
            when 'unknown_order' then 'orphan_shipment'
            else 'shipment_unknown_order_line'
        end as exception_type,
        'wms_shipments' as extract_name,
        shipment_id as document_id,
        cast(null as {{ dbt.type_int() }}) as line_no,
        company_code,
        ship_date as document_date,
        {{ dbt.concat(['order_id', "'/'", 'cast(order_line_no as ' ~ dbt.type_string() ~ ')']) }} as missing_reference
    from shipments
    where order_match_status <> 'matched'

),

invoice_line_exceptions as (

    select
        case order_match_status
            when 'unknown_order' then 'orphan_invoice_line'
            else 'invoice_line_unknown_order_line'
        end as exception_type,
        'bil_invoice_lines' as extract_name,
        invoice_id as document_id,
        line_no,
        company_code,
        invoice_date as document_date,
        {{ dbt.concat(['order_id', "'/'", 'cast(order_line_no as ' ~ dbt.type_string() ~ ')']) }} as missing_reference
    from invoice_lines
    where order_match_status in ('unknown_order', 'unknown_order_line')

),

missing_standard_costs as (

    select
        'invoice_line_without_standard_cost' as exception_type,
        'bil_invoice_lines' as extract_name,
        invoice_id as document_id,
        line_no,
        company_code,
        invoice_date as document_date,
        product_id as missing_reference
    from invoice_lines
    where standard_cost is null

),

missing_rates as (

    select
        'invoice_without_fx_rate' as exception_type,
        'bil_invoices' as extract_name,
        invoice_id as document_id,
        cast(null as {{ dbt.type_int() }}) as line_no,
        company_code,
        invoice_date as document_date,
        currency as missing_reference
    from invoices
    where fx_rate_to_cny is null

),

application_exceptions as (

    select
        'application_invoice_not_issued' as exception_type,
        'ar_receipt_applications' as extract_name,
        applications.receipt_id as document_id,
        cast(null as {{ dbt.type_int() }}) as line_no,
        cast(null as {{ dbt.type_string() }}) as company_code,
        applications.applied_date as document_date,
        applications.invoice_id as missing_reference
    from applications
    left join invoices
        on applications.invoice_id = invoices.invoice_id
    where invoices.invoice_id is null

),

write_off_exceptions as (

    select
        'write_off_invoice_not_issued' as exception_type,
        'ar_write_offs' as extract_name,
        write_offs.write_off_id as document_id,
        cast(null as {{ dbt.type_int() }}) as line_no,
        cast(null as {{ dbt.type_string() }}) as company_code,
        write_offs.write_off_date as document_date,
        write_offs.invoice_id as missing_reference
    from write_offs
    left join invoices
        on write_offs.invoice_id = invoices.invoice_id
    where invoices.invoice_id is null

),

final as (

    {{ union_by_name(
        ['order_line_exceptions', 'shipment_exceptions', 'invoice_line_exceptions',
         'missing_standard_costs', 'missing_rates', 'application_exceptions', 'write_off_exceptions'],
        ['exception_type', 'extract_name', 'document_id', 'line_no', 'company_code', 'document_date',
         'missing_reference']) }}

)

select * from final
