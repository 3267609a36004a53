//! Namespaces and workgroups through the SDK: lifecycle, rules between resources, tags,
//! pagination and races.

mod common;

use aws_sdk_redshiftserverless::types::{NamespaceStatus, Tag, WorkgroupStatus};
use common::*;
use std::collections::HashSet;
use std::time::Duration;

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

async fn namespace_and_workgroup(client: &aws_sdk_redshiftserverless::Client, ns: &str, wg: &str) {
    client
        .create_namespace()
        .namespace_name(ns)
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
}

#[tokio::test]
async fn whole_lifecycle_with_the_sdk_polling() {
    let server = TestServer::with_delay(chrono::Duration::milliseconds(150)).await;
    let client = server.client();
    let ns = client
        .create_namespace()
        .namespace_name("analytics")
        .admin_username("admin")
        .admin_user_password("Secret123")
        .send()
        .await
        .unwrap();
    let ns = ns.namespace().unwrap();
    assert_eq!(ns.status(), Some(&NamespaceStatus::Available));
    assert_eq!(ns.db_name(), Some("dev"));
    assert_eq!(ns.admin_username(), Some("admin"));

    let created = client
        .create_workgroup()
        .namespace_name("analytics")
        .workgroup_name("etl")
        .base_capacity(32)
        .send()
        .await
        .unwrap();
    let wg = created.workgroup().unwrap();
    assert_eq!(wg.status(), Some(&WorkgroupStatus::Creating));
    assert_eq!(wg.base_capacity(), Some(32));
    assert_eq!(wg.port(), Some(5439));
    assert_eq!(wg.track_name(), Some("current"));
    let endpoint = wg.endpoint().unwrap();
    assert_eq!(endpoint.address(), Some("localhost"));
    assert_eq!(endpoint.port(), Some(5439));
    assert!(!endpoint.vpc_endpoints().is_empty());
    assert!(wg
        .workgroup_arn()
        .unwrap()
        .ends_with(&format!("workgroup/{}", wg.workgroup_id().unwrap())));

    let status = |client: aws_sdk_redshiftserverless::Client| async move {
        client
            .get_workgroup()
            .workgroup_name("etl")
            .send()
            .await
            .map(|r| r.workgroup().unwrap().status().cloned().unwrap())
    };
    poll_until(Duration::from_secs(10), || {
        let c = client.clone();
        async move { (status(c).await.unwrap() == WorkgroupStatus::Available).then_some(()) }
    })
    .await;

    let updated = client
        .update_workgroup()
        .workgroup_name("etl")
        .port(5440)
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.workgroup().unwrap().status(),
        Some(&WorkgroupStatus::Modifying)
    );
    assert_eq!(
        updated.workgroup().unwrap().endpoint().unwrap().port(),
        Some(5440)
    );
    poll_until(Duration::from_secs(10), || {
        let c = client.clone();
        async move { (status(c).await.unwrap() == WorkgroupStatus::Available).then_some(()) }
    })
    .await;

    let deleted = client
        .delete_workgroup()
        .workgroup_name("etl")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.workgroup().unwrap().status(),
        Some(&WorkgroupStatus::Deleting)
    );
    poll_until(Duration::from_secs(10), || {
        let c = client.clone();
        async move { status(c).await.is_err().then_some(()) }
    })
    .await;

    let deleted = client
        .delete_namespace()
        .namespace_name("analytics")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.namespace().unwrap().status(),
        Some(&NamespaceStatus::Deleting)
    );
    poll_until(Duration::from_secs(10), || {
        let c = client.clone();
        async move {
            c.get_namespace()
                .namespace_name("analytics")
                .send()
                .await
                .is_err()
                .then_some(())
        }
    })
    .await;
}

#[tokio::test]
async fn the_clock_drives_transitions_without_waiting() {
    let server = TestServer::with_delay(chrono::Duration::hours(1)).await;
    let client = server.client();
    namespace_and_workgroup(&client, "ns-clock", "wg-clock").await;
    server.store.advance(chrono::Duration::minutes(59));
    let wg = client
        .get_workgroup()
        .workgroup_name("wg-clock")
        .send()
        .await
        .unwrap();
    assert_eq!(
        wg.workgroup().unwrap().status(),
        Some(&WorkgroupStatus::Creating)
    );
    server.store.advance(chrono::Duration::minutes(2));
    let wg = client
        .get_workgroup()
        .workgroup_name("wg-clock")
        .send()
        .await
        .unwrap();
    assert_eq!(
        wg.workgroup().unwrap().status(),
        Some(&WorkgroupStatus::Available)
    );

    client
        .update_namespace()
        .namespace_name("ns-clock")
        .kms_key_id("key-1")
        .send()
        .await
        .unwrap();
    let ns = client
        .get_namespace()
        .namespace_name("ns-clock")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ns.namespace().unwrap().status(),
        Some(&NamespaceStatus::Modifying)
    );
    assert_eq!(server.store.settle_all().0, 1);
    let ns = client
        .get_namespace()
        .namespace_name("ns-clock")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ns.namespace().unwrap().status(),
        Some(&NamespaceStatus::Available)
    );
    assert_eq!(ns.namespace().unwrap().kms_key_id(), Some("key-1"));
}

#[tokio::test]
async fn rules_between_resources() {
    let server = TestServer::with_delay(chrono::Duration::hours(1)).await;
    let client = server.client();
    namespace_and_workgroup(&client, "ns-a", "wg-a").await;

    let err = client
        .create_workgroup()
        .namespace_name("nowhere")
        .workgroup_name("wg-b")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_parts(&err),
        (
            "ResourceNotFoundException".into(),
            "Namespace 'nowhere' does not exist.".into()
        )
    );

    let err = client
        .create_workgroup()
        .namespace_name("ns-a")
        .workgroup_name("wg-b")
        .send()
        .await
        .unwrap_err();
    let (code, message) = error_parts(&err);
    assert_eq!(code, "ConflictException");
    assert!(
        message.contains("ns-a") && message.contains("wg-a"),
        "{message}"
    );

    let err = client
        .create_namespace()
        .namespace_name("ns-a")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ConflictException");

    let err = client
        .delete_namespace()
        .namespace_name("ns-a")
        .send()
        .await
        .unwrap_err();
    let (code, message) = error_parts(&err);
    assert_eq!(code, "ConflictException");
    assert!(message.contains("wg-a"), "{message}");

    // The workgroup is still CREATING: a conflicting change is refused, and names its status.
    let err = client
        .update_workgroup()
        .workgroup_name("wg-a")
        .base_capacity(64)
        .send()
        .await
        .unwrap_err();
    let (code, message) = error_parts(&err);
    assert_eq!(code, "ConflictException");
    assert!(
        message.contains("wg-a") && message.contains("CREATING"),
        "{message}"
    );
    let err = client
        .delete_workgroup()
        .workgroup_name("wg-a")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ConflictException");

    server.store.settle_all();
    client
        .delete_workgroup()
        .workgroup_name("wg-a")
        .send()
        .await
        .unwrap();
    // Deleting: the namespace is still taken until the workgroup is gone.
    let err = client
        .delete_namespace()
        .namespace_name("ns-a")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ConflictException");
    server.store.settle_all();
    client
        .delete_namespace()
        .namespace_name("ns-a")
        .send()
        .await
        .unwrap();
    let err = client
        .update_namespace()
        .namespace_name("ns-a")
        .kms_key_id("k")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ConflictException");
    server.store.settle_all();
    let err = client
        .get_namespace()
        .namespace_name("ns-a")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
}

#[tokio::test]
async fn semantic_rules_of_the_reference() {
    let server = TestServer::start().await;
    let client = server.client();
    client
        .create_namespace()
        .namespace_name("ns-rules")
        .send()
        .await
        .unwrap();
    let cases = [
        (
            client
                .create_workgroup()
                .namespace_name("ns-rules")
                .workgroup_name("wg-x")
                .port(6000),
            "port 6000",
        ),
        (
            client
                .create_workgroup()
                .namespace_name("ns-rules")
                .workgroup_name("wg-x")
                .base_capacity(12),
            "baseCapacity 12",
        ),
        (
            client
                .create_workgroup()
                .namespace_name("ns-rules")
                .workgroup_name("wg-x")
                .base_capacity(64)
                .max_capacity(32),
            "maxCapacity 32",
        ),
        (
            client
                .create_workgroup()
                .namespace_name("ns-rules")
                .workgroup_name("wg-x")
                .track_name("beta"),
            "trackName 'beta'",
        ),
    ];
    for (request, expected) in cases {
        let err = request.send().await.unwrap_err();
        let (code, message) = error_parts(&err);
        assert_eq!(code, "ValidationException");
        assert!(
            message.contains(expected),
            "{message} should mention {expected}"
        );
    }
    for port in [5431, 5455, 8191, 8215] {
        let name = format!("wg-{port}");
        let ns = format!("ns-{port}");
        client
            .create_namespace()
            .namespace_name(&ns)
            .send()
            .await
            .unwrap();
        client
            .create_workgroup()
            .namespace_name(&ns)
            .workgroup_name(&name)
            .port(port)
            .send()
            .await
            .unwrap();
    }
    let err = client
        .create_namespace()
        .namespace_name("ns-pw")
        .admin_username("admin")
        .admin_user_password("Secret123")
        .manage_admin_password(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_parts(&err).1,
        "You can't use adminUserPassword if manageAdminPassword is true."
    );
    let err = client
        .create_namespace()
        .namespace_name("ns-db")
        .db_name("1bad")
        .send()
        .await
        .unwrap_err();
    assert!(error_parts(&err).1.contains("dbName '1bad'"));
    let err = client
        .update_namespace()
        .namespace_name("ns-rules")
        .kms_key_id("k")
        .log_exports(aws_sdk_redshiftserverless::types::LogExport::UserLog)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ValidationException");
}

#[tokio::test]
async fn managed_password_yields_a_secret_and_passwords_are_never_returned() {
    let server = TestServer::start().await;
    let client = server.client();
    let ns = client
        .create_namespace()
        .namespace_name("ns-secret")
        .admin_username("admin")
        .manage_admin_password(true)
        .send()
        .await
        .unwrap();
    let secret = ns.namespace().unwrap().admin_password_secret_arn().unwrap();
    assert!(
        secret.starts_with(&format!(
            "arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:redshift!ns-secret-admin-"
        )),
        "{secret}"
    );

    let request = axum::http::Request::post("/")
        .header("x-amz-target", "RedshiftServerless.CreateNamespace")
        .body(axum::body::Body::from(
            r#"{"namespaceName": "ns-plain", "adminUsername": "admin", "adminUserPassword": "Hunter2Hunter2"}"#,
        ))
        .unwrap();
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let response = redshift_serverless_local::server::router(server.app.clone())
        .oneshot(request)
        .await
        .unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.contains("\"adminUsername\":\"admin\""));
    assert!(
        !text.contains("Hunter2") && !text.contains("adminUserPassword"),
        "{text}"
    );
}

#[tokio::test]
async fn tags_on_namespaces_and_workgroups() {
    let server = TestServer::start().await;
    let client = server.client();
    let ns = client
        .create_namespace()
        .namespace_name("ns-tags")
        .tags(tag("team", "data"))
        .send()
        .await
        .unwrap();
    let ns_arn = ns.namespace().unwrap().namespace_arn().unwrap().to_string();
    let wg = client
        .create_workgroup()
        .namespace_name("ns-tags")
        .workgroup_name("wg-tags")
        .send()
        .await
        .unwrap();
    let wg_arn = wg.workgroup().unwrap().workgroup_arn().unwrap().to_string();

    let listed = client
        .list_tags_for_resource()
        .resource_arn(&ns_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tags(), &[tag("team", "data")]);
    client
        .tag_resource()
        .resource_arn(&wg_arn)
        .tags(tag("env", "dev"))
        .tags(tag("cost", "1"))
        .send()
        .await
        .unwrap();
    client
        .tag_resource()
        .resource_arn(&wg_arn)
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    client
        .untag_resource()
        .resource_arn(&wg_arn)
        .tag_keys("cost")
        .send()
        .await
        .unwrap();
    let listed = client
        .list_tags_for_resource()
        .resource_arn(&wg_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tags(), &[tag("env", "prod")]);

    let many: Vec<Tag> = (0..200).map(|i| tag(&format!("k{i}"), "v")).collect();
    let err = client
        .tag_resource()
        .resource_arn(&ns_arn)
        .set_tags(Some(many))
        .send()
        .await
        .unwrap_err();
    let service = err.as_service_error().unwrap();
    match service {
        aws_sdk_redshiftserverless::operation::tag_resource::TagResourceError::TooManyTagsException(e) => {
            assert_eq!(e.resource_name(), Some(ns_arn.as_str()));
        }
        other => panic!("expected TooManyTagsException, got {other:?}"),
    }
    // Refused whole: the namespace still has its one tag.
    let listed = client
        .list_tags_for_resource()
        .resource_arn(&ns_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tags().len(), 1);

    let missing = ns_arn.replace(
        ns.namespace().unwrap().namespace_id().unwrap(),
        "00000000-0000-0000-0000-000000000000",
    );
    for err in [
        client
            .list_tags_for_resource()
            .resource_arn(&missing)
            .send()
            .await
            .unwrap_err()
            .into_service_error()
            .meta()
            .code()
            .map(str::to_string),
        client
            .tag_resource()
            .resource_arn(&missing)
            .tags(tag("a", "b"))
            .send()
            .await
            .unwrap_err()
            .into_service_error()
            .meta()
            .code()
            .map(str::to_string),
    ] {
        assert_eq!(err.as_deref(), Some("ResourceNotFoundException"));
    }
}

#[tokio::test]
async fn pagination_neither_repeats_nor_skips_while_others_change() {
    let server = TestServer::start().await;
    let client = server.client();
    let original: Vec<String> = (0..25).map(|i| format!("ns-{i:03}")).collect();
    for name in &original {
        client
            .create_namespace()
            .namespace_name(name)
            .send()
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut token = None;
    let mut round = 0;
    loop {
        let page = client
            .list_namespaces()
            .max_results(7)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        assert!(page.namespaces().len() <= 7);
        seen.extend(
            page.namespaces()
                .iter()
                .map(|n| n.namespace_name().unwrap().to_string()),
        );
        // Others come and go between pages.
        client
            .create_namespace()
            .namespace_name(format!("ns-000-extra-{round}"))
            .send()
            .await
            .unwrap();
        client
            .create_namespace()
            .namespace_name(format!("zz-extra-{round}"))
            .send()
            .await
            .unwrap();
        round += 1;
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no item repeated");
    for name in &original {
        assert!(unique.contains(name), "{name} was skipped");
    }

    let err = client
        .list_namespaces()
        .next_token("Zm9yZ2VkLXRva2Vu")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ValidationException");
    let other = client
        .list_workgroups()
        .owner_account("999999999999")
        .send()
        .await
        .unwrap();
    assert!(other.workgroups().is_empty());
}

#[tokio::test]
async fn sdk_paginator_walks_every_workgroup() {
    let server = TestServer::start().await;
    let client = server.client();
    for i in 0..12 {
        namespace_and_workgroup(&client, &format!("ns-p{i:02}"), &format!("wg-p{i:02}")).await;
    }
    let pages: Vec<_> = client
        .list_workgroups()
        .max_results(5)
        .into_paginator()
        .send()
        .collect()
        .await;
    let names: Vec<String> = pages
        .into_iter()
        .flat_map(|p| {
            p.unwrap()
                .workgroups()
                .iter()
                .map(|w| w.workgroup_name().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        names,
        (0..12).map(|i| format!("wg-p{i:02}")).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn concurrent_creates_of_one_name_let_exactly_one_win() {
    let server = TestServer::start().await;
    let client = server.client();
    let attempts = (0..32).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .create_namespace()
                .namespace_name("contested")
                .send()
                .await
        })
    });
    let mut wins = 0;
    let mut conflicts = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => wins += 1,
            Err(err) => {
                assert_eq!(error_parts(&err).0, "ConflictException");
                conflicts += 1;
            }
        }
    }
    assert_eq!((wins, conflicts), (1, 31));
}

#[tokio::test]
async fn track_change_is_pending_until_the_update_settles() {
    let server = TestServer::with_delay(chrono::Duration::hours(1)).await;
    let client = server.client();
    namespace_and_workgroup(&client, "ns-track", "wg-track").await;
    server.store.settle_all();
    let updated = client
        .update_workgroup()
        .workgroup_name("wg-track")
        .track_name("trailing")
        .send()
        .await
        .unwrap();
    let wg = updated.workgroup().unwrap();
    assert_eq!(
        (wg.track_name(), wg.pending_track_name()),
        (Some("current"), Some("trailing"))
    );
    server.store.settle_all();
    let wg = client
        .get_workgroup()
        .workgroup_name("wg-track")
        .send()
        .await
        .unwrap();
    let wg = wg.workgroup().unwrap();
    assert_eq!(
        (wg.track_name(), wg.pending_track_name()),
        (Some("trailing"), None)
    );
}

/// UpdateNamespace's S3 Tables system-table publishing, by the rules botocore's model
/// documents, and the `s3TablePublishStatus` the namespace shows once it is configured.
#[tokio::test]
async fn s3_tables_publishing_is_updated_on_its_own_and_shown() {
    use aws_sdk_redshiftserverless::types::{
        LogDestinationType, LogExport, S3TableAction, S3TableGranularity, S3TablePublishStatus,
    };
    let server = TestServer::start().await;
    let client = server.client();
    let created = client
        .create_namespace()
        .namespace_name("logs")
        .send()
        .await
        .unwrap();
    let id = created
        .namespace()
        .unwrap()
        .namespace_id()
        .unwrap()
        .to_string();
    assert!(created
        .namespace()
        .unwrap()
        .s3_table_publish_status()
        .is_none());
    let status = || async {
        let got = client
            .get_namespace()
            .namespace_name("logs")
            .send()
            .await
            .unwrap();
        got.namespace().unwrap().s3_table_publish_status().cloned()
    };
    let s3 = || {
        client
            .update_namespace()
            .namespace_name("logs")
            .log_destination_type(LogDestinationType::S3Table)
    };
    let refused = |err: &aws_sdk_redshiftserverless::error::SdkError<_, _>, words: &str| {
        let (code, message) = error_parts(err);
        assert_eq!(code, "ValidationException", "{message}");
        assert!(message.contains(words), "{message}");
    };

    // The s3Table* members only with the s3table destination, and nothing else beside them.
    let err = client
        .update_namespace()
        .namespace_name("logs")
        .s3_table_granularity(S3TableGranularity::Namespace)
        .send()
        .await
        .unwrap_err();
    refused(&err, "valid only when logDestinationType is s3table");
    let err = client
        .update_namespace()
        .namespace_name("logs")
        .log_destination_type(LogDestinationType::Cloudwatch)
        .s3_table_action(S3TableAction::Disable)
        .send()
        .await
        .unwrap_err();
    refused(&err, "valid only when logDestinationType is s3table");
    let err = s3()
        .s3_table_granularity(S3TableGranularity::Namespace)
        .log_exports(LogExport::UserLog)
        .send()
        .await
        .unwrap_err();
    refused(
        &err,
        "cannot be combined with any other namespace configuration change",
    );
    // Enabling is the default action, and needs a granularity.
    let err = s3()
        .s3_table_names("sys_query_history")
        .send()
        .await
        .unwrap_err();
    refused(&err, "s3TableGranularity is required when enabling");
    let err = s3()
        .s3_table_granularity(S3TableGranularity::Namespace)
        .s3_table_names("query_history")
        .send()
        .await
        .unwrap_err();
    refused(&err, "Member must satisfy regular expression pattern");
    // Disabling what was never enabled configures nothing.
    s3().s3_table_action(S3TableAction::Disable)
        .send()
        .await
        .unwrap();
    assert_eq!(status().await, None);

    let updated = s3()
        .s3_table_granularity(S3TableGranularity::Namespace)
        .s3_table_names("sys_query_history")
        .s3_table_names("sys_load_history")
        .s3_table_kms_key_id("arn:aws:kms:us-east-1:123456789012:key/k")
        .send()
        .await
        .unwrap();
    let ns = updated.namespace().unwrap();
    assert_eq!(ns.status(), Some(&NamespaceStatus::Modifying));
    let listed = |tables: &[&str], granularity, namespace: &str| {
        S3TablePublishStatus::builder()
            .enabled_all(tables == ["all"])
            .set_s3_tables(Some(tables.iter().map(|t| t.to_string()).collect()))
            .s3_table_granularity(granularity)
            .s3_table_namespace(namespace)
            .set_last_ingestion_times(Some(Default::default()))
            .build()
    };
    let by_namespace = format!("redshift_serverless_{}", id.replace('-', "_"));
    let by_account = format!("redshift_serverless_{ACCOUNT}");
    let expected = listed(
        &["sys_load_history", "sys_query_history"],
        S3TableGranularity::Namespace,
        &by_namespace,
    );
    assert_eq!(ns.s3_table_publish_status(), Some(&expected));
    assert_eq!(status().await, Some(expected));

    // Enabling more adds to them (and sets the scope); disabling some removes those.
    s3().s3_table_action(S3TableAction::Enable)
        .s3_table_granularity(S3TableGranularity::Account)
        .s3_table_names("sys_query_detail")
        .send()
        .await
        .unwrap();
    s3().s3_table_action(S3TableAction::Disable)
        .s3_table_names("sys_load_history")
        .send()
        .await
        .unwrap();
    let expected = listed(
        &["sys_query_detail", "sys_query_history"],
        S3TableGranularity::Account,
        &by_account,
    );
    assert_eq!(status().await, Some(expected));
    let listed_ns = client.list_namespaces().send().await.unwrap();
    assert_eq!(
        listed_ns.namespaces()[0].s3_table_publish_status(),
        status().await.as_ref()
    );

    // `all` among the names selects every current and future table; then only all of them
    // can be disabled, which leaves the status with none.
    s3().s3_table_granularity(S3TableGranularity::Account)
        .s3_table_names("sys_query_history")
        .s3_table_names("all")
        .send()
        .await
        .unwrap();
    let all = listed(&["all"], S3TableGranularity::Account, &by_account);
    assert_eq!(status().await, Some(all));
    let err = s3()
        .s3_table_action(S3TableAction::Disable)
        .s3_table_names("sys_query_history")
        .send()
        .await
        .unwrap_err();
    refused(&err, "disable all of them");
    s3().s3_table_action(S3TableAction::Disable)
        .send()
        .await
        .unwrap();
    let none = listed(&[], S3TableGranularity::Account, &by_account);
    assert_eq!(status().await, Some(none));

    // The cloudwatch destination is the ordinary update it always was.
    let updated = client
        .update_namespace()
        .namespace_name("logs")
        .log_destination_type(LogDestinationType::Cloudwatch)
        .log_exports(LogExport::ConnectionLog)
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.namespace().unwrap().log_exports(),
        [LogExport::ConnectionLog]
    );
}
