-- System views and functions: the examples of the SQL reference's pages.

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_REDSHIFT_DATABASES.html
-- known-gap: the reference shows owner 1 and Serializable isolation; the engine's owner is its bootstrap user and a Serverless namespace's default isolation is snapshot
select database_name, database_owner, database_type, database_options, database_isolation_level from svv_redshift_databases where database_name = 'dev';
-- expect:
-- dev | 1 | local | NULL | Serializable

-- source: https://docs.aws.amazon.com/redshift/latest/dg/r_VERSION.html
select left(version(), 17);
-- expect:
-- PostgreSQL 8.0.2 
