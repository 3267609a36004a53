//! The snapshot cases of the benchmark (a module of `bench.rs`): a snapshot and a restore of
//! a namespace holding about 100 MB of table data, against a plain dump and restore of the
//! same data by the engine's own tools (`pg_dump -Fc`, `pg_restore`) in the same run; and the
//! storage 48 recovery points of an unchanged namespace take, against one point's.

use super::{
    call_ok, emulator, pg_config, postgres_bin, settle, sql_workgroup, start, Bar, Conn,
    PlainPostgres, SQL_PASSWORD, SQL_USER,
};
use serde_json::{json, Value};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// About 130 bytes a row on disk: a million rows is about 100 MB of table data.
fn fill_sql(rows: u64) -> String {
    format!(
        "create table big as select g as id, md5(g::text) || md5((g + 1)::text) as payload \
         from generate_series(1, {rows}) g"
    )
}

async fn sql(
    config: tokio_postgres::Config,
    statement: &str,
) -> Vec<tokio_postgres::SimpleQueryMessage> {
    let (client, connection) = config.connect(tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.simple_query(statement).await.unwrap()
}

fn first_value(messages: &[tokio_postgres::SimpleQueryMessage]) -> String {
    messages
        .iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_string),
            _ => None,
        })
        .unwrap_or_default()
}

/// Polls `operation` until `done` holds for its answer.
async fn until(conn: &mut Conn, operation: &str, body: &Value, done: impl Fn(&Value) -> bool) {
    let began = Instant::now();
    loop {
        let answer = call_ok(conn, operation, body).await;
        if done(&answer) {
            return;
        }
        assert!(
            began.elapsed() < Duration::from_secs(600),
            "{operation}: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn tool(bin: &std::path::Path, name: &str, args: &[&str]) -> Duration {
    let began = Instant::now();
    let output = Command::new(bin.join(name))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    began.elapsed()
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => dir_bytes(&e.path()),
                    _ => e.metadata().map(|m| m.len()).unwrap_or(0),
                })
                .sum()
        })
        .unwrap_or(0)
}

pub async fn snapshot_cases(
    binary: &std::path::Path,
    quick: bool,
    bars: &mut Vec<Bar>,
    results: &mut serde_json::Map<String, Value>,
) {
    let rows: u64 = if quick { 100_000 } else { 1_000_000 };
    let bin = postgres_bin();

    // The baseline: the engine's own dump and restore of the same table.
    let plain = PlainPostgres::start(&bin).await;
    let port = plain.port.to_string();
    sql(
        pg_config(plain.port, "postgres", None, "postgres"),
        &fill_sql(rows),
    )
    .await;
    let size = first_value(
        &sql(
            pg_config(plain.port, "postgres", None, "postgres"),
            "select pg_total_relation_size('big')",
        )
        .await,
    );
    let dump = std::env::temp_dir().join(format!("rsl-bench-dump-{}", std::process::id()));
    let dump_arg = dump.to_str().unwrap();
    let common = ["-h", "127.0.0.1", "-p", &port, "-U", "postgres"];
    let dumped = tool(
        &bin,
        "pg_dump",
        &[
            &common[..],
            &["-d", "postgres", "-Fc", "-Z", "0", "-f", dump_arg],
        ]
        .concat(),
    );
    let created = tool(&bin, "createdb", &[&common[..], &["restored"]].concat());
    let restored = tool(
        &bin,
        "pg_restore",
        &[&common[..], &["-d", "restored", dump_arg]].concat(),
    ) + created;
    let _ = std::fs::remove_file(&dump);
    drop(plain);

    // The emulator: CreateSnapshot until AVAILABLE; RestoreFromSnapshot until the namespace is
    // AVAILABLE and the restored table answers.
    let (server, _) = start(emulator(binary, &[])).await;
    let mut api = Conn::open(&server.addr).await.unwrap();
    let port = sql_workgroup(&mut api, "snapbench").await;
    settle(&mut api).await;
    let config = || pg_config(port, SQL_USER, Some(SQL_PASSWORD), "dev");
    sql(config(), &fill_sql(rows)).await;
    let began = Instant::now();
    call_ok(
        &mut api,
        "CreateSnapshot",
        &json!({"namespaceName": "snapbench", "snapshotName": "bench"}),
    )
    .await;
    until(
        &mut api,
        "GetSnapshot",
        &json!({"snapshotName": "bench"}),
        |a| a["snapshot"]["status"] == "AVAILABLE",
    )
    .await;
    let snapshot = began.elapsed();
    sql(config(), "drop table big").await;
    let began = Instant::now();
    call_ok(
        &mut api,
        "RestoreFromSnapshot",
        &json!({"namespaceName": "snapbench", "workgroupName": "snapbench", "snapshotName": "bench"}),
    )
    .await;
    until(
        &mut api,
        "GetNamespace",
        &json!({"namespaceName": "snapbench"}),
        |a| a["namespace"]["status"] == "AVAILABLE",
    )
    .await;
    let count = first_value(&sql(config(), "select count(*) from big").await);
    let restore = began.elapsed();
    assert_eq!(count, rows.to_string(), "the restored table");
    super::stop(server);

    let ratio = |ours: Duration, theirs: Duration| ours.as_secs_f64() / theirs.as_secs_f64();
    let (snap_ratio, restore_ratio) = (ratio(snapshot, dumped), ratio(restore, restored));
    println!(
        "snapshot of {rows} rows ({size} bytes): {snapshot:?} vs pg_dump {dumped:?} ({snap_ratio:.2}x); \
         restore {restore:?} vs createdb + pg_restore {restored:?} ({restore_ratio:.2}x)"
    );
    bars.push(Bar {
        name: "snapshot of ~100 MB <= 1.5x pg_dump".into(),
        measured: format!("{snap_ratio:.2}x ({snapshot:?} vs {dumped:?})"),
        pass: snap_ratio <= 1.5,
    });
    bars.push(Bar {
        name: "restore of ~100 MB <= 1.5x pg_restore".into(),
        measured: format!("{restore_ratio:.2}x ({restore:?} vs {restored:?})"),
        pass: restore_ratio <= 1.5,
    });

    // Storage: one snapshot, then a day of recovery points of the unchanged namespace.
    let state = std::env::temp_dir().join(format!("rsl-bench-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(&state).unwrap();
    let state_arg = state.to_str().unwrap().to_string();
    let (server, _) = start(emulator(
        binary,
        &[
            "--state-dir",
            &state_arg,
            "--recovery-point-interval-secs",
            "1800",
        ],
    ))
    .await;
    let mut api = Conn::open(&server.addr).await.unwrap();
    let port = sql_workgroup(&mut api, "points").await;
    settle(&mut api).await;
    sql(
        pg_config(port, SQL_USER, Some(SQL_PASSWORD), "dev"),
        &fill_sql(rows / 10),
    )
    .await;
    call_ok(
        &mut api,
        "CreateSnapshot",
        &json!({"namespaceName": "points", "snapshotName": "one"}),
    )
    .await;
    settle(&mut api).await;
    let captures = state.join("engine").join("captures");
    let one = dir_bytes(&captures);
    let request = b"POST /_emulator/clock/advance HTTP/1.1\r\nHost: bench\r\nContent-Length: 17\r\n\r\n{\"seconds\":86400}";
    assert_eq!(api.send(request).await.unwrap(), 200);
    settle(&mut api).await;
    let points = call_ok(
        &mut api,
        "ListRecoveryPoints",
        &json!({"namespaceName": "points"}),
    )
    .await["recoveryPoints"]
        .as_array()
        .map_or(0, Vec::len);
    let all = dir_bytes(&captures);
    super::stop(server);
    let _ = std::fs::remove_dir_all(&state);
    let storage = all as f64 / one.max(1) as f64;
    println!("storage: one capture {one} bytes; with {points} recovery points {all} bytes ({storage:.2}x)");
    bars.push(Bar {
        name: "48 recovery points of an unchanged namespace <= 2x one".into(),
        measured: format!("{storage:.2}x ({points} points, {all} vs {one} bytes)"),
        pass: storage <= 2.0 && points >= 48,
    });
    results.insert(
        "snapshots".into(),
        json!({
            "rows": rows,
            "table_bytes": size,
            "snapshot_s": snapshot.as_secs_f64(),
            "pg_dump_s": dumped.as_secs_f64(),
            "restore_s": restore.as_secs_f64(),
            "pg_restore_s": restored.as_secs_f64(),
            "capture_bytes_one": one,
            "capture_bytes_with_points": all,
            "recovery_points": points,
        }),
    );
}
