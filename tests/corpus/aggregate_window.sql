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

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_SUM.html
select salesid, dateid, sellerid, qty,
sum(qty) over (order by dateid, salesid rows unbounded preceding) as sum
from winsales
order by 2,1;
-- expect:
-- 30001 | 2003-08-02 | 3 | 10 | 10
-- 10001 | 2003-12-24 | 1 | 10 | 20
-- 10005 | 2003-12-24 | 1 | 30 | 50
-- 40001 | 2004-01-09 | 4 | 40 | 90
-- 10006 | 2004-01-18 | 1 | 10 | 100
-- 20001 | 2004-02-12 | 2 | 20 | 120
-- 40005 | 2004-02-12 | 4 | 10 | 130
-- 20002 | 2004-02-16 | 2 | 20 | 150
-- 30003 | 2004-04-18 | 3 | 15 | 165
-- 30004 | 2004-04-18 | 3 | 20 | 185
-- 30007 | 2004-09-07 | 3 | 30 | 215

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_SUM.html
select salesid, dateid, sellerid, qty,
sum(qty) over (partition by sellerid
order by dateid, salesid rows unbounded preceding) as sum
from winsales
order by 2,1;
-- expect:
-- 30001 | 2003-08-02 | 3 | 10 | 10
-- 10001 | 2003-12-24 | 1 | 10 | 10
-- 10005 | 2003-12-24 | 1 | 30 | 40
-- 40001 | 2004-01-09 | 4 | 40 | 40
-- 10006 | 2004-01-18 | 1 | 10 | 50
-- 20001 | 2004-02-12 | 2 | 20 | 20
-- 40005 | 2004-02-12 | 4 | 10 | 50
-- 20002 | 2004-02-16 | 2 | 20 | 40
-- 30003 | 2004-04-18 | 3 | 15 | 25
-- 30004 | 2004-04-18 | 3 | 20 | 45
-- 30007 | 2004-09-07 | 3 | 30 | 75

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_SUM.html
select salesid, sellerid, qty,
sum(1) over (order by sellerid, salesid rows unbounded preceding) as rownum
from winsales
order by 2,1;
-- expect:
-- 10001 | 1 | 10 | 1
-- 10005 | 1 | 30 | 2
-- 10006 | 1 | 10 | 3
-- 20001 | 2 | 20 | 4
-- 20002 | 2 | 20 | 5
-- 30001 | 3 | 10 | 6
-- 30003 | 3 | 15 | 7
-- 30004 | 3 | 20 | 8
-- 30007 | 3 | 30 | 9
-- 40001 | 4 | 40 | 10
-- 40005 | 4 | 10 | 11

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_SUM.html
select salesid, sellerid, qty,
sum(1) over (partition by sellerid
order by sellerid, salesid rows unbounded preceding) as rownum
from winsales
order by 2,1;
-- expect:
-- 10001 | 1 | 10 | 1
-- 10005 | 1 | 30 | 2
-- 10006 | 1 | 10 | 3
-- 20001 | 2 | 20 | 1
-- 20002 | 2 | 20 | 2
-- 30001 | 3 | 10 | 1
-- 30003 | 3 | 15 | 2
-- 30004 | 3 | 20 | 3
-- 30007 | 3 | 30 | 4
-- 40001 | 4 | 40 | 1
-- 40005 | 4 | 10 | 2

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_COUNT.html
select salesid, qty,
count(*) over (order by salesid rows unbounded preceding) as count
from winsales
order by salesid;
-- expect:
-- 10001 | 10 | 1
-- 10005 | 30 | 2
-- 10006 | 10 | 3
-- 20001 | 20 | 4
-- 20002 | 20 | 5
-- 30001 | 10 | 6
-- 30003 | 15 | 7
-- 30004 | 20 | 8
-- 30007 | 30 | 9
-- 40001 | 40 | 10
-- 40005 | 10 | 11

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_COUNT.html
select salesid, qty, qty_shipped,
count(qty_shipped)
over (order by salesid rows unbounded preceding) as count
from winsales
order by salesid;
-- expect:
-- 10001 | 10 | 10 | 1
-- 10005 | 30 |  | 1
-- 10006 | 10 |  | 1
-- 20001 | 20 | 20 | 2
-- 20002 | 20 | 20 | 3
-- 30001 | 10 | 10 | 4
-- 30003 | 15 |  | 4
-- 30004 | 20 |  | 4
-- 30007 | 30 |  | 4
-- 40001 | 40 |  | 4
-- 40005 | 10 | 10 | 5

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_DENSE_RANK.html
select salesid, qty,
dense_rank() over(order by qty desc) as d_rnk,
rank() over(order by qty desc) as rnk
from winsales
order by 2,1;
-- expect:
-- 10001 | 10 | 5 | 8
-- 10006 | 10 | 5 | 8
-- 30001 | 10 | 5 | 8
-- 40005 | 10 | 5 | 8
-- 30003 | 15 | 4 | 7
-- 20001 | 20 | 3 | 4
-- 20002 | 20 | 3 | 4
-- 30004 | 20 | 3 | 4
-- 10005 | 30 | 2 | 2
-- 30007 | 30 | 2 | 2
-- 40001 | 40 | 1 | 1

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_DENSE_RANK.html
select salesid, sellerid, qty,
dense_rank() over(partition by sellerid order by qty desc) as d_rnk
from winsales
order by 2,3,1;
-- expect:
-- 10001 | 1 | 10 | 2
-- 10006 | 1 | 10 | 2
-- 10005 | 1 | 30 | 1
-- 20001 | 2 | 20 | 1
-- 20002 | 2 | 20 | 1
-- 30001 | 3 | 10 | 4
-- 30003 | 3 | 15 | 3
-- 30004 | 3 | 20 | 2
-- 30007 | 3 | 30 | 1
-- 40005 | 4 | 10 | 2
-- 40001 | 4 | 40 | 1

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_MEDIAN.html
-- unordered
-- (ordered by sellerid only: within a seller the reference's order is one of several)
select sellerid, qty, median(qty)
over (partition by sellerid)
from winsales
order by sellerid;
-- expect:
-- 1 | 10 | 10.0
-- 1 | 10 | 10.0
-- 1 | 30 | 10.0
-- 2 | 20 | 20.0
-- 2 | 20 | 20.0
-- 3 | 10 | 17.5
-- 3 | 15 | 17.5
-- 3 | 20 | 17.5
-- 3 | 30 | 17.5
-- 4 | 10 | 25.0
-- 4 | 40 | 25.0

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_PERCENTILE_CONT.html
-- unordered
select sellerid, qty, percentile_cont(0.5)
within group (order by qty)
over() as median from winsales;
-- expect:
-- 1 | 10 | 20.0
-- 1 | 10 | 20.0
-- 3 | 10 | 20.0
-- 4 | 10 | 20.0
-- 3 | 15 | 20.0
-- 2 | 20 | 20.0
-- 3 | 20 | 20.0
-- 2 | 20 | 20.0
-- 3 | 30 | 20.0
-- 1 | 30 | 20.0
-- 4 | 40 | 20.0

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_PERCENTILE_CONT.html
-- unordered
select sellerid, qty, percentile_cont(0.5)
within group (order by qty)
over(partition by sellerid) as median from winsales;
-- expect:
-- 2 | 20 | 20.0
-- 2 | 20 | 20.0
-- 4 | 10 | 25.0
-- 4 | 40 | 25.0
-- 1 | 10 | 10.0
-- 1 | 10 | 10.0
-- 1 | 30 | 10.0
-- 3 | 10 | 17.5
-- 3 | 15 | 17.5
-- 3 | 20 | 17.5
-- 3 | 30 | 17.5

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_RATIO_TO_REPORT.html
-- unordered
-- known-gap: the reference's output is of another WINSALES, whose QTY holds decimals (20.12312341, ...), and its ratios are rounded to two places; the window-functions page's WINSALES (integers) gives 0.5, 0.5, 0.2, 0.8, 0.6, 0.2, 0.2, ...
select sellerid, qty, ratio_to_report(qty)
over (partition by sellerid)
from winsales;
-- expect:
-- 2 | 20.12312341 | 0.5
-- 2 | 20.08630000 | 0.5
-- 4 | 10.12414400 | 0.2
-- 4 | 40.23000000 | 0.8
-- 1 | 30.37262000 | 0.6
-- 1 | 10.64000000 | 0.21
-- 1 | 10.00000000 | 0.2
-- 3 | 10.03500000 | 0.13
-- 3 | 15.14660000 | 0.2
-- 3 | 30.54790000 | 0.4
-- 3 | 20.74630000 | 0.27

-- setup
create table sales (salesid int, sellerid int, qtysold smallint, pricepaid decimal(8,2));
insert into sales (salesid, sellerid, qtysold) values
  (1, 1, 1), (2, 2, 3), (3, 5, 2), (4, 9, 4), (5, 12, 1), (6, 16, 1), (7, 19, 2), (8, 19, 3),
  (9, 22, 2), (10, 25, 2);

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_MEDIAN.html
-- unordered
select top 10  distinct sellerid, qtysold,
percentile_cont(0.5) within group (order by qtysold),
median (qtysold)
from sales
group by sellerid, qtysold;
-- expect:
-- 1 | 1 | 1.0 | 1.0
-- 2 | 3 | 3.0 | 3.0
-- 5 | 2 | 2.0 | 2.0
-- 9 | 4 | 4.0 | 4.0
-- 12 | 1 | 1.0 | 1.0
-- 16 | 1 | 1.0 | 1.0
-- 19 | 2 | 2.0 | 2.0
-- 19 | 3 | 3.0 | 3.0
-- 22 | 2 | 2.0 | 2.0
-- 25 | 2 | 2.0 | 2.0

-- setup
insert into sales (salesid, pricepaid) select 100 + n, n from generate_series(1, 4528) n;

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_COUNT.html
select  count(distinct pricepaid) from sales;
-- expect:
-- 4528

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_COUNT.html
-- known-gap: Redshift's APPROXIMATE COUNT(DISTINCT) is a HyperLogLog estimate (4541 for 4528 values); the engine counts exactly
select approximate count(distinct pricepaid) from sales;
-- expect:
-- 4541

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_AVG.html
select salesid, dateid, sellerid, qty,
avg(qty) over
(order by dateid, salesid rows unbounded preceding) as avg
from winsales
order by 2,1;
-- expect:
-- 30001 | 2003-08-02 | 3 | 10 | 10
-- 10001 | 2003-12-24 | 1 | 10 | 10
-- 10005 | 2003-12-24 | 1 | 30 | 16
-- 40001 | 2004-01-09 | 4 | 40 | 22
-- 10006 | 2004-01-18 | 1 | 10 | 20
-- 20001 | 2004-02-12 | 2 | 20 | 20
-- 40005 | 2004-02-12 | 4 | 10 | 18
-- 20002 | 2004-02-16 | 2 | 20 | 18
-- 30003 | 2004-04-18 | 3 | 15 | 18
-- 30004 | 2004-04-18 | 3 | 20 | 18
-- 30007 | 2004-09-07 | 3 | 30 | 19

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_MAX.html
select salesid, qty,
max(qty) over (order by salesid rows unbounded preceding) as max
from winsales
order by salesid;
-- expect:
-- 10001 | 10 | 10
-- 10005 | 30 | 30
-- 10006 | 10 | 30
-- 20001 | 20 | 30
-- 20002 | 20 | 30
-- 30001 | 10 | 30
-- 30003 | 15 | 30
-- 30004 | 20 | 30
-- 30007 | 30 | 30
-- 40001 | 40 | 40
-- 40005 | 10 | 40

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_MAX.html
select salesid, qty,
max(qty) over (order by salesid rows between 2 preceding and 1 preceding) as max
from winsales
order by salesid;
-- expect:
-- 10001 | 10 | 
-- 10005 | 30 | 10
-- 10006 | 10 | 30
-- 20001 | 20 | 30
-- 20002 | 20 | 20
-- 30001 | 10 | 20
-- 30003 | 15 | 20
-- 30004 | 20 | 15
-- 30007 | 30 | 20
-- 40001 | 40 | 30
-- 40005 | 10 | 40

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_RANK.html
select salesid, qty,
rank() over (order by qty) as rnk
from winsales
order by 2,1;
-- expect:
-- 10001 | 10 | 1
-- 10006 | 10 | 1
-- 30001 | 10 | 1
-- 40005 | 10 | 1
-- 30003 | 15 | 5
-- 20001 | 20 | 6
-- 20002 | 20 | 6
-- 30004 | 20 | 6
-- 10005 | 30 | 9
-- 30007 | 30 | 9
-- 40001 | 40 | 11

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_RANK.html
select salesid, qty,
rank() over (order by qty desc) as rank
from winsales
order by 2,1;
-- expect:
-- 10001 | 10 | 8
-- 10006 | 10 | 8
-- 30001 | 10 | 8
-- 40005 | 10 | 8
-- 30003 | 15 | 7
-- 20001 | 20 | 4
-- 20002 | 20 | 4
-- 30004 | 20 | 4
-- 10005 | 30 | 2
-- 30007 | 30 | 2
-- 40001 | 40 | 1

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_RANK.html
select salesid, sellerid, qty, rank() over
(partition by sellerid
order by qty desc) as rank
from winsales
order by 2,3,1;
-- expect:
-- 10001 | 1 | 10 | 2
-- 10006 | 1 | 10 | 2
-- 10005 | 1 | 30 | 1
-- 20001 | 2 | 20 | 1
-- 20002 | 2 | 20 | 1
-- 30001 | 3 | 10 | 4
-- 30003 | 3 | 15 | 3
-- 30004 | 3 | 20 | 2
-- 30007 | 3 | 30 | 1
-- 40005 | 4 | 10 | 2
-- 40001 | 4 | 40 | 1

-- setup
create table sales_stddev (salesid int, dateid smallint, pricepaid decimal(8,2));
insert into sales_stddev values (33095, 1827, 234.00), (65082, 1827, 472.00),
  (88268, 1827, 836.00), (97197, 1827, 708.00), (110328, 1827, 347.00), (110917, 1827, 337.00),
  (150314, 1827, 688.00), (157751, 1827, 1730.00), (165890, 1827, 4192.00);

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_WF_STDDEV.html
-- (the reference's SALES, with the nine rows its output shows, named apart from this file's SALES)
select salesid, dateid, pricepaid,
round(stddev_pop(pricepaid) over
(order by dateid, salesid rows unbounded preceding)) as stddevpop,
round(var_pop(pricepaid) over
(order by dateid, salesid rows unbounded preceding)) as varpop
from sales_stddev
order by 2,1;
-- expect:
-- 33095 | 1827 | 234.00 | 0 | 0
-- 65082 | 1827 | 472.00 | 119 | 14161
-- 88268 | 1827 | 836.00 | 248 | 61283
-- 97197 | 1827 | 708.00 | 230 | 53019
-- 110328 | 1827 | 347.00 | 223 | 49845
-- 110917 | 1827 | 337.00 | 215 | 46159
-- 150314 | 1827 | 688.00 | 211 | 44414
-- 157751 | 1827 | 1730.00 | 447 | 199679
-- 165890 | 1827 | 4192.00 | 1185 | 1403323
