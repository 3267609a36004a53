"""COPY and UNLOAD against an S3-compatible service: moto's server, with the emulator started
with --s3-endpoint, psycopg2 running the statements and boto3 putting and reading objects."""

import csv
import io
import os
import tempfile

import boto3
import psycopg2
import pytest

from conftest import make_workgroup, start_emulator, wait_for_sql

KEY_ID = "AKIAMOTOTESTKEY00001"
SECRET = "moto-secret"


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def s3(moto_endpoint):
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )
    client.create_bucket(Bucket="lake")
    return client


@pytest.fixture(scope="module")
def s3_workgroup(moto_endpoint):
    # IAM_ROLE takes the emulator's own environment's credentials.
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ["AWS_ACCESS_KEY_ID"] = KEY_ID
    os.environ["AWS_SECRET_ACCESS_KEY"] = SECRET
    with tempfile.TemporaryDirectory(prefix="rsl-s3-") as workdir:
        emu = start_emulator(workdir, ["--s3-endpoint", moto_endpoint])
        try:
            yield wait_for_sql(make_workgroup(emu, "s3"))
        finally:
            emu.stop()
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def keys(s3, prefix):
    listed = s3.list_objects_v2(Bucket="lake", Prefix=prefix)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def test_copy_and_unload_through_an_s3_endpoint(s3, s3_workgroup):
    rows = [(i, f"name {i}", f"{i}.25") for i in range(1, 2001)]
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    s3.put_object(Bucket="lake", Key="in/part-1.csv", Body=text.getvalue().encode())
    s3.put_object(Bucket="lake", Key="in/part-2.csv", Body=b"9999,\"quoted, name\",1.50\n")
    conn = psycopg2.connect(**s3_workgroup.dsn())
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("create table lake_t (id int, name varchar(30), amount numeric(10,2))")
            cur.execute(
                f"copy lake_t from 's3://lake/in/' access_key_id '{KEY_ID}' "
                f"secret_access_key '{SECRET}' region 'us-east-1' csv"
            )
            assert any("2001 record(s) loaded successfully" in n for n in conn.notices), conn.notices
            cur.execute("select count(*), sum(id) from lake_t")
            assert cur.fetchone() == (2001, sum(r[0] for r in rows) + 9999)

            cur.execute(
                "unload ('select * from lake_t order by id') to 's3://lake/out/t_' "
                "iam_role 'arn:aws:iam::123456789012:role/unload' csv gzip manifest"
            )
            assert keys(s3, "out/") == ["out/t_0000_part_00.gz", "out/t_manifest"]
            with pytest.raises(psycopg2.Error) as refused:
                cur.execute("unload ('select 1') to 's3://lake/out/t_' iam_role default")
            assert "ALLOWOVERWRITE" in str(refused.value)

            cur.execute("create table lake_back (like lake_t)")
            cur.execute(
                "copy lake_back from 's3://lake/out/t_manifest' "
                f"credentials 'aws_access_key_id={KEY_ID};aws_secret_access_key={SECRET}' "
                "csv gzip manifest"
            )
            cur.execute(
                "select count(*) from (select * from lake_t except select * from lake_back) d"
            )
            assert cur.fetchone() == (0,)
            cur.execute("select pg_last_copy_count()")
            assert cur.fetchone() == (2001,)
    finally:
        conn.close()
