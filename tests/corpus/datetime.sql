-- Date and time functions: the examples of the SQL reference's pages.

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATEDIFF_function.html
select datediff(week,'2009-01-01','2009-12-31') as numweeks;
-- expect:
-- 52

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATEDIFF_function.html
select datediff(minute, time '20:00:00', time '21:00:00') as nummins;
-- expect:
-- 60

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATEDIFF_function.html
select datediff(hours, timetz '20:00:00 PST', timetz '00:58:00 EST') as numhours;
-- expect:
-- 1

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATEADD_function.html
select dateadd(month,18,'2008-02-28');
-- expect:
-- 2009-08-28 00:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATEADD_function.html
select dateadd(m,30,'2008-02-28');
-- expect:
-- 2008-02-28 00:30:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATEADD_function.html
select dateadd(hour, 8, time '13:24:55');
-- expect:
-- 21:24:55

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATEADD_function.html
select dateadd(hour, 12, time '13:24:55');
-- expect:
-- 01:24:55

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATEADD_function.html
select dateadd(hour, 2, timetz '13:24:55 PST');
-- expect:
-- 23:24:55+00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATEADD_function.html
select add_months('2008-04-30',1);
-- expect:
-- 2008-05-31 00:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATEADD_function.html
select dateadd(month,1,'2008-04-30');
-- expect:
-- 2008-05-30 00:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATEADD_function.html
select dateadd(month,12,'2016-02-29');
-- expect:
-- 2017-02-28 00:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATEADD_function.html
select dateadd(year, 1, '2016-02-29');
-- expect:
-- 2017-03-01 00:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_PART_function.html
-- known-gap: the reference prints 6, though the minute of 04:05:06.789 is 5 (the engine says 5)
SELECT DATE_PART(minute, timestamp '20230104 04:05:06.789');
-- expect:
-- 6

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_PART_function.html
SELECT DATE_PART(week, timestamp '20220502 04:05:06.789');
-- expect:
-- 18

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_PART_function.html
SELECT DATE_PART(day, timestamp '20220502 04:05:06.789');
-- expect:
-- 2

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_PART_function.html
SELECT DATE_PART(dayofweek, timestamp '20220502 04:05:06.789');
-- expect:
-- 1

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_PART_function.html
SELECT DATE_PART(century, timestamp '20220502 04:05:06.789');
-- expect:
-- 21

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_PART_function.html
SELECT DATE_PART(month, date '20220502');
-- expect:
-- 5

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_PART_function.html
select date_part(w, listtime) as weeks, listtime from (select timestamp '2008-06-17 09:44:54' as listtime) listing;
-- expect:
-- 25 | 2008-06-17 09:44:54

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_EXTRACT_function.html
select extract(minute from timestamp '2009-09-09 12:08:43');
-- expect:
-- 8

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_EXTRACT_function.html
select extract(ms from timestamp '2009-09-09 12:08:43.101');
-- expect:
-- 101

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_EXTRACT_function.html
select extract(year from timestamptz '1.12.1997 07:37:16.00 PST');
-- expect:
-- 1997

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_EXTRACT_function.html
select extract(ms from time '18:25:33.123456');
-- expect:
-- 123

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_EXTRACT_function.html
select extract(ms from timetz '18:25:33.123456 EST');
-- expect:
-- 123

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_EXTRACT_function.html
select extract(timezone_hour from timetz '1.12.1997 07:37:16.00 PDT');
-- expect:
-- -7

-- setup
create table time_test (time_val time);
insert into time_test values ('20:00:00'), ('00:00:00.5550'), ('00:58:00');

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_EXTRACT_function.html
-- unordered
select extract(minute from time_val) as minutes from time_test;
-- expect:
-- 0
-- 0
-- 58

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_EXTRACT_function.html
-- unordered
select extract(hour from time_val) as hours from time_test;
-- expect:
-- 20
-- 0
-- 0

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_TRUNC.html
SELECT DATE_TRUNC('second', TIMESTAMP '20200430 04:05:06.789');
-- expect:
-- 2020-04-30 04:05:06

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_TRUNC.html
SELECT DATE_TRUNC('minute', TIMESTAMP '20200430 04:05:06.789');
-- expect:
-- 2020-04-30 04:05:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_TRUNC.html
SELECT DATE_TRUNC('hour', TIMESTAMP '20200430 04:05:06.789');
-- expect:
-- 2020-04-30 04:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_TRUNC.html
SELECT DATE_TRUNC('day', TIMESTAMP '20200430 04:05:06.789');
-- expect:
-- 2020-04-30 00:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_TRUNC.html
SELECT DATE_TRUNC('month', TIMESTAMP '20200430 04:05:06.789');
-- expect:
-- 2020-04-01 00:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_TRUNC.html
SELECT DATE_TRUNC('quarter', TIMESTAMP '20200430 04:05:06.789');
-- expect:
-- 2020-04-01 00:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_TRUNC.html
SELECT DATE_TRUNC('year', TIMESTAMP '20200430 04:05:06.789');
-- expect:
-- 2020-01-01 00:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_TRUNC.html
SELECT DATE_TRUNC('millennium', TIMESTAMP '20200430 04:05:06.789');
-- expect:
-- 2001-01-01 00:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_TRUNC.html
select date_trunc('week', TIMESTAMP '20220430 04:05:06.789');
-- expect:
-- 2022-04-25 00:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_TO_CHAR.html
select to_char(timestamp '2009-12-31 23:15:59', 'MONTH-DY-DD-YYYY HH12:MIPM');
-- expect:
-- DECEMBER -THU-31-2009 11:15PM

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_TO_CHAR.html
select to_char(timestamp '2009-12-31 23:15:59', 'DDD');
-- expect:
-- 365

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_TO_CHAR.html
select to_char(timestamp '2022-05-16 23:15:59', 'ID');
-- expect:
-- 1

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_TO_CHAR.html
select to_char(date '2009-12-31', 'MONTH');
-- expect:
-- DECEMBER

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_TO_CHAR.html
select to_char(timestamp '2009-12-31 23:15:59','HH24:MI:SS');
-- expect:
-- 23:15:59

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_TO_CHAR.html
select starttime, to_char(starttime, 'MON-DD-YYYY HH12:MIPM') from (select timestamp '2008-01-25 14:30:00' as starttime) event;
-- expect:
-- 2008-01-25 14:30:00 | JAN-25-2008 02:30PM

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_TO_DATE_function.html
select to_date('02 Oct 2001', 'DD Mon YYYY');
-- expect:
-- 2001-10-02

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_TO_DATE_function.html
select to_date('20010631', 'YYYYMMDD', FALSE);
-- expect:
-- 2001-07-01

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_MONTHS_BETWEEN_function.html
select months_between('1969-01-18', '1969-03-18')
as months;
-- expect:
-- -2

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_MONTHS_BETWEEN_function.html
select months_between('1969-01-18', '1969-01-18') as months;
-- expect:
-- 0

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_NEXT_DAY.html
select next_day('2014-08-20','Tuesday');
-- expect:
-- 2014-08-26

-- setup
create table sales (salesid int, saletime timestamp, qtysold smallint);
insert into sales values
  (1, '2008-01-31 10:00:00', 10140), (2, '2008-02-28 10:00:00', 11187),
  (3, '2008-03-29 10:00:00', 11515), (4, '2008-04-27 10:00:00', 11217),
  (5, '2008-05-27 10:00:00', 11446), (6, '2008-06-25 10:00:00', 11708),
  (7, '2008-07-25 10:00:00', 10988);

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_LAST_DAY.html
select datediff(day, saletime, last_day(saletime)) as "Days Remaining", sum(qtysold)
from sales
where datediff(day, saletime, last_day(saletime)) < 7
group by 1
order by 1;
-- expect:
-- 0 | 10140
-- 1 | 11187
-- 2 | 11515
-- 3 | 11217
-- 4 | 11446
-- 5 | 11708
-- 6 | 10988

-- setup
create table listing_tz (listid int, listtime timestamp);
insert into listing_tz values (16, '2008-08-24 09:36:12');

-- source: https://docs.aws.amazon.com/redshift/latest/dg/CONVERT_TIMEZONE.html
select listtime, convert_timezone('PST', listtime) from listing_tz
where listid = 16;
-- expect:
-- 2008-08-24 09:36:12 | 2008-08-24 01:36:12

-- source: https://docs.aws.amazon.com/redshift/latest/dg/CONVERT_TIMEZONE.html
select listtime, convert_timezone('US/Pacific', listtime) from listing_tz
where listid = 16;
-- expect:
-- 2008-08-24 09:36:12 | 2008-08-24 02:36:12

-- source: https://docs.aws.amazon.com/redshift/latest/dg/CONVERT_TIMEZONE.html
select convert_timezone('EST', 'PST', '20080305 12:25:29');
-- expect:
-- 2008-03-05 09:25:29

-- source: https://docs.aws.amazon.com/redshift/latest/dg/CONVERT_TIMEZONE.html
select convert_timezone('America/New_York', '2013-02-01 08:00:00');
-- expect:
-- 2013-02-01 03:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/CONVERT_TIMEZONE.html
select convert_timezone('America/New_York', '2013-06-01 08:00:00');
-- expect:
-- 2013-06-01 04:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/CONVERT_TIMEZONE.html
SELECT CONVERT_TIMEZONE('GMT','NEWZONE +2','2014-05-17 12:00:00') as newzone_plus_2,
CONVERT_TIMEZONE('GMT','NEWZONE-2:15','2014-05-17 12:00:00') as newzone_minus_2_15,
CONVERT_TIMEZONE('GMT','America/Los_Angeles+2','2014-05-17 12:00:00') as la_plus_2,
CONVERT_TIMEZONE('GMT','GMT+2','2014-05-17 12:00:00') as gmt_plus_2;
-- expect:
-- 2014-05-17 10:00:00 | 2014-05-17 14:15:00 | 2014-05-17 10:00:00 | 2014-05-17 10:00:00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_TO_TIMESTAMP.html
SELECT to_timestamp('2011-12-18 24:38:15', 'YYYY-MM-DD HH24:MI:SS');
-- expect:
-- 2011-12-19 00:38:15+00

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_TO_TIMESTAMP.html
SELECT to_timestamp('2011-12-18 24:38:15', 'YYYY-MM-DD HH24:MI:SS', TRUE);
-- expect-error: out of range
