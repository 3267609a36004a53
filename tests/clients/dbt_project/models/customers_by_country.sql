{{ config(materialized='table', dist='country', sort=['country']) }}
select country, count(*) as customers, listagg(name, ',') within group (order by name) as names
from {{ ref('customers') }}
group by country
