-- Grain: one row per reconciliation and delivered business record (an invoice, receipt
-- application, write-off, stock movement, supplier invoice, supplier payment or receipt):
-- its effect on the business side of the reconciliation, in CNY, by the charter's
-- definitions (docs/metric_charter.md, "Reconciliations"). document_type uses
-- the GL's source_type vocabulary so that each document meets its own postings.
with

invoices as (

    select * from {{ ref('int_sales__invoices') }}

),

receipt_applications as (

    select * from {{ ref('int_sales__receipt_applications') }}

),

write_offs as (

    select * from {{ ref('int_sales__write_offs') }}

),

receipts as (

    select * from {{ ref('int_sales__receipts') }}

),

inventory_movements as (

    select * from {{ ref('int_supply__inventory_movements') }}

),

supplier_invoices as (

    select * from {{ ref('int_supply__supplier_invoices') }}

),

supplier_payments as (

    select * from {{ ref('int_supply__supplier_payments') }}

),

-- GL source types of invoices: credit notes are posted as their own source type
invoice_documents as (

    select
        invoices.*,
        case when invoices.invoice_type = 'credit_note' then 'credit_note' else 'sales_invoice' end as document_type
    from invoices

),

revenue as (

    select
        'revenue' as reconciliation_code,
        company_code,
        document_type,
        invoice_id as document_id,
        invoice_date as document_date,
        net_amount_cny as amount_cny,  -- signed: credit notes negative
        'bil_invoices' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from invoice_documents

),

accounts_receivable as (

    select
        'accounts_receivable' as reconciliation_code,
        company_code,
        document_type,
        invoice_id as document_id,
        invoice_date as document_date,
        gross_amount_cny as amount_cny,
        'bil_invoices' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from invoice_documents

    union all

    -- a receipt relieves AR by its applications, each at the relieved invoice's rate
    select
        'accounts_receivable' as reconciliation_code,
        company_code,
        'receipt' as document_type,
        receipt_id as document_id,
        applied_date as document_date,
        -applied_amount_cny * document_sign as amount_cny,
        'ar_receipt_applications' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from receipt_applications

    union all

    select
        'accounts_receivable' as reconciliation_code,
        company_code,
        'write_off' as document_type,
        write_off_id as document_id,
        write_off_date as document_date,
        -amount_cny * document_sign as amount_cny,
        'ar_write_offs' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from write_offs

),

inventory as (

    select
        'inventory' as reconciliation_code,
        company_code,
        -- which GL source type posts each kind of stock movement; opening balances and
        -- adjustments are manual journals naming the movement's reference
        case movement_type
            when 'sales_shipment' then 'shipment'
            when 'goods_receipt' then 'goods_receipt'
            when 'production_issue' then 'production'
            when 'production_receipt' then 'production'
            else 'manual'
        end as document_type,
        coalesce(reference_id, movement_id) as document_id,
        movement_date as document_date,
        movement_value_cny as amount_cny,
        'wms_inventory_movements' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from inventory_movements
    where company_code is not null

),

accounts_payable as (

    select
        'accounts_payable' as reconciliation_code,
        company_code,
        'supplier_invoice' as document_type,
        supplier_invoice_id as document_id,
        invoice_date as document_date,
        gross_amount_cny as amount_cny,
        'ap_supplier_invoices' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from supplier_invoices

    union all

    select
        'accounts_payable' as reconciliation_code,
        company_code,
        'supplier_payment' as document_type,
        payment_id as document_id,
        payment_date as document_date,
        -amount_cny as amount_cny,
        'ap_payments' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from supplier_payments

),

cash_receipts as (

    select
        'cash_receipts' as reconciliation_code,
        company_code,
        'receipt' as document_type,
        receipt_id as document_id,
        receipt_date as document_date,
        amount_cny,
        'ar_receipts' as source_extract,
        _source_file,
        _batch_id,
        _source_row_number
    from receipts

),

all_records as (

    {{ union_by_name(
        ['revenue', 'accounts_receivable', 'inventory', 'accounts_payable', 'cash_receipts'],
        ['reconciliation_code', 'company_code', 'document_type', 'document_id', 'document_date',
         'amount_cny', 'source_extract', '_source_file', '_batch_id', '_source_row_number']) }}

),

final as (

    select
        -- ids
        reconciliation_code,
        company_code,
        document_type,
        document_id,
        source_extract,

        -- amounts (CNY, the record's effect on the business side)
        amount_cny,

        -- dates
        document_date,
        cast({{ dbt.date_trunc('month', 'document_date') }} as date) as month_start,

        -- lineage: the delivered row, a row of that file in ingest.load_log
        _source_file,
        _batch_id,
        _source_row_number

    from all_records

)

select * from final
