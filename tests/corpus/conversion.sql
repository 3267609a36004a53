-- Type conversion (CAST and CONVERT): the examples of the SQL reference's pages. Where an
-- example reads the TICKIT sample database, its setup makes the rows the example's output
-- shows.

-- setup
create table sales (salesid int, pricepaid decimal(8,2));
insert into sales values (100, 162.00);

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CAST_function.html
select cast(pricepaid as integer)
from sales where salesid=100;
-- expect:
-- 162

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CAST_function.html
select pricepaid::integer
from sales where salesid=100;
-- expect:
-- 162

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CAST_function.html
select cast(162.00 as integer) as pricepaid;
-- expect:
-- 162

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CAST_function.html
select convert(integer, pricepaid)
from sales where salesid=100;
-- expect:
-- 162

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CAST_function.html
select cast('2008-02-18 02:36:48' as date) as mysaletime;
-- expect:
-- 2008-02-18

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CAST_function.html
select cast(2008 as char(4));
-- expect:
-- 2008

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CAST_function.html
select cast(109.652 as decimal(4,1));
-- expect:
-- 109.7

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CAST_function.html
select 123.456::decimal(2,1);
-- expect-error:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CAST_function.html
select 12345678::smallint;
-- expect-error:
