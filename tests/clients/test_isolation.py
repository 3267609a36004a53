"""Two namespaces that both use the database name `dev` are separate databases."""

import psycopg2

from conftest import make_workgroup, wait_for_sql


def test_namespaces_with_the_same_db_name_are_isolated(emulator):
    a = wait_for_sql(make_workgroup(emulator, "iso-a"))
    b = wait_for_sql(make_workgroup(emulator, "iso-b"))
    # Both asked for 5439; the second is moved to the next free port.
    assert a.port != b.port, (a.port, b.port)
    ca = psycopg2.connect(**a.dsn())
    cb = psycopg2.connect(**b.dsn())
    ca.autocommit = cb.autocommit = True
    try:
        with ca.cursor() as cur:
            cur.execute("create table iso_t (v varchar(10))")
            cur.execute("insert into iso_t values ('from-a')")
            cur.execute("select current_database()")
            assert cur.fetchone()[0] == "dev"
        with cb.cursor() as cur:
            cur.execute("select current_database()")
            assert cur.fetchone()[0] == "dev"
            cur.execute("select to_regclass('public.iso_t')")
            assert cur.fetchone()[0] is None, "namespace B sees namespace A's table"
            cur.execute("create table iso_t (v varchar(10))")
            cur.execute("insert into iso_t values ('from-b')")
        with ca.cursor() as cur:
            cur.execute("select v from iso_t")
            assert cur.fetchall() == [("from-a",)]
        with cb.cursor() as cur:
            cur.execute("select v from iso_t")
            assert cur.fetchall() == [("from-b",)]
    finally:
        ca.close()
        cb.close()
