-- Null-handling functions (NVL and COALESCE, NVL2, NULLIF): the examples of the SQL
-- reference's pages. Where an example reads the TICKIT sample database, its setup makes the
-- rows the example's output shows.

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_NVL_function.html
SELECT COALESCE(NULL, 12, NULL);
-- expect:
-- 12

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_NVL_function.html
SELECT COALESCE(NULL, 'Amazon Redshift', NULL);
-- expect:
-- Amazon Redshift

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_NVL_function.html
SELECT COALESCE(NULL, 'Amazon Redshift', 12);
-- expect-error: invalid input syntax for

-- setup
create table datetable (start_date date, end_date date);
insert into datetable values ('2008-06-01','2008-12-31');
insert into datetable values (null,'2008-12-31');
insert into datetable values ('2008-12-31',null);

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_NVL_function.html
select nvl(start_date, end_date)
from datetable
order by 1;
-- expect:
-- 2008-06-01
-- 2008-12-31
-- 2008-12-31

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_NVL_function.html
select coalesce(start_date, end_date)
from datetable
order by 1;
-- expect:
-- 2008-06-01
-- 2008-12-31
-- 2008-12-31

-- setup
create table booking_info (booking_id int, booking_code character(8), check_in date, check_out date, funds_collected numeric(12,2));
insert into booking_info values (1, 'OCEAN_WV', '2023-02-01','2023-02-03',100.00);
insert into booking_info values (2, 'OCEAN_WV', '2023-04-22','2023-04-26',120.00);
insert into booking_info values (3, 'DSRT_SUN', '2023-03-13','2023-03-16',125.00);
insert into booking_info values (4, 'DSRT_SUN', '2023-06-01','2023-06-03',140.00);
insert into booking_info values (5, 'DSRT_SUN', '2023-07-10',null,null);
insert into booking_info values (6, 'OCEAN_WV', '2023-08-15',null,null);

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_NVL_function.html
select coalesce(check_out, check_in)
from booking_info
order by check_out;
-- expect:
-- 2023-02-03
-- 2023-03-16
-- 2023-04-26
-- 2023-06-03
-- 2023-07-10
-- 2023-08-15

-- setup
create table users (userid int, firstname varchar(30), lastname varchar(30), state char(2),
  email varchar(100), phone char(14));
insert into users values
  (1, 'Aphrodite', 'Acevedo', 'WA', 'aphrodite@example.com', '(906) 632-4407'),
  (2, 'Caldwell', 'Acevedo', 'WA', 'Nunc.sollicitudin@Duisac.ca', null),
  (3, 'Quinn', 'Adams', 'WA', 'vel@adipiscingligulaAenean.com', null),
  (4, 'Kamal', 'Aguilar', 'WA', 'quis@vulputaterisusa.com', null),
  (5, 'Samson', 'Alexander', 'WA', 'hendrerit.neque@indolorFusce.ca', null),
  (6, 'Hall', 'Alford', 'WA', 'ac.mattis@vitaediamProin.edu', null),
  (7, 'Lane', 'Allen', 'WA', 'et.netus@risusDonec.org', null),
  (8, 'Xander', 'Allison', 'WA', 'ac.facilisis.facilisis@Infaucibus.com', null),
  (9, 'Amaya', 'Alvarado', 'WA', 'dui.nec.tempus@eudui.edu', null),
  (10, 'Vera', 'Alvarez', 'WA', 'at.arcu.Vestibulum@pellentesque.edu', null),
  (11, 'Yetta', 'Anthony', 'WA', 'enim.sit@risus.org', null),
  (12, 'Violet', 'Arnold', 'WA', 'ad.litora@at.com', null),
  (13, 'August', 'Ashley', 'WA', 'consectetuer.euismod@Phasellus.com', null),
  (14, 'Karyn', 'Austin', 'WA', 'ipsum.primis.in@Maurisblanditenim.org', null),
  (15, 'Lucas', 'Ayers', 'WA', 'at@elitpretiumet.com', null);
update users set email = null where firstname = 'Aphrodite' and lastname = 'Acevedo';

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_NVL2.html
select (firstname + ' ' + lastname) as name,
nvl2(email, email, phone) AS contact_info
from users
where state = 'WA'
and lastname  like 'A%'
order by lastname, firstname;
-- expect:
-- Aphrodite Acevedo | (906) 632-4407
-- Caldwell Acevedo | Nunc.sollicitudin@Duisac.ca
-- Quinn Adams | vel@adipiscingligulaAenean.com
-- Kamal Aguilar | quis@vulputaterisusa.com
-- Samson Alexander | hendrerit.neque@indolorFusce.ca
-- Hall Alford | ac.mattis@vitaediamProin.edu
-- Lane Allen | et.netus@risusDonec.org
-- Xander Allison | ac.facilisis.facilisis@Infaucibus.com
-- Amaya Alvarado | dui.nec.tempus@eudui.edu
-- Vera Alvarez | at.arcu.Vestibulum@pellentesque.edu
-- Yetta Anthony | enim.sit@risus.org
-- Violet Arnold | ad.litora@at.com
-- August Ashley | consectetuer.euismod@Phasellus.com
-- Karyn Austin | ipsum.primis.in@Maurisblanditenim.org
-- Lucas Ayers | at@elitpretiumet.com

-- setup
create table sales (salesid int, listid int);
insert into sales values (1, 1), (2, 4), (3, 5), (4, 5), (5, 6), (6, 10), (7, 10), (8, 10), (9, 10);

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_NULLIF_function.html
select nullif(listid,salesid), salesid
from sales where salesid<10 order by 1, 2 desc;
-- expect:
-- 4 | 2
-- 5 | 4
-- 5 | 3
-- 6 | 5
-- 10 | 9
-- 10 | 8
-- 10 | 7
-- 10 | 6
--  | 1

-- setup
create table category (catid smallint, catgroup varchar(10), catname varchar(10), catdesc varchar(50));
insert into category
values(0,'','Special','Special');

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_NULLIF_function.html
select nullif(catgroup,'') from category
where catdesc='Special';
-- expect:
-- 

-- setup
create table nulliftest(c1 char(2), c2 char(2));
insert into nulliftest values ('a','a ');
insert into nulliftest values ('b','b');

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_NULLIF_function.html
select nullif(c1,c2) from nulliftest;
-- expect:
-- 
-- 
