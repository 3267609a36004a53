-- Regular-expression functions. Where an example reads the TICKIT sample database, the rows
-- it reads are the ones the example's own output shows.

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_COUNT.html
select regexp_count('abcdefghijklmnopqrstuvwxyz', '[a-z]{3}');
-- expect:
-- 8

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_COUNT.html
SELECT REGEXP_COUNT('the fox', 'FOX', 1, 'i');
-- expect:
-- 1

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_COUNT.html
SELECT REGEXP_COUNT('passwd7 plain A1234 a1234', '(?=[^ ]*[a-z])(?=[^ ]*[0-9])[^ ]+', 1, 'p');
-- expect:
-- 2

-- setup
create table users (userid int, email varchar(100));
insert into users values
  (1, 'Etiam.laoreet.libero@sodalesMaurisblandit.edu'),
  (2, 'Suspendisse.tristique@nonnisiAenean.edu'),
  (3, 'amet.faucibus.ut@condimentumegetvolutpat.ca'),
  (4, 'sed@lacusUtnec.ca'),
  (5, 'elementum@semperpretiumneque.ca'),
  (6, 'Integer.mollis.Integer@tristiquealiquet.org'),
  (7, 'lorem.ipsum@Vestibulumante.com'),
  (8, 'euismod@turpis.org'),
  (9, 'non.justo.Proin@ametconsectetuer.edu'),
  (10, 'Cum@accumsan.com'),
  (11, 'non.ante.bibendum@porttitortellus.org'),
  (12, 'eros@blanditatnisi.org');

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_COUNT.html
select email, regexp_count(email,'@[^.]*\\.(org|edu)') from users where userid between 5 and 9 order by userid;
-- expect:
-- elementum@semperpretiumneque.ca | 0
-- Integer.mollis.Integer@tristiquealiquet.org | 1
-- lorem.ipsum@Vestibulumante.com | 0
-- euismod@turpis.org | 1
-- non.justo.Proin@ametconsectetuer.edu | 1

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_SUBSTR.html
SELECT email, regexp_substr(email,'@[^.]*') FROM users ORDER BY userid LIMIT 4;
-- expect:
-- Etiam.laoreet.libero@sodalesMaurisblandit.edu | @sodalesMaurisblandit
-- Suspendisse.tristique@nonnisiAenean.edu | @nonnisiAenean
-- amet.faucibus.ut@condimentumegetvolutpat.ca | @condimentumegetvolutpat
-- sed@lacusUtnec.ca | @lacusUtnec

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_SUBSTR.html
SELECT regexp_substr('the fox', 'FOX', 1, 1, 'i');
-- expect:
-- fox

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_SUBSTR.html
SELECT regexp_substr('passwd7 plain A1234 a1234', '(?=[^ ]*[a-z])(?=[^ ]*[0-9])[^ ]+', 1, 2, 'p');
-- expect:
-- a1234

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_SUBSTR.html
SELECT regexp_substr('passwd7 plain A1234 a1234', '(?=[^ ]*[a-z])(?=[^ ]*[0-9])[^ ]+', 1, 2, 'ip');
-- expect:
-- A1234

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_REPLACE.html
SELECT email, regexp_replace(email, '@.*\\.(org|gov|com|edu|ca)$') FROM users ORDER BY userid LIMIT 4;
-- expect:
-- Etiam.laoreet.libero@sodalesMaurisblandit.edu | Etiam.laoreet.libero
-- Suspendisse.tristique@nonnisiAenean.edu | Suspendisse.tristique
-- amet.faucibus.ut@condimentumegetvolutpat.ca | amet.faucibus.ut
-- sed@lacusUtnec.ca | sed

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_REPLACE.html
SELECT email, regexp_replace(email, '@.*\\.[[:alpha:]]{2,3}', '@internal.company.com') FROM users ORDER BY userid LIMIT 4;
-- expect:
-- Etiam.laoreet.libero@sodalesMaurisblandit.edu | Etiam.laoreet.libero@internal.company.com
-- Suspendisse.tristique@nonnisiAenean.edu | Suspendisse.tristique@internal.company.com
-- amet.faucibus.ut@condimentumegetvolutpat.ca | amet.faucibus.ut@internal.company.com
-- sed@lacusUtnec.ca | sed@internal.company.com

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_REPLACE.html
SELECT regexp_replace('the fox', 'FOX', 'quick brown fox', 1, 'i');
-- expect:
-- the quick brown fox

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_REPLACE.html
SELECT regexp_replace('passwd7 plain A1234 a1234', '(?=[^ ]*[a-z])(?=[^ ]*[0-9])[^ ]+', '[hidden]', 1, 'p');
-- expect:
-- [hidden] plain A1234 [hidden]

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_REPLACE.html
SELECT regexp_replace('passwd7 plain A1234 a1234', '(?=[^ ]*[a-z])(?=[^ ]*[0-9])[^ ]+', '[hidden]', 1, 'ip');
-- expect:
-- [hidden] plain [hidden] [hidden]

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_INSTR.html
select email, regexp_instr(email,'@[^.]*') from users where userid in (10, 7, 9, 11, 12) order by strpos(email, '@');
-- expect:
-- Cum@accumsan.com | 4
-- eros@blanditatnisi.org | 5
-- lorem.ipsum@Vestibulumante.com | 12
-- non.justo.Proin@ametconsectetuer.edu | 16
-- non.ante.bibendum@porttitortellus.org | 18

-- setup
create table venue (venueid int, venuename varchar(100));
insert into venue values (1, 'The Home Depot Center'), (2, 'Izod Center'), (3, 'Wachovia Center'),
  (4, 'Air Canada Centre'), (5, 'United Center'), (6, 'Madison Square Garden');

-- source: https://docs.aws.amazon.com/redshift/latest/dg/REGEXP_INSTR.html
select venuename, regexp_instr(venuename,'[cC]ent(er|re)$') from venue where regexp_instr(venuename,'[cC]ent(er|re)$') > 0 order by venueid limit 5;
-- expect:
-- The Home Depot Center | 16
-- Izod Center | 6
-- Wachovia Center | 10
-- Air Canada Centre | 12
-- United Center | 8
