//! COPY from and UNLOAD to S3 as users run them: through a PostgreSQL client on a
//! workgroup's endpoint and through the Data API, with objects in the emulator's S3
//! directory (files dropped in and read back by the test).

mod common;

use common::{serving_workgroup, TestServer, SQL_ADMIN, SQL_PASSWORD};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_postgres::{AsyncMessage, Client, SimpleQueryMessage};

/// A session on `port` and the notices it receives.
async fn connect(port: u16) -> (Client, tokio::sync::mpsc::UnboundedReceiver<String>) {
    let (client, mut connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user(SQL_ADMIN)
        .password(SQL_PASSWORD)
        .dbname("dev")
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        use futures_util::StreamExt;
        while let Some(Ok(message)) = messages.next().await {
            if let AsyncMessage::Notice(notice) = message {
                let _ = tx.send(format!("{}: {}", notice.severity(), notice.message()));
            }
        }
    });
    (client, rx)
}

struct Fixture {
    server: TestServer,
    port: u16,
    s3: PathBuf,
}

async fn fixture(name: &str) -> Fixture {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let port = serving_workgroup(&api, &format!("ns-{name}"), &format!("wg-{name}")).await;
    let s3 = server.app.sql.as_ref().unwrap().s3().dir.clone();
    Fixture { server, port, s3 }
}

fn put(s3: &Path, key: &str, bytes: &[u8]) {
    let path = s3.join(key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// The files under `dir`, relative to it, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    out.sort();
    out
}

async fn rows(client: &Client, sql: &str) -> Vec<Vec<Option<String>>> {
    client
        .simple_query(sql)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect()
}

async fn one(client: &Client, sql: &str) -> String {
    rows(client, sql).await[0][0].clone().unwrap_or_default()
}

fn drain(notices: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> Vec<String> {
    let mut out = Vec::new();
    while let Ok(n) = notices.try_recv() {
        out.push(n);
    }
    out
}

/// Waits (bounded) for a notice containing `text`.
async fn notice_with(
    notices: &mut tokio::sync::mpsc::UnboundedReceiver<String>,
    text: &str,
) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let got = tokio::time::timeout_at(deadline, notices.recv()).await;
        match got {
            Ok(Some(n)) if n.contains(text) => return n,
            Ok(Some(_)) => continue,
            _ => panic!("no notice containing {text:?}"),
        }
    }
}

const TABLE: &str = "create table sales (id int not null, name varchar(12), price numeric(8,2), \
     sold date, at timestamp, ok boolean, note varchar(100))";
const SEED: &str = "insert into sales values \
     (1, 'apple', 1.50, '2024-01-02', '2024-01-02 03:04:05', true, 'plain'), \
     (2, 'pear|x', null, '2024-02-29', null, false, 'has, comma and \"quotes\"'), \
     (3, null, 100.00, null, '2023-12-31 23:59:59.5', null, 'two\nlines'), \
     (4, 'kiwi', 0.01, '2000-01-01', '2000-01-01 00:00:00', true, '')";

async fn sorted(client: &Client, table: &str) -> Vec<Vec<Option<String>>> {
    rows(client, &format!("select * from {table} order by id")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unload_then_copy_round_trips_in_every_format() {
    let f = fixture("round").await;
    let (sql, mut notices) = connect(f.port).await;
    sql.batch_execute(TABLE).await.unwrap();
    sql.batch_execute(SEED).await.unwrap();
    let want = sorted(&sql, "sales").await;
    let cases = [
        (
            "csv",
            "format as csv header",
            "csv ignoreheader 1 emptyasnull",
            vec!["0000_part_00"],
        ),
        (
            "text",
            "parallel off gzip escape null as 'NUL'",
            "gzip escape null as 'NUL'",
            vec!["000.gz"],
        ),
        (
            "json",
            "format json zstd extension 'json'",
            "format json 'auto' zstd",
            vec!["0000_part_00.json.zst"],
        ),
        (
            "pipe",
            "delimiter '|' addquotes escape null as 'NULL' bzip2",
            "removequotes escape null as 'NULL' bzip2",
            vec!["0000_part_00.bz2"],
        ),
    ];
    for (name, unload_options, copy_options, names) in cases {
        let unloaded = sql
            .simple_query(&format!(
                "unload ('select * from sales where name <> ''nothing'' or name is null') \
                 to 's3://bucket/{name}/' iam_role 'arn:aws:iam::123456789012:role/r' {unload_options}"
            ))
            .await
            .unwrap();
        assert!(matches!(
            unloaded.last(),
            Some(SimpleQueryMessage::CommandComplete(_))
        ));
        let info = notice_with(&mut notices, "UNLOAD completed").await;
        assert_eq!(
            info, "INFO: UNLOAD completed, 4 record(s) unloaded successfully.",
            "{name}"
        );
        assert_eq!(files(&f.s3.join("bucket").join(name)), names, "{name}");
        sql.batch_execute(&format!("create table back_{name} (like sales)"))
            .await
            .unwrap();
        sql.batch_execute(&format!(
            "copy back_{name} from 's3://bucket/{name}/' iam_role default {copy_options}"
        ))
        .await
        .unwrap();
        let info = notice_with(&mut notices, "Load into table").await;
        assert_eq!(
            info,
            format!(
                "INFO: Load into table 'back_{name}' completed, 4 record(s) loaded successfully."
            )
        );
        assert_eq!(sorted(&sql, &format!("back_{name}")).await, want, "{name}");
        assert_eq!(one(&sql, "select pg_last_copy_count()").await, "4");
        assert!(
            one(&sql, "select pg_last_copy_id()")
                .await
                .parse::<i64>()
                .unwrap()
                > 0
        );
    }
    drain(&mut notices);
    f.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rows_are_skipped_up_to_maxerror_and_recorded() {
    let f = fixture("bad").await;
    let (sql, mut notices) = connect(f.port).await;
    sql.batch_execute(
        "create table t (id int not null, code varchar(3), amount numeric(5,2), d date)",
    )
    .await
    .unwrap();
    put(
        &f.s3,
        "data/load/part1.csv",
        b"id,code,amount,d\n1,abc,1.5,2024-01-01\n2x,abc,1,2024-01-01\n3,abcd,1,2024-01-01\n4,ab,1\n5,a,999.99,2024-02-30\n6,\"q,\",2,2024-03-03\n",
    );
    put(
        &f.s3,
        "data/load/part2.csv",
        b"id,code,amount,d\n7,x,3,2024-04-04\n,y,1,2024-01-01\n",
    );
    sql.batch_execute(
        "copy t from 's3://data/load/part' iam_role default csv ignoreheader 1 maxerror 10",
    )
    .await
    .unwrap();
    let got = rows(&sql, "select id from t order by id").await;
    assert_eq!(
        got,
        [[Some("1".into())], [Some("6".into())], [Some("7".into())]]
    );
    assert_eq!(one(&sql, "select pg_last_copy_count()").await, "3");
    let notes = [
        notice_with(&mut notices, "loaded successfully").await,
        notice_with(&mut notices, "could not be loaded").await,
    ];
    assert_eq!(
        notes[0],
        "INFO: Load into table 't' completed, 3 record(s) loaded successfully."
    );
    assert!(
        notes[1].contains("5 record(s) could not be loaded"),
        "{}",
        notes[1]
    );
    let errors = rows(
        &sql,
        "select trim(filename), line_number, trim(colname), err_code, trim(err_reason), \
         trim(raw_field_value), query = pg_last_copy_id(), session = pg_backend_pid() \
         from stl_load_errors order by filename, line_number",
    )
    .await;
    let brief: Vec<(String, String, String, String)> = errors
        .iter()
        .map(|r| {
            (
                r[0].clone().unwrap(),
                r[1].clone().unwrap(),
                r[2].clone().unwrap(),
                r[3].clone().unwrap(),
            )
        })
        .collect();
    let p1 = "s3://data/load/part1.csv".to_string();
    let p2 = "s3://data/load/part2.csv".to_string();
    assert_eq!(
        brief,
        [
            (p1.clone(), "3".into(), "id".into(), "1207".into()),
            (p1.clone(), "4".into(), "code".into(), "1204".into()),
            (p1.clone(), "5".into(), "d".into(), "1214".into()),
            (p1.clone(), "6".into(), "d".into(), "1205".into()),
            (p2, "3".into(), "id".into(), "1213".into()),
        ]
    );
    assert_eq!(
        errors[0][4].as_deref(),
        Some("Invalid digit, Value 'x', Pos 1, Type: Integer")
    );
    assert_eq!(errors[0][5].as_deref(), Some("2x"));
    assert!(errors
        .iter()
        .all(|r| r[6].as_deref() == Some("t") && r[7].as_deref() == Some("t")));
    let detail = one(
        &sql,
        "select count(*) from sys_load_error_detail where error_code = 1204",
    )
    .await;
    assert_eq!(detail, "1");

    // Past MAXERROR the statement fails, loads nothing, and its errors stay recorded.
    sql.batch_execute("truncate t").await.unwrap();
    let err = sql
        .batch_execute(
            "copy t from 's3://data/load/' iam_role default csv ignoreheader 1 maxerror 2",
        )
        .await
        .unwrap_err();
    let db = err.as_db_error().unwrap();
    assert_eq!(db.code().code(), "XX000");
    assert_eq!(
        db.message(),
        "Load into table 't' failed.  Check 'stl_load_errors' system table for details."
    );
    assert_eq!(one(&sql, "select count(*) from t").await, "0");
    assert_eq!(one(&sql, "select count(*) from stl_load_errors").await, "8");
    f.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_runs_in_the_clients_session_and_transaction() {
    let f = fixture("txn").await;
    let (sql, _notices) = connect(f.port).await;
    sql.batch_execute("create table target (id int, name varchar(10))")
        .await
        .unwrap();
    put(&f.s3, "etl/in/a.txt", b"1|one\n2|two\n");
    put(&f.s3, "etl/in/b.txt", b"3|\\N\n");
    // The common ETL pattern: a #temp stage loaded inside a transaction.
    sql.batch_execute(
        "begin; create table #stage (id int, name varchar(10)); \
         copy #stage from 's3://etl/in/' iam_role default; \
         insert into target select * from #stage; commit",
    )
    .await
    .unwrap();
    assert_eq!(
        sorted(&sql, "target").await,
        [
            vec![Some("1".into()), Some("one".into())],
            vec![Some("2".into()), Some("two".into())],
            vec![Some("3".into()), None],
        ]
    );
    // A COPY that fails inside a transaction leaves it failed, as the engine does.
    sql.batch_execute("begin").await.unwrap();
    let err = sql
        .batch_execute("copy target from 's3://etl/missing/' iam_role default")
        .await
        .unwrap_err();
    assert_eq!(err.as_db_error().unwrap().code().code(), "XX000");
    assert!(err
        .as_db_error()
        .unwrap()
        .message()
        .contains("The specified S3 prefix 'missing/' does not exist"));
    let err = sql.batch_execute("select 1").await.unwrap_err();
    assert_eq!(err.as_db_error().unwrap().code().code(), "25P02");
    sql.batch_execute("rollback").await.unwrap();
    // The extended protocol (a prepared statement) runs it too, and the session goes on.
    let n = sql
        .execute("copy target from 's3://etl/in/a.txt' iam_role default", &[])
        .await
        .unwrap();
    assert_eq!(n, 0);
    assert_eq!(one(&sql, "select count(*) from target").await, "5");
    // Pipelined: queries before and after the COPY are answered in order. The statements
    // are prepared first, so that each execution is sent on its first poll, in this order
    // (join! may poll its futures in another order after that).
    let first = sql.prepare("select 1::int").await.unwrap();
    let copy = sql
        .prepare("copy target from 's3://etl/in/b.txt' iam_role default")
        .await
        .unwrap();
    let count = sql.prepare("select count(*) from target").await.unwrap();
    let (a, b, c) = tokio::join!(
        sql.query_one(&first, &[]),
        sql.execute(&copy, &[]),
        sql.query_one(&count, &[]),
    );
    assert_eq!(a.unwrap().get::<_, i32>(0), 1);
    b.unwrap();
    assert_eq!(c.unwrap().get::<_, i64>(0), 6);
    // Several statements outside a block run in one implicit transaction, as the engine's.
    let err = sql
        .batch_execute("copy target from 's3://etl/in/a.txt' iam_role default; select 1 / 0")
        .await
        .unwrap_err();
    assert_eq!(err.as_db_error().unwrap().code().code(), "22012");
    assert_eq!(one(&sql, "select count(*) from target").await, "6");
    sql.batch_execute("copy target from 's3://etl/in/a.txt' iam_role default; select 1")
        .await
        .unwrap();
    assert_eq!(one(&sql, "select count(*) from target").await, "8");
    // The client's own COPY FROM STDIN (tokio-postgres sends a Sync the engine ignores during
    // it), then a COPY from S3 on the same session.
    {
        use futures_util::SinkExt;
        let sink = sql.copy_in("copy target from stdin").await.unwrap();
        futures_util::pin_mut!(sink);
        sink.send(bytes::Bytes::from_static(b"100\tstdin\n"))
            .await
            .unwrap();
        assert_eq!(sink.finish().await.unwrap(), 1);
    }
    sql.batch_execute("copy target from 's3://etl/in/b.txt' iam_role default")
        .await
        .unwrap();
    assert_eq!(one(&sql, "select count(*) from target").await, "10");
    // Errors in the statement are syntax errors.
    let err = sql
        .batch_execute("copy target from 's3://etl/in/' bogus_option")
        .await
        .unwrap_err();
    assert_eq!(err.as_db_error().unwrap().code().code(), "42601");
    f.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn manifests_partitions_and_overwrites() {
    let f = fixture("man").await;
    let (sql, _notices) = connect(f.port).await;
    sql.batch_execute(TABLE).await.unwrap();
    sql.batch_execute(SEED).await.unwrap();
    sql.batch_execute(
        "unload ('select * from sales') to 's3://b/m/sales_' iam_role default csv manifest verbose",
    )
    .await
    .unwrap();
    assert_eq!(
        files(&f.s3.join("b/m")),
        ["sales_0000_part_00", "sales_manifest"]
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.s3.join("b/m/sales_manifest")).unwrap()).unwrap();
    assert_eq!(manifest["entries"][0]["url"], "s3://b/m/sales_0000_part_00");
    assert_eq!(manifest["entries"][0]["meta"]["record_count"], 4);
    assert_eq!(manifest["meta"]["record_count"], 4);
    // Without ALLOWOVERWRITE an existing object is an error.
    let err = sql
        .batch_execute("unload ('select 1') to 's3://b/m/sales_' iam_role default")
        .await
        .unwrap_err();
    assert!(err
        .as_db_error()
        .unwrap()
        .message()
        .starts_with("Specified unload destination on S3 is not empty."));
    sql.batch_execute("unload ('select * from sales') to 's3://b/m/sales_' iam_role default csv manifest allowoverwrite")
        .await
        .unwrap();
    // COPY with the manifest; a missing entry that is not mandatory is skipped.
    put(
        &f.s3,
        "b/list.manifest",
        br#"{"entries": [{"url": "s3://b/m/sales_0000_part_00", "mandatory": true},
                         {"url": "s3://b/m/absent", "mandatory": false}]}"#,
    );
    sql.batch_execute("create table back (like sales)")
        .await
        .unwrap();
    sql.batch_execute(
        "copy back from 's3://b/list.manifest' iam_role default csv manifest emptyasnull",
    )
    .await
    .unwrap();
    assert_eq!(sorted(&sql, "back").await, sorted(&sql, "sales").await);
    put(
        &f.s3,
        "b/bad.manifest",
        br#"{"entries": [{"url": "s3://b/m/absent", "mandatory": true}]}"#,
    );
    let err = sql
        .batch_execute("copy back from 's3://b/bad.manifest' iam_role default csv manifest")
        .await
        .unwrap_err();
    assert!(err
        .as_db_error()
        .unwrap()
        .message()
        .contains("s3://b/m/absent"));
    // PARTITION BY: Hive-style prefixes, the partition column written only with INCLUDE.
    sql.batch_execute(
        "unload ('select id, name, ok from sales') to 's3://b/p/' iam_role default csv partition by (ok)",
    )
    .await
    .unwrap();
    assert_eq!(
        files(&f.s3.join("b/p")),
        [
            "ok=__HIVE_DEFAULT_PARTITION__/0000_part_00",
            "ok=f/0000_part_00",
            "ok=t/0000_part_00"
        ]
    );
    let t = std::fs::read_to_string(f.s3.join("b/p/ok=t/0000_part_00")).unwrap();
    assert_eq!(t, "1,apple\n4,kiwi\n");
    // The query's own error mid-way is the engine's, and the session goes on.
    let err = sql
        .batch_execute("unload ('select 10 / (id - 3) from sales order by id') to 's3://b/div/' iam_role default")
        .await
        .unwrap_err();
    assert_eq!(err.as_db_error().unwrap().code().code(), "22012");
    assert_eq!(one(&sql, "select 1").await, "1");
    // MAXFILESIZE starts a new part past it.
    sql.batch_execute(
        "unload ('select g, repeat(''x'', 40) from generate_series(1, 200000) g') \
         to 's3://b/big/' iam_role default maxfilesize 5 mb",
    )
    .await
    .unwrap();
    assert_eq!(files(&f.s3.join("b/big")), ["0000_part_00", "0000_part_01"]);
    // CLEANPATH removes what was there first.
    sql.batch_execute(
        "unload ('select 1 as x') to 's3://b/p/' iam_role default cleanpath parallel off",
    )
    .await
    .unwrap();
    assert_eq!(files(&f.s3.join("b/p")), ["000"]);
    f.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_paths_fixed_width_and_options() {
    let f = fixture("fmt").await;
    let (sql, _notices) = connect(f.port).await;
    sql.batch_execute("create table j (id int, name varchar(10), ts timestamp, flag boolean)")
        .await
        .unwrap();
    put(
        &f.s3,
        "in/j.json",
        b"{\"ID\": 1, \"Name\": \"a\", \"ts\": \"2024-01-01 00:00:00\", \"flag\": true}\n{\"id\": 2,\n \"name\": null}\n",
    );
    sql.batch_execute("copy j from 's3://in/j.json' iam_role default json 'auto ignorecase'")
        .await
        .unwrap();
    put(
        &f.s3,
        "in/paths.json",
        br#"{"jsonpaths": ["$.k", "$.v.n", "$['t'][0]", "$.b"]}"#,
    );
    put(
        &f.s3,
        "in/p.json",
        br#"{"k": 3, "v": {"n": "deep"}, "t": [86400], "b": false}"#,
    );
    sql.batch_execute(
        "copy j from 's3://in/p.json' iam_role default json 's3://in/paths.json' timeformat 'epochsecs'",
    )
    .await
    .unwrap();
    put(
        &f.s3,
        "in/fixed.txt",
        b"4   fixed     2024-05-06 07:08:09t\n",
    );
    sql.batch_execute(
        "copy j from 's3://in/fixed.txt' iam_role default fixedwidth 'id:4,name:10,ts:19,flag:1'",
    )
    .await
    .unwrap();
    put(
        &f.s3,
        "in/opts.csv",
        b"5;' spaced ';01/02/2024 10:00:00\n6;   ;\n",
    );
    sql.batch_execute(
        "create table o (id int, name varchar(10), ts timestamp, extra int); \
         copy o from 's3://in/opts.csv' iam_role default csv quote as '''' delimiter ';' \
         blanksasnull fillrecord timeformat 'MM/DD/YYYY HH24:MI:SS'",
    )
    .await
    .unwrap();
    assert_eq!(
        sorted(&sql, "j").await,
        [
            vec![
                Some("1".into()),
                Some("a".into()),
                Some("2024-01-01 00:00:00".into()),
                Some("t".into())
            ],
            vec![Some("2".into()), None, None, None],
            vec![
                Some("3".into()),
                Some("deep".into()),
                Some("1970-01-02 00:00:00".into()),
                Some("f".into())
            ],
            vec![
                Some("4".into()),
                Some("fixed".into()),
                Some("2024-05-06 07:08:09".into()),
                Some("t".into())
            ],
        ]
    );
    assert_eq!(
        sorted(&sql, "o").await,
        [
            vec![
                Some("5".into()),
                Some(" spaced ".into()),
                Some("2024-01-02 10:00:00".into()),
                None
            ],
            vec![Some("6".into()), None, None, None],
        ]
    );
    f.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_api_runs_copy_and_unload() {
    use aws_sdk_redshiftdata::types::StatusString;
    let f = fixture("data").await;
    let data = f.server.data_client();
    let (sql, _notices) = connect(f.port).await;
    let run = |statement: &'static str| common::data_api_run(&data, "wg-data", statement);
    run(TABLE).await;
    run(SEED).await;
    run("create table back (like sales)").await;
    let unloaded =
        run("unload ('select * from sales') to 's3://api/out/' iam_role default csv").await;
    assert_eq!(
        unloaded.status(),
        Some(&StatusString::Finished),
        "{:?}",
        unloaded.error()
    );
    assert_eq!(unloaded.result_rows(), 4);
    assert_eq!(files(&f.s3.join("api/out")), ["0000_part_00"]);
    let copied = run("copy back from 's3://api/out/' iam_role default csv emptyasnull").await;
    assert_eq!(
        copied.status(),
        Some(&StatusString::Finished),
        "{:?}",
        copied.error()
    );
    assert_eq!(copied.result_rows(), 4);
    assert_eq!(copied.has_result_set(), Some(false));
    assert_eq!(sorted(&sql, "back").await, sorted(&sql, "sales").await);
    let failed = run("copy back from 's3://api/none/' iam_role default csv").await;
    assert_eq!(failed.status(), Some(&StatusString::Failed));
    assert!(
        failed.error().unwrap().contains("does not exist"),
        "{:?}",
        failed.error()
    );
    f.server.shutdown().await;
}

/// Every type UNLOAD writes to Parquet, with NULLs in each column.
const TYPED: &str = "create table typed (id int not null, s smallint, i int, b bigint, \
     n numeric(10,2), w numeric(30,5), r real, d double precision, f boolean, \
     c char(4), v varchar(20), dt date, ts timestamp, tz timestamptz)";
const TYPED_ROWS: &str = "insert into typed values \
     (1, -32768, 2147483647, 9223372036854775807, 12345678.91, 1234567890123456789012345.12345, \
      1.5, 2.25, true, 'ab', 'héllo € wörld', '2024-02-29', '2024-01-02 03:04:05.123456', \
      '2024-01-02 03:04:05.5+00'), \
     (2, 7, -1, -2, -0.01, -0.00001, -3.5e10, 1e-300, false, 'wxyz', 'tab\there', \
      '1999-12-31', '1970-01-01 00:00:00', '2000-06-30 23:59:59+00'), \
     (3, null, null, null, null, null, null, null, null, null, null, null, null, null)";

/// The Parquet schema of the file at `path`: each column's physical and logical type.
fn parquet_schema(path: &Path) -> Vec<(String, String, String)> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    (0..schema.num_columns())
        .map(|i| {
            let c = schema.column(i);
            (
                c.name().to_string(),
                c.physical_type().to_string(),
                c.logical_type_ref()
                    .map(|l| format!("{l:?}"))
                    .unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parquet_unload_and_copy_round_trip_every_type() {
    let f = fixture("pq").await;
    let (sql, mut notices) = connect(f.port).await;
    sql.batch_execute(TYPED).await.unwrap();
    sql.batch_execute(TYPED_ROWS).await.unwrap();
    let want = sorted(&sql, "typed").await;
    sql.batch_execute(
        "unload ('select * from typed') to 's3://pq/all/' iam_role default format as parquet",
    )
    .await
    .unwrap();
    assert_eq!(
        notice_with(&mut notices, "UNLOAD completed").await,
        "INFO: UNLOAD completed, 3 record(s) unloaded successfully."
    );
    assert_eq!(files(&f.s3.join("pq/all")), ["0000_part_00.parquet"]);
    let part = f.s3.join("pq/all/0000_part_00.parquet");
    let bytes = std::fs::read(&part).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    let schema = parquet_schema(&part);
    let brief: Vec<(&str, &str)> = schema
        .iter()
        .map(|(n, p, _)| (n.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        brief,
        [
            ("id", "INT32"),
            ("s", "INT32"),
            ("i", "INT32"),
            ("b", "INT64"),
            ("n", "INT64"),
            ("w", "FIXED_LEN_BYTE_ARRAY"),
            ("r", "FLOAT"),
            ("d", "DOUBLE"),
            ("f", "BOOLEAN"),
            ("c", "BYTE_ARRAY"),
            ("v", "BYTE_ARRAY"),
            ("dt", "INT32"),
            ("ts", "INT64"),
            ("tz", "INT64"),
        ]
    );
    let logical: Vec<&str> = schema.iter().map(|(_, _, l)| l.as_str()).collect();
    assert!(logical[1].contains("bit_width: 16"), "{}", logical[1]);
    assert!(
        logical[4].contains("scale: 2, precision: 10"),
        "{}",
        logical[4]
    );
    assert!(
        logical[5].contains("scale: 5, precision: 30"),
        "{}",
        logical[5]
    );
    assert_eq!(logical[10], "String");
    assert_eq!(logical[11], "Date");
    assert!(
        logical[12].contains("is_adjusted_to_u_t_c: false") && logical[12].contains("MICROS"),
        "{}",
        logical[12]
    );
    assert!(
        logical[13].contains("is_adjusted_to_u_t_c: true"),
        "{}",
        logical[13]
    );

    sql.batch_execute("create table typed_back (like typed)")
        .await
        .unwrap();
    sql.batch_execute("copy typed_back from 's3://pq/all/' iam_role default format as parquet")
        .await
        .unwrap();
    assert_eq!(
        notice_with(&mut notices, "Load into table").await,
        "INFO: Load into table 'typed_back' completed, 3 record(s) loaded successfully."
    );
    assert_eq!(sorted(&sql, "typed_back").await, want);
    assert_eq!(one(&sql, "select pg_last_copy_count()").await, "3");
    // PARQUET alone (no FORMAT), and a column list of as many columns as the file has.
    sql.batch_execute(
        "create table few (a int, note varchar(30), z int); \
         unload ('select id, v from typed') to 's3://pq/two/' iam_role default parquet",
    )
    .await
    .unwrap();
    sql.batch_execute("copy few (z, note) from 's3://pq/two/' iam_role default parquet")
        .await
        .unwrap();
    assert_eq!(
        rows(&sql, "select a, note, z from few order by z").await[0],
        [None, Some("héllo € wörld".into()), Some("1".into())]
    );
    // A file with fewer columns than the table: refused as Redshift refuses it.
    let err = sql
        .batch_execute("copy few from 's3://pq/two/' iam_role default parquet")
        .await
        .unwrap_err();
    let db = err.as_db_error().unwrap();
    assert_eq!(db.code().code(), "XX000");
    assert!(
        db.message().contains(
            "Unmatched number of columns between table and file. Table columns: 3, Data columns: 2"
        ),
        "{}",
        db.message()
    );
    // FILLRECORD lets the missing trailing columns be NULL.
    sql.batch_execute(
        "truncate few; copy few from 's3://pq/two/' iam_role default parquet fillrecord",
    )
    .await
    .unwrap();
    assert_eq!(
        one(&sql, "select count(*) from few where z is null").await,
        "3"
    );
    drain(&mut notices);
    f.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parquet_partitions_parts_refusals_and_bad_files() {
    let f = fixture("pqx").await;
    let (sql, _notices) = connect(f.port).await;
    sql.batch_execute(TABLE).await.unwrap();
    sql.batch_execute(SEED).await.unwrap();
    // PARTITION BY: Hive-style prefixes, the partition column left out of the files.
    sql.batch_execute(
        "unload ('select id, name, ok from sales') to 's3://pq/p/' iam_role default \
         format parquet partition by (ok) manifest verbose",
    )
    .await
    .unwrap();
    assert_eq!(
        files(&f.s3.join("pq/p")),
        [
            "manifest",
            "ok=__HIVE_DEFAULT_PARTITION__/0000_part_00.parquet",
            "ok=f/0000_part_00.parquet",
            "ok=t/0000_part_00.parquet",
        ]
    );
    let names: Vec<String> = parquet_schema(&f.s3.join("pq/p/ok=t/0000_part_00.parquet"))
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    assert_eq!(names, ["id", "name"]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f.s3.join("pq/p/manifest")).unwrap()).unwrap();
    assert_eq!(manifest["meta"]["record_count"], 4);
    let size = std::fs::metadata(f.s3.join("pq/p/ok=t/0000_part_00.parquet"))
        .unwrap()
        .len();
    let entry = manifest["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["url"] == "s3://pq/p/ok=t/0000_part_00.parquet")
        .unwrap();
    assert_eq!(entry["meta"]["content_length"], size);
    assert_eq!(entry["meta"]["record_count"], 2);
    // The manifest loads the parts back (two columns each).
    sql.batch_execute("create table pair (id int, name varchar(12))")
        .await
        .unwrap();
    sql.batch_execute("copy pair from 's3://pq/p/manifest' iam_role default parquet manifest")
        .await
        .unwrap();
    assert_eq!(
        rows(&sql, "select id, name from pair order by id").await,
        rows(&sql, "select id, name from sales order by id").await
    );
    // MAXFILESIZE rolls the parts over; small row groups keep memory bounded.
    sql.batch_execute(
        "unload ('select g, repeat(''x'', 40) || g as s from generate_series(1, 150000) g') \
         to 's3://pq/big/' iam_role default parquet maxfilesize 5 mb parallel off",
    )
    .await
    .unwrap();
    assert_eq!(files(&f.s3.join("pq/big")), ["000.parquet", "001.parquet"]);
    sql.batch_execute("create table big (g int, s varchar(60))")
        .await
        .unwrap();
    sql.batch_execute("copy big from 's3://pq/big/' iam_role default parquet")
        .await
        .unwrap();
    assert_eq!(
        rows(&sql, "select count(*), sum(g), count(distinct s) from big").await[0],
        [
            Some("150000".into()),
            Some("11250075000".into()),
            Some("150000".into())
        ]
    );
    // Options PARQUET does not take, refused with Redshift's wording.
    for (statement, option, kind) in [
        (
            "unload ('select 1') to 's3://pq/r/' iam_role default parquet delimiter ','",
            "DELIMITER",
            "UNLOAD",
        ),
        (
            "unload ('select 1') to 's3://pq/r/' iam_role default format as parquet header",
            "HEADER",
            "UNLOAD",
        ),
        (
            "unload ('select 1') to 's3://pq/r/' iam_role default parquet gzip",
            "GZIP",
            "UNLOAD",
        ),
        (
            "copy big from 's3://pq/big/' iam_role default parquet maxerror 10",
            "MAXERROR",
            "COPY",
        ),
        (
            "copy big from 's3://pq/big/' iam_role default parquet region 'us-east-1'",
            "REGION",
            "COPY",
        ),
        (
            "copy big from 's3://pq/big/' iam_role default format parquet ignoreheader 1",
            "IGNOREHEADER",
            "COPY",
        ),
    ] {
        let err = sql.batch_execute(statement).await.unwrap_err();
        let db = err.as_db_error().unwrap();
        assert_eq!(
            db.message(),
            format!("{option} argument is not supported for PARQUET based {kind}"),
            "{statement}"
        );
        assert_eq!(db.code().code(), "0A000");
    }
    assert!(!f.s3.join("pq/r").exists());
    // A file that is not Parquet fails the COPY, loads nothing, and the session goes on.
    put(
        &f.s3,
        "pq/bad/0000_part_00.parquet",
        b"PAR1 this is no parquet file PAR1",
    );
    let err = sql
        .batch_execute("copy pair from 's3://pq/bad/' iam_role default parquet")
        .await
        .unwrap_err();
    let db = err.as_db_error().unwrap();
    assert_eq!(db.code().code(), "XX000");
    assert!(
        db.message()
            .starts_with("Spectrum Scan Error: File 's3://pq/bad/0000_part_00.parquet' is not a valid Parquet file"),
        "{}",
        db.message()
    );
    assert_eq!(one(&sql, "select count(*) from pair").await, "4");
    // A value the column cannot take fails the COPY and is recorded in STL_LOAD_ERRORS.
    sql.batch_execute("create table narrow (id int, name varchar(3))")
        .await
        .unwrap();
    let err = sql
        .batch_execute("copy narrow from 's3://pq/p/ok=t/' iam_role default parquet")
        .await
        .unwrap_err();
    assert_eq!(
        err.as_db_error().unwrap().message(),
        "Load into table 'narrow' failed.  Check 'stl_load_errors' system table for details."
    );
    assert_eq!(
        rows(&sql, "select trim(colname), err_code from stl_load_errors").await,
        [[Some("name".into()), Some("1204".into())]]
    );
    assert_eq!(one(&sql, "select count(*) from narrow").await, "0");
    // A query value that Parquet cannot hold as its column's type fails the UNLOAD.
    let err = sql
        .batch_execute(
            "unload ('select ''infinity''::date as d') to 's3://pq/inf/' iam_role default parquet",
        )
        .await
        .unwrap_err();
    assert!(
        err.as_db_error()
            .unwrap()
            .message()
            .contains("as Parquet DATE"),
        "{err:?}"
    );
    assert_eq!(one(&sql, "select 1").await, "1");
    f.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_api_runs_parquet_copy_and_unload() {
    use aws_sdk_redshiftdata::types::StatusString;
    let f = fixture("pqapi").await;
    let data = f.server.data_client();
    let (sql, _notices) = connect(f.port).await;
    let run = |statement: &'static str| common::data_api_run(&data, "wg-pqapi", statement);
    run(TYPED).await;
    run(TYPED_ROWS).await;
    run("create table typed_back (like typed)").await;
    let unloaded =
        run("unload ('select * from typed') to 's3://api/pq/' iam_role default format parquet")
            .await;
    assert_eq!(
        unloaded.status(),
        Some(&StatusString::Finished),
        "{:?}",
        unloaded.error()
    );
    assert_eq!(unloaded.result_rows(), 3);
    assert_eq!(files(&f.s3.join("api/pq")), ["0000_part_00.parquet"]);
    let copied = run("copy typed_back from 's3://api/pq/' iam_role default format parquet").await;
    assert_eq!(
        copied.status(),
        Some(&StatusString::Finished),
        "{:?}",
        copied.error()
    );
    assert_eq!(copied.result_rows(), 3);
    assert_eq!(
        sorted(&sql, "typed_back").await,
        sorted(&sql, "typed").await
    );
    let failed =
        run("copy typed_back from 's3://api/pq/' iam_role default parquet delimiter '|'").await;
    assert_eq!(failed.status(), Some(&StatusString::Failed));
    assert!(
        failed
            .error()
            .unwrap()
            .contains("DELIMITER argument is not supported for PARQUET based COPY"),
        "{:?}",
        failed.error()
    );
    f.server.shutdown().await;
}
