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
