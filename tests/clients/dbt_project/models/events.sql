{{ config(materialized='incremental', unique_key='id') }}
select id, name, getdate() as loaded_at from {{ ref('customers') }}
{% if is_incremental() %} where id > (select coalesce(max(id), 0) - 1 from {{ this }}) {% endif %}
