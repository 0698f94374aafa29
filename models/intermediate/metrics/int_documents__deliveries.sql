-- Grain: one row per document the metric contributions name (document_type, document_id):
-- the delivery file, batch and row of its current version, to go from a contribution to the
-- exact row of ingest.load_log's file. A stock position (warehouse/product) is no delivered
-- record and has none.
with

invoices as (

    select * from {{ ref('stg_bil__invoices') }}

),

sales_orders as (

    select * from {{ ref('stg_erp__sales_orders') }}

),

shipments as (

    select * from {{ ref('stg_wms__shipments') }}

),

write_offs as (

    select * from {{ ref('stg_ar__write_offs') }}

),

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

supplier_invoices as (

    select * from {{ ref('stg_ap__supplier_invoices') }}

),

work_orders as (

    select * from {{ ref('stg_mes__work_orders') }}

),

final as (

    select
        invoice_type as document_type,
        invoice_id as document_id,
        'bil_invoices' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from invoices

    union all

    select
        'sales_order' as document_type,
        order_id as document_id,
        'erp_sales_orders' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from sales_orders

    union all

    select
        'shipment' as document_type,
        shipment_id as document_id,
        'wms_shipments' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from shipments

    union all

    select
        'write_off' as document_type,
        write_off_id as document_id,
        'ar_write_offs' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from write_offs

    union all

    select
        'customer' as document_type,
        customer_id as document_id,
        'crm_customers' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from customers

    union all

    select
        'supplier_invoice' as document_type,
        supplier_invoice_id as document_id,
        'ap_supplier_invoices' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from supplier_invoices

    union all

    select
        'work_order' as document_type,
        work_order_id as document_id,
        'mes_work_orders' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from work_orders

)

select * from final
