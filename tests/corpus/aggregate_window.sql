-- Window functions and QUALIFY, over the reference's sample tables (WINSALES is created by
-- the script the window-functions page gives).

-- setup
CREATE TABLE winsales(
  salesid int,
  dateid date,
  sellerid int,
  buyerid char(10),
  qty int,
  qty_shipped int);
INSERT INTO winsales VALUES
  (30001, '8/2/2003', 3, 'b', 10, 10),
  (10001, '12/24/2003', 1, 'c', 10, 10),
  (10005, '12/24/2003', 1, 'a', 30, null),
  (40001, '1/9/2004', 4, 'a', 40, null),
  (10006, '1/18/2004', 1, 'c', 10, null),
  (20001, '2/12/2004', 2, 'b', 20, 20),
  (40005, '2/12/2004', 4, 'a', 10, 10),
  (20002, '2/16/2004', 2, 'c', 20, 20),
  (30003, '4/18/2004', 3, 'b', 15, null),
  (30004, '4/18/2004', 3, 'b', 20, null),
  (30007, '9/7/2004', 3, 'c', 30, null);

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_LISTAGG.html
select listagg(sellerid)
within group (order by sellerid)
over() from winsales;
-- expect:
-- 11122333344
-- 11122333344
-- 11122333344
-- 11122333344
-- 11122333344
-- 11122333344
-- 11122333344
-- 11122333344
-- 11122333344
-- 11122333344
-- 11122333344

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_LISTAGG.html
select listagg(sellerid)
within group (order by dateid)
over () as seller
from winsales
where buyerid = 'b' ;
-- expect:
-- 3233
-- 3233
-- 3233
-- 3233

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_LISTAGG.html
select listagg(dateid,',')
within group (order by sellerid desc,salesid asc)
over () as dates
from winsales
where buyerid  = 'b';
-- expect:
-- 2003-08-02,2004-04-18,2004-04-18,2004-02-12
-- 2003-08-02,2004-04-18,2004-04-18,2004-02-12
-- 2003-08-02,2004-04-18,2004-04-18,2004-02-12
-- 2003-08-02,2004-04-18,2004-04-18,2004-02-12

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_LISTAGG.html
select listagg(distinct dateid,',')
within group (order by sellerid desc,salesid asc)
over () as dates
from winsales
where buyerid  = 'b';
-- expect:
-- 2003-08-02,2004-04-18,2004-02-12
-- 2003-08-02,2004-04-18,2004-02-12
-- 2003-08-02,2004-04-18,2004-02-12
-- 2003-08-02,2004-04-18,2004-02-12

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_LISTAGG.html
-- known-gap: the reference's output is not in salesid order for buyers b and c (20001,30001,30004,30003), though the query orders by salesid; the engine's is
select buyerid,
listagg(salesid,',')
within group (order by salesid)
over (partition by buyerid) as sales_id
from winsales
order by buyerid;
-- expect:
-- a | 10005,40001,40005
-- a | 10005,40001,40005
-- a | 10005,40001,40005
-- b | 20001,30001,30004,30003
-- b | 20001,30001,30004,30003
-- b | 20001,30001,30004,30003
-- b | 20001,30001,30004,30003
-- c | 10001,20002,30007,10006
-- c | 10001,20002,30007,10006
-- c | 10001,20002,30007,10006
-- c | 10001,20002,30007,10006

-- setup
create table store_sales (ss_sold_date date, ss_sold_time time, ss_item text, ss_sales_price float);
insert into store_sales values ('2022-01-01', '09:00:00', 'Product 1', 100.0),
  ('2022-01-01', '11:00:00', 'Product 2', 500.0), ('2022-01-01', '15:00:00', 'Product 3', 20.0),
  ('2022-01-01', '17:00:00', 'Product 4', 1000.0), ('2022-01-01', '18:00:00', 'Product 5', 30.0),
  ('2022-01-02', '10:00:00', 'Product 6', 5000.0), ('2022-01-02', '16:00:00', 'Product 7', 5.0);

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_QUALIFY_clause.html
-- unordered
SELECT *
FROM store_sales ss
WHERE ss_sold_time > time '12:00:00'
QUALIFY row_number()
OVER (PARTITION BY ss_sold_date ORDER BY ss_sales_price DESC) <= 2;
-- expect:
-- 2022-01-01 | 17:00:00 | Product 4 | 1000
-- 2022-01-01 | 18:00:00 | Product 5 | 30
-- 2022-01-02 | 16:00:00 | Product 7 | 5
