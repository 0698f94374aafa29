{#-
    The one implementation of currency conversion (charter, common rules):
    a document is converted at the rate of its document date, falling back to the latest
    earlier rate at most 7 days older (int_fx__rates_daily resolves that per day); CNY is 1.
    Anything that relieves a receivable or payable is converted at the rate of the invoice
    it relieves: join on the invoice's currency and date, not on the relieving document's.

    Usage, in the FROM clause of a model:
        from invoices
        {{ fx_rate_join('invoices.currency', 'invoices.invoice_date', 'invoice_fx') }}
    and in the select list:
        {{ to_cny('invoices.net_amount', 'invoice_fx') }} as net_amount_cny,
        invoice_fx.rate_to_cny as fx_rate_to_cny          -- NULL: no usable rate (tested)

    A document without a usable rate gets a NULL rate and NULL CNY amounts, never 0; every
    fact that converts carries its rate column and a not_null test on it.
-#}

{% macro fx_rate_join(currency, document_date, alias) -%}
    left join {{ ref('int_fx__rates_daily') }} as {{ alias }}
        on {{ currency }} = {{ alias }}.currency
        and {{ document_date }} = {{ alias }}.rate_day
{%- endmacro %}

{#- Exact product (no rounding): a settled invoice nets to exactly zero in CNY. The amount
    is widened first: DuckDB types DECIMAL(18,8) × DECIMAL(18,8) as DECIMAL(18,16), which
    overflows from 100 on; DECIMAL(38,8) × DECIMAL(18,8) is DECIMAL(38,16). -#}
{% macro to_cny(amount, fx_alias) -%}
    cast({{ amount }} as decimal(38, 8)) * {{ fx_alias }}.rate_to_cny
{%- endmacro %}
