"""Metadata calls of real clients: redshift_connector's cursor.get_* helpers and psql's
backslash commands, against a workgroup of its own holding public.orders, sales.deals and a
procedure.

The pinned redshift_connector sees no `show_discovery` parameter status from the emulator,
so it takes its legacy catalog queries, which name select-list aliases later in the same
list and in WHERE (Redshift's lateral column aliases, which the dialect resolves for
catalog queries). get_functions / get_procedure_columns need show_discovery >= 4 outright.
"""

import os
import shutil
import subprocess

import pytest
import redshift_connector

from conftest import make_workgroup, wait_for_sql

PSQL = shutil.which("psql")


@pytest.fixture(scope="module")
def meta_wg(emulator):
    wg = wait_for_sql(make_workgroup(emulator, "meta"))
    conn = connect(wg)
    try:
        cur = conn.cursor()
        for sql in (
            "create table public.orders (id int primary key, note varchar(20))",
            "create schema sales",
            "create table sales.deals (deal_id int primary key, amount decimal(10,2))",
            "create procedure public.meta_noop(a int) as $$ begin null; end; $$ language plpgsql",
        ):
            cur.execute(sql)
        conn.commit()
    finally:
        conn.close()
    return wg


def connect(wg):
    return redshift_connector.connect(
        host=wg.host, port=wg.port, database=wg.db, user=wg.user, password=wg.password, ssl=False, timeout=30
    )


@pytest.fixture
def cur(meta_wg):
    conn = connect(meta_wg)
    try:
        yield conn.cursor()
    finally:
        conn.close()


def rows(result):
    return [tuple(r) for r in result]


def user_rows(result, schema_col):
    return [r for r in rows(result) if r[schema_col] in ("public", "sales")]


def test_get_primary_keys_unfiltered_lists_both_user_tables(cur):
    got = user_rows(cur.get_primary_keys(), 1)
    assert sorted(got) == [
        ("dev", "public", "orders", "id", 1, "orders_pkey"),
        ("dev", "sales", "deals", "deal_id", 1, "deals_pkey"),
    ], got
    assert [d[0] for d in cur.description] == [
        "table_cat", "table_schem", "table_name", "column_name", "key_seq", "pk_name"
    ]


def test_get_primary_keys_filtered_by_schema_and_table(cur):
    assert rows(cur.get_primary_keys(schema="public", table="orders")) == [
        ("dev", "public", "orders", "id", 1, "orders_pkey")
    ]
    assert rows(cur.get_primary_keys(catalog="dev", schema="sales", table="deals")) == [
        ("dev", "sales", "deals", "deal_id", 1, "deals_pkey")
    ]
    assert rows(cur.get_primary_keys(schema="sales", table="orders")) == []


def test_get_schemas_with_and_without_a_pattern(cur):
    every = rows(cur.get_schemas())
    assert ("public", "dev") in every and ("sales", "dev") in every, every
    assert rows(cur.get_schemas(catalog="dev")) == every
    assert rows(cur.get_schemas(schema_pattern="sal%")) == [("sales", "dev")]
    assert rows(cur.get_schemas(schema_pattern="no_such%")) == []


def test_get_catalogs_is_the_connected_database(cur):
    assert rows(cur.get_catalogs()) == [("dev",)]


def test_get_tables_lists_the_user_tables(cur):
    found = {(r[1], r[2], r[3]) for r in rows(cur.get_tables())}
    assert ("public", "orders", "TABLE") in found
    assert ("sales", "deals", "TABLE") in found


def test_get_tables_filtered_by_schema(cur):
    found = {(r[1], r[2], r[3]) for r in rows(cur.get_tables(schema_pattern="sales"))}
    assert ("sales", "deals", "TABLE") in found
    assert all(schema == "sales" for schema, _, _ in found), found


def test_get_columns_of_a_table(cur):
    got = rows(cur.get_columns(schema_pattern="sales", tablename_pattern="deals"))
    assert [(r[1], r[2], r[3]) for r in got] == [
        ("sales", "deals", "deal_id"),
        ("sales", "deals", "amount"),
    ], got
    assert [d[0] for d in cur.description][:4] == ["table_cat", "table_schem", "table_name", "column_name"]


def test_get_procedures_lists_the_procedure(cur):
    found = {(r[1], r[2]) for r in rows(cur.get_procedures())}
    assert ("public", "meta_noop") in found


def test_get_table_types(cur):
    assert rows(cur.get_table_types()) == [
        ("EXTERNAL TABLE",), ("EXTERNAL VIEW",), ("LOCAL TEMPORARY",), ("TABLE",), ("VIEW",)
    ]


def psql_lines(wg, command, tuples_only=True):
    assert PSQL, "psql is required (CI installs postgresql-client)"
    conninfo = f"host={wg.host} port={wg.port} dbname={wg.db} user={wg.user} sslmode=disable connect_timeout=30"
    env = dict(os.environ, PGPASSWORD=wg.password)
    env.pop("PGSERVICE", None)
    done = subprocess.run(
        [PSQL, conninfo, "-X", "-A", *(["-t"] if tuples_only else []), "-v", "ON_ERROR_STOP=1", "-c", command],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, f"psql {command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return [l for l in done.stdout.splitlines() if l.strip()]


needs_psql = pytest.mark.skipif(PSQL is None and not os.environ.get("CI"), reason="psql not installed")


@needs_psql
def test_psql_describe_table(meta_wg):
    # Not tuples-only: the Indexes footer is part of what is checked.
    lines = psql_lines(meta_wg, r"\d orders", tuples_only=False)
    assert "id|integer||not null|" in lines, lines
    assert "note|character varying(20)|||" in lines, lines
    assert any('"orders_pkey" PRIMARY KEY, btree (id)' in l for l in lines), lines


@needs_psql
def test_psql_list_tables(meta_wg):
    assert psql_lines(meta_wg, r"\dt") == ["public|orders|table|admin"]
    assert psql_lines(meta_wg, r"\dt sales.*") == ["sales|deals|table|admin"]


@needs_psql
def test_psql_list_schemas(meta_wg):
    names = [l.split("|")[0] for l in psql_lines(meta_wg, r"\dn")]
    assert names == ["public", "sales"], names


@needs_psql
def test_psql_list_functions_shows_the_procedure(meta_wg):
    lines = psql_lines(meta_wg, r"\df")
    assert "public|meta_noop||IN a integer|proc" in lines, lines


@needs_psql
def test_psql_list_databases(meta_wg):
    names = [l.split("|")[0] for l in psql_lines(meta_wg, r"\l")]
    assert "dev" in names, names
