-- SUPER: JSON_PARSE'd values, their navigation (`x.a.b`, `x[0].a`) and their unnesting, with
-- the examples of the SQL reference's pages that make their own data.

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_json_typeof.html
SELECT JSON_TYPEOF(ARRAY(1,2));
-- expect:
-- array

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_json_typeof.html
SELECT JSON_TYPEOF(JSON_PARSE('{"name":"Joe"}'));
-- expect:
-- object

-- source: https://docs.aws.amazon.com/redshift/latest/dg/super-configurations.html
SET enable_case_sensitive_identifier to TRUE;
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/super-configurations.html
SELECT json_table.data."ITEMS"."Name",
       json_table.data."price"
FROM
  (SELECT json_parse('{"ITEMS":{"Name":"TV"}, "price": 345}') AS data) AS json_table;
-- expect:
-- "TV" | 345

-- source: https://docs.aws.amazon.com/redshift/latest/dg/super-configurations.html
RESET enable_case_sensitive_identifier;
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/super-configurations.html
SELECT json_table.data."ITEMS"."Name",
       json_table.data."price"
FROM
  (SELECT json_parse('{"ITEMS":{"Name":"TV"}, "price": 345}') AS data) AS json_table;
-- expect:
--  | 345

-- setup
CREATE TABLE t(s super);
INSERT INTO t VALUES (JSON_PARSE('{"name": "Joe"}'));

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_is_scalar.html
-- known-gap: SUPER is jsonb here, which prints a space after each colon and comma ({"name": "Joe"}); Redshift prints SUPER as compact JSON
SELECT s, is_scalar(s.name) FROM t;
-- expect:
-- {"name":"Joe"} | True

-- source: https://docs.aws.amazon.com/redshift/latest/dg/query-super.html
CREATE TABLE bar AS SELECT json_parse('{"scalar_array": [1, 2.3, 45000000]}') AS data;
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/query-super.html
-- unordered
SELECT index, element FROM bar AS b, b.data.scalar_array AS element AT index;
-- expect:
-- 0 | 1
-- 1 | 2.3
-- 2 | 45000000

-- source: https://docs.aws.amazon.com/redshift/latest/dg/query-super.html
CREATE TABLE foo AS SELECT json_parse('[[1.1, 1.2], [2.1, 2.2], [3.1, 3.2]]') AS multi_level_array;
-- expect:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/query-super.html
-- known-gap: the unnesting is translated, but ARRAY is a reserved word of the engine, which takes no name array (SELECT array, ... AS array); and jsonb would print [1.1, 1.2] where Redshift prints [1.1,1.2]
-- unordered
SELECT array, element FROM foo AS f, f.multi_level_array AS array, array AS element;
-- expect:
-- [1.1,1.2] | 1.1
-- [1.1,1.2] | 1.2
-- [2.1,2.2] | 2.1
-- [2.1,2.2] | 2.2
-- [3.1,3.2] | 3.1
-- [3.1,3.2] | 3.2
