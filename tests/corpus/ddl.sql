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

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
create table myevent(
eventid int,
eventname varchar(200),
eventcity varchar(30))
diststyle even;
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
-- known-gap: a column created without ENCODE shows none; the reference shows lzo, the encoding Redshift chose by itself for a column that is not a sort key when the example was written (it now picks AZ64 for numbers and dates, LZO for strings)
select "column", type, encoding, distkey, sortkey
from pg_table_def where tablename = 'myevent';
-- expect:
-- eventid | integer | lzo | f | 0
-- eventname | character varying(200) | lzo | f | 0
-- eventcity | character varying(30) | lzo | f | 0

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
create table t1(col1 int distkey, col2 int) diststyle key;
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
-- known-gap: a column created without ENCODE shows none; the reference shows lzo (see myevent's case)
select "column", type, encoding, distkey, sortkey
from pg_table_def where tablename = 't1';
-- expect:
-- col1 | integer | lzo | t | 0
-- col2 | integer | lzo | f | 0

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
create table t2(col1 int distkey sortkey, col2 int);
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
-- known-gap: a column created without ENCODE shows none; the reference shows lzo for the one that is not the sort key (see myevent's case)
select "column", type, encoding, distkey, sortkey
from pg_table_def where tablename = 't2';
-- expect:
-- col1 | integer | none | t | 1
-- col2 | integer | lzo | f | 0

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
create table t3(col1 int, col2 int sortkey) diststyle all;
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
-- known-gap: a column created without ENCODE shows none; the reference shows lzo for the one that is not the sort key (see myevent's case)
select "column", type, encoding, distkey, sortkey
from pg_table_def where tablename = 't3';
-- expect:
-- col1 | integer | lzo | f | 0
-- col2 | integer | none | f | 1

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
create table t4(col1 int, col2 int) diststyle even;
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
-- known-gap: a column created without ENCODE shows none; the reference shows lzo (see myevent's case)
select "column", type, encoding, distkey, sortkey
from pg_table_def where tablename = 't4';
-- expect:
-- col1 | integer | lzo | f | 0
-- col2 | integer | lzo | f | 0

-- setup
drop table t1;

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
CREATE TABLE t1(
  hist_id BIGINT IDENTITY NOT NULL, /* Cannot be overridden */
  base_id BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL, /* Can be overridden */
  business_key varchar(10) ,
  some_field varchar(10)
);
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
INSERT INTO T1 (business_key, some_field) values ('A','MM');
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
SELECT * FROM t1;
-- expect:
-- 1 | 1 | A | MM

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
INSERT INTO T1 (base_id, business_key, some_field) values (DEFAULT, 'B','MNOP');
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
-- unordered
SELECT * FROM t1;
-- expect:
-- 1 | 1 | A | MM
-- 2 | 2 | B | MNOP

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
INSERT INTO T1 (base_id, business_key, some_field) values (2,'B','MNNN');
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
-- unordered
SELECT * FROM t1;
-- expect:
-- 1 | 1 | A | MM
-- 2 | 2 | B | MNOP
-- 3 | 2 | B | MNNN

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
create table categorydef(
catid smallint not null default 0,
catgroup varchar(10) default 'Special',
catname varchar(10) default 'Other',
catdesc varchar(50) default 'Special events',
primary key(catid));
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
insert into categorydef values(default,default,default,default);
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_examples.html
select * from categorydef;
-- expect:
-- 0 | Special | Other | Special events
