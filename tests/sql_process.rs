//! The SQL endpoints of the built binary, as a user runs it: data that survives `kill -9` with
//! `--state-dir`, no postmaster left behind, a namespace's data removed with it, and a clear
//! refusal when no PostgreSQL can be found.

mod common;

use aws_sdk_redshiftserverless as rs;
use common::{available_port, engine_scratch_dir, poll_until, until_gone, Process};
use std::path::Path;
use std::time::Duration;

const ADMIN: &str = "admin";
const PASSWORD: &str = "Secret123";

async fn connect(port: u16) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    common::sql_connect(port, ADMIN, PASSWORD, "dev").await
}

async fn namespace_and_workgroup(client: &rs::Client, ns: &str, wg: &str, port: i32) -> u16 {
    client
        .create_namespace()
        .namespace_name(ns)
        .admin_username(ADMIN)
        .admin_user_password(PASSWORD)
        .send()
        .await
        .unwrap();
    client
        .create_workgroup()
        .workgroup_name(wg)
        .namespace_name(ns)
        .port(port)
        .send()
        .await
        .unwrap();
    available_port(client, wg).await
}

/// A server keeping its state in `state`, transitions settling at once.
fn durable_args(state: &Path) -> Vec<String> {
    [
        "--state-dir",
        state.to_str().unwrap(),
        "--transition-delay-ms",
        "0",
        "--engine-template",
        &template(),
    ]
    .map(String::from)
    .to_vec()
}

fn template() -> String {
    common::engine_template().to_string_lossy().into_owned()
}

/// The postmaster's pid, from the cluster's pid file.
fn postmaster_pid(state: &Path) -> Option<i32> {
    let clusters = state.join("engine").join("clusters");
    let cluster = std::fs::read_dir(clusters).ok()?.next()?.ok()?.path();
    let text = std::fs::read_to_string(cluster.join("data").join("postmaster.pid")).ok()?;
    text.lines().next()?.trim().parse().ok()
}

/// Gone, or a zombie nobody reaps (this machine's init does not).
fn process_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_rows_survive_kill_9_and_no_postmaster_is_left() {
    let state = engine_scratch_dir("sql-kill-9");
    let args = durable_args(&state);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut server = Process::start(&args, &state.join("stderr-1")).unwrap();
    let api = server.client();
    let port = namespace_and_workgroup(&api, "durable-ns", "durable-wg", 8193).await;
    let ca = common::get_text(&format!("{}/_emulator/ca.pem", server.url)).await;
    let sql = connect(port).await.unwrap();
    sql.batch_execute(
        "create table kept (id int); insert into kept select generate_series(1, 100)",
    )
    .await
    .unwrap();
    let postmaster = postmaster_pid(&state).expect("a running cluster");
    server.kill();
    poll_until(Duration::from_secs(15), || async {
        process_gone(postmaster).then_some(())
    })
    .await;
    let server = Process::start(&args, &state.join("stderr-2")).unwrap();
    let api = server.client();
    let port = available_port(&api, "durable-wg").await;
    let sql = connect(port).await.unwrap();
    let n: i64 = sql
        .query_one("select count(*) from kept", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 100);
    let again = common::get_text(&format!("{}/_emulator/ca.pem", server.url)).await;
    assert_eq!(ca, again, "the CA is kept in the state directory");
    let counted: i32 = sql
        .query_one("select pg_last_query_id()", &[])
        .await
        .unwrap()
        .get(0);
    assert!(counted > 0);
    drop(sql);
    let mut server = server;
    let postmaster = postmaster_pid(&state).expect("a running cluster");
    assert!(server.stop().success(), "{}", server.stderr());
    assert!(process_gone(postmaster), "a clean stop stops the engine");
    // The query history is written at a clean stop, and its ids go on after it.
    let mut server = Process::start(&args, &state.join("stderr-3")).unwrap();
    let port = available_port(&server.client(), "durable-wg").await;
    let sql = connect(port).await.unwrap();
    let row = sql
        .query_one(
            "select count(*), max(query_id) from sys_query_history where query_text like 'select count(*) from kept%'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1);
    assert_eq!(row.get::<_, i64>(1), i64::from(counted));
    let now: i32 = sql
        .query_one("select max(query)::int from stl_query", &[])
        .await
        .unwrap()
        .get(0);
    assert!(now > counted, "{now} follows {counted}");
    drop(sql);
    assert!(server.stop().success(), "{}", server.stderr());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_namespace_removes_its_data() {
    let state = engine_scratch_dir("sql-delete");
    let args = durable_args(&state);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Process::start(&args, &state.join("stderr")).unwrap();
    let api = server.client();
    let port = namespace_and_workgroup(&api, "gone-ns", "gone-wg", 8195).await;
    let sql = connect(port).await.unwrap();
    sql.batch_execute("create table t (x int)").await.unwrap();
    let clusters = state.join("engine").join("clusters");
    assert_eq!(std::fs::read_dir(&clusters).unwrap().count(), 1);
    api.delete_workgroup()
        .workgroup_name("gone-wg")
        .send()
        .await
        .unwrap();
    until_gone(|| api.get_workgroup().workgroup_name("gone-wg").send()).await;
    api.delete_namespace()
        .namespace_name("gone-ns")
        .send()
        .await
        .unwrap();
    poll_until(Duration::from_secs(15), || async {
        let _ = api.list_namespaces().send().await;
        (std::fs::read_dir(&clusters).unwrap().count() == 0).then_some(())
    })
    .await;
    // Made anew under the same name, the namespace starts clean.
    let port = namespace_and_workgroup(&api, "gone-ns", "gone-wg", 8195).await;
    let sql = connect(port).await.unwrap();
    let e = sql.batch_execute("select * from t").await.unwrap_err();
    assert_eq!(
        e.code(),
        Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_postgresql_the_control_plane_serves_and_sql_says_how_to_fix_it() {
    let state = engine_scratch_dir("sql-no-engine");
    let args = [
        "--postgres-bin",
        "/nonexistent",
        "--transition-delay-ms",
        "0",
    ];
    let server = Process::start(&args, &state.join("stderr")).unwrap();
    let api = server.client();
    let port = namespace_and_workgroup(&api, "no-engine", "no-engine-wg", 8197).await;
    let e = connect(port).await.unwrap_err();
    let db = e.as_db_error().expect("an ErrorResponse");
    assert_eq!(db.code().code(), "57P03");
    assert!(db.message().contains("--postgres-bin"), "{}", db.message());
    let health = common::get_text(&format!("{}/_emulator/health", server.url)).await;
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "running");
    assert_eq!(health["engine"]["state"], "unavailable", "{health}");
    let _ = connect(port).await;
    let said = server
        .stderr()
        .matches("SQL endpoints will refuse sessions")
        .count();
    assert_eq!(
        said,
        1,
        "the start-up log says so once: {}",
        server.stderr()
    );
}

/// The bytes of every file under `dir`.
fn disk_usage(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => disk_usage(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}

use common::emulator_post as emulator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_data_survives_a_restart_and_unchanged_recovery_points_cost_no_copy() {
    let state = engine_scratch_dir("sql-snapshots");
    let mut args = durable_args(&state);
    args.extend(["--recovery-point-interval-secs", "1800"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut server = Process::start(&args, &state.join("stderr-1")).unwrap();
    let api = server.client();
    let port = namespace_and_workgroup(&api, "snap-ns", "snap-wg", 8203).await;
    let sql = connect(port).await.unwrap();
    sql.batch_execute(
        "create table kept (id int); insert into kept select generate_series(1, 1000)",
    )
    .await
    .unwrap();
    drop(sql);
    api.create_snapshot()
        .namespace_name("snap-ns")
        .snapshot_name("first")
        .send()
        .await
        .unwrap();
    emulator(&server.url, "settle", "").await;
    let captures = state.join("engine").join("captures");
    let one = disk_usage(&captures);
    assert!(
        one > 1_000_000,
        "one capture holds the cluster: {one} bytes"
    );

    // A day of recovery points of a namespace nobody writes to.
    emulator(&server.url, "clock/advance", r#"{"seconds": 86400}"#).await;
    emulator(&server.url, "settle", "").await;
    let points = api
        .list_recovery_points()
        .namespace_name("snap-ns")
        .send()
        .await
        .unwrap()
        .recovery_points
        .unwrap();
    assert!(points.len() >= 47, "{} recovery points", points.len());
    let all = disk_usage(&captures);
    assert!(
        all <= 2 * one,
        "{} recovery points of an unchanged namespace cost {all} bytes; one snapshot {one}",
        points.len()
    );

    // Rows written after the snapshot, then kill -9: a restart must not capture "first" again.
    let sql = connect(port).await.unwrap();
    sql.batch_execute("insert into kept select generate_series(1001, 1500)")
        .await
        .unwrap();
    drop(sql);
    server.kill();
    let server = Process::start(&args, &state.join("stderr-2")).unwrap();
    let api = server.client();
    let port = available_port(&api, "snap-wg").await;
    let sql = connect(port).await.unwrap();
    sql.batch_execute("delete from kept where id > 10")
        .await
        .unwrap();
    drop(sql);
    api.restore_from_snapshot()
        .namespace_name("snap-ns")
        .workgroup_name("snap-wg")
        .snapshot_name("first")
        .send()
        .await
        .unwrap();
    emulator(&server.url, "settle", "").await;
    let sql = connect(port).await.unwrap();
    let n: i64 = sql
        .query_one("select count(*) from kept", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1000, "what the snapshot captured: {}", server.stderr());

    // A final snapshot is captured before the namespace's data goes; deleting it frees it.
    drop(sql);
    api.delete_workgroup()
        .workgroup_name("snap-wg")
        .send()
        .await
        .unwrap();
    emulator(&server.url, "settle", "").await;
    api.delete_namespace()
        .namespace_name("snap-ns")
        .final_snapshot_name("last")
        .send()
        .await
        .unwrap();
    emulator(&server.url, "settle", "").await;
    let last = api
        .get_snapshot()
        .snapshot_name("last")
        .send()
        .await
        .unwrap()
        .snapshot
        .unwrap();
    assert_eq!(last.status, Some(rs::types::SnapshotStatus::Available));
    assert!(
        last.total_backup_size_in_mega_bytes.unwrap() > 1.0,
        "{last:?}"
    );
    let before = disk_usage(&captures);
    for name in ["first", "last"] {
        api.delete_snapshot()
            .snapshot_name(name)
            .send()
            .await
            .unwrap();
    }
    emulator(&server.url, "clock/advance", r#"{"seconds": 90000}"#).await;
    poll_until(Duration::from_secs(20), || async {
        (disk_usage(&captures) < before / 4).then_some(())
    })
    .await;
}
