"""dbt-redshift against a workgroup: a project with a seed, a table model with Redshift's
dist/sort options, views (one late-binding), an incremental model, a snapshot and tests,
built twice (the second run is incremental and snapshots again), then `dbt docs generate`."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from conftest import make_workgroup, wait_for_sql

PROJECT = Path(__file__).resolve().parent / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def profile(wg):
    return f"""emulator:
  target: dev
  outputs:
    dev:
      type: redshift
      host: {wg.host}
      port: {wg.port}
      user: {wg.user}
      password: "{wg.password}"
      dbname: {wg.db}
      schema: analytics
      threads: 2
      sslmode: disable
      connect_timeout: 30
"""


def dbt(project, *args):
    done = subprocess.run(
        [str(DBT), *args, "--profiles-dir", str(project), "--project-dir", str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"dbt {' '.join(args)} failed:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def project(emulator, tmp_path_factory):
    wg = wait_for_sql(make_workgroup(emulator, "dbt"))
    where = tmp_path_factory.mktemp("dbt") / "project"
    shutil.copytree(PROJECT, where)
    (where / "profiles.yml").write_text(profile(wg))
    return wg, where


def rows(wg, sql):
    with psycopg2.connect(**wg.dsn()) as conn, conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_a_project_builds_twice_and_documents_itself(project):
    wg, where = project
    first = dbt(where, "build")
    assert "PASS=9" in first and "ERROR=0" in first, first[-3000:]
    assert rows(wg, "select country, customers, names from analytics.customers_by_country order by country") == [
        ("DE", 1, "Ann"),
        ("US", 2, "Bob,Cy"),
    ]
    # The table model's Redshift options reached the catalog (PG_TABLE_DEF shows the tables
    # of the search path).
    assert rows(wg, "set search_path to analytics; select \"column\", distkey, sortkey from pg_table_def where tablename = 'customers_by_country' order by 1") == [
        ("country", True, 1),
        ("customers", False, 0),
        ("names", False, 0),
    ]
    second = dbt(where, "build")
    assert "ERROR=0" in second, second[-3000:]
    assert rows(wg, "select count(*) from analytics.events") == [(3,)]
    assert rows(wg, "select count(*) from snapshots.customers_snapshot") == [(3,)]
    dbt(where, "docs", "generate")
    catalog = json.loads((where / "target" / "catalog.json").read_text())
    assert catalog.get("errors") in (None, []), catalog.get("errors")
    nodes = catalog["nodes"]
    assert "model.emulator_check.late_view" in nodes
    columns = nodes["model.emulator_check.customers_by_country"]["columns"]
    assert set(columns) >= {"country", "customers", "names"}, columns
