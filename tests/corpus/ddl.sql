-- DDL with Redshift's options, and what the catalog then shows. ALTER TABLE APPEND's example:
-- SALES and SALES_MONTHLY with the columns and attributes its PG_TABLE_DEF output shows, and
-- the row counts it shows.

-- setup
create table sales (
  salesid integer not null encode lzo,
  listid integer not null distkey,
  sellerid integer not null,
  buyerid integer not null encode lzo,
  eventid integer not null encode mostly16,
  dateid smallint not null encode lzo,
  qtysold smallint not null encode mostly8,
  pricepaid decimal(8,2) encode delta32k,
  commission decimal(8,2) encode delta32k,
  saletime timestamp encode lzo)
compound sortkey (listid, sellerid);
create table salesmonth (like sales);
create table sales_monthly (like sales);
insert into sales (salesid, listid, sellerid, buyerid, eventid, dateid, qtysold)
  select n, n, n, n, n, 1, 1 from generate_series(1, 412214) n;
insert into sales_monthly (salesid, listid, sellerid, buyerid, eventid, dateid, qtysold)
  select n, n, n, n, n, 1, 1 from generate_series(1, 2000) n;

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE_APPEND.html
-- unordered
select trim(tablename) as table, "column", trim(type) as type,
encoding, distkey, sortkey, "notnull"
from pg_table_def where tablename in ('sales', 'salesmonth');
-- expect:
-- sales | salesid | integer | lzo | false | 0 | true
-- sales | listid | integer | none | true | 1 | true
-- sales | sellerid | integer | none | false | 2 | true
-- sales | buyerid | integer | lzo | false | 0 | true
-- sales | eventid | integer | mostly16 | false | 0 | true
-- sales | dateid | smallint | lzo | false | 0 | true
-- sales | qtysold | smallint | mostly8 | false | 0 | true
-- sales | pricepaid | numeric(8,2) | delta32k | false | 0 | false
-- sales | commission | numeric(8,2) | delta32k | false | 0 | false
-- sales | saletime | timestamp without time zone | lzo | false | 0 | false
-- salesmonth | salesid | integer | lzo | false | 0 | true
-- salesmonth | listid | integer | none | true | 1 | true
-- salesmonth | sellerid | integer | none | false | 2 | true
-- salesmonth | buyerid | integer | lzo | false | 0 | true
-- salesmonth | eventid | integer | mostly16 | false | 0 | true
-- salesmonth | dateid | smallint | lzo | false | 0 | true
-- salesmonth | qtysold | smallint | mostly8 | false | 0 | true
-- salesmonth | pricepaid | numeric(8,2) | delta32k | false | 0 | false
-- salesmonth | commission | numeric(8,2) | delta32k | false | 0 | false
-- salesmonth | saletime | timestamp without time zone | lzo | false | 0 | false

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE_APPEND.html
select count(*) from sales_monthly;
-- expect:
-- 2000

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE_APPEND.html
alter table sales append from sales_monthly;
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE_APPEND.html
select count(*) from sales_monthly;
-- expect:
-- 0

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE_APPEND.html
select count(*) from sales;
-- expect:
-- 414214

-- setup
create table sales_listing (like sales);
alter table sales_listing add column listing_note varchar(20);
insert into sales_listing (salesid, listid, sellerid, buyerid, eventid, dateid, qtysold, listing_note)
  values (1, 1, 1, 1, 1, 1, 1, 'extra');
create table sales_month (like sales);
insert into sales_month (salesid, listid, sellerid, buyerid, eventid, dateid, qtysold)
  values (2, 2, 2, 2, 2, 2, 2);
create table sales_report (like sales);
alter table sales_report add column region varchar(10) default 'none';

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE_APPEND.html
alter table sales append from sales_listing ignoreextra;
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE_APPEND.html
alter table sales_report append from sales_month filltarget;
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE_APPEND.html
select count(*) from sales_listing;
-- expect:
-- 0

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE_APPEND.html
select count(*), max(region) from sales_report;
-- expect:
-- 1 | none
