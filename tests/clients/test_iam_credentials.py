"""Temporary IAM credentials from get_credentials, used by psycopg2, on an emulator of their
own (these tests move its clock)."""

import psycopg2
import psycopg2.errors
import pytest

from conftest import ACCOUNT, make_workgroup, start_emulator, wait_for_sql


@pytest.fixture(scope="module")
def clock_emulator(tmp_path_factory):
    emu = start_emulator(str(tmp_path_factory.mktemp("clock-emulator")))
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def clock_workgroup(clock_emulator):
    return wait_for_sql(make_workgroup(clock_emulator, "clock"))


def test_iam_credentials_log_in_until_they_expire(clock_emulator, clock_workgroup):
    wg = clock_workgroup
    creds = clock_emulator.client().get_credentials(workgroupName=wg.name, durationSeconds=900)
    assert creds["dbUser"] == f"IAM:{ACCOUNT}"
    conn = psycopg2.connect(**wg.dsn(user=creds["dbUser"], password=creds["dbPassword"]))
    try:
        with conn.cursor() as cur:
            cur.execute("select current_user, usesuper from pg_user where usename = current_user")
            assert cur.fetchone() == (f"IAM:{ACCOUNT}", False)
            cur.execute("create table public.iam_pg2 (n int)")
            cur.execute("insert into public.iam_pg2 values (7)")
            cur.execute("select n from public.iam_pg2")
            assert cur.fetchall() == [(7,)]
        conn.commit()
    finally:
        conn.close()

    clock_emulator.advance_clock(901)
    with pytest.raises(psycopg2.OperationalError) as err:
        psycopg2.connect(**wg.dsn(user=creds["dbUser"], password=creds["dbPassword"]))
    assert "password authentication failed" in str(err.value)

    fresh = clock_emulator.client().get_credentials(workgroupName=wg.name)
    conn = psycopg2.connect(**wg.dsn(user=fresh["dbUser"], password=fresh["dbPassword"]))
    try:
        with conn.cursor() as cur:
            # The same database user: what it made before is still there and its own.
            cur.execute("select n from public.iam_pg2")
            assert cur.fetchall() == [(7,)]
    finally:
        conn.close()


def test_iam_user_is_not_the_admin(clock_emulator, clock_workgroup):
    wg = clock_workgroup
    creds = clock_emulator.client().get_credentials(workgroupName=wg.name)
    conn = psycopg2.connect(**wg.dsn(user=creds["dbUser"], password=creds["dbPassword"]))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("create user iam_made_me password 'Secret123'")
    finally:
        conn.close()
