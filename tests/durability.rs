//! Durable state: every acknowledged change survives SIGKILL; a torn journal tail is dropped;
//! one process per directory; pending transitions carry on; export, reset and import.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn state_args(dir: &std::path::Path) -> Vec<String> {
    vec![
        "--state-dir".into(),
        dir.display().to_string(),
        "--transition-delay-ms".into(),
        "0".into(),
    ]
}

fn start(dir: &std::path::Path, log: &str) -> Process {
    let args = state_args(dir);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Process::start(&args, &dir.with_extension(log)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_mutation_survives_sigkill() {
    let dir = scratch_dir("crash");
    // name -> namespace id, for every CreateNamespace the server acknowledged.
    let acknowledged: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    for round in 0..4 {
        let mut server = start(&dir, &format!("round{round}.log"));
        let client = server.client();
        let writers: Vec<_> = (0..8)
            .map(|writer| {
                let (client, acknowledged) = (client.clone(), acknowledged.clone());
                tokio::spawn(async move {
                    for i in 0.. {
                        let name = format!("r{round}-w{writer}-n{i}");
                        match client.create_namespace().namespace_name(&name).send().await {
                            Ok(out) => {
                                let id =
                                    out.namespace().unwrap().namespace_id().unwrap().to_string();
                                acknowledged.lock().unwrap().insert(name, id);
                            }
                            Err(_) => return,
                        }
                    }
                })
            })
            .collect();
        let pause = 150 + rand::random::<u64>() % 350;
        tokio::time::sleep(Duration::from_millis(pause)).await;
        server.kill();
        for writer in writers {
            writer.await.unwrap();
        }

        let server = start(&dir, &format!("check{round}.log"));
        let client = server.client();
        let mut found = BTreeMap::new();
        let mut pages = client
            .list_namespaces()
            .max_results(100)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for ns in page.unwrap().namespaces() {
                found.insert(
                    ns.namespace_name().unwrap().to_string(),
                    ns.namespace_id().unwrap().to_string(),
                );
            }
        }
        let acknowledged = acknowledged.lock().unwrap().clone();
        eprintln!(
            "round {round}: {} acknowledged, {} found",
            acknowledged.len(),
            found.len()
        );
        assert!(
            acknowledged.len() > round * 10,
            "round {round}: too few writes to mean anything"
        );
        for (name, id) in &acknowledged {
            assert_eq!(
                found.get(name),
                Some(id),
                "round {round}: acknowledged {name} lost or changed"
            );
        }
        drop(server);
    }
}

#[tokio::test]
async fn a_torn_journal_tail_is_dropped_and_the_prefix_kept() {
    let dir = scratch_dir("torn");
    let mut server = start(&dir, "first.log");
    let client = server.client();
    for i in 0..5 {
        client
            .create_namespace()
            .namespace_name(format!("ns-{i}"))
            .send()
            .await
            .unwrap();
    }
    server.kill();
    let journal = dir.join("journal.log");
    let len = std::fs::metadata(&journal).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&journal)
        .unwrap()
        .set_len(len - 7)
        .unwrap();

    let server = start(&dir, "second.log");
    let client = server.client();
    let names: Vec<String> = client
        .list_namespaces()
        .send()
        .await
        .unwrap()
        .namespaces()
        .iter()
        .map(|n| n.namespace_name().unwrap().to_string())
        .collect();
    assert_eq!(names, ["ns-0", "ns-1", "ns-2", "ns-3"]);
    assert!(
        server.stderr().contains("torn or corrupt"),
        "{}",
        server.stderr()
    );
    // The server goes on writing after the cut.
    client
        .create_namespace()
        .namespace_name("ns-after")
        .send()
        .await
        .unwrap();
}

#[test]
fn a_second_process_on_the_same_directory_refuses_to_start() {
    let dir = scratch_dir("locked");
    let _first = start(&dir, "first.log");
    let args = state_args(&dir);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = Process::start(&args, &dir.with_extension("second.log"))
        .err()
        .expect("refused");
    assert!(err.contains("already using the state directory"), "{err}");
}

#[tokio::test]
async fn pending_transitions_and_the_clock_survive_a_clean_restart() {
    let dir = scratch_dir("pending");
    let args = [
        "--state-dir",
        dir.to_str().unwrap(),
        "--transition-delay-ms",
        "3600000",
    ];
    let mut server = Process::start(&args, &dir.with_extension("first.log")).unwrap();
    let client = server.client();
    client
        .create_namespace()
        .namespace_name("ns-p")
        .send()
        .await
        .unwrap();
    let created = client
        .create_workgroup()
        .namespace_name("ns-p")
        .workgroup_name("wg-p")
        .send()
        .await
        .unwrap();
    let id = created
        .workgroup()
        .unwrap()
        .workgroup_id()
        .unwrap()
        .to_string();
    assert!(server.stop().success());
    assert!(
        dir.join("snapshot.json").exists(),
        "a clean stop folds the journal into a snapshot"
    );

    let server = Process::start(&args, &dir.with_extension("second.log")).unwrap();
    let client = server.client();
    let wg = client
        .get_workgroup()
        .workgroup_name("wg-p")
        .send()
        .await
        .unwrap();
    let wg = wg.workgroup().unwrap();
    assert_eq!(wg.workgroup_id(), Some(id.as_str()));
    assert_eq!(
        wg.status(),
        Some(&aws_sdk_redshiftserverless::types::WorkgroupStatus::Creating)
    );
    let http = common::http();
    let advanced = http
        .post(format!("{}/_emulator/clock/advance", server.url))
        .body(r#"{"seconds": 3601}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(advanced.status(), 200);
    let wg = client
        .get_workgroup()
        .workgroup_name("wg-p")
        .send()
        .await
        .unwrap();
    assert_eq!(
        wg.workgroup().unwrap().status(),
        Some(&aws_sdk_redshiftserverless::types::WorkgroupStatus::Available)
    );
}

#[tokio::test]
async fn export_reset_import_round_trip() {
    let server = TestServer::start().await;
    let client = server.client();
    client
        .create_namespace()
        .namespace_name("ns-x")
        .send()
        .await
        .unwrap();
    client
        .create_workgroup()
        .namespace_name("ns-x")
        .workgroup_name("wg-x")
        .send()
        .await
        .unwrap();
    client
        .create_snapshot()
        .namespace_name("ns-x")
        .snapshot_name("snap-x")
        .retention_period(3)
        .send()
        .await
        .unwrap();
    let other = server.client_for("222222222222", "eu-west-1");
    other
        .create_namespace()
        .namespace_name("ns-y")
        .send()
        .await
        .unwrap();

    let http = common::http();
    let exported = http
        .get(format!("{}/_emulator/state", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let reset = http
        .post(format!("{}/_emulator/reset", server.url))
        .body(r#"{"account": "222222222222", "region": "eu-west-1"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    assert!(
        other
            .list_namespaces()
            .send()
            .await
            .unwrap()
            .namespaces()
            .is_empty(),
        "that scope is empty"
    );
    assert_eq!(
        client
            .list_namespaces()
            .send()
            .await
            .unwrap()
            .namespaces()
            .len(),
        1,
        "others are untouched"
    );
    let reset = http
        .post(format!("{}/_emulator/reset", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    assert!(client
        .get_workgroup()
        .workgroup_name("wg-x")
        .send()
        .await
        .is_err());

    let refused = http
        .post(format!("{}/_emulator/state", server.url))
        .body("{\"partitions\": 7}")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    assert!(
        client
            .list_namespaces()
            .send()
            .await
            .unwrap()
            .namespaces()
            .is_empty(),
        "a bad import changes nothing"
    );

    let imported = http
        .post(format!("{}/_emulator/state", server.url))
        .body(exported.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), 200);
    let again = http
        .get(format!("{}/_emulator/state", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (a, b): (serde_json::Value, serde_json::Value) = (
        serde_json::from_str(&exported).unwrap(),
        serde_json::from_str(&again).unwrap(),
    );
    assert_eq!(a, b);
    let snap = client
        .get_snapshot()
        .snapshot_name("snap-x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        snap.snapshot().unwrap().snapshot_retention_period(),
        Some(3)
    );
}

/// More entries than the compaction threshold, written while the writer folds the journal
/// into a snapshot: entries queued behind the snapshot must neither be lost nor applied twice.
#[test]
fn compaction_under_writes_loses_nothing() {
    use redshift_serverless_local::control::ops;
    use redshift_serverless_local::control::store::{Caller, Scope, Settings, Store};
    use redshift_serverless_local::model::Operation;
    use redshift_serverless_local::persist::Persistence;

    let dir = scratch_dir("compact");
    let scope = Scope::new(ACCOUNT, REGION);
    let caller = Caller::default();
    let store = Arc::new(Store::new(Settings::default()));
    let persistence = Persistence::open(&dir, &store).unwrap();
    let total = 60_000;
    for i in 0..total {
        let body = serde_json::json!({ "namespaceName": format!("ns-{i:05}") });
        ops::execute(
            &store,
            &scope,
            &caller,
            Operation::CreateNamespace,
            ops::Body::Json(body),
        )
        .unwrap();
    }
    let before = serde_json::to_value(store.export()).unwrap();
    persistence.close();
    assert!(dir.join("snapshot.json").exists());

    let reopened = Arc::new(Store::new(Settings::default()));
    let again = Persistence::open(&dir, &reopened).unwrap();
    let after = serde_json::to_value(reopened.export()).unwrap();
    let count = |state: &serde_json::Value| {
        state["partitions"][0]["state"]["namespaces"]
            .as_object()
            .map_or(0, |m| m.len())
    };
    assert_eq!(count(&after), total);
    assert_eq!(before["partitions"], after["partitions"]);
    again.close();
}
