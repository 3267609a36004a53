-- Installed once into the engine's template (template1 and postgres), so every database of
-- every namespace has it. Redshift's functions that need no syntax of their own live here;
-- what needs syntax (bare date parts, SYSDATE, NVL's many arguments, DDL options) is
-- rewritten by sql::dialect.
--
-- Sessions read a backslash in a string literal as an escape, as Redshift does
-- (standard_conforming_strings off, see sql::front); this file is written with standard
-- strings, and a function whose body holds a backslash in a literal says so itself.

-- Redshift lets every user create in schema public; PostgreSQL 15 no longer does.
GRANT ALL ON SCHEMA public TO PUBLIC;

-- COPY's load errors (sql/s3), made before the event triggers below exist (they read the
-- statement's text, which here is this whole file). Shown by STL_LOAD_ERRORS and
-- SYS_LOAD_ERROR_DETAIL, further down.
SET allow_system_table_mods = on;
CREATE TABLE pg_catalog.redshift_load_errors (
    userid integer, slice integer, tbl integer, starttime timestamp, session integer,
    query bigint, transaction_id bigint, database_name text, filename text, line_number bigint,
    colname text, type text, col_length text, position integer, raw_line text,
    raw_field_value text, err_code integer, err_reason text
);
CREATE SEQUENCE pg_catalog.redshift_query_id START 1000;
GRANT USAGE ON SEQUENCE pg_catalog.redshift_query_id TO PUBLIC;
-- Redshift's own versions of functions the engine also has (AVG, MEDIAN, PERCENTILE_CONT,
-- TO_TIMESTAMP), under their own names, which the dialect calls qualified: so a column the
-- call makes is named as on Redshift (`avg`, not the name of a stand-in), and no user's name
-- can take the place of one (a schema named pg_* is reserved).
CREATE SCHEMA pg_redshift;
GRANT USAGE ON SCHEMA pg_redshift TO PUBLIC;
RESET allow_system_table_mods;

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
    -- A year from February 29 lands on March 1 when the year it lands in has no 29th.
    WHEN 'year' THEN t + n * interval '1 year'
      + CASE WHEN extract(month FROM t) = 2 AND extract(day FROM t) = 29
              AND extract(day FROM t + n * interval '1 year') = 28 THEN interval '1 day'
             ELSE interval '0' END
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

-- DATEADD and DATEDIFF of a TIME (the time of day, wrapping at midnight) and of a TIMETZ
-- (taken at UTC, as Redshift shows it). A literal argument ('2008-02-28') is a timestamp: the
-- text overloads, which an untyped literal picks over the time ones, say so.
CREATE FUNCTION pg_catalog.dateadd(part text, n bigint, t text) RETURNS timestamp
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.dateadd(part, n, t::timestamp) $$;
CREATE FUNCTION pg_catalog.dateadd(part text, n bigint, t time) RETURNS time
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.dateadd(part, n, date '2000-01-01' + t)::time
$$;
CREATE FUNCTION pg_catalog.dateadd(part text, n bigint, t timetz) RETURNS timetz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (pg_catalog.dateadd(part, n, date '2000-01-01' + (t AT TIME ZONE 'UTC')::time)::time::text || '+00')::timetz
$$;
CREATE FUNCTION pg_catalog.datediff(part text, a text, b text) RETURNS bigint
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.datediff(part, a::timestamp, b::timestamp) $$;
CREATE FUNCTION pg_catalog.datediff(part text, a time, b time) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.datediff(part, date '2000-01-01' + a, date '2000-01-01' + b)
$$;
CREATE FUNCTION pg_catalog.datediff(part text, a timetz, b timetz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.datediff(part, date '2000-01-01' + (a AT TIME ZONE 'UTC')::time,
                             date '2000-01-01' + (b AT TIME ZONE 'UTC')::time)
$$;

-- ADD_MONTHS(t, n): as DATEADD(month, n, t), but from a month's last day to the last day of
-- the month it lands in (April 30 + 1 month is May 31).
CREATE FUNCTION pg_catalog.add_months(t timestamp, n bigint) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN t::date = (date_trunc('month', t) + interval '1 month' - interval '1 day')::date
    THEN date_trunc('month', t + n * interval '1 month') + interval '1 month' - interval '1 day' + t::time
    ELSE t + n * interval '1 month' END $$;

-- LEN(s): the characters of s (a CHAR's trailing blanks not counted, as its cast to text drops them).
CREATE FUNCTION pg_catalog.len(s text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT length(s) $$;

-- TO_TIMESTAMP(s, format [, is_strict]) (the dialect calls pg_redshift's; the engine's own
-- TO_TIMESTAMP(s, format) refuses a field past its end): with is_strict false, the default, a
-- field past its end (hour 24) carries over into the next (TO_TIMESTAMP('2011-12-18 24:38:15',
-- 'YYYY-MM-DD HH24:MI:SS') is 2011-12-19 00:38:15) where the fields are numbers of fixed
-- width (YYYY, MM, DD, HH24, MI, SS); with true, the engine's refusal.
CREATE FUNCTION pg_redshift.to_timestamp(s text, format text, is_strict boolean DEFAULT false) RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS $$
DECLARE
    y integer; m integer := 1; d integer := 1; h integer := 0; mi integer := 0; sec integer := 0;
    f integer := 1; i integer := 1;
BEGIN
    RETURN to_timestamp(s, format);
EXCEPTION WHEN datetime_field_overflow THEN
    IF is_strict THEN
        RAISE;
    END IF;
    WHILE f <= length(format) LOOP
        CASE
            WHEN upper(substr(format, f, 4)) = 'YYYY' THEN
                y := substr(s, i, 4)::integer; f := f + 4; i := i + 4;
            WHEN upper(substr(format, f, 4)) = 'HH24' THEN
                h := substr(s, i, 2)::integer; f := f + 4; i := i + 2;
            WHEN upper(substr(format, f, 2)) = 'MM' THEN
                m := substr(s, i, 2)::integer; f := f + 2; i := i + 2;
            WHEN upper(substr(format, f, 2)) = 'DD' THEN
                d := substr(s, i, 2)::integer; f := f + 2; i := i + 2;
            WHEN upper(substr(format, f, 2)) = 'MI' THEN
                mi := substr(s, i, 2)::integer; f := f + 2; i := i + 2;
            WHEN upper(substr(format, f, 2)) = 'SS' THEN
                sec := substr(s, i, 2)::integer; f := f + 2; i := i + 2;
            WHEN substr(format, f, 1) ~ '[A-Za-z]' THEN
                RAISE;
            ELSE
                f := f + 1; i := i + 1;
        END CASE;
    END LOOP;
    IF y IS NULL THEN
        RAISE;
    END IF;
    RETURN make_timestamptz(y, 1, 1, 0, 0, 0) + (m - 1) * interval '1 month' + (d - 1) * interval '1 day'
        + h * interval '1 hour' + mi * interval '1 minute' + sec * interval '1 second';
END
$$;

-- TO_DATE(s, format, is_strict): TO_TIMESTAMP's date, so with is_strict false a day or month
-- past its end carries over too (TO_DATE('20010631', 'YYYYMMDD', false) is 2001-07-01); with
-- true, the engine's refusal.
CREATE FUNCTION pg_catalog.to_date(s text, format text, is_strict boolean) RETURNS date
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_redshift.to_timestamp(s, format, is_strict)::date $$;

-- SPLIT_PART of a date or timestamp: Redshift casts it to its text implicitly.
CREATE FUNCTION pg_catalog.split_part(t timestamp, delimiter text, part integer) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT split_part(t::text, delimiter, part) $$;
CREATE FUNCTION pg_catalog.split_part(t timestamptz, delimiter text, part integer) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT split_part(t::text, delimiter, part) $$;
CREATE FUNCTION pg_catalog.split_part(t date, delimiter text, part integer) RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT split_part(t::text, delimiter, part) $$;

-- CHARINDEX(needle, haystack): the 1-based position, 0 when absent.
CREATE FUNCTION pg_catalog.charindex(needle text, haystack text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT strpos(haystack, needle) $$;

-- Redshift's table options, which the engine has no use for but the catalog shows. The
-- dialect leaves them in a comment at the end of the CREATE TABLE, /*redshift-table:{...}*/;
-- this trigger reads it back from the statement's text and records it against the table.
-- Relations in pg_catalog (so they are on every search path) need this while they are made.
SET allow_system_table_mods = on;
CREATE TABLE pg_catalog.redshift_table_options (
    reloid oid PRIMARY KEY,
    diststyle text,
    distkey text,
    sortkey text[],
    sortstyle text,
    encodings jsonb
);
GRANT SELECT ON pg_catalog.redshift_table_options TO PUBLIC;

-- Records one table's options; the only writer of redshift_table_options (as its owner).
CREATE FUNCTION pg_catalog.redshift_store_table_options(t oid, options jsonb) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
    INSERT INTO pg_catalog.redshift_table_options
    VALUES (t, options->>'diststyle', options->>'distkey',
            ARRAY(SELECT jsonb_array_elements_text(coalesce(options->'sortkey', '[]'))),
            options->>'sortstyle', coalesce(options->'encodings', '{}'))
    ON CONFLICT (reloid) DO UPDATE SET diststyle = excluded.diststyle,
        distkey = excluded.distkey, sortkey = excluded.sortkey,
        sortstyle = excluded.sortstyle, encodings = excluded.encodings
$$;

-- Runs as the caller, so that the table's name resolves on the caller's search path.
CREATE FUNCTION pg_catalog.redshift_record_table_options() RETURNS event_trigger
LANGUAGE plpgsql SET standard_conforming_strings = on AS $$
DECLARE
    query text := pg_catalog.current_query();
    marker text;
    options jsonb;
    created record;
BEGIN
    IF pg_catalog.strpos(query, '/*redshift-table:') = 0 THEN
        RETURN;
    END IF;
    FOR marker IN SELECT (pg_catalog.regexp_matches(query, '/\*redshift-table:(\{.*?\})\*/', 'g'))[1] LOOP
        options := pg_catalog.replace(marker, '*\/', '*/')::jsonb;
        -- CREATE TABLE t (LIKE parent): the parent's options, unless the new table names its own.
        IF options ? 'like' THEN
            options := coalesce(
                (SELECT pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
                        'diststyle', o.diststyle, 'distkey', o.distkey,
                        'sortkey', pg_catalog.to_jsonb(o.sortkey), 'sortstyle', o.sortstyle,
                        'encodings', o.encodings)) || (options - 'like')
                 FROM pg_catalog.redshift_table_options o
                 WHERE o.reloid = pg_catalog.to_regclass(options->>'like')),
                options - 'like');
        END IF;
        FOR created IN SELECT objid FROM pg_catalog.pg_event_trigger_ddl_commands()
                       WHERE object_type = 'table' LOOP
            IF created.objid = pg_catalog.to_regclass(options->>'table') THEN
                PERFORM pg_catalog.redshift_store_table_options(created.objid, options);
            END IF;
        END LOOP;
    END LOOP;
END
$$;
CREATE EVENT TRIGGER redshift_table_options ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO')
    EXECUTE FUNCTION pg_catalog.redshift_record_table_options();

CREATE FUNCTION pg_catalog.redshift_forget_table_options() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    DELETE FROM pg_catalog.redshift_table_options
    WHERE reloid IN (SELECT objid FROM pg_event_trigger_dropped_objects() WHERE object_type = 'table');
END
$$;
CREATE EVENT TRIGGER redshift_forget_table_options ON sql_drop
    EXECUTE FUNCTION pg_catalog.redshift_forget_table_options();

-- PG_TABLE_DEF: the columns of the tables visible on the search path, with their Redshift
-- options (sortkey: the column's place in the sort key, negative when interleaved).
CREATE VIEW pg_catalog.pg_table_def AS
SELECT n.nspname AS schemaname,
       c.relname AS tablename,
       a.attname AS "column",
       format_type(a.atttypid, a.atttypmod) AS type,
       coalesce(o.encodings->>a.attname::text, 'none')::character(32) AS encoding,
       coalesce(o.distkey = a.attname::text, false) AS distkey,
       (coalesce(array_position(o.sortkey, a.attname::text), 0)
         * CASE WHEN o.sortstyle = 'INTERLEAVED' THEN -1 ELSE 1 END)::integer AS sortkey,
       a.attnotnull AS notnull
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.redshift_table_options o ON o.reloid = c.oid
WHERE c.relkind IN ('r', 'p') AND pg_table_is_visible(c.oid)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema');
GRANT SELECT ON pg_catalog.pg_table_def TO PUBLIC;

-- Redshift's pg_class, pg_attribute and pg_attrdef have columns PostgreSQL's lack; a
-- statement that reads them reads these views instead (the dialect renames the tables):
-- reldiststyle (0 EVEN, 1 KEY, 8 ALL, 10 AUTO), attencodingtype (FORMAT_ENCODING's number),
-- attisdistkey, attsortkeyord (the place in the sort key, negative when interleaved), adsrc.
CREATE FUNCTION pg_catalog.format_encoding(code integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (ARRAY['none', 'bytedict', 'delta', 'delta32k', 'lzo', 'mostly8', 'mostly16',
                'mostly32', 'runlength', 'text255', 'text32k', 'zstd', 'az64', 'raw'])[code + 1]
$$;
CREATE FUNCTION pg_catalog.redshift_encoding_code(encoding text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_position(ARRAY['none', 'bytedict', 'delta', 'delta32k', 'lzo',
                'mostly8', 'mostly16', 'mostly32', 'runlength', 'text255', 'text32k', 'zstd',
                'az64', 'raw'], lower(encoding)) - 1, 0)
$$;
CREATE VIEW pg_catalog.redshift_pg_class AS
SELECT c.*,
       (CASE upper(o.diststyle) WHEN 'EVEN' THEN 0 WHEN 'KEY' THEN 1 WHEN 'ALL' THEN 8
        ELSE 10 END)::integer AS reldiststyle
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.redshift_table_options o ON o.reloid = c.oid;
CREATE VIEW pg_catalog.redshift_pg_attribute AS
SELECT a.*,
       pg_catalog.redshift_encoding_code(o.encodings->>a.attname::text) AS attencodingtype,
       coalesce(o.distkey = a.attname::text, false) AS attisdistkey,
       (coalesce(array_position(o.sortkey, a.attname::text), 0)
         * CASE WHEN o.sortstyle = 'INTERLEAVED' THEN -1 ELSE 1 END)::integer AS attsortkeyord
FROM pg_catalog.pg_attribute a
LEFT JOIN pg_catalog.redshift_table_options o ON o.reloid = a.attrelid;
CREATE VIEW pg_catalog.redshift_pg_attrdef AS
SELECT d.*, pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS adsrc
FROM pg_catalog.pg_attrdef d;
GRANT SELECT ON pg_catalog.redshift_pg_class, pg_catalog.redshift_pg_attribute,
    pg_catalog.redshift_pg_attrdef TO PUBLIC;

-- The rows of a table, for SVV_TABLE_INFO.
CREATE FUNCTION pg_catalog.redshift_table_rows(t oid) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', t::regclass) INTO n;
    RETURN n;
EXCEPTION WHEN insufficient_privilege THEN
    RETURN NULL;
END
$$;

-- SVV_TABLE_INFO: a row per user table that holds rows (Redshift shows no empty tables).
CREATE VIEW pg_catalog.svv_table_info AS
SELECT * FROM (
  SELECT current_database()::text AS database,
         n.nspname::text AS schema,
         c.oid::integer AS table_id,
         c.relname::text AS "table",
         CASE WHEN o.encodings IS NOT NULL AND o.encodings <> '{}' THEN 'Y' ELSE 'N' END::text AS encoded,
         CASE
           WHEN o.diststyle = 'KEY' THEN 'KEY(' || o.distkey || ')'
           WHEN o.diststyle IN ('EVEN', 'ALL') THEN o.diststyle
           ELSE 'AUTO(ALL)'
         END::text AS diststyle,
         CASE
           WHEN o.sortkey IS NOT NULL AND cardinality(o.sortkey) > 0 THEN
             CASE WHEN o.sortstyle = 'INTERLEAVED' THEN 'INTERLEAVED(' || o.sortkey[1] || ')' ELSE o.sortkey[1] END
           ELSE 'AUTO(SORTKEY)'
         END::text AS sortkey1,
         (SELECT max(a.atttypmod - 4) FROM pg_attribute a
           WHERE a.attrelid = c.oid AND a.atttypid = 'varchar'::regtype AND a.attnum > 0)::integer AS max_varchar,
         coalesce(o.encodings->>o.sortkey[1], 'none')::text AS sortkey1_enc,
         coalesce(cardinality(o.sortkey), 0)::integer AS sortkey_num,
         greatest(1, pg_total_relation_size(c.oid) / 1048576)::bigint AS size,
         0.0::numeric(10,4) AS pct_used,
         0.0::numeric(10,4) AS empty,
         0.0::numeric(5,2) AS unsorted,
         0.0::numeric(5,2) AS stats_off,
         pg_catalog.redshift_table_rows(c.oid)::numeric(38,0) AS tbl_rows,
         NULL::numeric(19,2) AS skew_sortkey1,
         NULL::numeric(19,2) AS skew_rows,
         pg_catalog.redshift_table_rows(c.oid)::numeric(38,0) AS estimated_visible_rows,
         NULL::text AS risk_event,
         NULL::numeric(12,2) AS vacuum_sort_benefit,
         NULL::timestamp AS create_time
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.redshift_table_options o ON o.reloid = c.oid
  WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg_toast%'
) tables
WHERE tbl_rows > 0;
GRANT SELECT ON pg_catalog.svv_table_info TO PUBLIC;
-- SVV_ALL_SCHEMAS, SVV_ALL_TABLES, SVV_ALL_COLUMNS (and SVV_TABLES, SVV_COLUMNS): the
-- database's schemas, tables and columns as Redshift's views name them; SHOW DATABASES,
-- SHOW SCHEMAS, SHOW TABLES and SHOW COLUMNS read them (see sql::dialect).
CREATE VIEW pg_catalog.svv_all_schemas AS
SELECT current_database()::varchar(128) AS database_name,
       n.nspname::varchar(128) AS schema_name,
       pg_get_userbyid(n.nspowner)::varchar(128) AS schema_owner,
       'local'::varchar(128) AS schema_type,
       array_to_string(n.nspacl, ',')::varchar(128) AS schema_acl,
       NULL::varchar(128) AS source_database,
       NULL::varchar(128) AS schema_option
FROM pg_namespace n
WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema';

CREATE VIEW pg_catalog.svv_all_tables AS
SELECT current_database()::varchar(128) AS database_name,
       n.nspname::varchar(128) AS schema_name,
       c.relname::varchar(128) AS table_name,
       CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'VIEW' ELSE 'TABLE' END::varchar(128) AS table_type,
       array_to_string(c.relacl, ',')::varchar(128) AS table_acl,
       obj_description(c.oid, 'pg_class')::varchar(128) AS remarks
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm')
  AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema';

CREATE VIEW pg_catalog.svv_tables AS
SELECT current_database()::varchar(128) AS table_catalog, schema_name AS table_schema,
       table_name,
       CASE table_type WHEN 'TABLE' THEN 'BASE TABLE' ELSE table_type END::varchar(128) AS table_type,
       remarks
FROM pg_catalog.svv_all_tables;

CREATE VIEW pg_catalog.svv_columns AS
SELECT current_database()::varchar(128) AS table_catalog,
       c.table_schema::varchar(128) AS table_schema,
       c.table_name::varchar(128) AS table_name,
       c.column_name::varchar(128) AS column_name,
       c.ordinal_position::integer AS ordinal_position,
       c.column_default::varchar(4000) AS column_default,
       c.is_nullable::varchar(3) AS is_nullable,
       c.data_type::varchar(128) AS data_type,
       c.character_maximum_length::integer AS character_maximum_length,
       c.numeric_precision::integer AS numeric_precision,
       c.numeric_precision_radix::integer AS numeric_precision_radix,
       c.numeric_scale::integer AS numeric_scale,
       c.datetime_precision::integer AS datetime_precision,
       c.interval_type::varchar(128) AS interval_type,
       c.interval_precision::varchar(128) AS interval_precision,
       c.character_set_catalog::varchar(128) AS character_set_catalog,
       c.character_set_schema::varchar(128) AS character_set_schema,
       c.character_set_name::varchar(128) AS character_set_name,
       c.collation_catalog::varchar(128) AS collation_catalog,
       c.collation_schema::varchar(128) AS collation_schema,
       c.collation_name::varchar(128) AS collation_name,
       c.domain_name::varchar(128) AS domain_name,
       NULL::varchar(128) AS remarks
FROM information_schema.columns c
WHERE c.table_schema NOT LIKE 'pg\_%' AND c.table_schema <> 'information_schema';

CREATE VIEW pg_catalog.svv_all_columns AS
SELECT table_catalog AS database_name, table_schema AS schema_name, table_name, column_name,
       ordinal_position, column_default, is_nullable, data_type, character_maximum_length,
       numeric_precision, numeric_scale, remarks
FROM pg_catalog.svv_columns;

GRANT SELECT ON pg_catalog.svv_all_schemas, pg_catalog.svv_all_tables, pg_catalog.svv_all_columns,
    pg_catalog.svv_tables, pg_catalog.svv_columns TO PUBLIC;

-- Spectrum's external schemas, tables and columns: none here, but drivers ask
-- (redshift_connector's get_tables and get_columns look in SVV_EXTERNAL_SCHEMAS first).
CREATE VIEW pg_catalog.svv_external_schemas AS
SELECT NULL::oid AS esoid, NULL::integer AS eskind, NULL::name AS schemaname,
       NULL::integer AS esowner, NULL::text AS databasename, NULL::text AS esoptions
WHERE false;
CREATE VIEW pg_catalog.svv_external_tables AS
SELECT NULL::varchar(128) AS redshift_database_name, NULL::varchar(128) AS schemaname,
       NULL::varchar(128) AS tablename, NULL::text AS tabletype, NULL::varchar(128) AS location,
       NULL::varchar(128) AS input_format, NULL::varchar(128) AS output_format,
       NULL::varchar(128) AS serialization_lib, NULL::text AS serde_parameters,
       NULL::integer AS compressed, NULL::text AS parameters
WHERE false;
CREATE VIEW pg_catalog.svv_external_columns AS
SELECT NULL::varchar(128) AS redshift_database_name, NULL::varchar(128) AS schemaname,
       NULL::varchar(128) AS tablename, NULL::varchar(128) AS columnname,
       NULL::text AS external_type, NULL::integer AS columnnum, NULL::integer AS part_key,
       NULL::text AS is_nullable
WHERE false;
-- PG_PROC_INFO: pg_proc with the function's oid as prooid.
CREATE VIEW pg_catalog.pg_proc_info AS SELECT p.oid AS prooid, p.* FROM pg_catalog.pg_proc p;
GRANT SELECT ON pg_catalog.svv_external_schemas, pg_catalog.svv_external_tables,
    pg_catalog.svv_external_columns, pg_catalog.pg_proc_info TO PUBLIC;

RESET allow_system_table_mods;

-- More of Redshift's functions with no syntax of their own.
CREATE FUNCTION pg_catalog.replicate(s text, n integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT repeat(s, n) $$;
-- REPEAT and REPLICATE of a number repeat its text (an untyped literal still picks the text
-- overloads: the string category comes first).
CREATE FUNCTION pg_catalog.repeat(v numeric, n integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT repeat(v::text, n) $$;
CREATE FUNCTION pg_catalog.replicate(v numeric, n integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT repeat(v::text, n) $$;
-- CHARINDEX in a number: in its text, as Redshift casts it.
CREATE FUNCTION pg_catalog.charindex(needle text, haystack numeric) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT strpos(haystack::text, needle) $$;
-- LEN of a VARBYTE (bytea here): its bytes.
CREATE FUNCTION pg_catalog.len(b bytea) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT length(b) $$;
-- s1 + s2: Redshift concatenates strings with + as with ||.
CREATE OPERATOR pg_catalog.+ (LEFTARG = text, RIGHTARG = text, FUNCTION = pg_catalog.textcat);

-- TRUNC(timestamp): its date.
CREATE FUNCTION pg_catalog.trunc(t timestamp) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT t::date $$;

-- LAST_DAY(d): the last day of d's month.
CREATE FUNCTION pg_catalog.last_day(t timestamp) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (date_trunc('month', t) + interval '1 month' - interval '1 day')::date $$;

-- NEXT_DAY(d, day): the first date after d that falls on day (a name, or its first letters).
CREATE FUNCTION pg_catalog.next_day(t timestamp, day text) RETURNS date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    names text[] := ARRAY['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
    wanted integer;
BEGIN
    FOR i IN 1..7 LOOP
        IF length(btrim(day)) >= 2 AND names[i] LIKE lower(btrim(day)) || '%' THEN
            wanted := i - 1;
        END IF;
    END LOOP;
    IF wanted IS NULL THEN
        RAISE EXCEPTION 'Invalid day name: %', day USING ERRCODE = '22023';
    END IF;
    RETURN t::date + (((wanted - extract(dow FROM t)::integer + 6) % 7) + 1);
END
$$;

-- MONTHS_BETWEEN(a, b): whole months when both dates fall on the same day of the month or
-- both on their months' last days; else with the rest of the days over 31.
CREATE FUNCTION pg_catalog.months_between(a timestamp, b timestamp) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE
    WHEN extract(day FROM a) = extract(day FROM b)
      OR (a::date = pg_catalog.last_day(a) AND b::date = pg_catalog.last_day(b))
    THEN ((extract(year FROM a) - extract(year FROM b)) * 12 + extract(month FROM a) - extract(month FROM b))::float8
    ELSE ((extract(year FROM a) - extract(year FROM b)) * 12 + extract(month FROM a) - extract(month FROM b)
          + (extract(day FROM a) - extract(day FROM b)) / 31.0)::float8
  END $$;

-- CONVERT_TIMEZONE([source,] target, t): t read in source (UTC when not given), shown in target.
CREATE FUNCTION pg_catalog.convert_timezone(source text, target text, t timestamp) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT (t AT TIME ZONE source) AT TIME ZONE target $$;
CREATE FUNCTION pg_catalog.convert_timezone(target text, t timestamp) RETURNS timestamp
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT (t AT TIME ZONE 'UTC') AT TIME ZONE target $$;

-- STRTOL(s, base): s read as an integer in base 2 to 36.
CREATE FUNCTION pg_catalog.strtol(s text, base integer) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    digits text := '0123456789abcdefghijklmnopqrstuvwxyz';
    value bigint := 0;
    digit integer;
    body text := lower(btrim(s));
    negative boolean := false;
BEGIN
    IF base < 2 OR base > 36 THEN
        RAISE EXCEPTION 'Base must be between 2 and 36' USING ERRCODE = '22023';
    END IF;
    IF left(body, 1) IN ('-', '+') THEN
        negative := left(body, 1) = '-';
        body := substr(body, 2);
    END IF;
    IF base = 16 AND left(body, 2) = '0x' THEN
        body := substr(body, 3);
    END IF;
    FOR i IN 1..length(body) LOOP
        digit := strpos(digits, substr(body, i, 1)) - 1;
        IF digit < 0 OR digit >= base THEN
            RAISE EXCEPTION 'Invalid digit % for base %', substr(body, i, 1), base USING ERRCODE = '22P02';
        END IF;
        value := value * base + digit;
    END LOOP;
    RETURN CASE WHEN negative THEN -value ELSE value END;
END
$$;

-- SHA2(s, bits): the hex SHA-2 digest of s, bits 224, 256, 384 or 512 (0 is 256).
CREATE FUNCTION pg_catalog.sha2(s text, bits integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT encode(CASE bits
    WHEN 224 THEN sha224(convert_to(s, 'UTF8'))
    WHEN 384 THEN sha384(convert_to(s, 'UTF8'))
    WHEN 512 THEN sha512(convert_to(s, 'UTF8'))
    ELSE sha256(convert_to(s, 'UTF8')) END, 'hex') $$;

-- PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY x) and MEDIAN(x) (p 0.5), which the dialect calls
-- pg_redshift.percentile_cont(p, x) and pg_redshift.median(p, x), ordinary aggregates, so it runs over a window too (the
-- engine's PERCENTILE_CONT is an ordered-set aggregate, which takes no OVER). The row number
-- RN = 1 + p * (N - 1) of the N values that are not NULL, interpolated between the values at
-- floor(RN) and ceiling(RN). Of integers and decimals, a DECIMAL, its scale the larger of x's
-- and p's (MEDIAN of 10, 10, 30 is 10.0; of 10, 15, 20, 30, 17.5), as Redshift's; of
-- floating-point values, a double precision. The state holds p, then the values.
CREATE FUNCTION pg_catalog.redshift_percentile_step(state numeric[], p numeric, x numeric) RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN x IS NULL THEN coalesce(state, ARRAY[p]) ELSE coalesce(state, ARRAY[p]) || x END $$;
CREATE FUNCTION pg_catalog.redshift_percentile_step(state numeric[], p numeric, x bigint) RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_percentile_step(state, p, x::numeric) $$;
CREATE FUNCTION pg_catalog.redshift_percentile_step(state numeric[], p numeric, x integer) RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_percentile_step(state, p, x::numeric) $$;
CREATE FUNCTION pg_catalog.redshift_percentile_step(state numeric[], p numeric, x smallint) RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_percentile_step(state, p, x::numeric) $$;
CREATE FUNCTION pg_catalog.redshift_percentile_final(state numeric[]) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    v numeric[] := ARRAY(SELECT x FROM unnest(state[2:]) x ORDER BY x);
    n integer := cardinality(v);
    rn numeric;
BEGIN
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    rn := 1 + state[1] * (n - 1);
    RETURN round(v[floor(rn)::integer] + (rn - floor(rn)) * (v[ceil(rn)::integer] - v[floor(rn)::integer]),
                 greatest(scale(state[1]), (SELECT max(scale(x)) FROM unnest(v) x)));
END
$$;
CREATE AGGREGATE pg_redshift.percentile_cont(numeric, numeric) (
    SFUNC = pg_catalog.redshift_percentile_step, STYPE = numeric[], FINALFUNC = pg_catalog.redshift_percentile_final);
CREATE AGGREGATE pg_redshift.median(numeric, numeric) (
    SFUNC = pg_catalog.redshift_percentile_step, STYPE = numeric[], FINALFUNC = pg_catalog.redshift_percentile_final);
CREATE AGGREGATE pg_redshift.percentile_cont(numeric, bigint) (
    SFUNC = pg_catalog.redshift_percentile_step, STYPE = numeric[], FINALFUNC = pg_catalog.redshift_percentile_final);
CREATE AGGREGATE pg_redshift.median(numeric, bigint) (
    SFUNC = pg_catalog.redshift_percentile_step, STYPE = numeric[], FINALFUNC = pg_catalog.redshift_percentile_final);
CREATE AGGREGATE pg_redshift.percentile_cont(numeric, integer) (
    SFUNC = pg_catalog.redshift_percentile_step, STYPE = numeric[], FINALFUNC = pg_catalog.redshift_percentile_final);
CREATE AGGREGATE pg_redshift.median(numeric, integer) (
    SFUNC = pg_catalog.redshift_percentile_step, STYPE = numeric[], FINALFUNC = pg_catalog.redshift_percentile_final);
CREATE AGGREGATE pg_redshift.percentile_cont(numeric, smallint) (
    SFUNC = pg_catalog.redshift_percentile_step, STYPE = numeric[], FINALFUNC = pg_catalog.redshift_percentile_final);
CREATE AGGREGATE pg_redshift.median(numeric, smallint) (
    SFUNC = pg_catalog.redshift_percentile_step, STYPE = numeric[], FINALFUNC = pg_catalog.redshift_percentile_final);
CREATE FUNCTION pg_catalog.redshift_percentile_step(state float8[], p float8, x float8) RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN x IS NULL THEN coalesce(state, ARRAY[p]) ELSE coalesce(state, ARRAY[p]) || x END $$;
CREATE FUNCTION pg_catalog.redshift_percentile_final(state float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    v float8[] := ARRAY(SELECT x FROM unnest(state[2:]) x ORDER BY x);
    n integer := cardinality(v);
    rn float8;
BEGIN
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    rn := 1 + state[1] * (n - 1);
    RETURN v[floor(rn)::integer] + (rn - floor(rn)) * (v[ceil(rn)::integer] - v[floor(rn)::integer]);
END
$$;
CREATE AGGREGATE pg_redshift.percentile_cont(float8, float8) (
    SFUNC = pg_catalog.redshift_percentile_step, STYPE = float8[], FINALFUNC = pg_catalog.redshift_percentile_final);
CREATE AGGREGATE pg_redshift.median(float8, float8) (
    SFUNC = pg_catalog.redshift_percentile_step, STYPE = float8[], FINALFUNC = pg_catalog.redshift_percentile_final);

-- AVG, which the dialect calls pg_redshift.avg: of integers, a BIGINT (the mean truncated, as
-- integer division does: the mean of 10, 10, 30 is 16); of decimals, a DECIMAL with the
-- argument's scale; of floating-point values a double precision (the engine's own steps).
-- The state of integers is {count, sum}, as the engine's AVG keeps it.
CREATE FUNCTION pg_catalog.redshift_avg_final(state bigint[]) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN state[1] = 0 THEN NULL ELSE state[2] / state[1] END $$;
CREATE AGGREGATE pg_redshift.avg(smallint) (
    SFUNC = int2_avg_accum, STYPE = bigint[], INITCOND = '{0,0}',
    COMBINEFUNC = int4_avg_combine, FINALFUNC = pg_catalog.redshift_avg_final, PARALLEL = SAFE);
CREATE AGGREGATE pg_redshift.avg(integer) (
    SFUNC = int4_avg_accum, STYPE = bigint[], INITCOND = '{0,0}',
    COMBINEFUNC = int4_avg_combine, FINALFUNC = pg_catalog.redshift_avg_final, PARALLEL = SAFE);
-- Of BIGINT and DECIMAL, {count, sum, the largest scale seen}.
CREATE FUNCTION pg_catalog.redshift_avg_step(state numeric[], x numeric) RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN x IS NULL THEN state
    ELSE ARRAY[state[1] + 1, state[2] + x, greatest(state[3], scale(x))] END $$;
CREATE FUNCTION pg_catalog.redshift_avg_combine(a numeric[], b numeric[]) RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT ARRAY[a[1] + b[1], a[2] + b[2], greatest(a[3], b[3])] $$;
CREATE FUNCTION pg_catalog.redshift_avg_step(state numeric[], x bigint) RETURNS numeric[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_avg_step(state, x::numeric) $$;
CREATE FUNCTION pg_catalog.redshift_avg_decimal(state numeric[]) RETURNS numeric
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN state[1] = 0 THEN NULL ELSE round(state[2] / state[1], state[3]::integer) END $$;
CREATE FUNCTION pg_catalog.redshift_avg_bigint(state numeric[]) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN state[1] = 0 THEN NULL ELSE trunc(state[2] / state[1])::bigint END $$;
CREATE AGGREGATE pg_redshift.avg(bigint) (
    SFUNC = pg_catalog.redshift_avg_step, STYPE = numeric[], INITCOND = '{0,0,0}',
    COMBINEFUNC = pg_catalog.redshift_avg_combine, FINALFUNC = pg_catalog.redshift_avg_bigint, PARALLEL = SAFE);
CREATE AGGREGATE pg_redshift.avg(numeric) (
    SFUNC = pg_catalog.redshift_avg_step, STYPE = numeric[], INITCOND = '{0,0,0}',
    COMBINEFUNC = pg_catalog.redshift_avg_combine, FINALFUNC = pg_catalog.redshift_avg_decimal, PARALLEL = SAFE);
CREATE AGGREGATE pg_redshift.avg(real) (
    SFUNC = float4_accum, STYPE = float8[], INITCOND = '{0,0,0}',
    COMBINEFUNC = float8_combine, FINALFUNC = float8_avg, PARALLEL = SAFE);
CREATE AGGREGATE pg_redshift.avg(double precision) (
    SFUNC = float8_accum, STYPE = float8[], INITCOND = '{0,0,0}',
    COMBINEFUNC = float8_combine, FINALFUNC = float8_avg, PARALLEL = SAFE);
CREATE AGGREGATE pg_redshift.avg(interval) (
    SFUNC = interval_accum, STYPE = interval[], INITCOND = '{0 second,0 second}',
    COMBINEFUNC = interval_combine, FINALFUNC = interval_avg, PARALLEL = SAFE);

-- JSON functions over text, as Redshift keeps JSON in VARCHAR columns.
CREATE FUNCTION pg_catalog.json_extract_path_text(j text, VARIADIC path text[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT json_extract_path_text(j::json, VARIADIC path) $$;
CREATE FUNCTION pg_catalog.json_extract_array_element_text(j text, pos integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT j::json ->> pos $$;
CREATE FUNCTION pg_catalog.json_array_length(j text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT json_array_length(j::json) $$;
-- Whether j is JSON of that kind ('object' or 'array'); false for malformed text.
CREATE FUNCTION pg_catalog.redshift_json_is(j text, kind text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN j IS NOT NULL AND json_typeof(j::json) = kind;
EXCEPTION WHEN others THEN
    RETURN false;
END
$$;
CREATE FUNCTION pg_catalog.is_valid_json(j text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_json_is(j, 'object') $$;
CREATE FUNCTION pg_catalog.is_valid_json_array(j text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_json_is(j, 'array') $$;

-- The columns of late-binding views (WITH NO SCHEMA BINDING); the caller names the columns:
-- pg_get_late_binding_view_cols() cols(view_schema name, view_name name, col_name name,
-- col_type varchar, col_num int). Views here are bound, so there are none.
CREATE FUNCTION pg_catalog.pg_get_late_binding_view_cols() RETURNS SETOF record
LANGUAGE sql STABLE AS $$
  SELECT NULL::name, NULL::name, NULL::name, NULL::varchar, NULL::integer WHERE false
$$;

-- SUPER is jsonb here: JSON_PARSE reads text into it, JSON_SERIALIZE writes it back.
CREATE FUNCTION pg_catalog.json_parse(j text) RETURNS jsonb
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT j::jsonb $$;
-- A SUPER value cast (or assigned) to VARCHAR: a string is its characters, without JSON's
-- quotes, as on Redshift (the engine's own way, through text, would keep them); any other
-- value its JSON text, a JSON null NULL.
CREATE FUNCTION pg_catalog.redshift_super_varchar(j jsonb) RETURNS varchar
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT (j #>> '{}')::varchar $$;
CREATE CAST (jsonb AS varchar) WITH FUNCTION pg_catalog.redshift_super_varchar(jsonb) AS ASSIGNMENT;
-- Redshift writes SUPER as compact JSON ([1,"a"], {"a":1}); jsonb's text puts a space after
-- each comma and colon. The compact text, element by element (a string or a number as jsonb
-- writes it).
CREATE FUNCTION pg_catalog.redshift_super_text(j jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    RETURN CASE jsonb_typeof(j)
        WHEN 'array' THEN '[' || coalesce((
            SELECT string_agg(pg_catalog.redshift_super_text(e), ',' ORDER BY n)
            FROM jsonb_array_elements(j) WITH ORDINALITY AS a(e, n)), '') || ']'
        WHEN 'object' THEN '{' || coalesce((
            SELECT string_agg(to_jsonb(k)::text || ':' || pg_catalog.redshift_super_text(v), ',' ORDER BY n)
            FROM jsonb_each(j) WITH ORDINALITY AS o(k, v, n)), '') || '}'
        ELSE j::text END;
END
$$;
CREATE FUNCTION pg_catalog.json_serialize(j jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_super_text(j) $$;
-- A quoted SUPER attribute's key (the dialect's navigation asks, for a name with upper-case
-- letters): as written when the session makes identifiers case-sensitive, else folded to
-- lower case, as Redshift folds it.
CREATE FUNCTION pg_catalog.redshift_super_attribute(name text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN lower(coalesce(current_setting('redshift.enable_case_sensitive_identifier', true), 'off')) IN ('on', 'true', 'yes', '1')
              OR lower(coalesce(current_setting('redshift.enable_case_sensitive_super_attribute', true), 'off')) IN ('on', 'true', 'yes', '1')
         THEN name ELSE lower(name) END $$;
-- JSON_TYPEOF of a SUPER value; of text, the engine's reading of it as JSON, as before (the
-- text overload is what an untyped literal picks, where json and jsonb would be ambiguous).
-- SUPER's type information functions: true when the value is of the kind, false for any
-- other value, NULL (SQL's or JSON's) among them. A number is a DECIMAL (the engine keeps no
-- floating-point SUPER numbers), and an integer of the types whose range holds it.
CREATE FUNCTION pg_catalog.redshift_super_kind(j jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(jsonb_typeof(j), 'null') $$;
CREATE FUNCTION pg_catalog.redshift_super_integer(j jsonb, low numeric, high numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(jsonb_typeof(j) = 'number' AND (SELECT n = trunc(n) AND n BETWEEN low AND high
                                                  FROM (SELECT (j #>> '{}')::numeric AS n) v), false) $$;
CREATE FUNCTION pg_catalog.is_array(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_super_kind(j) = 'array' $$;
CREATE FUNCTION pg_catalog.is_object(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_super_kind(j) = 'object' $$;
CREATE FUNCTION pg_catalog.is_scalar(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.redshift_super_kind(j) NOT IN ('array', 'object', 'null') $$;
CREATE FUNCTION pg_catalog.is_boolean(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_super_kind(j) = 'boolean' $$;
CREATE FUNCTION pg_catalog.is_varchar(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_super_kind(j) = 'string' $$;
-- CHAR holds ASCII only: a string of ASCII characters.
CREATE FUNCTION pg_catalog.is_char(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(jsonb_typeof(j) = 'string'
                  AND octet_length(j #>> '{}') = char_length(j #>> '{}'), false) $$;
CREATE FUNCTION pg_catalog.is_decimal(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_super_kind(j) = 'number' $$;
CREATE FUNCTION pg_catalog.is_smallint(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_super_integer(j, -32768, 32767) $$;
CREATE FUNCTION pg_catalog.is_integer(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_super_integer(j, -2147483648, 2147483647) $$;
CREATE FUNCTION pg_catalog.is_bigint(j jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT pg_catalog.redshift_super_integer(j, -9223372036854775808, 9223372036854775807) $$;
CREATE FUNCTION pg_catalog.json_typeof(j jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT jsonb_typeof(j) $$;
CREATE FUNCTION pg_catalog.json_typeof(j text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT json_typeof(j::json) $$;

-- Hash functions (Redshift's, with its results: see tests/corpus/hash.sql).
-- The bytes of a value as Redshift hashes them: integers little-endian (2, 4 or 8 bytes),
-- strings as their UTF-8 bytes (a CHAR's trailing blanks are dropped by its cast to text).
CREATE FUNCTION pg_catalog.redshift_little_endian(b bytea) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    out bytea := b;
    n integer := length(b);
BEGIN
    FOR i IN 0..n - 1 LOOP
        out := set_byte(out, i, get_byte(b, n - 1 - i));
    END LOOP;
    RETURN out;
END
$$;

-- 64-bit FNV-1a of b, starting from seed (the hash so far; FNV's offset basis when none), as
-- a signed BIGINT. The state is kept as an exact numeric in [0, 2^64).
CREATE FUNCTION pg_catalog.redshift_fnv1a(b bytea, seed bigint) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    two64 numeric := 18446744073709551616;
    h numeric := CASE WHEN seed < 0 THEN seed + two64 ELSE seed END;
    low integer;
BEGIN
    FOR i IN 0..length(b) - 1 LOOP
        low := (h % 256)::integer;
        h := h - low + (low # get_byte(b, i));
        h := (h * 1099511628211) % two64;
    END LOOP;
    RETURN (CASE WHEN h >= 9223372036854775808 THEN h - two64 ELSE h END)::bigint;
END
$$;

CREATE FUNCTION pg_catalog.fnv_hash(v smallint, seed bigint DEFAULT -3750763034362895579) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_fnv1a(pg_catalog.redshift_little_endian(int2send(v)), seed) $$;
CREATE FUNCTION pg_catalog.fnv_hash(v integer, seed bigint DEFAULT -3750763034362895579) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_fnv1a(pg_catalog.redshift_little_endian(int4send(v)), seed) $$;
CREATE FUNCTION pg_catalog.fnv_hash(v bigint, seed bigint DEFAULT -3750763034362895579) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_fnv1a(pg_catalog.redshift_little_endian(int8send(v)), seed) $$;
CREATE FUNCTION pg_catalog.fnv_hash(v text, seed bigint DEFAULT -3750763034362895579) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_fnv1a(convert_to(v, 'UTF8'), seed) $$;

-- CRC32(s): the CRC-32C (Castagnoli) of s's UTF-8 bytes, as 8 hex digits.
CREATE FUNCTION pg_catalog.crc32(s text) RETURNS varchar
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    b bytea := convert_to(s, 'UTF8');
    crc bigint := 4294967295;
BEGIN
    FOR i IN 0..length(b) - 1 LOOP
        crc := crc # get_byte(b, i);
        FOR k IN 1..8 LOOP
            crc := CASE WHEN crc & 1 = 1 THEN (crc >> 1) # 2197175160 ELSE crc >> 1 END;
        END LOOP;
    END LOOP;
    RETURN lpad(to_hex(crc # 4294967295), 8, '0');
END
$$;

-- SHA1(s), FUNC_SHA1(s), SHA(s): the hex SHA-1 digest of s's UTF-8 bytes (FIPS 180-4; the
-- engine has SHA-2 built in, and SHA-1 only in an extension).
CREATE FUNCTION pg_catalog.func_sha1(s text) RETURNS varchar
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET standard_conforming_strings = on AS $$
DECLARE
    mask bigint := 4294967295;
    msg bytea := convert_to(s, 'UTF8');
    bits bigint := length(convert_to(s, 'UTF8'))::bigint * 8;
    h0 bigint := 1732584193; h1 bigint := 4023233417; h2 bigint := 2562383102;
    h3 bigint := 271733878;  h4 bigint := 3285377520;
    w bigint[];
    a bigint; b bigint; c bigint; d bigint; e bigint; f bigint; k bigint; t bigint;
BEGIN
    msg := msg || '\x80'::bytea;
    WHILE length(msg) % 64 <> 56 LOOP
        msg := msg || '\x00'::bytea;
    END LOOP;
    msg := msg || int8send(bits);
    FOR chunk IN 0..length(msg) / 64 - 1 LOOP
        w := array_fill(0::bigint, ARRAY[80]);
        FOR i IN 0..15 LOOP
            w[i + 1] := (get_byte(msg, chunk * 64 + i * 4)::bigint << 24)
                      | (get_byte(msg, chunk * 64 + i * 4 + 1)::bigint << 16)
                      | (get_byte(msg, chunk * 64 + i * 4 + 2)::bigint << 8)
                      | get_byte(msg, chunk * 64 + i * 4 + 3)::bigint;
        END LOOP;
        FOR i IN 16..79 LOOP
            t := w[i - 2] # w[i - 7] # w[i - 13] # w[i - 15];
            w[i + 1] := ((t << 1) | (t >> 31)) & mask;
        END LOOP;
        a := h0; b := h1; c := h2; d := h3; e := h4;
        FOR i IN 0..79 LOOP
            IF i < 20 THEN
                f := (b & c) | ((~b & mask) & d); k := 1518500249;
            ELSIF i < 40 THEN
                f := b # c # d; k := 1859775393;
            ELSIF i < 60 THEN
                f := (b & c) | (b & d) | (c & d); k := 2400959708;
            ELSE
                f := b # c # d; k := 3395469782;
            END IF;
            t := ((((a << 5) | (a >> 27)) & mask) + f + e + k + w[i + 1]) & mask;
            e := d; d := c; c := ((b << 30) | (b >> 2)) & mask; b := a; a := t;
        END LOOP;
        h0 := (h0 + a) & mask; h1 := (h1 + b) & mask; h2 := (h2 + c) & mask;
        h3 := (h3 + d) & mask; h4 := (h4 + e) & mask;
    END LOOP;
    RETURN lpad(to_hex(h0), 8, '0') || lpad(to_hex(h1), 8, '0') || lpad(to_hex(h2), 8, '0')
        || lpad(to_hex(h3), 8, '0') || lpad(to_hex(h4), 8, '0');
END
$$;
CREATE FUNCTION pg_catalog.sha1(s text) RETURNS varchar
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.func_sha1(s) $$;
CREATE FUNCTION pg_catalog.sha(s text) RETURNS varchar
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT pg_catalog.func_sha1(s) $$;

-- Redshift's regular-expression functions, which the dialect calls by these names (the
-- engine's own REGEXP_* take other arguments and mean other things by the same letters).
-- Redshift's parameters: c (case-sensitive, the default), i (insensitive), e (the first
-- subexpression), p (PCRE: the engine's advanced expressions are close, lookahead included).
CREATE FUNCTION pg_catalog.redshift_regexp_flags(parameters text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN strpos(coalesce(parameters, ''), 'i') > 0 THEN 'i' ELSE '' END $$;

CREATE FUNCTION pg_catalog.redshift_regexp_count(s text, pattern text, pos integer DEFAULT 1, parameters text DEFAULT 'c') RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN s IS NULL OR pattern IS NULL THEN NULL
              WHEN pos > length(s) THEN 0
              ELSE regexp_count(s, pattern, greatest(pos, 1), pg_catalog.redshift_regexp_flags(parameters)) END $$;

CREATE FUNCTION pg_catalog.redshift_regexp_substr(s text, pattern text, pos integer DEFAULT 1, occ integer DEFAULT 1, parameters text DEFAULT 'c') RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN s IS NULL OR pattern IS NULL THEN NULL
              WHEN occ < 1 THEN NULL
              WHEN pos > length(s) THEN ''
              WHEN strpos(coalesce(parameters, ''), 'e') > 0 THEN
                coalesce(regexp_substr(s, pattern, greatest(pos, 1), occ, pg_catalog.redshift_regexp_flags(parameters), 1),
                         regexp_substr(s, pattern, greatest(pos, 1), occ, pg_catalog.redshift_regexp_flags(parameters)), '')
              ELSE coalesce(regexp_substr(s, pattern, greatest(pos, 1), occ, pg_catalog.redshift_regexp_flags(parameters)), '') END $$;

CREATE FUNCTION pg_catalog.redshift_regexp_instr(s text, pattern text, pos integer DEFAULT 1, occ integer DEFAULT 1, opt integer DEFAULT 0, parameters text DEFAULT 'c') RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN s IS NULL OR pattern IS NULL THEN NULL
              WHEN occ < 1 OR pos > length(s) THEN 0
              ELSE regexp_instr(s, pattern, greatest(pos, 1), occ,
                                CASE WHEN opt = 0 THEN 0 ELSE 1 END,
                                pg_catalog.redshift_regexp_flags(parameters),
                                CASE WHEN strpos(coalesce(parameters, ''), 'e') > 0
                                      AND regexp_instr(s, pattern, greatest(pos, 1), occ, 0, pg_catalog.redshift_regexp_flags(parameters), 1) > 0
                                     THEN 1 ELSE 0 END) END $$;

-- REGEXP_REPLACE replaces every occurrence (the engine's, without 'g', only the first).
CREATE FUNCTION pg_catalog.redshift_regexp_replace(s text, pattern text, replacement text DEFAULT '', pos integer DEFAULT 1, parameters text DEFAULT 'c') RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN pattern IS NULL OR replacement IS NULL THEN NULL
              WHEN pos > length(s) THEN s
              ELSE regexp_replace(s, pattern, replacement, greatest(pos, 1), 0, pg_catalog.redshift_regexp_flags(parameters)) END $$;

-- VERSION(): Redshift's answer (the dialect sends a bare version() here; the engine's own
-- stays reachable as pg_catalog.version()).
CREATE FUNCTION pg_catalog.redshift_version() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT 'PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017 (Red Hat 3.4.2-6.fc3), Redshift 1.0.77467'::text $$;

-- LISTAGG(DISTINCT x, d) as a window function: the engine has no DISTINCT in a window
-- aggregate, so the values seen (in the window's order) are kept once each.
CREATE FUNCTION pg_catalog.redshift_listagg_distinct_step(state text[], value text, delimiter text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN value IS NULL OR value = '' OR value = ANY(state[2:]) THEN state
              ELSE coalesce(state, ARRAY[coalesce(delimiter, '')]) || value END $$;
CREATE FUNCTION pg_catalog.redshift_listagg_distinct_final(state text[]) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string(state[2:], state[1]) $$;
CREATE AGGREGATE pg_catalog.redshift_listagg_distinct(text, text) (
    SFUNC = pg_catalog.redshift_listagg_distinct_step,
    STYPE = text[],
    FINALFUNC = pg_catalog.redshift_listagg_distinct_final
);

-- ALTER TABLE target APPEND FROM source [IGNOREEXTRA | FILLTARGET]: the source's rows move to
-- the target by column name, and the source is left empty. Columns only one table has need
-- the option that says what to do with them; like-named columns must have one type.
CREATE PROCEDURE pg_catalog.redshift_append_table(target regclass, source regclass, mode text)
LANGUAGE plpgsql AS $$
DECLARE
    common text;
    extra_source text;
    extra_target text;
    mismatch text;
BEGIN
    IF target = source THEN
        RAISE EXCEPTION 'Cannot append a table to itself' USING ERRCODE = '42P17';
    END IF;
    SELECT string_agg(quote_ident(s.attname), ', ' ORDER BY s.attnum) INTO common
    FROM pg_attribute s JOIN pg_attribute t ON t.attrelid = target AND t.attname = s.attname
         AND t.attnum > 0 AND NOT t.attisdropped
    WHERE s.attrelid = source AND s.attnum > 0 AND NOT s.attisdropped;
    SELECT string_agg(s.attname, ', ') INTO extra_source FROM pg_attribute s
    WHERE s.attrelid = source AND s.attnum > 0 AND NOT s.attisdropped
      AND NOT EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = target AND t.attname = s.attname AND t.attnum > 0 AND NOT t.attisdropped);
    SELECT string_agg(t.attname, ', ') INTO extra_target FROM pg_attribute t
    WHERE t.attrelid = target AND t.attnum > 0 AND NOT t.attisdropped
      AND NOT EXISTS (SELECT 1 FROM pg_attribute s WHERE s.attrelid = source AND s.attname = t.attname AND s.attnum > 0 AND NOT s.attisdropped);
    SELECT string_agg(s.attname, ', ') INTO mismatch
    FROM pg_attribute s JOIN pg_attribute t ON t.attrelid = target AND t.attname = s.attname
         AND t.attnum > 0 AND NOT t.attisdropped
    WHERE s.attrelid = source AND s.attnum > 0 AND NOT s.attisdropped
      AND (s.atttypid, s.atttypmod, s.attnotnull) IS DISTINCT FROM (t.atttypid, t.atttypmod, t.attnotnull);
    IF mismatch IS NOT NULL THEN
        RAISE EXCEPTION 'Columns don''t match: % differ between % and %', mismatch, source, target
            USING ERRCODE = '42804';
    END IF;
    IF extra_source IS NOT NULL AND mode IS DISTINCT FROM 'IGNOREEXTRA' THEN
        RAISE EXCEPTION 'Target table % has no columns %: use IGNOREEXTRA', target, extra_source
            USING ERRCODE = '42703';
    END IF;
    IF extra_target IS NOT NULL AND mode IS DISTINCT FROM 'FILLTARGET' THEN
        RAISE EXCEPTION 'Source table % has no columns %: use FILLTARGET', source, extra_target
            USING ERRCODE = '42703';
    END IF;
    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s', target, common, common, source);
    EXECUTE format('DELETE FROM %s', source);
END
$$;

SET allow_system_table_mods = on;
-- Users and sessions as Redshift's views show them.
CREATE VIEW pg_catalog.svv_user_info AS
SELECT r.rolname::text AS user_name, r.oid::integer AS user_id, r.rolcreatedb AS createdb,
       r.rolsuper AS superuser, r.rolsuper AS catalog_update,
       CASE WHEN r.rolconnlimit < 0 THEN 'UNLIMITED' ELSE r.rolconnlimit::text END AS connection_limit,
       CASE WHEN r.rolsuper THEN 'UNRESTRICTED' ELSE 'RESTRICTED' END::text AS syslog_access,
       NULL::timestamp AS last_ddl_timestamp, 0::integer AS session_timeout,
       NULL::text AS external_user_id
FROM pg_roles r
WHERE r.rolcanlogin AND r.rolname NOT LIKE 'pg\_%';
CREATE VIEW pg_catalog.svl_user_info AS
SELECT user_name AS usename, user_id AS usesysid, createdb AS usecreatedb, superuser AS usesuper,
       catalog_update AS usecatupd, connection_limit AS useconnlimit, syslog_access AS syslogaccess,
       last_ddl_timestamp AS last_ddl_ts, session_timeout AS sessiontimeout,
       external_user_id AS external_id
FROM pg_catalog.svv_user_info;
CREATE VIEW pg_catalog.pg_user_info AS
SELECT u.usename, u.usesysid::integer AS usesysid, u.usecreatedb, u.usesuper,
       u.usesuper AS usecatupd, u.passwd, u.valuntil, u.useconfig,
       CASE WHEN r.rolconnlimit < 0 THEN 'UNLIMITED' ELSE r.rolconnlimit::text END AS useconnlimit
FROM pg_user u JOIN pg_roles r ON r.oid = u.usesysid;
CREATE VIEW pg_catalog.pg_database_info AS
SELECT d.oid AS datid, d.datname, d.datdba, d.encoding, d.datistemplate, d.datallowconn,
       d.datconnlimit::text AS datconnlimit, d.datfrozenxid, d.dattablespace, d.datacl
FROM pg_database d;
CREATE VIEW pg_catalog.stv_sessions AS
SELECT (a.backend_start AT TIME ZONE 'UTC')::timestamp AS starttime, a.pid::integer AS process,
       a.usename::character(50) AS user_name, a.datname::character(50) AS db_name,
       0::integer AS timeout_sec
FROM pg_stat_activity a
WHERE a.backend_type = 'client backend';
CREATE VIEW pg_catalog.svv_transactions AS
SELECT a.usename::text AS txn_owner, a.datname::text AS txn_db,
       coalesce(a.backend_xid, a.backend_xmin)::text::bigint AS xid, l.pid::integer AS pid,
       (a.xact_start AT TIME ZONE 'UTC')::timestamp AS txn_start, l.mode::text AS lock_mode,
       l.locktype::text AS lockable_object_type,
       CASE WHEN l.locktype = 'relation' THEN l.relation::integer END AS relation,
       l.granted
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype IN ('relation', 'transactionid') AND a.xact_start IS NOT NULL;

-- The databases, schemas, tables and columns (of this database: a namespace's databases are
-- apart on the engine) as Redshift's SVV_REDSHIFT_* views show them; datashares: none.
CREATE VIEW pg_catalog.svv_redshift_databases AS
SELECT d.datname::varchar(128) AS database_name, d.datdba::integer AS database_owner,
       'local'::varchar(32) AS database_type, array_to_string(d.datacl, ',')::varchar(128) AS database_acl,
       NULL::varchar(128) AS database_options,
       'Snapshot Isolation'::varchar(128) AS database_isolation_level
FROM pg_database d WHERE NOT d.datistemplate AND d.datname <> 'postgres';
CREATE VIEW pg_catalog.svv_redshift_schemas AS
SELECT current_database()::varchar(128) AS database_name, n.nspname::varchar(128) AS schema_name,
       n.nspowner::integer AS schema_owner, 'local'::varchar(16) AS schema_type,
       array_to_string(n.nspacl, ',')::varchar(128) AS schema_acl, NULL::varchar(128) AS schema_option
FROM pg_namespace n
WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema';
CREATE VIEW pg_catalog.svv_redshift_tables AS
SELECT t.database_name, t.schema_name, t.table_name, t.table_type, t.table_acl, t.remarks,
       pg_get_userbyid(c.relowner)::varchar(128) AS table_owner
FROM pg_catalog.svv_all_tables t
JOIN pg_namespace n ON n.nspname = t.schema_name
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.table_name;
CREATE VIEW pg_catalog.svv_redshift_columns AS
SELECT current_database()::varchar(128) AS database_name, n.nspname::varchar(128) AS schema_name,
       c.relname::varchar(128) AS table_name, a.attname::varchar(128) AS column_name,
       a.attnum::integer AS ordinal_position,
       format_type(a.atttypid, a.atttypmod)::varchar(32) AS data_type,
       pg_get_expr(d.adbin, d.adrelid)::varchar(4000) AS column_default,
       CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END::varchar(3) AS is_nullable,
       coalesce(o.encodings->>a.attname::text, 'none')::varchar(128) AS encoding,
       coalesce(o.distkey = a.attname::text, false) AS distkey,
       (coalesce(array_position(o.sortkey, a.attname::text), 0)
         * CASE WHEN o.sortstyle = 'INTERLEAVED' THEN -1 ELSE 1 END)::integer AS sortkey,
       array_to_string(a.attacl, ',')::varchar(128) AS column_acl,
       col_description(c.oid, a.attnum)::varchar(256) AS remarks
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
LEFT JOIN pg_catalog.redshift_table_options o ON o.reloid = c.oid
WHERE c.relkind IN ('r', 'p', 'v', 'm')
  AND n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema';
CREATE VIEW pg_catalog.svv_redshift_functions AS
SELECT current_database()::varchar(128) AS database_name, n.nspname::varchar(128) AS schema_name,
       p.proname::varchar(128) AS function_name,
       (CASE p.prokind WHEN 'a' THEN 'AGGREGATE FUNCTION' WHEN 'p' THEN 'STORED PROCEDURE'
        ELSE 'REGULAR FUNCTION' END)::varchar(128) AS function_type,
       oidvectortypes(p.proargtypes)::varchar(512) AS argument_type,
       (CASE WHEN p.prokind = 'p' THEN NULL
        ELSE format_type(p.prorettype, NULL) END)::varchar(128) AS result_type
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
  AND has_function_privilege(p.oid, 'EXECUTE');
CREATE VIEW pg_catalog.svv_datashares AS
SELECT NULL::varchar(128) AS share_name, NULL::integer AS share_id, NULL::integer AS share_owner,
       NULL::varchar(128) AS source_database, NULL::varchar(128) AS consumer_database,
       NULL::varchar(8) AS share_type, NULL::timestamp AS createdate,
       NULL::boolean AS is_publicaccessible, NULL::varchar(256) AS share_acl,
       NULL::varchar(16) AS producer_account, NULL::varchar(64) AS producer_namespace,
       NULL::varchar(64) AS managed_by
WHERE false;
GRANT SELECT ON pg_catalog.svv_user_info, pg_catalog.svl_user_info, pg_catalog.pg_database_info,
    pg_catalog.stv_sessions, pg_catalog.svv_transactions, pg_catalog.svv_redshift_databases,
    pg_catalog.svv_redshift_schemas, pg_catalog.svv_redshift_tables, pg_catalog.svv_redshift_columns,
    pg_catalog.svv_redshift_functions, pg_catalog.svv_datashares TO PUBLIC;
RESET allow_system_table_mods;

-- The JSON functions' last argument, null_if_invalid: NULL for malformed JSON instead of an error.
CREATE FUNCTION pg_catalog.redshift_json_or_null(j text, null_if_invalid boolean) RETURNS json
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN j::json;
EXCEPTION WHEN others THEN
    IF null_if_invalid THEN
        RETURN NULL;
    END IF;
    RAISE;
END
$$;
CREATE FUNCTION pg_catalog.json_array_length(j text, null_if_invalid boolean) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT json_array_length(pg_catalog.redshift_json_or_null(j, null_if_invalid)) $$;
CREATE FUNCTION pg_catalog.json_extract_array_element_text(j text, pos integer, null_if_invalid boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.redshift_json_or_null(j, null_if_invalid) ->> pos $$;
CREATE FUNCTION pg_catalog.json_extract_path_text(j text, p1 text, null_if_invalid boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT json_extract_path_text(pg_catalog.redshift_json_or_null(j, null_if_invalid), p1) $$;
CREATE FUNCTION pg_catalog.json_extract_path_text(j text, p1 text, p2 text, null_if_invalid boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT json_extract_path_text(pg_catalog.redshift_json_or_null(j, null_if_invalid), p1, p2) $$;
CREATE FUNCTION pg_catalog.json_extract_path_text(j text, p1 text, p2 text, p3 text, null_if_invalid boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT json_extract_path_text(pg_catalog.redshift_json_or_null(j, null_if_invalid), p1, p2, p3) $$;

-- EXTRACT(part FROM t) of a part only Redshift names (the dialect calls this for them): the
-- part as the engine names it, but milliseconds and microseconds within the second
-- (EXTRACT(ms FROM timestamp '2009-09-09 12:08:43.101') is 101), as Redshift counts them.
CREATE FUNCTION pg_catalog.redshift_extract_seconds(part text, seconds double precision, whole double precision) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE pg_catalog.redshift_datepart(part)
    WHEN 'milliseconds' THEN floor(seconds * 1000)::numeric % 1000
    WHEN 'microseconds' THEN floor(seconds * 1000000)::numeric % 1000000
    ELSE whole END $$;
CREATE FUNCTION pg_catalog.redshift_extract(part text, t timestamp) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.redshift_extract_seconds(part, date_part('second', t), date_part(pg_catalog.redshift_datepart(part), t)) $$;
CREATE FUNCTION pg_catalog.redshift_extract(part text, t timestamptz) RETURNS double precision
LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.redshift_extract_seconds(part, date_part('second', t), date_part(pg_catalog.redshift_datepart(part), t)) $$;
CREATE FUNCTION pg_catalog.redshift_extract(part text, t time) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.redshift_extract_seconds(part, date_part('second', t), date_part(pg_catalog.redshift_datepart(part), t)) $$;
CREATE FUNCTION pg_catalog.redshift_extract(part text, t timetz) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT pg_catalog.redshift_extract_seconds(part, date_part('second', t), date_part(pg_catalog.redshift_datepart(part), t)) $$;

-- COPY's load errors (sql/s3), written on a connection of their own so that they outlive
-- the rollback of the COPY that found them, as STL_LOAD_ERRORS and SYS_LOAD_ERROR_DETAIL
-- show them.
SET allow_system_table_mods = on;
CREATE VIEW pg_catalog.stl_load_errors AS
SELECT userid, slice, tbl, starttime, session, query::integer AS query,
       filename::character(256) AS filename, line_number, colname::character(127) AS colname,
       type::character(10) AS type, col_length::character(10) AS col_length, position,
       raw_line::character(1024) AS raw_line, raw_field_value::character(1024) AS raw_field_value,
       err_code, err_reason::character(100) AS err_reason, 0::integer AS is_partial,
       0::bigint AS start_offset
FROM pg_catalog.redshift_load_errors;
CREATE VIEW pg_catalog.sys_load_error_detail AS
SELECT userid AS user_id, query AS query_id, transaction_id, session AS session_id,
       database_name::character(64) AS database_name, tbl AS table_id, starttime AS start_time,
       filename::character(256) AS file_name, line_number, colname::character(127) AS column_name,
       type::character(10) AS column_type, col_length::character(10) AS column_length, position,
       err_code AS error_code, err_reason::character(512) AS error_message
FROM pg_catalog.redshift_load_errors;
GRANT SELECT ON pg_catalog.stl_load_errors, pg_catalog.sys_load_error_detail TO PUBLIC;
RESET allow_system_table_mods;

-- PG_LAST_COPY_COUNT() and PG_LAST_COPY_ID(): the rows and the query id of the session's last
-- COPY (-1 before one), which the emulator keeps in the session's settings.
CREATE FUNCTION pg_catalog.pg_last_copy_count() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(nullif(current_setting('redshift.last_copy_count', true), ''), '-1')::bigint
$$;
CREATE FUNCTION pg_catalog.pg_last_copy_id() RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(nullif(current_setting('redshift.last_copy_id', true), ''), '-1')::integer
$$;

-- The query history (sql/history.rs): the emulator writes each namespace's statements, as a
-- JSON array, to query_history.json beside the cluster's data directory; this reads them.
-- A user sees their own statements and a superuser everyone's, as in Redshift's system views.
CREATE FUNCTION pg_catalog.redshift_query_log()
RETURNS TABLE (user_id integer, user_name text, query_id bigint, pid integer,
               database_name text, query_type text, status text, start_time timestamp,
               end_time timestamp, elapsed bigint, rows bigint, error_message text,
               query_text text, tracked boolean, xid bigint, label text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  WITH file AS (SELECT current_setting('data_directory') || '/../query_history.json' AS path),
  records AS (
    SELECT h.* FROM file, jsonb_to_recordset(
      CASE WHEN (pg_stat_file(file.path, true)).size IS NOT NULL
           THEN pg_read_file(file.path)::jsonb ELSE '[]'::jsonb END)
      AS h(q bigint, p integer, u text, d text, k text, s text, b bigint, e bigint, r bigint,
           x text, t text, l boolean, j bigint, g text))
  SELECT (SELECT u.usesysid::integer FROM pg_user u WHERE u.usename = r.u), r.u, r.q, r.p,
         r.d, r.k, r.s, timestamp 'epoch' + r.b * interval '1 microsecond',
         timestamp 'epoch' + r.e * interval '1 microsecond',
         coalesce(r.e, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint) - r.b,
         r.r, r.x, r.t, coalesce(r.l, false), nullif(r.j, 0), r.g
  FROM records r
  WHERE r.u = session_user OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)
$$;

-- PG_LAST_QUERY_ID(): the id of the session's last completed query, -1 when there is none.
-- The session is the engine backend's: its process id, since it started.
CREATE FUNCTION pg_catalog.pg_last_query_id() RETURNS integer
LANGUAGE sql STABLE AS $$
  SELECT coalesce(max(h.query_id)::integer, -1)
  FROM pg_catalog.redshift_query_log() h
  WHERE h.pid = pg_backend_pid() AND h.tracked AND h.status <> 'running'
    AND h.start_time >= (SELECT a.backend_start AT TIME ZONE 'UTC' FROM pg_stat_activity a
                         WHERE a.pid = pg_backend_pid())
$$;

SET allow_system_table_mods = on;
-- STL_QUERY and SVL_QLOG: queries that ended (not DDL or utility statements).
CREATE VIEW pg_catalog.stl_query AS
SELECT h.user_id AS userid, h.query_id::integer AS query,
       coalesce(h.label, 'default')::character(320) AS label, h.xid, h.pid,
       h.database_name::character(32) AS database,
       h.query_text::character(4000) AS querytxt, h.start_time AS starttime,
       h.end_time AS endtime, (h.status IN ('failed', 'canceled'))::integer AS aborted,
       0 AS insert_pristine, 0 AS concurrency_scaling_status
FROM pg_catalog.redshift_query_log() h
WHERE h.status <> 'running' AND h.query_type NOT IN ('DDL', 'UTILITY', 'COMMAND');
CREATE VIEW pg_catalog.svl_qlog AS
SELECT userid, query, xid, pid, starttime, endtime,
       (extract(epoch FROM endtime - starttime) * 1000000)::bigint AS elapsed, aborted, label,
       querytxt::character(60) AS substring, NULL::integer AS source_query,
       '0 - Ran on the main cluster'::text AS concurrency_scaling_status_txt,
       NULL::integer AS from_sp_call
FROM pg_catalog.stl_query;
-- The text of statements that ended, 200 characters a row, by kind.
CREATE VIEW pg_catalog.svl_statementtext AS
SELECT h.user_id AS userid, h.xid, h.pid, coalesce(h.label, '')::character(320) AS label,
       h.start_time AS starttime, h.end_time AS endtime, n.sequence,
       (CASE WHEN h.query_type IN ('DDL', 'UTILITY') THEN h.query_type
             ELSE 'QUERY' END)::varchar(10) AS type,
       substr(h.query_text, n.sequence * 200 + 1, 200)::character(200) AS text,
       h.query_id
FROM pg_catalog.redshift_query_log() h,
     generate_series(0, greatest(length(h.query_text) - 1, 0) / 200) AS n(sequence)
WHERE h.status <> 'running' AND h.query_type <> 'COMMAND';
CREATE VIEW pg_catalog.stl_querytext AS
SELECT userid, xid, pid, query_id::integer AS query, sequence, text
FROM pg_catalog.svl_statementtext WHERE type = 'QUERY';
CREATE VIEW pg_catalog.stl_ddltext AS
SELECT userid, xid, pid, label, starttime, endtime, sequence, text
FROM pg_catalog.svl_statementtext WHERE type = 'DDL';
CREATE VIEW pg_catalog.stl_utilitytext AS
SELECT userid, xid, pid, label, starttime, endtime, sequence, text
FROM pg_catalog.svl_statementtext WHERE type = 'UTILITY';
-- STV_RECENTS: what runs now and the last hundred that ended; STV_INFLIGHT: what runs now.
CREATE VIEW pg_catalog.stv_recents AS
SELECT h.user_id AS userid,
       (CASE h.status WHEN 'running' THEN 'Running' ELSE 'Done' END)::character(20) AS status,
       h.start_time AS starttime, h.elapsed::integer AS duration,
       h.user_name::character(50) AS user_name, h.database_name::character(50) AS db_name,
       h.query_text::character(600) AS query,
       CASE h.status WHEN 'running' THEN h.pid ELSE -1 END AS pid
FROM (SELECT l.*, row_number() OVER (PARTITION BY l.status = 'running'
                                     ORDER BY l.query_id DESC) AS recent
      FROM pg_catalog.redshift_query_log() l) h
WHERE h.status = 'running' OR h.recent <= 100;
CREATE VIEW pg_catalog.stv_inflight AS
SELECT h.user_id AS userid, 0 AS slice, h.query_id::integer AS query,
       coalesce(h.label, '')::character(320) AS label, h.xid, h.pid, h.start_time AS starttime,
       h.query_text::character(100) AS text, 0 AS suspended, 0 AS insert_pristine,
       0 AS concurrency_scaling_status
FROM pg_catalog.redshift_query_log() h WHERE h.status = 'running';
-- SYS_QUERY_HISTORY, SYS_QUERY_TEXT and SYS_QUERY_DETAIL (one child-query row per query):
-- every statement, running or ended.
CREATE VIEW pg_catalog.sys_query_history AS
SELECT h.user_id, h.query_id, coalesce(h.label, 'default')::character(320) AS query_label,
       h.xid AS transaction_id, h.pid AS session_id,
       h.database_name::character(128) AS database_name, h.query_type::character(32) AS query_type,
       h.status::character(10) AS status, false AS result_cache_hit, h.start_time, h.end_time,
       h.elapsed AS elapsed_time, 0::bigint AS queue_time, h.elapsed AS execution_time,
       h.error_message::character(512) AS error_message,
       CASE WHEN h.query_type = 'SELECT' THEN h.rows ELSE 0 END AS returned_rows,
       0::bigint AS returned_bytes, h.query_text::character(4000) AS query_text,
       substring(pg_catalog.redshift_version() FROM 'Redshift (.*)$')::character(256) AS redshift_version, ''::character(150) AS usage_limit,
       'primary'::varchar(32) AS compute_type, 0::bigint AS compile_time,
       0::bigint AS planning_time, 0::bigint AS lock_wait_time, -1 AS service_class_id,
       ''::character(64) AS service_class_name, ''::character(20) AS query_priority,
       ''::character(10) AS short_query_accelerated,
       md5(h.query_text)::character(40) AS user_query_hash,
       md5(h.query_text)::character(40) AS generic_query_hash, 1 AS query_hash_version,
       0 AS result_cache_query_id, h.user_name::character(128) AS username
FROM pg_catalog.redshift_query_log() h;
CREATE VIEW pg_catalog.sys_query_text AS
SELECT h.user_id, h.query_id, h.xid AS transaction_id, h.pid AS session_id,
       h.start_time, 0 AS sequence, h.query_text::character(4000) AS text
FROM pg_catalog.redshift_query_log() h;
CREATE VIEW pg_catalog.sys_query_detail AS
SELECT h.user_id, h.query_id, 1 AS child_query_sequence, -1 AS stream_id, -1 AS segment_id,
       -1 AS step_id, ''::text AS step_name, NULL::integer AS table_id,
       ''::character(136) AS table_name, 'f'::character AS is_rrscan, h.start_time, h.end_time,
       h.elapsed AS duration, ''::text AS alert, 0::bigint AS input_bytes,
       0::bigint AS input_rows, 0::bigint AS output_bytes, h.rows AS output_rows,
       0::bigint AS blocks_read, 0::bigint AS blocks_write, 0::bigint AS local_read_io,
       0::bigint AS remote_read_io, ''::text AS source, 0 AS data_skewness, 0 AS time_skewness,
       (CASE h.status WHEN 'running' THEN 't' ELSE 'f' END)::character AS is_active,
       0::bigint AS spilled_block_local_disk, 0::bigint AS spilled_block_remote_disk,
       ''::character(64) AS step_attribute, 'Child query'::character(64) AS metrics_level,
       -1 AS plan_parent_id, -1 AS plan_node_id
FROM pg_catalog.redshift_query_log() h;
GRANT SELECT ON pg_catalog.stl_query, pg_catalog.svl_qlog, pg_catalog.svl_statementtext,
    pg_catalog.stl_querytext, pg_catalog.stl_ddltext, pg_catalog.stl_utilitytext,
    pg_catalog.stv_recents, pg_catalog.stv_inflight, pg_catalog.sys_query_history,
    pg_catalog.sys_query_text, pg_catalog.sys_query_detail TO PUBLIC;
RESET allow_system_table_mods;
