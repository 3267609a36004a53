"""Harness for the real-client tests: the built emulator binary, started as a user starts it,
and boto3 pointed at it.

Environment (set by tests/clients.rs; defaults let `pytest tests/clients` run by hand after
`cargo build`):
  RSL_BIN              the emulator binary (default: target/debug/redshift-serverless-local)
  RSL_ENGINE_TEMPLATE  shared PostgreSQL template directory (default: <tmp>/redshift-local-engine-template),
                       passed as --engine-template so initdb runs once per test run
  RSL_POSTGRES_BIN     optional: passed as --postgres-bin
"""

import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import boto3
import botocore.config
import pytest

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
REGION = "us-east-1"
ADMIN_USER = "admin"
ADMIN_PASSWORD = "Passw0rd!x"
DB = "dev"
# How long a fresh workgroup may take to accept SQL (the first engine may run initdb).
SQL_READY_SECS = float(os.environ.get("RSL_SQL_READY_SECS", "120"))


def deadline_poll(what, limit, check, interval=0.1):
    """Calls check() until it returns something other than None; fails after `limit` seconds
    with the last exception or value it saw."""
    deadline = time.monotonic() + limit
    last = None
    while True:
        try:
            value = check()
            if value is not None:
                return value
        except Exception as e:  # noqa: BLE001 - reported below if the deadline passes
            last = e
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {limit}s (last: {last!r})")
        time.sleep(interval)


class Emulator:
    """One running emulator process."""

    def __init__(self, proc, url, stderr_path, workdir):
        self.proc = proc
        self.url = url
        self.stderr_path = stderr_path
        self.workdir = workdir
        self._ca_path = None

    def client(self, access_key=ACCOUNT, session_token=None, region=REGION, service="redshift-serverless"):
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key="test-secret",
            aws_session_token=session_token,
            config=botocore.config.Config(retries={"max_attempts": 1}),
        )

    def http(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            ctype = resp.headers.get("Content-Type", "")
        return json.loads(raw) if "json" in ctype else raw

    def settle(self):
        return self.http("POST", "/_emulator/settle", {})

    def advance_clock(self, seconds):
        return self.http("POST", "/_emulator/clock/advance", {"seconds": seconds})

    @property
    def ca_path(self):
        """The emulator's CA certificate, fetched once and written to a file."""
        if self._ca_path is None:
            pem = self.http("GET", "/_emulator/ca.pem")
            if isinstance(pem, (dict, list)):
                raise AssertionError(f"/_emulator/ca.pem answered JSON: {pem!r}")
            assert b"BEGIN CERTIFICATE" in pem, pem[:200]
            path = Path(self.workdir) / "ca.pem"
            path.write_bytes(pem)
            self._ca_path = str(path)
        return self._ca_path

    def stderr(self):
        try:
            return Path(self.stderr_path).read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_emulator(workdir, extra_args=()):
    binary = os.environ.get("RSL_BIN", str(ROOT / "target" / "debug" / "redshift-serverless-local"))
    template = os.environ.get("RSL_ENGINE_TEMPLATE", os.path.join(tempfile.gettempdir(), "redshift-local-engine-template"))
    assert Path(binary).exists(), f"emulator binary {binary} not found (cargo build first, or set RSL_BIN)"
    args = [binary, "--port", "0", "--transition-delay-ms", "0", "--engine-template", template, *extra_args]
    if os.environ.get("RSL_POSTGRES_BIN"):
        args += ["--postgres-bin", os.environ["RSL_POSTGRES_BIN"]]
    env = dict(os.environ)
    env.setdefault("REDSHIFT_LOCAL_LOG_LEVEL", "info")
    stderr_path = Path(workdir) / "emulator.stderr"
    stderr = open(stderr_path, "wb")
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr, env=env)
    stderr.close()

    first = {}

    def read_stdout():
        first["line"] = proc.stdout.readline().decode(errors="replace")
        # Keep draining so the emulator never blocks on a full pipe.
        for _ in proc.stdout:
            pass

    threading.Thread(target=read_stdout, daemon=True).start()
    deadline = time.monotonic() + 30
    while "line" not in first and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    line = first.get("line", "").strip()
    url = line.rsplit(" ", 1)[-1] if line else ""
    if not url.startswith("http://"):
        proc.kill()
        proc.wait()
        raise AssertionError(
            f"emulator did not print its URL (line {line!r}, exit {proc.returncode}); stderr:\n"
            + stderr_path.read_text(errors="replace")
        )
    return Emulator(proc, url, stderr_path, workdir)


@pytest.fixture(scope="session")
def workdir():
    with tempfile.TemporaryDirectory(prefix="rsl-clients-") as d:
        yield d


@pytest.fixture(scope="session")
def emulator(workdir):
    emu = start_emulator(workdir)
    yield emu
    emu.stop()


class Workgroup:
    def __init__(self, emulator, name, namespace, host, port, raw):
        self.emulator = emulator
        self.name = name
        self.namespace = namespace
        self.host = host
        self.port = port
        self.raw = raw
        self.user = ADMIN_USER
        self.password = ADMIN_PASSWORD
        self.db = DB

    def dsn(self, **overrides):
        params = {
            "host": self.host,
            "port": self.port,
            "dbname": self.db,
            "user": self.user,
            "password": self.password,
            "sslmode": "disable",
            "connect_timeout": 30,
        }
        params.update(overrides)
        return params


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make_workgroup(emulator, prefix="wg", config_parameters=None, db_name=DB, port=5439):
    """A namespace and a workgroup, settled to AVAILABLE, with their endpoint."""
    client = emulator.client()
    ns = unique(f"{prefix}-ns")
    wg = unique(prefix)
    client.create_namespace(
        namespaceName=ns,
        adminUsername=ADMIN_USER,
        adminUserPassword=ADMIN_PASSWORD,
        dbName=db_name,
    )
    kwargs = {"workgroupName": wg, "namespaceName": ns, "port": port}
    if config_parameters:
        kwargs["configParameters"] = [
            {"parameterKey": k, "parameterValue": v} for k, v in config_parameters.items()
        ]
    client.create_workgroup(**kwargs)
    emulator.settle()

    def available():
        got = client.get_workgroup(workgroupName=wg)["workgroup"]
        return got if got["status"] == "AVAILABLE" else None

    got = deadline_poll(f"workgroup {wg} AVAILABLE", 30, available)
    endpoint = got["endpoint"]
    w = Workgroup(emulator, wg, ns, endpoint["address"], int(endpoint["port"]), got)
    w.db = db_name
    return w


def wait_for_listener(wg, limit=20):
    """Polls until something accepts TCP connections on the workgroup's endpoint."""
    import socket

    def listening():
        with socket.create_connection((wg.host, wg.port), timeout=2):
            return True

    try:
        deadline_poll(f"a listener on {wg.host}:{wg.port}", limit, listening, interval=0.1)
    except AssertionError as e:
        raise AssertionError(f"{e}\nemulator stderr (tail):\n{wg.emulator.stderr()[-3000:]}") from None


def wait_for_sql(wg, **dsn):
    """Polls until the workgroup's endpoint accepts an admin login and answers a query (the
    listener must be up quickly; the engine behind it may take longer on a first start)."""
    import psycopg2

    wait_for_listener(wg)

    def ready():
        conn = psycopg2.connect(**wg.dsn(**{"connect_timeout": 10, **dsn}))
        try:
            with conn.cursor() as cur:
                cur.execute("select 1")
                return cur.fetchone()[0]
        finally:
            conn.close()

    try:
        deadline_poll(f"SQL on {wg.host}:{wg.port}", SQL_READY_SECS, ready, interval=0.25)
    except AssertionError as e:
        raise AssertionError(f"{e}\nemulator stderr (tail):\n{wg.emulator.stderr()[-3000:]}") from None
    return wg


@pytest.fixture(scope="session")
def workgroup(emulator):
    """The shared namespace + workgroup most tests use, ready for SQL."""
    return wait_for_sql(make_workgroup(emulator, "main"))


@pytest.fixture(scope="session")
def ssl_workgroup(emulator):
    """A workgroup created with require_ssl=true."""
    return wait_for_sql_tls(make_workgroup(emulator, "tls", {"require_ssl": "true"}), emulator)


def wait_for_sql_tls(wg, emulator):
    return wait_for_sql(wg, sslmode="verify-full", sslrootcert=emulator.ca_path)
