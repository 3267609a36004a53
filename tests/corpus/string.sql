-- String functions: the examples of the SQL reference's pages.

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_STRPOS.html
select strpos('dogfish', 'fist');
-- expect:
-- 0

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_STRPOS.html
select strpos('dogfish', 'fish');
-- expect:
-- 4

-- setup
create table listing (listid int, listtime timestamp);
insert into listing values (1, '2008-03-05 12:25:29'), (2, '2008-09-09 08:03:36'),
  (3, '2008-09-26 05:43:12'), (4, '2008-10-04 02:00:30'), (5, '2008-01-06 08:33:11');

-- source: https://docs.aws.amazon.com/redshift/latest/dg/SPLIT_PART.html
select listtime, split_part(listtime,'-',1) as year,
split_part(listtime,'-',2) as month,
split_part(split_part(listtime,'-',3),' ',1) as date
from listing order by listid limit 5;
-- expect:
-- 2008-03-05 12:25:29 | 2008 | 03 | 05
-- 2008-09-09 08:03:36 | 2008 | 09 | 09
-- 2008-09-26 05:43:12 | 2008 | 09 | 26
-- 2008-10-04 02:00:30 | 2008 | 10 | 04
-- 2008-01-06 08:33:11 | 2008 | 01 | 06

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_STRTOL.html
select strtol('0xf',16);
-- expect:
-- 15

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_STRTOL.html
select strtol('abcd1234',16);
-- expect:
-- 2882343476

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_STRTOL.html
select strtol('1234567', 10);
-- expect:
-- 1234567

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_STRTOL.html
select strtol('1234567', 8);
-- expect:
-- 342391

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_STRTOL.html
select strtol('110101', 2);
-- expect:
-- 53

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_STRTOL.html
-- known-gap: Redshift reads '\0' as a string holding the null character; the engine's text cannot hold one (invalid byte sequence 0x00)
select strtol('\0', 2);
-- expect:
-- 0

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_LEN.html
select octet_length('français'),
len('français');
-- expect:
-- 9 | 8

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_LEN.html
select len('cat'), len('cat   ');
-- expect:
-- 3 | 6

-- setup
create table venue (venueid int, venuename varchar(100));
insert into venue values
  (1, 'Saratoga Springs Performing Arts Center'), (2, 'Lincoln Center for the Performing Arts'),
  (3, 'Nassau Veterans Memorial Coliseum'), (4, 'Jacksonville Municipal Stadium'),
  (5, 'Rangers BallPark in Arlington'), (6, 'University of Phoenix Stadium'),
  (7, 'Circle in the Square Theatre'), (8, 'Hubert H. Humphrey Metrodome'),
  (9, 'Oriole Park at Camden Yards'), (10, 'Dick''s Sporting Goods Park');

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_LEN.html
select venuename, len(venuename)
from venue
order by 2 desc, 1
limit 10;
-- expect:
-- Saratoga Springs Performing Arts Center | 39
-- Lincoln Center for the Performing Arts | 38
-- Nassau Veterans Memorial Coliseum | 33
-- Jacksonville Municipal Stadium | 30
-- Rangers BallPark in Arlington | 29
-- University of Phoenix Stadium | 29
-- Circle in the Square Theatre | 28
-- Hubert H. Humphrey Metrodome | 28
-- Oriole Park at Camden Yards | 27
-- Dick's Sporting Goods Park | 26

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_LEN.html
select len('aaa'::varbyte);
-- expect:
-- 3

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CHARINDEX.html
select charindex('dog', 'fish');
-- expect:
-- 0

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CHARINDEX.html
select charindex('fish', 'dogfish');
-- expect:
-- 4

-- setup
create table sales (salesid int, commission decimal(8,2));
insert into sales select n, 1000.00 + n from generate_series(1, 629) n;

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_CHARINDEX.html
select distinct charindex('.', commission), count (charindex('.', commission))
from sales where charindex('.', commission) > 4 group by charindex('.', commission)
order by 1,2;
-- expect:
-- 5 | 629

-- setup
create table category (catid smallint, catname varchar(10));
insert into category select n, 'c' || n from generate_series(1, 11) n;

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_REPEAT.html
select catid, repeat(catid,3)
from category
order by 1,2;
-- expect:
-- 1 | 111
-- 2 | 222
-- 3 | 333
-- 4 | 444
-- 5 | 555
-- 6 | 666
-- 7 | 777
-- 8 | 888
-- 9 | 999
-- 10 | 101010
-- 11 | 111111
