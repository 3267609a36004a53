-- Hash functions: the examples of the SQL reference's pages for each.

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_FNV_HASH.html
select fnv_hash(1);
-- expect:
-- -5968735742475085980

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_FNV_HASH.html
select fnv_hash('Amazon Redshift');
-- expect:
-- 7783490368944507294

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_FNV_HASH.html
select fnv_hash('Amazon Redshift', fnv_hash(1));
-- expect:
-- -2202602717770968555

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_FNV_HASH.html
select fnv_hash('abcd');
-- expect:
-- -281581062704388899

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_FNV_HASH.html
select fnv_hash('cd', fnv_hash('ab'));
-- expect:
-- -281581062704388899

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_FNV_HASH.html
select fnv_hash(1::smallint);
-- expect:
-- 589727492704079044

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_FNV_HASH.html
select fnv_hash(1::bigint);
-- expect:
-- -8517097267634966620

-- source: https://docs.aws.amazon.com/redshift/latest/dg/crc32-function.html
SELECT CRC32('Amazon Redshift');
-- expect:
-- f2726906

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_MD5.html
select md5('Amazon Redshift');
-- expect:
-- f7415e33f972c03abd4f3fed36748f7a
