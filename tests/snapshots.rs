//! Snapshots, recovery points, restores, table restores, copy configurations and resource
//! policies, through the SDK, with time driven by the emulator's clock.

mod common;

use aws_sdk_redshiftserverless::types::{SnapshotStatus, Tag};
use aws_sdk_redshiftserverless::Client;
use chrono::Duration;
use common::*;

async fn ready_namespace(server: &TestServer, client: &Client, ns: &str, wg: &str) {
    client
        .create_namespace()
        .namespace_name(ns)
        .admin_username("original")
        .admin_user_password("Secret123")
        .db_name("sales")
        .send()
        .await
        .unwrap();
    client
        .create_workgroup()
        .namespace_name(ns)
        .workgroup_name(wg)
        .send()
        .await
        .unwrap();
    server.store.settle_all();
}

#[tokio::test]
async fn snapshot_lifecycle_and_errors() {
    let server = TestServer::with_delay(Duration::hours(1)).await;
    let client = server.client();
    ready_namespace(&server, &client, "ns-snap", "wg-snap").await;

    let created = client
        .create_snapshot()
        .namespace_name("ns-snap")
        .snapshot_name("first")
        .retention_period(7)
        .tags(Tag::builder().key("k").value("v").build().unwrap())
        .send()
        .await
        .unwrap();
    let snap = created.snapshot().unwrap();
    assert_eq!(snap.status(), Some(&SnapshotStatus::Creating));
    assert_eq!(snap.namespace_name(), Some("ns-snap"));
    assert_eq!(snap.admin_username(), Some("original"));
    assert_eq!(snap.owner_account(), Some(ACCOUNT));
    assert_eq!(snap.snapshot_retention_period(), Some(7));
    assert_eq!(snap.snapshot_remaining_days(), Some(7));
    assert!(
        snap.snapshot_create_time().is_some() && snap.snapshot_retention_start_time().is_some()
    );
    let arn = snap.snapshot_arn().unwrap().to_string();
    assert!(arn.starts_with(&format!(
        "arn:aws:redshift-serverless:{REGION}:{ACCOUNT}:snapshot/"
    )));

    let err = client
        .delete_snapshot()
        .snapshot_name("first")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_parts(&err).0,
        "ConflictException",
        "a CREATING snapshot cannot be deleted"
    );
    server.store.settle_all();

    let by_arn = client
        .get_snapshot()
        .snapshot_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_arn.snapshot().unwrap().status(),
        Some(&SnapshotStatus::Available)
    );
    assert_eq!(by_arn.snapshot().unwrap().snapshot_name(), Some("first"));
    let tags = client
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().len(), 1);

    let err = client.get_snapshot().send().await.unwrap_err();
    assert_eq!(error_parts(&err).0, "ValidationException");
    let err = client
        .get_snapshot()
        .snapshot_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_parts(&err),
        (
            "ResourceNotFoundException".into(),
            "Snapshot 'nope' does not exist.".into()
        )
    );
    let err = client
        .create_snapshot()
        .namespace_name("ns-snap")
        .snapshot_name("first")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ConflictException");
    let err = client
        .create_snapshot()
        .namespace_name("missing")
        .snapshot_name("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
    let err = client
        .create_snapshot()
        .namespace_name("ns-snap")
        .snapshot_name("y")
        .retention_period(0)
        .send()
        .await
        .unwrap_err();
    assert!(error_parts(&err).1.contains("retentionPeriod 0"));

    client
        .create_snapshot()
        .namespace_name("ns-snap")
        .snapshot_name("second")
        .send()
        .await
        .unwrap();
    let listed = client
        .list_snapshots()
        .namespace_name("ns-snap")
        .send()
        .await
        .unwrap();
    let names: Vec<_> = listed
        .snapshots()
        .iter()
        .map(|s| s.snapshot_name().unwrap())
        .collect();
    assert_eq!(names, ["first", "second"]);
    let none = client
        .list_snapshots()
        .namespace_name("other")
        .send()
        .await
        .unwrap();
    assert!(none.snapshots().is_empty());
    let future = aws_smithy_types_datetime(chrono::Utc::now() + Duration::days(1));
    let none = client
        .list_snapshots()
        .start_time(future)
        .send()
        .await
        .unwrap();
    assert!(none.snapshots().is_empty());

    let updated = client
        .update_snapshot()
        .snapshot_name("first")
        .retention_period(30)
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.snapshot().unwrap().snapshot_retention_period(),
        Some(30)
    );
    let deleted = client
        .delete_snapshot()
        .snapshot_name("first")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.snapshot().unwrap().status(),
        Some(&SnapshotStatus::Deleted)
    );
    let err = client
        .get_snapshot()
        .snapshot_name("first")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
    let err = client
        .list_tags_for_resource()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
}

fn aws_smithy_types_datetime(
    t: chrono::DateTime<chrono::Utc>,
) -> aws_sdk_redshiftserverless::primitives::DateTime {
    aws_sdk_redshiftserverless::primitives::DateTime::from_secs(t.timestamp())
}

#[tokio::test]
async fn snapshots_expire_when_retention_runs_out() {
    let server = TestServer::start().await;
    let client = server.client();
    ready_namespace(&server, &client, "ns-exp", "wg-exp").await;
    client
        .create_snapshot()
        .namespace_name("ns-exp")
        .snapshot_name("one-day")
        .retention_period(1)
        .send()
        .await
        .unwrap();
    client
        .create_snapshot()
        .namespace_name("ns-exp")
        .snapshot_name("forever")
        .send()
        .await
        .unwrap();
    client
        .create_snapshot()
        .namespace_name("ns-exp")
        .snapshot_name("extended")
        .retention_period(1)
        .send()
        .await
        .unwrap();
    client
        .update_snapshot()
        .snapshot_name("extended")
        .retention_period(3)
        .send()
        .await
        .unwrap();

    server.store.advance(Duration::hours(23));
    let snap = client
        .get_snapshot()
        .snapshot_name("one-day")
        .send()
        .await
        .unwrap();
    assert_eq!(snap.snapshot().unwrap().snapshot_remaining_days(), Some(1));
    server.store.advance(Duration::hours(2));
    let err = client
        .get_snapshot()
        .snapshot_name("one-day")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
    let forever = client
        .get_snapshot()
        .snapshot_name("forever")
        .send()
        .await
        .unwrap();
    assert_eq!(
        forever.snapshot().unwrap().snapshot_remaining_days(),
        Some(-1)
    );
    let extended = client
        .get_snapshot()
        .snapshot_name("extended")
        .send()
        .await
        .unwrap();
    assert_eq!(
        extended.snapshot().unwrap().snapshot_remaining_days(),
        Some(2)
    );
    server.store.advance(Duration::days(3));
    assert!(client
        .get_snapshot()
        .snapshot_name("extended")
        .send()
        .await
        .is_err());
    assert!(client
        .get_snapshot()
        .snapshot_name("forever")
        .send()
        .await
        .is_ok());
}

#[tokio::test]
async fn delete_namespace_leaves_a_final_snapshot() {
    let server = TestServer::start().await;
    let client = server.client();
    client
        .create_namespace()
        .namespace_name("ns-final")
        .admin_username("boss")
        .admin_user_password("Secret123")
        .send()
        .await
        .unwrap();
    client
        .delete_namespace()
        .namespace_name("ns-final")
        .final_snapshot_name("last-words")
        .final_snapshot_retention_period(10)
        .send()
        .await
        .unwrap();
    server.store.settle_all();
    assert!(client
        .get_namespace()
        .namespace_name("ns-final")
        .send()
        .await
        .is_err());
    let snap = client
        .get_snapshot()
        .snapshot_name("last-words")
        .send()
        .await
        .unwrap();
    let snap = snap.snapshot().unwrap();
    assert_eq!(snap.namespace_name(), Some("ns-final"));
    assert_eq!(snap.admin_username(), Some("boss"));
    assert_eq!(snap.snapshot_retention_period(), Some(10));
    assert_eq!(snap.status(), Some(&SnapshotStatus::Available));
}

#[tokio::test]
async fn recovery_points_appear_with_the_clock_and_expire() {
    let server = TestServer::start().await;
    let client = server.client();
    ready_namespace(&server, &client, "ns-rp", "wg-rp").await;
    let none = client.list_recovery_points().send().await.unwrap();
    assert!(none.recovery_points().is_empty());

    server.store.advance(Duration::minutes(95));
    let listed = client
        .list_recovery_points()
        .namespace_name("ns-rp")
        .send()
        .await
        .unwrap();
    let points = listed.recovery_points();
    assert_eq!(points.len(), 3, "one every 30 minutes");
    let times: Vec<_> = points
        .iter()
        .map(|p| p.recovery_point_create_time().unwrap().secs())
        .collect();
    assert_eq!(times[1] - times[0], 1800);
    assert_eq!(times[2] - times[1], 1800);
    assert_eq!(points[0].workgroup_name(), Some("wg-rp"));
    let id = points[0].recovery_point_id().unwrap().to_string();
    let got = client
        .get_recovery_point()
        .recovery_point_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.recovery_point().unwrap().namespace_name(),
        Some("ns-rp")
    );
    let page = client
        .list_recovery_points()
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.recovery_points().len(), 2);
    assert!(page.next_token().is_some());

    let converted = client
        .convert_recovery_point_to_snapshot()
        .recovery_point_id(&id)
        .snapshot_name("from-rp")
        .send()
        .await
        .unwrap();
    assert_eq!(
        converted.snapshot().unwrap().namespace_name(),
        Some("ns-rp")
    );

    // Kept 24 hours: after a day the first three are gone, newer ones took their place.
    server.store.advance(Duration::hours(24));
    let err = client
        .get_recovery_point()
        .recovery_point_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
    let listed = client
        .list_recovery_points()
        .namespace_name("ns-rp")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.recovery_points().len(), 48);
}

#[tokio::test]
async fn restore_from_snapshot_and_recovery_point_round_trip() {
    let server = TestServer::with_delay(Duration::hours(1)).await;
    let client = server.client();
    ready_namespace(&server, &client, "ns-rest", "wg-rest").await;
    client
        .create_snapshot()
        .namespace_name("ns-rest")
        .snapshot_name("before")
        .send()
        .await
        .unwrap();
    server.store.settle_all();
    client
        .update_namespace()
        .namespace_name("ns-rest")
        .admin_username("changed")
        .admin_user_password("Other1234")
        .send()
        .await
        .unwrap();
    server.store.settle_all();

    // maintainIntegration is accepted either way; the emulator keeps no integrations.
    let restored = client
        .restore_from_snapshot()
        .namespace_name("ns-rest")
        .workgroup_name("wg-rest")
        .snapshot_name("before")
        .maintain_integration(false)
        .send()
        .await
        .unwrap();
    assert_eq!(restored.snapshot_name(), Some("before"));
    assert_eq!(restored.owner_account(), Some(ACCOUNT));
    let ns = restored.namespace().unwrap();
    assert_eq!(
        ns.status(),
        Some(&aws_sdk_redshiftserverless::types::NamespaceStatus::Modifying)
    );
    assert_eq!(ns.admin_username(), Some("original"));
    server.store.settle_all();
    let ns = client
        .get_namespace()
        .namespace_name("ns-rest")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ns.namespace().unwrap().status(),
        Some(&aws_sdk_redshiftserverless::types::NamespaceStatus::Available)
    );
    assert_eq!(ns.namespace().unwrap().db_name(), Some("sales"));

    let err = client
        .restore_from_snapshot()
        .namespace_name("ns-rest")
        .workgroup_name("wg-rest")
        .snapshot_name("before")
        .snapshot_arn("arn:aws:redshift:us-east-1:123456789012:snapshot:c/s")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ValidationException");
    let err = client
        .restore_from_snapshot()
        .namespace_name("ns-rest")
        .workgroup_name("wg-rest")
        .snapshot_name("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");

    server.store.advance(Duration::minutes(31));
    let points = client
        .list_recovery_points()
        .namespace_name("ns-rest")
        .send()
        .await
        .unwrap();
    let id = points.recovery_points()[0]
        .recovery_point_id()
        .unwrap()
        .to_string();
    let restored = client
        .restore_from_recovery_point()
        .namespace_name("ns-rest")
        .workgroup_name("wg-rest")
        .recovery_point_id(&id)
        .maintain_integration(true)
        .send()
        .await
        .unwrap();
    assert_eq!(restored.recovery_point_id(), Some(id.as_str()));
    // Still MODIFYING from that restore: another conflicts.
    let err = client
        .restore_from_recovery_point()
        .namespace_name("ns-rest")
        .workgroup_name("wg-rest")
        .recovery_point_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ConflictException");
}

#[tokio::test]
async fn table_restores_progress_on_the_clock() {
    let server = TestServer::with_delay(Duration::minutes(5)).await;
    let client = server.client();
    ready_namespace(&server, &client, "ns-tbl", "wg-tbl").await;
    client
        .create_snapshot()
        .namespace_name("ns-tbl")
        .snapshot_name("snap")
        .send()
        .await
        .unwrap();
    server.store.settle_all();

    let started = client
        .restore_table_from_snapshot()
        .namespace_name("ns-tbl")
        .workgroup_name("wg-tbl")
        .snapshot_name("snap")
        .source_database_name("dev")
        .source_table_name("orders")
        .new_table_name("orders_restored")
        .send()
        .await
        .unwrap();
    let status = started.table_restore_status().unwrap();
    assert_eq!(status.status(), Some("PENDING"));
    assert!(
        status.request_time().is_some(),
        "epoch-seconds requestTime parsed"
    );
    let id = status.table_restore_request_id().unwrap().to_string();

    let get = |client: Client, id: String| async move {
        client
            .get_table_restore_status()
            .table_restore_request_id(id)
            .send()
            .await
            .unwrap()
            .table_restore_status()
            .unwrap()
            .status()
            .unwrap()
            .to_string()
    };
    server.store.advance(Duration::minutes(5));
    assert_eq!(get(client.clone(), id.clone()).await, "IN_PROGRESS");
    server.store.advance(Duration::minutes(5));
    assert_eq!(get(client.clone(), id.clone()).await, "SUCCEEDED");

    let listed = client
        .list_table_restore_status()
        .namespace_name("ns-tbl")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.table_restore_statuses().len(), 1);
    let err = client
        .get_table_restore_status()
        .table_restore_request_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
    let err = client
        .list_table_restore_status()
        .next_token("forged-token")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "InvalidPaginationException");

    // A snapshot of another namespace cannot feed a table restore here.
    ready_namespace(&server, &client, "ns-other", "wg-other").await;
    let err = client
        .restore_table_from_snapshot()
        .namespace_name("ns-other")
        .workgroup_name("wg-other")
        .snapshot_name("snap")
        .source_database_name("dev")
        .source_table_name("orders")
        .new_table_name("x")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ValidationException");
}

#[tokio::test]
async fn snapshot_copy_configurations() {
    let server = TestServer::start().await;
    let client = server.client();
    client
        .create_namespace()
        .namespace_name("ns-copy")
        .send()
        .await
        .unwrap();
    let created = client
        .create_snapshot_copy_configuration()
        .namespace_name("ns-copy")
        .destination_region("eu-west-1")
        .snapshot_retention_period(14)
        .send()
        .await
        .unwrap();
    let config = created.snapshot_copy_configuration().unwrap();
    assert_eq!(config.destination_region(), Some("eu-west-1"));
    assert_eq!(config.snapshot_retention_period(), Some(14));
    let id = config.snapshot_copy_configuration_id().unwrap().to_string();
    assert!(config
        .snapshot_copy_configuration_arn()
        .unwrap()
        .ends_with(&format!("snapshotcopyconfiguration/{id}")));

    for (region, code) in [
        ("eu-west-1", "ConflictException"),
        (REGION, "ValidationException"),
        ("moon-1", "ValidationException"),
    ] {
        let err = client
            .create_snapshot_copy_configuration()
            .namespace_name("ns-copy")
            .destination_region(region)
            .send()
            .await
            .unwrap_err();
        assert_eq!(error_parts(&err).0, code, "{region}");
    }
    let err = client
        .create_snapshot_copy_configuration()
        .namespace_name("ghost")
        .destination_region("eu-west-2")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");

    let updated = client
        .update_snapshot_copy_configuration()
        .snapshot_copy_configuration_id(&id)
        .snapshot_retention_period(3)
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated
            .snapshot_copy_configuration()
            .unwrap()
            .snapshot_retention_period(),
        Some(3)
    );
    let listed = client
        .list_snapshot_copy_configurations()
        .namespace_name("ns-copy")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.snapshot_copy_configurations().len(), 1);
    client
        .delete_snapshot_copy_configuration()
        .snapshot_copy_configuration_id(&id)
        .send()
        .await
        .unwrap();
    let err = client
        .delete_snapshot_copy_configuration()
        .snapshot_copy_configuration_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
}

#[tokio::test]
async fn resource_policies_grant_restore_access() {
    let server = TestServer::start().await;
    let client = server.client();
    client
        .create_namespace()
        .namespace_name("ns-pol")
        .send()
        .await
        .unwrap();
    let snap = client
        .create_snapshot()
        .namespace_name("ns-pol")
        .snapshot_name("shared")
        .send()
        .await
        .unwrap();
    let arn = snap.snapshot().unwrap().snapshot_arn().unwrap().to_string();

    let err = client
        .put_resource_policy()
        .resource_arn(&arn)
        .policy("{not json")
        .send()
        .await
        .unwrap_err();
    let (code, message) = error_parts(&err);
    assert_eq!(code, "ValidationException");
    assert!(message.contains("not valid JSON"), "{message}");
    let err = client
        .get_resource_policy()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");

    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "AllowRestore", "Principal": {"AWS": ["739247239426"]}, "Action": ["redshift-serverless:RestoreFromSnapshot"], "Effect": "Allow"}]}"#;
    let put = client
        .put_resource_policy()
        .resource_arn(&arn)
        .policy(policy)
        .send()
        .await
        .unwrap();
    assert_eq!(put.resource_policy().unwrap().policy(), Some(policy));
    let snap = client
        .get_snapshot()
        .snapshot_name("shared")
        .send()
        .await
        .unwrap();
    assert_eq!(
        snap.snapshot().unwrap().accounts_with_restore_access(),
        ["739247239426"]
    );
    let got = client
        .get_resource_policy()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.resource_policy().unwrap().resource_arn(),
        Some(arn.as_str())
    );

    client
        .delete_resource_policy()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap();
    let snap = client
        .get_snapshot()
        .snapshot_name("shared")
        .send()
        .await
        .unwrap();
    assert!(snap
        .snapshot()
        .unwrap()
        .accounts_with_restore_access()
        .is_empty());
    let err = client
        .delete_resource_policy()
        .resource_arn(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
    let err = client
        .put_resource_policy()
        .resource_arn(format!("{arn}x"))
        .policy(policy)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
}
