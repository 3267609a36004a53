-- Installed once into the engine's template (template1 and postgres), so every database of
-- every namespace has it. Redshift's functions that need no syntax of their own live here;
-- what needs syntax (bare date parts, SYSDATE, NVL's many arguments, DDL options) is
-- rewritten by sql::dialect.

-- Redshift lets every user create in schema public; PostgreSQL 15 no longer does.
GRANT ALL ON SCHEMA public TO PUBLIC;

-- Redshift's date part names and abbreviations, as PostgreSQL names the part.
CREATE FUNCTION pg_catalog.redshift_datepart(part text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE lower(btrim(part))
    WHEN 'millennium' THEN 'millennium' WHEN 'millennia' THEN 'millennium'
    WHEN 'mil' THEN 'millennium' WHEN 'mils' THEN 'millennium'
    WHEN 'century' THEN 'century' WHEN 'centuries' THEN 'century'
    WHEN 'c' THEN 'century' WHEN 'cent' THEN 'century' WHEN 'cents' THEN 'century'
    WHEN 'decade' THEN 'decade' WHEN 'decades' THEN 'decade'
    WHEN 'dec' THEN 'decade' WHEN 'decs' THEN 'decade'
    WHEN 'year' THEN 'year' WHEN 'years' THEN 'year' WHEN 'y' THEN 'year' WHEN 'yr' THEN 'year'
    WHEN 'yrs' THEN 'year' WHEN 'yy' THEN 'year' WHEN 'yyy' THEN 'year' WHEN 'yyyy' THEN 'year'
    WHEN 'quarter' THEN 'quarter' WHEN 'quarters' THEN 'quarter' WHEN 'qtr' THEN 'quarter'
    WHEN 'qtrs' THEN 'quarter' WHEN 'q' THEN 'quarter'
    WHEN 'month' THEN 'month' WHEN 'months' THEN 'month' WHEN 'mon' THEN 'month'
    WHEN 'mons' THEN 'month'
    WHEN 'week' THEN 'week' WHEN 'weeks' THEN 'week' WHEN 'w' THEN 'week'
    WHEN 'day' THEN 'day' WHEN 'days' THEN 'day' WHEN 'd' THEN 'day'
    WHEN 'hour' THEN 'hour' WHEN 'hours' THEN 'hour' WHEN 'h' THEN 'hour' WHEN 'hr' THEN 'hour'
    WHEN 'hrs' THEN 'hour'
    WHEN 'minute' THEN 'minute' WHEN 'minutes' THEN 'minute' WHEN 'm' THEN 'minute'
    WHEN 'min' THEN 'minute' WHEN 'mins' THEN 'minute'
    WHEN 'second' THEN 'second' WHEN 'seconds' THEN 'second' WHEN 's' THEN 'second'
    WHEN 'sec' THEN 'second' WHEN 'secs' THEN 'second'
    WHEN 'millisecond' THEN 'milliseconds' WHEN 'milliseconds' THEN 'milliseconds'
    WHEN 'ms' THEN 'milliseconds' WHEN 'msec' THEN 'milliseconds' WHEN 'msecs' THEN 'milliseconds'
    WHEN 'msecond' THEN 'milliseconds' WHEN 'mseconds' THEN 'milliseconds'
    WHEN 'millisec' THEN 'milliseconds' WHEN 'millisecs' THEN 'milliseconds'
    WHEN 'microsecond' THEN 'microseconds' WHEN 'microseconds' THEN 'microseconds'
    WHEN 'microsec' THEN 'microseconds' WHEN 'microsecs' THEN 'microseconds'
    WHEN 'usecond' THEN 'microseconds' WHEN 'useconds' THEN 'microseconds'
    WHEN 'us' THEN 'microseconds' WHEN 'usec' THEN 'microseconds' WHEN 'usecs' THEN 'microseconds'
    WHEN 'dow' THEN 'dow' WHEN 'dayofweek' THEN 'dow' WHEN 'dw' THEN 'dow' WHEN 'weekday' THEN 'dow'
    WHEN 'doy' THEN 'doy' WHEN 'dayofyear' THEN 'doy' WHEN 'dy' THEN 'doy' WHEN 'yearday' THEN 'doy'
    WHEN 'epoch' THEN 'epoch'
    ELSE lower(btrim(part)) END
$$;

-- GETDATE(): the current date and time in the session's time zone, without fractions.
CREATE FUNCTION pg_catalog.getdate() RETURNS timestamp
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT date_trunc('second', localtimestamp) $$;

-- DATEADD(part, n, t): t moved by n parts (a month past the 31st lands on the month's end).
CREATE FUNCTION pg_catalog.dateadd(part text, n bigint, t timestamp) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE pg_catalog.redshift_datepart(part)
    WHEN 'quarter' THEN t + (3 * n) * interval '1 month'
    WHEN 'decade' THEN t + (10 * n) * interval '1 year'
    WHEN 'century' THEN t + (100 * n) * interval '1 year'
    WHEN 'millennium' THEN t + (1000 * n) * interval '1 year'
    ELSE t + n * ('1 ' || pg_catalog.redshift_datepart(part))::interval END
$$;

-- DATEDIFF(part, a, b): the part boundaries crossed from a to b, as Redshift counts them
-- (DATEDIFF(year, '2008-12-31', '2009-01-01') is 1), not the time elapsed.
CREATE FUNCTION pg_catalog.datediff(part text, a timestamp, b timestamp) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE pg_catalog.redshift_datepart(part)
    WHEN 'millennium' THEN (floor((extract(year FROM b) - 1) / 1000) - floor((extract(year FROM a) - 1) / 1000))::bigint
    WHEN 'century' THEN (floor((extract(year FROM b) - 1) / 100) - floor((extract(year FROM a) - 1) / 100))::bigint
    WHEN 'decade' THEN (floor(extract(year FROM b) / 10) - floor(extract(year FROM a) / 10))::bigint
    WHEN 'year' THEN (extract(year FROM b) - extract(year FROM a))::bigint
    WHEN 'quarter' THEN ((extract(year FROM b) * 4 + extract(quarter FROM b))
                       - (extract(year FROM a) * 4 + extract(quarter FROM a)))::bigint
    WHEN 'month' THEN ((extract(year FROM b) * 12 + extract(month FROM b))
                     - (extract(year FROM a) * 12 + extract(month FROM a)))::bigint
    WHEN 'week' THEN ((date_trunc('week', b)::date - date_trunc('week', a)::date) / 7)::bigint
    WHEN 'day' THEN (b::date - a::date)::bigint
    WHEN 'hour' THEN (extract(epoch FROM date_trunc('hour', b) - date_trunc('hour', a)) / 3600)::bigint
    WHEN 'minute' THEN (extract(epoch FROM date_trunc('minute', b) - date_trunc('minute', a)) / 60)::bigint
    WHEN 'second' THEN extract(epoch FROM date_trunc('second', b) - date_trunc('second', a))::bigint
    WHEN 'milliseconds' THEN (extract(epoch FROM date_trunc('milliseconds', b) - date_trunc('milliseconds', a)) * 1000)::bigint
    WHEN 'microseconds' THEN (extract(epoch FROM b - a) * 1000000)::bigint
  END
$$;

-- ADD_MONTHS(t, n): as DATEADD(month, n, t).
CREATE FUNCTION pg_catalog.add_months(t timestamp, n bigint) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT t + n * interval '1 month' $$;

-- LEN(s): the characters of s (a CHAR's trailing blanks not counted, as its cast to text drops them).
CREATE FUNCTION pg_catalog.len(s text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT length(s) $$;

-- CHARINDEX(needle, haystack): the 1-based position, 0 when absent.
CREATE FUNCTION pg_catalog.charindex(needle text, haystack text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT strpos(haystack, needle) $$;
