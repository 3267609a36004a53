-- SELECT's Redshift forms (TOP, EXCEPT and its synonym MINUS): the examples of the SQL
-- reference's pages. Where an example reads the TICKIT sample database, its setup makes the
-- rows the example's output shows.

-- setup
create table sales (qtysold smallint, sellerid int);
insert into sales values (8, 518), (8, 520), (8, 574), (8, 718), (8, 868), (8, 2663),
  (8, 3396), (8, 3726), (8, 5250), (8, 6216);

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_Examples_with_TOP.html
select top 10 qtysold, sellerid
from sales
order by qtysold desc, sellerid;
-- expect:
-- 8 | 518
-- 8 | 520
-- 8 | 574
-- 8 | 718
-- 8 | 868
-- 8 | 2663
-- 8 | 3396
-- 8 | 3726
-- 8 | 5250
-- 8 | 6216

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_Examples_with_TOP.html
select top 2 qtysold, sellerid
from sales
order by qtysold desc, sellerid;
-- expect:
-- 8 | 518
-- 8 | 520

-- setup
create table category (catid smallint, catgroup varchar(10), catname varchar(10), catdesc varchar(50));
insert into category values
  (1, 'Sports', 'MLB', 'Major League Baseball'), (2, 'Sports', 'NHL', 'National Hockey League'),
  (3, 'Sports', 'NFL', 'National Football League'),
  (4, 'Sports', 'NBA', 'National Basketball Association'),
  (5, 'Sports', 'MLS', 'Major League Soccer'), (6, 'Shows', 'Musicals', 'Musical theatre'),
  (7, 'Shows', 'Plays', 'All non-musical theatre'), (8, 'Shows', 'Opera', 'All opera and light opera'),
  (9, 'Concerts', 'Pop', 'All rock and pop music concerts'),
  (10, 'Concerts', 'Jazz', 'All jazz singers and bands'),
  (11, 'Concerts', 'Classical', 'All symphony, concerto, and choir concerts');
create table category_stage (like category);
insert into category_stage select * from category;
insert into category_stage values (12, 'Concerts', 'Comedy', 'All stand up comedy performances');

-- source: https://docs.aws.amazon.com/redshift/latest/dg/c_Example_MINUS_query.html
select * from category_stage
except
select * from category;
-- expect:
-- 12 | Concerts | Comedy | All stand up comedy performances

-- source: https://docs.aws.amazon.com/redshift/latest/dg/c_Example_MINUS_query.html
select * from category_stage
minus
select * from category;
-- expect:
-- 12 | Concerts | Comedy | All stand up comedy performances

-- source: https://docs.aws.amazon.com/redshift/latest/dg/c_Example_MINUS_query.html
-- (the reference: "If you reverse the order of the SELECT expressions, the query returns no rows.")
select * from category
minus
select * from category_stage;
-- expect:
