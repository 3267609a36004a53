"""SQLAlchemy with sqlalchemy-redshift, over psycopg2 and redshift_connector: reflection of
tables, views, columns (with their encodings), keys and Redshift's table options, and Core
statements on a reflected table."""

import pytest
import sqlalchemy as sa

from conftest import make_workgroup, wait_for_sql


@pytest.fixture(scope="module")
def wg(emulator):
    wg = wait_for_sql(make_workgroup(emulator, "sqla"))
    engine = sa.create_engine(url(wg, "psycopg2"), connect_args={"sslmode": "disable"})
    with engine.begin() as c:
        c.execute(sa.text(
            "create table public.sa_items (id int identity(1,1) primary key, "
            "name varchar(30) not null default 'x', amount numeric(10,2) encode az64) "
            "diststyle key distkey(id) compound sortkey(id, name)"))
        c.execute(sa.text("create view public.sa_names as select name from public.sa_items"))
    engine.dispose()
    return wg


def url(wg, driver):
    return f"redshift+{driver}://{wg.user}:{wg.password}@{wg.host}:{wg.port}/{wg.db}"


@pytest.mark.parametrize("driver", ["psycopg2", "redshift_connector"])
def test_reflection_and_core_statements(wg, driver):
    args = {"sslmode": "disable"} if driver == "psycopg2" else {"ssl": False}
    engine = sa.create_engine(url(wg, driver), connect_args=args)
    inspector = sa.inspect(engine)
    assert "sa_items" in inspector.get_table_names(schema="public")
    assert "sa_names" in inspector.get_view_names(schema="public")
    columns = {c["name"]: c for c in inspector.get_columns("sa_items", schema="public")}
    assert list(columns) == ["id", "name", "amount"]
    assert isinstance(columns["name"]["type"], sa.VARCHAR) and columns["name"]["type"].length == 30
    assert columns["name"]["nullable"] is False
    assert columns["amount"]["info"] == {"encode": "az64"}
    assert inspector.get_pk_constraint("sa_items", schema="public")["constrained_columns"] == ["id"]
    options = inspector.get_table_options("sa_items", schema="public")
    assert options["redshift_diststyle"] == "KEY"
    assert options["redshift_distkey"] == "id"
    assert tuple(options["redshift_sortkey"]) == ("id", "name")
    table = sa.Table("sa_items", sa.MetaData(), autoload_with=engine, schema="public")
    with engine.begin() as c:
        c.execute(table.insert().values(name=driver, amount=1.5))
        got = c.execute(sa.select(table.c.name, table.c.amount).where(table.c.name == driver)).all()
    assert [(n, float(a)) for n, a in got] == [(driver, 1.5)]
    engine.dispose()
