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
