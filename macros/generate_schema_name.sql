{#- Layers land in schemas named after them (staging, intermediate, marts), not
    <target_schema>_<layer>, so BI tools and auditors see stable names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
