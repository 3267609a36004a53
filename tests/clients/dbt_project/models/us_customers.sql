select id, name from {{ ref('customers') }} where country = 'US'
