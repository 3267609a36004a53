//! Snapshots, recovery points and restores carry the data: through the SDK and a real
//! PostgreSQL client, on the real engine.

mod common;

use aws_sdk_redshiftserverless as rs;
use common::{sql_connect, TestServer, SQL_ADMIN, SQL_PASSWORD};
use std::time::Duration;

use common::emulator_post as post;

/// Every transition done, and the captures and restores they wait on.
async fn settle(url: &str) {
    post(url, "settle", "").await;
}

async fn rows(port: u16, sql: &str) -> Vec<String> {
    let db = sql_connect(port, SQL_ADMIN, SQL_PASSWORD, "dev")
        .await
        .unwrap();
    db.query(sql, &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<_, String>(0))
        .collect()
}

async fn snapshot(api: &rs::Client, namespace: &str, name: &str) -> rs::types::Snapshot {
    api.create_snapshot()
        .namespace_name(namespace)
        .snapshot_name(name)
        .send()
        .await
        .unwrap();
    get_snapshot(api, name).await
}

async fn get_snapshot(api: &rs::Client, name: &str) -> rs::types::Snapshot {
    api.get_snapshot()
        .snapshot_name(name)
        .send()
        .await
        .unwrap()
        .snapshot
        .unwrap()
}

async fn namespace_status(api: &rs::Client, name: &str) -> rs::types::NamespaceStatus {
    api.get_namespace()
        .namespace_name(name)
        .send()
        .await
        .unwrap()
        .namespace
        .unwrap()
        .status
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_puts_back_the_rows_a_snapshot_captured() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let port = common::serving_workgroup(&api, "ns1", "wg1").await;
    let db = sql_connect(port, SQL_ADMIN, SQL_PASSWORD, "dev")
        .await
        .unwrap();
    db.batch_execute(
        "create table kept (v text); insert into kept values ('one'), ('two'); \
         create table doomed (v text); insert into doomed values ('x')",
    )
    .await
    .unwrap();
    db.batch_execute("create database other").await.unwrap();
    let creating = snapshot(&api, "ns1", "before").await;
    assert_eq!(creating.status, Some(rs::types::SnapshotStatus::Creating));
    settle(&server.url).await;
    let taken = get_snapshot(&api, "before").await;
    assert_eq!(taken.status, Some(rs::types::SnapshotStatus::Available));
    assert!(
        taken.total_backup_size_in_mega_bytes.unwrap() > 1.0,
        "the size of what was captured: {taken:?}"
    );
    assert_eq!(taken.estimated_seconds_to_completion, Some(0));

    db.batch_execute("delete from kept where v = 'one'; drop table doomed")
        .await
        .unwrap();
    db.batch_execute("drop database other").await.unwrap();
    api.restore_from_snapshot()
        .namespace_name("ns1")
        .workgroup_name("wg1")
        .snapshot_name("before")
        .send()
        .await
        .unwrap();
    assert_eq!(
        namespace_status(&api, "ns1").await,
        rs::types::NamespaceStatus::Modifying
    );
    settle(&server.url).await;
    assert_eq!(
        namespace_status(&api, "ns1").await,
        rs::types::NamespaceStatus::Available
    );
    // The session from before the restore was ended with it.
    assert!(db.simple_query("select 1").await.is_err());
    assert_eq!(
        rows(port, "select v from kept order by v").await,
        ["one", "two"]
    );
    assert_eq!(rows(port, "select v from doomed").await, ["x"]);
    assert_eq!(
        rows(
            port,
            "select datname::text from pg_database where datname = 'other'"
        )
        .await,
        ["other"]
    );
    server.shutdown().await;
}

/// The status, once settled, of a table restore of `src`'s `sales.orders` from snapshot
/// `orders` into `orders_back`.
async fn restore_orders(api: &rs::Client, url: &str) -> rs::types::TableRestoreStatus {
    let started = api
        .restore_table_from_snapshot()
        .namespace_name("src")
        .workgroup_name("src-wg")
        .snapshot_name("orders")
        .source_database_name("dev")
        .source_schema_name("sales")
        .source_table_name("orders")
        .new_table_name("orders_back")
        .send()
        .await
        .unwrap()
        .table_restore_status
        .unwrap();
    settle(url).await;
    api.get_table_restore_status()
        .table_restore_request_id(started.table_restore_request_id.unwrap())
        .send()
        .await
        .unwrap()
        .table_restore_status
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_restores_into_another_namespace_and_tables_restore_by_name() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let port = common::serving_workgroup(&api, "src", "src-wg").await;
    let db = sql_connect(port, SQL_ADMIN, SQL_PASSWORD, "dev")
        .await
        .unwrap();
    db.batch_execute(
        "create schema sales; create table sales.orders (id int primary key, amount numeric(10,2) not null default 0); \
         insert into sales.orders values (1, 9.50), (2, 20)",
    )
    .await
    .unwrap();
    snapshot(&api, "src", "orders").await;
    settle(&server.url).await;

    // A table restore into a new name, beside the table as it is now.
    db.batch_execute("delete from sales.orders").await.unwrap();
    let done = restore_orders(&api, &server.url).await;
    assert_eq!(done.status.as_deref(), Some("SUCCEEDED"), "{done:?}");
    assert_eq!(
        rows(
            port,
            "select id || ':' || amount from sales.orders_back order by id"
        )
        .await,
        ["1:9.50", "2:20.00"]
    );
    assert_eq!(
        rows(port, "select column_default::text from information_schema.columns where table_name = 'orders_back' and column_name = 'amount'").await,
        ["0"]
    );
    assert!(rows(port, "select id::text from sales.orders")
        .await
        .is_empty());

    // Again into the same name: the target exists, so it fails and says why.
    let failed = restore_orders(&api, &server.url).await;
    assert_eq!(failed.status.as_deref(), Some("FAILED"));
    assert!(
        failed
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("already exists"),
        "{failed:?}"
    );

    // The whole namespace, into another one.
    let other = common::serving_workgroup(&api, "dst", "dst-wg").await;
    api.restore_from_snapshot()
        .namespace_name("dst")
        .workgroup_name("dst-wg")
        .snapshot_name("orders")
        .send()
        .await
        .unwrap();
    settle(&server.url).await;
    assert_eq!(
        rows(other, "select id::text from sales.orders order by id").await,
        ["1", "2"]
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_taken_while_another_session_writes_is_consistent() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let port = common::serving_workgroup(&api, "busy", "busy-wg").await;
    let db = sql_connect(port, SQL_ADMIN, SQL_PASSWORD, "dev")
        .await
        .unwrap();
    // Each transaction adds a row to both tables: any consistent cut has equal counts.
    db.batch_execute("create table a (n int); create table b (n int)")
        .await
        .unwrap();
    let writer = tokio::spawn(async move {
        let db = sql_connect(port, SQL_ADMIN, SQL_PASSWORD, "dev")
            .await
            .unwrap();
        for n in 0.. {
            let sql =
                format!("begin; insert into a values ({n}); insert into b values ({n}); commit");
            if db.batch_execute(&sql).await.is_err() {
                return n;
            }
        }
        unreachable!()
    });
    common::poll_until(Duration::from_secs(20), || async {
        let count = rows(port, "select count(*)::text from a").await;
        (count[0].parse::<i64>().unwrap() > 50).then_some(())
    })
    .await;
    snapshot(&api, "busy", "moving").await;
    settle(&server.url).await;
    api.restore_from_snapshot()
        .namespace_name("busy")
        .workgroup_name("busy-wg")
        .snapshot_name("moving")
        .send()
        .await
        .unwrap();
    settle(&server.url).await;
    let written = writer.await.unwrap();
    let counts = rows(
        port,
        "select (select count(*) from a)::text union all select (select count(*) from b)::text",
    )
    .await;
    assert_eq!(
        counts[0], counts[1],
        "a cut between two inserts of one transaction"
    );
    let captured: i64 = counts[0].parse().unwrap();
    assert!(
        captured > 50 && captured <= written as i64,
        "{captured} of {written}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_points_capture_data_and_restore_it() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let port = common::serving_workgroup(&api, "rpns", "rp-wg").await;
    let db = sql_connect(port, SQL_ADMIN, SQL_PASSWORD, "dev")
        .await
        .unwrap();
    db.batch_execute("create table t (v text); insert into t values ('at the point')")
        .await
        .unwrap();
    // One interval on: every namespace gets a recovery point.
    post(&server.url, "clock/advance", r#"{"seconds": 1800}"#).await;
    settle(&server.url).await;
    let points = api
        .list_recovery_points()
        .namespace_name("rpns")
        .send()
        .await
        .unwrap()
        .recovery_points
        .unwrap();
    let point = points.last().unwrap();
    assert!(point.total_size_in_mega_bytes.unwrap() > 1.0, "{point:?}");
    db.batch_execute("update t set v = 'later'").await.unwrap();
    api.restore_from_recovery_point()
        .namespace_name("rpns")
        .workgroup_name("rp-wg")
        .recovery_point_id(point.recovery_point_id.clone().unwrap())
        .send()
        .await
        .unwrap();
    settle(&server.url).await;
    assert_eq!(rows(port, "select v from t").await, ["at the point"]);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copied_snapshot_restores_in_the_destination_region() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let port = common::serving_workgroup(&api, "home", "home-wg").await;
    let db = sql_connect(port, SQL_ADMIN, SQL_PASSWORD, "dev")
        .await
        .unwrap();
    db.batch_execute("create table t (v text); insert into t values ('travelled')")
        .await
        .unwrap();
    api.create_snapshot_copy_configuration()
        .namespace_name("home")
        .destination_region("us-west-2")
        .snapshot_retention_period(7)
        .send()
        .await
        .unwrap();
    snapshot(&api, "home", "abroad").await;
    settle(&server.url).await;
    let west = server.client_for(common::ACCOUNT, "us-west-2");
    let copy = get_snapshot(&west, "abroad").await;
    assert_eq!(copy.status, Some(rs::types::SnapshotStatus::Available));
    assert_eq!(copy.snapshot_retention_period, Some(7));
    assert!(copy.snapshot_arn.unwrap().contains(":us-west-2:"));
    let there = common::serving_workgroup(&west, "away", "away-wg").await;
    west.restore_from_snapshot()
        .namespace_name("away")
        .workgroup_name("away-wg")
        .snapshot_name("abroad")
        .send()
        .await
        .unwrap();
    settle(&server.url).await;
    assert_eq!(rows(there, "select v from t").await, ["travelled"]);
    // The copy expires by the configuration's retention.
    post(&server.url, "clock/advance", r#"{"seconds": 691200}"#).await;
    assert!(west
        .get_snapshot()
        .snapshot_name("abroad")
        .send()
        .await
        .is_err());
    assert!(api
        .get_snapshot()
        .snapshot_name("abroad")
        .send()
        .await
        .is_ok());
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_snapshot_holds_data_and_names_fold_unless_case_sensitive() {
    let server = TestServer::with_sql().await;
    let api = server.client();
    let port = common::serving_workgroup(&api, "sched", "sched-wg").await;
    let db = sql_connect(port, SQL_ADMIN, SQL_PASSWORD, "dev")
        .await
        .unwrap();
    db.batch_execute(
        "set enable_case_sensitive_identifier to true; \
         create table \"Mixed\" (v text); insert into \"Mixed\" values ('kept')",
    )
    .await
    .unwrap();
    let at = chrono::Utc::now() + chrono::Duration::minutes(10);
    api.create_scheduled_action()
        .scheduled_action_name("nightly")
        .namespace_name("sched")
        .role_arn("arn:aws:iam::123456789012:role/scheduler")
        .schedule(rs::types::Schedule::At(
            aws_sdk_redshiftserverless::primitives::DateTime::from_secs(at.timestamp()),
        ))
        .target_action(rs::types::TargetAction::CreateSnapshot(
            rs::types::CreateSnapshotScheduleActionParameters::builder()
                .namespace_name("sched")
                .snapshot_name_prefix("nightly")
                .build()
                .unwrap(),
        ))
        .send()
        .await
        .unwrap();
    post(&server.url, "clock/advance", r#"{"seconds": 900}"#).await;
    settle(&server.url).await;
    let snapshots = api
        .list_snapshots()
        .namespace_name("sched")
        .send()
        .await
        .unwrap()
        .snapshots
        .unwrap();
    let scheduled = snapshots
        .iter()
        .find(|s| {
            s.snapshot_name()
                .unwrap_or_default()
                .starts_with("nightly-")
        })
        .expect("the scheduled snapshot");
    assert_eq!(scheduled.status, Some(rs::types::SnapshotStatus::Available));
    assert!(scheduled.total_backup_size_in_mega_bytes.unwrap() > 1.0);
    let name = scheduled.snapshot_name.clone().unwrap();
    let restore = |table: &str, new: &str, sensitive: bool| {
        api.restore_table_from_snapshot()
            .namespace_name("sched")
            .workgroup_name("sched-wg")
            .snapshot_name(&name)
            .source_database_name("dev")
            .source_table_name(table)
            .new_table_name(new)
            .activate_case_sensitive_identifier(sensitive)
            .send()
    };
    // Folded to "mixed", which does not exist; as given, it does.
    let folded = restore("Mixed", "Copy", false).await.unwrap();
    let exact = restore("Mixed", "Copy", true).await.unwrap();
    settle(&server.url).await;
    let status = |id: Option<String>| {
        let api = api.clone();
        async move {
            api.get_table_restore_status()
                .table_restore_request_id(id.unwrap())
                .send()
                .await
                .unwrap()
                .table_restore_status
                .unwrap()
        }
    };
    let folded = status(
        folded
            .table_restore_status
            .unwrap()
            .table_restore_request_id,
    )
    .await;
    assert_eq!(folded.status.as_deref(), Some("FAILED"));
    assert!(folded.message.unwrap().contains("does not exist"));
    let exact = status(exact.table_restore_status.unwrap().table_restore_request_id).await;
    assert_eq!(exact.status.as_deref(), Some("SUCCEEDED"), "{exact:?}");
    assert_eq!(rows(port, "select v from \"Copy\"").await, ["kept"]);
    server.shutdown().await;
}
