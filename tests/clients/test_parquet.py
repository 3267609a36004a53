"""COPY and UNLOAD of Parquet as a data lake sees them: a file pyarrow writes is COPYed in and
read back through psycopg2; an UNLOAD's parts are read by pyarrow, their schema's types
checked. The emulator is started with --s3-dir, so objects are files the test reads and
writes."""

import datetime
import decimal
import tempfile
from pathlib import Path

import psycopg2
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import make_workgroup, start_emulator, wait_for_sql


@pytest.fixture(scope="module")
def lake():
    with tempfile.TemporaryDirectory(prefix="rsl-parquet-") as workdir:
        s3 = Path(workdir) / "s3"
        (s3 / "lake").mkdir(parents=True)
        emu = start_emulator(workdir, ["--s3-dir", str(s3)])
        try:
            yield s3 / "lake", wait_for_sql(make_workgroup(emu, "pq"))
        finally:
            emu.stop()


def connect(wg):
    conn = psycopg2.connect(**wg.dsn())
    conn.autocommit = True
    return conn


UTC = datetime.timezone.utc


def test_a_pyarrow_file_copies_in(lake):
    bucket, wg = lake
    table = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int32()),
            "small": pa.array([-7, None, 32767], pa.int16()),
            "big": pa.array([2**62, -1, None], pa.int64()),
            "price": pa.array(
                [decimal.Decimal("1234.56"), None, decimal.Decimal("-0.01")], pa.decimal128(10, 2)
            ),
            "wide": pa.array(
                [decimal.Decimal("12345678901234567890.123"), decimal.Decimal("0.001"), None],
                pa.decimal128(30, 3),
            ),
            "ratio": pa.array([0.5, None, -1e-10], pa.float64()),
            "flag": pa.array([True, False, None]),
            "name": pa.array(["plain", "ünïcödé ✓ 日本", None]),
            "day": pa.array([datetime.date(2024, 2, 29), None, datetime.date(1970, 1, 1)]),
            "at_ms": pa.array(
                [datetime.datetime(2024, 1, 2, 3, 4, 5, 123000), None, datetime.datetime(2000, 1, 1)],
                pa.timestamp("ms"),
            ),
            "at_ns": pa.array(
                [datetime.datetime(2024, 1, 2, 3, 4, 5, 654321), None, datetime.datetime(1999, 12, 31)],
                pa.timestamp("ns"),
            ),
            "at_utc": pa.array(
                [datetime.datetime(2024, 6, 1, 12, 0, tzinfo=UTC), None, datetime.datetime(2001, 1, 1, tzinfo=UTC)],
                pa.timestamp("us", tz="UTC"),
            ),
        }
    )
    (bucket / "in").mkdir(exist_ok=True)
    pq.write_table(table, bucket / "in" / "part-0.parquet", compression="snappy")
    # Spark's INT96 timestamps, in a second file of the same columns.
    pq.write_table(
        table.slice(0, 1).set_column(0, "id", pa.array([4], pa.int32())),
        bucket / "in" / "part-1.parquet",
        compression="zstd",
        use_deprecated_int96_timestamps=True,
    )
    conn = connect(wg)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "create table lake_in (id int, small smallint, big bigint, price numeric(10,2), "
                "wide numeric(30,3), ratio double precision, flag boolean, name varchar(40), "
                "day date, at_ms timestamp, at_ns timestamp, at_utc timestamptz)"
            )
            cur.execute("copy lake_in from 's3://lake/in/' iam_role default format as parquet")
            assert any("4 record(s) loaded successfully" in n for n in conn.notices), conn.notices
            cur.execute("set timezone = 'UTC'")
            cur.execute("select * from lake_in order by id")
            got = cur.fetchall()
    finally:
        conn.close()
    assert got[0] == (
        1, -7, 2**62, decimal.Decimal("1234.56"), decimal.Decimal("12345678901234567890.123"), 0.5,
        True, "plain", datetime.date(2024, 2, 29), datetime.datetime(2024, 1, 2, 3, 4, 5, 123000),
        datetime.datetime(2024, 1, 2, 3, 4, 5, 654321), datetime.datetime(2024, 6, 1, 12, 0, tzinfo=UTC),
    )
    assert got[1] == (2, None, -1, None, decimal.Decimal("0.001"), None, False, "ünïcödé ✓ 日本",
                      None, None, None, None)
    assert got[2][3] == decimal.Decimal("-0.01") and got[2][5] == -1e-10 and got[2][6] is None
    assert got[2][1] == 32767 and got[2][2] is None and got[2][7] is None
    # The INT96 file reads the same instants (to the microsecond).
    assert got[3][0] == 4 and got[3][1:] == got[0][1:]


def test_an_unload_reads_back_in_pyarrow(lake):
    bucket, wg = lake
    conn = connect(wg)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "create table lake_out (id smallint, n int, b bigint, amount numeric(12,4), "
                "r real, d double precision, ok boolean, c char(3), v varchar(10), day date, "
                "at timestamp, atz timestamptz)"
            )
            cur.execute(
                "insert into lake_out values (1, 10, 100, 12.3456, 1.5, 2.5, true, 'ab', 'é€', "
                "'2024-03-01', '2024-03-01 10:11:12.5', '2024-03-01 10:11:12+00'), "
                "(2, null, null, null, null, null, null, null, null, null, null, null)"
            )
            cur.execute(
                "unload ('select * from lake_out order by id') to 's3://lake/out/lake_' "
                "iam_role default format parquet"
            )
    finally:
        conn.close()
    part = bucket / "out" / "lake_0000_part_00.parquet"
    assert sorted(p.name for p in (bucket / "out").iterdir()) == [part.name]
    meta = pq.ParquetFile(part).metadata
    assert meta.row_group(0).column(0).compression == "SNAPPY"
    table = pq.read_table(part)
    types = {f.name: f.type for f in table.schema}
    assert types == {
        "id": pa.int16(),
        "n": pa.int32(),
        "b": pa.int64(),
        "amount": pa.decimal128(12, 4),
        "r": pa.float32(),
        "d": pa.float64(),
        "ok": pa.bool_(),
        "c": pa.string(),
        "v": pa.string(),
        "day": pa.date32(),
        "at": pa.timestamp("us"),
        "atz": pa.timestamp("us", tz="UTC"),
    }
    rows = table.to_pylist()
    assert rows[0] == {
        "id": 1, "n": 10, "b": 100, "amount": decimal.Decimal("12.3456"), "r": 1.5, "d": 2.5,
        "ok": True, "c": "ab ", "v": "é€", "day": datetime.date(2024, 3, 1),
        "at": datetime.datetime(2024, 3, 1, 10, 11, 12, 500000),
        "atz": datetime.datetime(2024, 3, 1, 10, 11, 12, tzinfo=UTC),
    }
    assert all(v is None for k, v in rows[1].items() if k != "id")
