-- Conditional expressions: the examples of the SQL reference's pages.

-- setup
create table category (catid smallint, catname varchar(10));
insert into category values (1, 'MLB'), (2, 'NHL'), (3, 'NFL'), (4, 'NBA'), (5, 'MLS'),
  (6, 'Musicals'), (7, 'Plays'), (8, 'Opera'), (9, 'Pop'), (10, 'Jazz'), (11, 'Classical');

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DECODE_expression.html
select catid, decode(catname,
'NHL', 'National Hockey League',
'MLB', 'Major League Baseball',
'MLS', 'Major League Soccer',
'NFL', 'National Football League',
'NBA', 'National Basketball Association',
'Unknown')
from category
order by catid;
-- expect:
-- 1 | Major League Baseball
-- 2 | National Hockey League
-- 3 | National Football League
-- 4 | National Basketball Association
-- 5 | Major League Soccer
-- 6 | Unknown
-- 7 | Unknown
-- 8 | Unknown
-- 9 | Unknown
-- 10 | Unknown
-- 11 | Unknown

-- setup
create table datetable (caldate date, month char(3));
insert into datetable select d::date, 'JUN' from generate_series(date '2008-06-01', date '2008-06-30', interval '1 day') d;

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_DECODE_expression.html
select decode(caldate, '2008-06-01', 'June 1st, 2008')
from datetable where month='JUN' order by caldate limit 2;
-- expect:
-- June 1st, 2008
-- 
