-- JSON functions over text: the examples of the SQL reference's pages.

-- source: https://docs.aws.amazon.com/redshift/latest/dg/JSON_EXTRACT_PATH_TEXT.html
select json_extract_path_text('{"f2":{"f3":1},"f4":{"f5":99,"f6":"star"}}','f4', 'f6');
-- expect:
-- star

-- source: https://docs.aws.amazon.com/redshift/latest/dg/JSON_EXTRACT_PATH_TEXT.html
select json_extract_path_text('{"f2":{"f3":1},"f4":{"f5":99,"f6":"star"}','f4', 'f6');
-- expect-error:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/JSON_EXTRACT_PATH_TEXT.html
select json_extract_path_text('{"f2":{"f3":1},"f4":{"f5":99,"f6":"star"}','f4', 'f6',true);
-- expect:
-- 

-- source: https://docs.aws.amazon.com/redshift/latest/dg/JSON_ARRAY_LENGTH.html
select json_array_length('[11,12,13,{"f1":21,"f2":[25,26]},14]');
-- expect:
-- 5

-- source: https://docs.aws.amazon.com/redshift/latest/dg/JSON_ARRAY_LENGTH.html
select json_array_length('[11,12,13,{"f1":21,"f2":[25,26]},14');
-- expect-error:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/JSON_ARRAY_LENGTH.html
select json_array_length('[11,12,13,{"f1":21,"f2":[25,26]},14',true);
-- expect:
-- 

-- source: https://docs.aws.amazon.com/redshift/latest/dg/JSON_EXTRACT_ARRAY_ELEMENT_TEXT.html
select json_extract_array_element_text('[111,112,113]', 2);
-- expect:
-- 113

-- source: https://docs.aws.amazon.com/redshift/latest/dg/JSON_EXTRACT_ARRAY_ELEMENT_TEXT.html
select json_extract_array_element_text('["a",["b",1,["c",2,3,null,]]]',1);
-- expect-error:

-- source: https://docs.aws.amazon.com/redshift/latest/dg/JSON_EXTRACT_ARRAY_ELEMENT_TEXT.html
select json_extract_array_element_text('["a",["b",1,["c",2,3,null,]]]',1,true);
-- expect:
-- 

-- setup
create table test_json(id int identity(0,1), json_strings varchar);
insert into test_json(json_strings) values
('{"a":2}'),
('{"a":{"b":{"c":1}}}'),
('{"a": [1,2,"b"]}');
insert into test_json(json_strings)values
('{{}}'),
('{1:"a"}'),
('[1,2,3]');

-- source: https://docs.aws.amazon.com/redshift/latest/dg/IS_VALID_JSON.html
-- known-gap: Redshift's IDENTITY values are unique but not consecutive (each slice draws its own), so the reference's ids are 0, 2, 4, ...; the engine's are 0, 1, 2, ...
select id, json_strings, is_valid_json(json_strings)
from test_json order by id;
-- expect:
-- 0 | {"a":2} | true
-- 2 | {"a":{"b":{"c":1}}} | true
-- 4 | {"a": [1,2,"b"]} | true
-- 6 | {{}} | false
-- 8 | {1:"a"} | false
-- 10 | [1,2,3] | false

-- setup
create table test_json_arrays(id int identity(0,1), json_arrays varchar);
insert into test_json_arrays(json_arrays)
values('[]'),
('["a","b"]'),
('["a",["b",1,["c",2,3,null]]]');
insert into test_json_arrays(json_arrays) values
('{"a":1}'),
('a'),
('[1,2,]');

-- source: https://docs.aws.amazon.com/redshift/latest/dg/IS_VALID_JSON_ARRAY.html
select json_arrays, is_valid_json_array(json_arrays)
from test_json_arrays order by id;
-- expect:
-- [] | true
-- ["a","b"] | true
-- ["a",["b",1,["c",2,3,null]]] | true
-- {"a":1} | false
-- a | false
-- [1,2,] | false

-- source: https://docs.aws.amazon.com/redshift/latest/dg/JSON_PARSE.html
-- known-gap: SUPER is jsonb here, which prints a space after each comma and colon; Redshift prints SUPER as compact JSON
SELECT JSON_PARSE('[10001,10002,"abc"]');
-- expect:
-- [10001,10002,"abc"]

-- source: https://docs.aws.amazon.com/redshift/latest/dg/JSON_PARSE.html
SELECT JSON_TYPEOF(JSON_PARSE('[10001,10002,"abc"]'));
-- expect:
-- array

-- source: https://docs.aws.amazon.com/redshift/latest/dg/JSON_SERIALIZE.html
SELECT JSON_SERIALIZE(JSON_PARSE('[10001,10002,"abc"]'));
-- expect:
-- [10001,10002,"abc"]
