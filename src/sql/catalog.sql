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
LANGUAGE plpgsql AS $$
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
CREATE FUNCTION pg_catalog.json_serialize(j jsonb) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT j::text $$;
