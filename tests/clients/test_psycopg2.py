"""psycopg2 (libpq) against a workgroup endpoint."""

import datetime
import decimal
import threading
import time

import psycopg2
import psycopg2.errors
import pytest

from conftest import deadline_poll


def connect(wg, **overrides):
    conn = psycopg2.connect(**wg.dsn(**overrides))
    return conn


def test_password_login_reports_who_and_where(workgroup):
    conn = connect(workgroup)
    try:
        with conn.cursor() as cur:
            cur.execute("select current_user, current_database()")
            assert cur.fetchone() == ("admin", "dev")
    finally:
        conn.close()


def test_application_name_reaches_the_engine(workgroup):
    conn = connect(workgroup, application_name="clients-suite")
    try:
        with conn.cursor() as cur:
            cur.execute("select application_name from pg_stat_activity where pid = pg_backend_pid()")
            assert cur.fetchone() == ("clients-suite",)
            cur.execute("show application_name")
            assert cur.fetchone() == ("clients-suite",)
    finally:
        conn.close()


def test_rows_of_several_types_round_trip(workgroup):
    rows = [
        (1, 2**40, decimal.Decimal("12345.67"), 1.5, True, "plain", "ünïcødé ✓",
         datetime.date(2024, 2, 29), datetime.datetime(2024, 2, 29, 23, 59, 58, 123456)),
        (2, -(2**40), decimal.Decimal("-0.01"), -2.25, False, "", "x" * 300,
         datetime.date(1999, 12, 31), datetime.datetime(2000, 1, 1, 0, 0, 0)),
        (3, None, None, None, None, None, None, None, None),
    ]
    conn = connect(workgroup)
    try:
        with conn.cursor() as cur:
            cur.execute(
                """create table pg2_types (
                     i int, b bigint, n numeric(12,2), f float8, t boolean,
                     v varchar(20), u varchar(1000), d date, ts timestamp)"""
            )
            cur.executemany("insert into pg2_types values (%s,%s,%s,%s,%s,%s,%s,%s,%s)", rows)
            conn.commit()
            cur.execute("select i, b, n, f, t, v, u, d, ts from pg2_types order by i")
            assert cur.fetchall() == rows
            cur.execute("select count(*), sum(b), max(length(u)) from pg2_types")
            assert cur.fetchone() == (3, 0, 300)
    finally:
        conn.close()


def test_super_values_are_navigated_and_aggregates_named_as_on_redshift(workgroup):
    conn = connect(workgroup)
    try:
        with conn.cursor() as cur:
            cur.execute("create table pg2_events (id int, payload super)")
            cur.execute(
                "insert into pg2_events values (1, json_parse(%s)), (2, json_parse(%s))",
                ('{"kind": "click", "n": 3, "items": [{"sku": "a"}]}',
                 '{"kind": "view", "n": 5, "items": []}'),
            )
            conn.commit()
            # As JSON text (SUPER values reach a client as text on Redshift).
            cur.execute(
                "select id, json_serialize(payload.kind), json_serialize(payload.items[0].sku)"
                " from pg2_events order by id"
            )
            assert cur.fetchall() == [(1, '"click"', '"a"'), (2, '"view"', None)]
            # A SUPER column is described as Redshift's (oid 4000), so it reads as text.
            cur.execute("select payload.kind, payload.items from pg2_events where id = 1")
            assert [c.type_code for c in cur.description] == [4000, 4000]
            assert cur.fetchone() == ('"click"', '[{"sku": "a"}]')
            cur.execute("select avg(payload.n::int), median(id) from pg2_events")
            assert [c.name for c in cur.description] == ["avg", "median"]
            assert cur.fetchone() == (4, decimal.Decimal("1.5"))
    finally:
        conn.close()


def test_a_server_error_leaves_the_session_usable(workgroup):
    conn = connect(workgroup)
    try:
        with conn.cursor() as cur:
            with pytest.raises(psycopg2.errors.DivisionByZero) as err:
                cur.execute("select 1 / 0")
            assert err.value.pgcode == "22012"
            conn.rollback()
            cur.execute("select 2")
            assert cur.fetchone() == (2,)
            with pytest.raises(psycopg2.errors.UndefinedTable) as err:
                cur.execute("select * from no_such_table_here")
            assert err.value.pgcode == "42P01"
            conn.rollback()
            with pytest.raises(psycopg2.errors.SyntaxError):
                cur.execute("selec 1")
            conn.rollback()
            cur.execute("select 'still here'")
            assert cur.fetchone() == ("still here",)
    finally:
        conn.close()


def test_wrong_password_is_refused(workgroup):
    # libpq reports a failed start-up without its SQLSTATE, so psycopg2 raises a plain
    # OperationalError; test_redshift_connector checks the code (28P01) itself.
    with pytest.raises(psycopg2.OperationalError) as err:
        connect(workgroup, password="wrong-password")
    assert "password authentication failed" in str(err.value)


def test_unknown_database_is_refused(workgroup):
    with pytest.raises(psycopg2.OperationalError) as err:
        connect(workgroup, dbname="no_such_db")
    assert 'database "no_such_db" does not exist' in str(err.value)


def test_sql_user_created_by_admin_can_log_in(workgroup):
    admin = connect(workgroup)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute("create user pg2_bob password 'Secret123'")
        bob = connect(workgroup, user="pg2_bob", password="Secret123")
        try:
            with bob.cursor() as cur:
                cur.execute("select current_user")
                assert cur.fetchone() == ("pg2_bob",)
        finally:
            bob.close()
        with pytest.raises(psycopg2.OperationalError):
            connect(workgroup, user="pg2_bob", password="Secret124")
    finally:
        admin.close()


def test_verify_full_against_the_emulator_ca(workgroup, emulator):
    conn = connect(workgroup, sslmode="verify-full", sslrootcert=emulator.ca_path)
    try:
        assert conn.info.ssl_in_use
        with conn.cursor() as cur:
            cur.execute("select 7 * 6")
            assert cur.fetchone() == (42,)
    finally:
        conn.close()


def test_verify_full_by_ip_address(workgroup, emulator):
    # The server certificate names 127.0.0.1 as well as localhost.
    conn = connect(workgroup, host="127.0.0.1", sslmode="verify-full", sslrootcert=emulator.ca_path)
    try:
        assert conn.info.ssl_in_use
    finally:
        conn.close()


def test_verify_full_refuses_an_unrelated_ca(workgroup):
    import certifi

    with pytest.raises(psycopg2.OperationalError) as err:
        connect(workgroup, sslmode="verify-full", sslrootcert=certifi.where())
    assert "certificate verify failed" in str(err.value), str(err.value)


def test_require_ssl_workgroup_refuses_plaintext(ssl_workgroup, emulator):
    with pytest.raises(psycopg2.OperationalError):
        connect(ssl_workgroup, sslmode="disable")
    conn = connect(ssl_workgroup, sslmode="verify-full", sslrootcert=emulator.ca_path)
    try:
        assert conn.info.ssl_in_use
        with conn.cursor() as cur:
            cur.execute("select 1")
            assert cur.fetchone() == (1,)
    finally:
        conn.close()


def test_cancel_ends_a_running_query(workgroup):
    conn = connect(workgroup)
    outcome = {}

    def run():
        started = time.monotonic()
        try:
            with conn.cursor() as cur:
                cur.execute("select pg_sleep(30)")
            outcome["error"] = None
        except Exception as e:  # noqa: BLE001 - inspected below
            outcome["error"] = e
        outcome["elapsed"] = time.monotonic() - started

    runner = threading.Thread(target=run, daemon=True)
    runner.start()

    watcher = connect(workgroup)
    watcher.autocommit = True
    try:
        def sleeping():
            with watcher.cursor() as cur:
                cur.execute(
                    "select count(*) from pg_stat_activity "
                    "where state = 'active' and query like 'select pg_sleep(30)%%'"
                )
                return True if cur.fetchone()[0] >= 1 else None

        deadline_poll("pg_sleep(30) running", 20, sleeping)
        conn.cancel()
        runner.join(timeout=15)
        assert not runner.is_alive(), "the cancelled query is still running"
    finally:
        watcher.close()
    err = outcome["error"]
    assert isinstance(err, psycopg2.errors.QueryCanceled), repr(err)
    assert err.pgcode == "57014"
    assert outcome["elapsed"] < 10, outcome
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute("select 'after cancel'")
        assert cur.fetchone() == ("after cancel",)
    conn.close()
