"""Amazon's redshift_connector against a workgroup endpoint: password logins (TLS and not)
and its serverless IAM flow, whose boto3 calls go to the emulator.

redshift_connector has no root-certificate parameter: with ssl=True it trusts its bundled
Redshift CA bundle plus OpenSSL's default verify paths, which honour SSL_CERT_FILE. So the
emulator's CA is handed to it through SSL_CERT_FILE.
"""

import pytest
import redshift_connector

from conftest import ACCOUNT, REGION


@pytest.fixture
def trust_emulator_ca(emulator, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", emulator.ca_path)
    return emulator.ca_path


def password_connect(wg, **kw):
    params = dict(host=wg.host, port=wg.port, database=wg.db, user=wg.user, password=wg.password, timeout=30)
    params.update(kw)
    return redshift_connector.connect(**params)


def sqlstate(exc):
    fields = exc.args[0] if exc.args else None
    assert isinstance(fields, dict), f"no server error fields in {exc!r}"
    return fields.get("C")


def scalar(conn, sql, args=None):
    cur = conn.cursor()
    cur.execute(sql, args)
    row = cur.fetchone()
    cur.close()
    return row[0] if row is not None and len(row) == 1 else row


def test_password_login_with_verify_full(workgroup, trust_emulator_ca):
    conn = password_connect(workgroup, ssl=True, sslmode="verify-full")
    try:
        cur = conn.cursor()
        cur.execute("select %s::int + 1, %s::varchar, current_user", (41, "hello"))
        assert [list(r) for r in cur.fetchall()] == [[42, "hello", "admin"]]
    finally:
        conn.close()


def test_password_login_without_ssl_and_a_round_trip(workgroup):
    conn = password_connect(workgroup, ssl=False)
    try:
        cur = conn.cursor()
        cur.execute("create table rc_items (id int, label varchar(32))")
        cur.executemany("insert into rc_items values (%s, %s)", [(1, "a"), (2, "b"), (3, None)])
        conn.commit()
        cur.execute("select id, label from rc_items order by id")
        assert [list(r) for r in cur.fetchall()] == [[1, "a"], [2, "b"], [3, None]]
        cur.execute("select count(*) from rc_items where label is not null")
        assert cur.fetchone()[0] == 2
    finally:
        conn.close()


def test_server_error_then_the_connection_still_works(workgroup):
    conn = password_connect(workgroup, ssl=False)
    try:
        cur = conn.cursor()
        with pytest.raises(redshift_connector.ProgrammingError) as err:
            cur.execute("select * from rc_no_such_table")
        assert sqlstate(err.value) == "42P01"
        conn.rollback()
        cur.execute("select 5")
        assert cur.fetchone()[0] == 5
    finally:
        conn.close()


def test_wrong_password_is_28P01(workgroup):
    with pytest.raises(redshift_connector.Error) as err:
        password_connect(workgroup, ssl=False, password="wrong-password")
    assert sqlstate(err.value) == "28P01"


def test_unknown_database_is_3D000(workgroup):
    with pytest.raises(redshift_connector.Error) as err:
        password_connect(workgroup, ssl=False, database="no_such_db")
    assert sqlstate(err.value) == "3D000"


def iam_connect(wg, emulator, session_token=None, **kw):
    params = dict(
        iam=True,
        is_serverless=True,
        serverless_work_group=wg.name,
        database=wg.db,
        access_key_id=ACCOUNT,
        secret_access_key="test-secret",
        region=REGION,
        endpoint_url=emulator.url,
        # The driver caches temporary credentials per process, judged by the local clock;
        # every connection here asks the emulator afresh.
        iam_disable_cache=True,
        ssl=True,
        sslmode="verify-full",
        timeout=30,
    )
    if session_token:
        params["session_token"] = session_token
    params.update(kw)
    return redshift_connector.connect(**params)


def test_iam_serverless_login_finds_host_and_port_and_is_no_superuser(workgroup, emulator, trust_emulator_ca):
    # No host or port: the driver asks get_workgroup for them, then get_credentials.
    conn = iam_connect(workgroup, emulator)
    try:
        cur = conn.cursor()
        cur.execute("select current_user")
        user = cur.fetchone()[0]
        assert user == f"IAM:{ACCOUNT}", user
        cur.execute("select usesuper from pg_user where usename = current_user")
        assert cur.fetchone()[0] is False
        cur.execute("create table public.rc_iam_t (n int)")
        cur.execute("insert into public.rc_iam_t values (1), (2)")
        conn.commit()
        cur.execute("select sum(n) from public.rc_iam_t")
        assert cur.fetchone()[0] == 3
    finally:
        conn.close()


def test_iam_endpoint_from_the_environment(workgroup, emulator, trust_emulator_ca, monkeypatch):
    # The pinned boto3 honours the service-specific endpoint variable, so no endpoint_url.
    monkeypatch.setenv("AWS_ENDPOINT_URL_REDSHIFT_SERVERLESS", emulator.url)
    conn = iam_connect(workgroup, emulator, endpoint_url=None, host=workgroup.host, port=workgroup.port)
    try:
        assert scalar(conn, "select current_user") == f"IAM:{ACCOUNT}"
    finally:
        conn.close()


def test_iam_with_a_session_token_is_an_iamr_user(workgroup, emulator, trust_emulator_ca):
    conn = iam_connect(workgroup, emulator, session_token="FwoGZXIvYXdzEXAMPLETOKEN")
    try:
        user = scalar(conn, "select current_user")
        assert user.startswith("IAMR:"), user
    finally:
        conn.close()


def test_iam_refuses_plaintext(workgroup, emulator):
    # The driver itself insists on TLS for IAM.
    with pytest.raises(redshift_connector.InterfaceError):
        iam_connect(workgroup, emulator, ssl=False)
