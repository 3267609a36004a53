"""The real psql binary against a workgroup endpoint."""

import os
import shutil
import subprocess

import pytest

PSQL = shutil.which("psql")
pytestmark = pytest.mark.skipif(PSQL is None and not os.environ.get("CI"), reason="psql not installed")


def psql(wg, conninfo_extra, *commands, password=None, check=True):
    assert PSQL, "psql is required (CI installs postgresql-client)"
    conninfo = f"host={wg.host} port={wg.port} dbname={wg.db} user={wg.user} connect_timeout=30 {conninfo_extra}"
    args = [PSQL, conninfo, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"]
    for c in commands:
        args += ["-c", c]
    env = dict(os.environ, PGPASSWORD=password or wg.password, PGCONNECT_TIMEOUT="30")
    env.pop("PGSERVICE", None)
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, f"psql failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def test_psql_create_insert_select_and_describe(workgroup):
    out = psql(
        workgroup,
        "sslmode=disable",
        "create table psql_items (id int primary key, name varchar(20))",
        "insert into psql_items values (1, 'one'), (2, 'two')",
        "select id || ':' || name from psql_items order by id",
        r"\dt",
    ).stdout
    lines = [l for l in out.splitlines() if l.strip()]
    assert "1:one" in lines and "2:two" in lines, out
    # \dt in unaligned tuples-only form: schema|name|type|owner
    assert any(l.startswith("public|psql_items|table|") for l in lines), out


def test_psql_verify_full_against_the_emulator_ca(workgroup, emulator):
    out = psql(
        workgroup,
        f"sslmode=verify-full sslrootcert={emulator.ca_path}",
        "select 40 + 2",
        r"\conninfo",
    ).stdout
    assert "42" in out.split(), out
    assert "SSL connection" in out, out


def test_psql_wrong_password_is_refused(workgroup):
    done = psql(workgroup, "sslmode=disable", "select 1", password="not-the-password", check=False)
    assert done.returncode != 0
    assert "password authentication failed" in done.stderr, done.stderr
