-- Current version of each sales order header (key: order_id) from the delta extract erp_sales_orders.
{%- set primary_key = ['order_id'] %}
{{ config(materialized='incremental', unique_key=primary_key) }}

with

source as (

    select * from {{ source('erp', 'sales_orders') }}

),

current_version as (

    {{ current_version('source', primary_key=primary_key, mode='delta') }}

),

final as (

    select
        -- ids
        order_id,
        customer_id,

        -- attributes
        company_code,
        currency,
        channel,
        order_status,

        -- dates and timestamps
        order_date,
        requested_delivery_date,
        updated_at,

        -- lineage of the current version, carried through for auditors
        _source_file,
        _batch_id,
        _source_row_number,
        _loaded_at

    from current_version

)

select * from final
