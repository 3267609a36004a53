"""The Redshift Data API through boto3's `redshift-data` client and awswrangler's
`wr.data_api.redshift`, on the emulator's one port (AWS_ENDPOINT_URL serves both APIs)."""

import time

import boto3
import psycopg2
import pytest

from conftest import ACCOUNT, REGION, make_workgroup, wait_for_sql


def data_client(emulator):
    return emulator.client(service="redshift-data")


@pytest.fixture(scope="module")
def data_wg(emulator):
    return wait_for_sql(make_workgroup(emulator, "data"))


def run(client, wg, sql, **kwargs):
    out = client.execute_statement(WorkgroupName=wg.name, Database=wg.db, Sql=sql, WaitTimeSeconds=30, **kwargs)
    assert out["Status"] == "FINISHED", client.describe_statement(Id=out["Id"])
    return out["Id"]


def test_boto3_runs_statements_and_reads_typed_results(emulator, data_wg):
    client = data_client(emulator)
    run(client, data_wg, "create table data_boto (id int, name varchar(10), price decimal(6,2))")
    run(
        client,
        data_wg,
        "insert into data_boto values (:id, :name, :price)",
        Parameters=[{"name": "id", "value": "1"}, {"name": "name", "value": "one"}, {"name": "price", "value": "2.50"}],
    )
    # Polling as most clients do, without WaitTimeSeconds.
    out = client.execute_statement(WorkgroupName=data_wg.name, Database=data_wg.db, Sql="select * from data_boto")
    deadline = time.monotonic() + 30
    while True:
        described = client.describe_statement(Id=out["Id"])
        if described["Status"] in ("FINISHED", "FAILED", "ABORTED"):
            break
        assert time.monotonic() < deadline, described
        time.sleep(0.05)
    assert described["Status"] == "FINISHED", described
    assert described["HasResultSet"] is True
    assert described["ResultRows"] == 1
    pages = client.get_paginator("get_statement_result").paginate(Id=out["Id"])
    records = [r for page in pages for r in page["Records"]]
    assert records == [[{"longValue": 1}, {"stringValue": "one"}, {"stringValue": "2.50"}]]
    meta = client.get_statement_result(Id=out["Id"])["ColumnMetadata"]
    assert [(c["name"], c["typeName"]) for c in meta] == [("id", "int4"), ("name", "varchar"), ("price", "numeric")]

    # Written through the Data API, read through the SQL endpoint.
    conn = psycopg2.connect(**data_wg.dsn())
    try:
        with conn.cursor() as cur:
            cur.execute("select name from data_boto where id = 1")
            assert cur.fetchone() == ("one",)
    finally:
        conn.close()

    tables = client.list_tables(WorkgroupName=data_wg.name, Database=data_wg.db, SchemaPattern="public", TablePattern="data_b%")
    assert [t["name"] for t in tables["Tables"]] == ["data_boto"]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_statement(Id="00000000-0000-0000-0000-000000000000")


def test_awswrangler_reads_a_query_into_a_dataframe(emulator, data_wg, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCOUNT)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    import awswrangler as wr

    session = boto3.Session(region_name=REGION)
    con = wr.data_api.redshift.connect(workgroup_name=data_wg.name, database=data_wg.db, boto3_session=session)
    df = wr.data_api.redshift.read_sql_query(
        "select g as n, 'row ' || g as label from generate_series(1, 5) g where g >= :low order by g",
        con=con,
        parameters=[{"name": "low", "value": "2"}],
    )
    assert list(df.columns) == ["n", "label"]
    assert df["n"].tolist() == [2, 3, 4, 5]
    assert df["label"].tolist()[0] == "row 2"
