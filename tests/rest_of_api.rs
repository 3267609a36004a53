//! Credentials, endpoint access, custom domains, usage limits, scheduled actions,
//! reservations, tracks, lakehouse configuration and Identity Center tokens, through the SDK.

mod common;

use aws_sdk_redshiftserverless::primitives::DateTime;
use aws_sdk_redshiftserverless::types::{
    CreateSnapshotScheduleActionParameters, LakehouseIdcRegistration, LakehouseRegistration,
    Schedule, TargetAction, UsageLimitBreachAction, UsageLimitPeriod, UsageLimitUsageType,
};
use aws_sdk_redshiftserverless::Client;
use chrono::Duration;
use common::*;

async fn ready(server: &TestServer, client: &Client, ns: &str, wg: &str) -> (String, String) {
    let n = client
        .create_namespace()
        .namespace_name(ns)
        .send()
        .await
        .unwrap();
    let w = client
        .create_workgroup()
        .namespace_name(ns)
        .workgroup_name(wg)
        .send()
        .await
        .unwrap();
    server.store.settle_all();
    (
        n.namespace().unwrap().namespace_arn().unwrap().to_string(),
        w.workgroup().unwrap().workgroup_arn().unwrap().to_string(),
    )
}

#[tokio::test]
async fn credentials_by_workgroup_and_by_custom_domain() {
    let server = TestServer::start().await;
    let client = server.client_for("AKIDEXAMPLE", REGION);
    ready(&server, &client, "ns-cred", "wg-cred").await;
    let before = chrono::Utc::now();
    let creds = client
        .get_credentials()
        .workgroup_name("wg-cred")
        .db_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(creds.db_user(), Some("IAM:AKIDEXAMPLE"));
    assert!(creds.db_password().is_some_and(|p| p.len() >= 32));
    let expiration = creds.expiration().unwrap().secs();
    assert!(
        (expiration - (before.timestamp() + 900)).abs() <= 5,
        "default 900 seconds"
    );
    let longer = client
        .get_credentials()
        .workgroup_name("wg-cred")
        .duration_seconds(3600)
        .send()
        .await
        .unwrap();
    assert!(longer.expiration().unwrap().secs() - before.timestamp() >= 3595);

    for (duration, ok) in [(899, false), (900, true), (3600, true), (3601, false)] {
        let result = client
            .get_credentials()
            .workgroup_name("wg-cred")
            .duration_seconds(duration)
            .send()
            .await;
        assert_eq!(result.is_ok(), ok, "durationSeconds {duration}");
    }
    let err = client.get_credentials().send().await.unwrap_err();
    assert_eq!(error_parts(&err).0, "ValidationException");
    let err = client
        .get_credentials()
        .workgroup_name("ghost")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
    let err = client
        .get_credentials()
        .workgroup_name("wg-cred")
        .db_name("9lives")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ValidationException");

    let cert = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
    client
        .create_custom_domain_association()
        .workgroup_name("wg-cred")
        .custom_domain_name("db.example.com")
        .custom_domain_certificate_arn(cert)
        .send()
        .await
        .unwrap();
    let creds = client
        .get_credentials()
        .custom_domain_name("db.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(creds.db_user(), Some("IAM:AKIDEXAMPLE"));
    let err = client
        .get_credentials()
        .custom_domain_name("other.example.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
}

#[tokio::test]
async fn custom_domain_associations() {
    let server = TestServer::start().await;
    let client = server.client();
    ready(&server, &client, "ns-dom", "wg-dom").await;
    ready(&server, &client, "ns-dom2", "wg-dom2").await;
    let cert = "arn:aws:acm:us-east-1:123456789012:certificate/one";
    let created = client
        .create_custom_domain_association()
        .workgroup_name("wg-dom")
        .custom_domain_name("sql.example.com")
        .custom_domain_certificate_arn(cert)
        .send()
        .await
        .unwrap();
    assert!(created.custom_domain_certificate_expiry_time().is_some());
    let wg = client
        .get_workgroup()
        .workgroup_name("wg-dom")
        .send()
        .await
        .unwrap();
    let wg = wg.workgroup().unwrap();
    assert_eq!(wg.custom_domain_name(), Some("sql.example.com"));
    assert_eq!(wg.custom_domain_certificate_arn(), Some(cert));

    let err = client
        .create_custom_domain_association()
        .workgroup_name("wg-dom2")
        .custom_domain_name("sql.example.com")
        .custom_domain_certificate_arn(cert)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ConflictException");
    let err = client
        .create_custom_domain_association()
        .workgroup_name("wg-dom")
        .custom_domain_name("two.example.com")
        .custom_domain_certificate_arn(cert)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ConflictException");

    let got = client
        .get_custom_domain_association()
        .workgroup_name("wg-dom")
        .custom_domain_name("sql.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(got.custom_domain_certificate_arn(), Some(cert));
    let err = client
        .get_custom_domain_association()
        .workgroup_name("wg-dom2")
        .custom_domain_name("sql.example.com")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");

    let cert2 = "arn:aws:acm:us-east-1:123456789012:certificate/two";
    let updated = client
        .update_custom_domain_association()
        .workgroup_name("wg-dom")
        .custom_domain_name("sql.example.com")
        .custom_domain_certificate_arn(cert2)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.custom_domain_certificate_arn(), Some(cert2));
    let listed = client
        .list_custom_domain_associations()
        .custom_domain_certificate_arn(cert2)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.associations().len(), 1);

    client
        .delete_custom_domain_association()
        .workgroup_name("wg-dom")
        .custom_domain_name("sql.example.com")
        .send()
        .await
        .unwrap();
    let wg = client
        .get_workgroup()
        .workgroup_name("wg-dom")
        .send()
        .await
        .unwrap();
    assert_eq!(wg.workgroup().unwrap().custom_domain_name(), None);
    assert!(client
        .list_custom_domain_associations()
        .send()
        .await
        .unwrap()
        .associations()
        .is_empty());
}

#[tokio::test]
async fn endpoint_access_lifecycle() {
    let server = TestServer::with_delay(Duration::hours(1)).await;
    let client = server.client();
    client
        .create_namespace()
        .namespace_name("ns-ep")
        .send()
        .await
        .unwrap();
    client
        .create_workgroup()
        .namespace_name("ns-ep")
        .workgroup_name("wg-ep")
        .port(5440)
        .send()
        .await
        .unwrap();
    let err = client
        .create_endpoint_access()
        .endpoint_name("ep-one")
        .workgroup_name("wg-ep")
        .subnet_ids("subnet-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_parts(&err).0,
        "ConflictException",
        "workgroup still CREATING"
    );
    server.store.settle_all();

    let created = client
        .create_endpoint_access()
        .endpoint_name("ep-one")
        .workgroup_name("wg-ep")
        .subnet_ids("subnet-1")
        .vpc_security_group_ids("sg-1")
        .send()
        .await
        .unwrap();
    let ep = created.endpoint().unwrap();
    assert_eq!(ep.endpoint_status(), Some("CREATING"));
    assert_eq!(ep.port(), Some(5440));
    assert_eq!(ep.address(), Some("localhost"));
    assert_eq!(
        ep.vpc_security_groups()[0].vpc_security_group_id(),
        Some("sg-1")
    );
    assert_eq!(
        ep.vpc_endpoint().unwrap().network_interfaces()[0].subnet_id(),
        Some("subnet-1")
    );
    let vpc = ep.vpc_endpoint().unwrap().vpc_id().unwrap().to_string();

    for bad in ["1ep", "ep--x", "ep-"] {
        let err = client
            .create_endpoint_access()
            .endpoint_name(bad)
            .workgroup_name("wg-ep")
            .subnet_ids("s")
            .send()
            .await
            .unwrap_err();
        assert_eq!(error_parts(&err).0, "ValidationException", "{bad}");
    }
    let err = client
        .create_endpoint_access()
        .endpoint_name("ep-one")
        .workgroup_name("wg-ep")
        .subnet_ids("s")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ConflictException");

    server.store.settle_all();
    let got = client
        .get_endpoint_access()
        .endpoint_name("ep-one")
        .send()
        .await
        .unwrap();
    assert_eq!(got.endpoint().unwrap().endpoint_status(), Some("ACTIVE"));
    let listed = client
        .list_endpoint_access()
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.endpoints().len(), 1);
    let listed = client
        .list_endpoint_access()
        .vpc_id("vpc-other")
        .send()
        .await
        .unwrap();
    assert!(listed.endpoints().is_empty());

    let err = client
        .delete_workgroup()
        .workgroup_name("wg-ep")
        .send()
        .await
        .unwrap_err();
    assert!(error_parts(&err).1.contains("ep-one"));

    let updated = client
        .update_endpoint_access()
        .endpoint_name("ep-one")
        .vpc_security_group_ids("sg-2")
        .send()
        .await
        .unwrap();
    assert_eq!(
        updated.endpoint().unwrap().endpoint_status(),
        Some("MODIFYING")
    );
    server.store.settle_all();
    let deleted = client
        .delete_endpoint_access()
        .endpoint_name("ep-one")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.endpoint().unwrap().endpoint_status(),
        Some("DELETING")
    );
    server.store.settle_all();
    let err = client
        .get_endpoint_access()
        .endpoint_name("ep-one")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
    client
        .delete_workgroup()
        .workgroup_name("wg-ep")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn usage_limits_on_workgroups_and_namespaces() {
    let server = TestServer::start().await;
    let client = server.client();
    let (ns_arn, wg_arn) = ready(&server, &client, "ns-ul", "wg-ul").await;
    let created = client
        .create_usage_limit()
        .resource_arn(&wg_arn)
        .usage_type(UsageLimitUsageType::ServerlessCompute)
        .amount(100)
        .send()
        .await
        .unwrap();
    let limit = created.usage_limit().unwrap();
    assert_eq!(limit.period(), Some(&UsageLimitPeriod::Monthly));
    assert_eq!(limit.breach_action(), Some(&UsageLimitBreachAction::Log));
    let id = limit.usage_limit_id().unwrap().to_string();
    assert!(limit
        .usage_limit_arn()
        .unwrap()
        .ends_with(&format!("usagelimit/{id}")));

    client
        .create_usage_limit()
        .resource_arn(&ns_arn)
        .usage_type(UsageLimitUsageType::CrossRegionDatasharing)
        .amount(5)
        .period(UsageLimitPeriod::Daily)
        .send()
        .await
        .unwrap();
    let err = client
        .create_usage_limit()
        .resource_arn(&ns_arn)
        .usage_type(UsageLimitUsageType::ServerlessCompute)
        .amount(5)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ValidationException");
    let err = client
        .create_usage_limit()
        .resource_arn(&wg_arn)
        .usage_type(UsageLimitUsageType::ServerlessCompute)
        .amount(0)
        .send()
        .await
        .unwrap_err();
    assert!(error_parts(&err).1.contains("positive"));
    let err = client
        .create_usage_limit()
        .resource_arn(format!("{wg_arn}0"))
        .usage_type(UsageLimitUsageType::ServerlessCompute)
        .amount(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
    for _ in 0..3 {
        client
            .create_usage_limit()
            .resource_arn(&wg_arn)
            .usage_type(UsageLimitUsageType::ServerlessCompute)
            .amount(1)
            .send()
            .await
            .unwrap();
    }
    let err = client
        .create_usage_limit()
        .resource_arn(&wg_arn)
        .usage_type(UsageLimitUsageType::ServerlessCompute)
        .amount(1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ServiceQuotaExceededException");

    let updated = client
        .update_usage_limit()
        .usage_limit_id(&id)
        .amount(200)
        .breach_action(UsageLimitBreachAction::Deactivate)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.usage_limit().unwrap().amount(), Some(200));
    let listed = client
        .list_usage_limits()
        .resource_arn(&wg_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.usage_limits().len(), 4);
    let listed = client
        .list_usage_limits()
        .usage_type(UsageLimitUsageType::CrossRegionDatasharing)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.usage_limits().len(), 1);
    client
        .delete_usage_limit()
        .usage_limit_id(&id)
        .send()
        .await
        .unwrap();
    let err = client
        .get_usage_limit()
        .usage_limit_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");

    // Limits go with their resource.
    client
        .delete_workgroup()
        .workgroup_name("wg-ul")
        .send()
        .await
        .unwrap();
    server.store.settle_all();
    let listed = client.list_usage_limits().send().await.unwrap();
    assert_eq!(
        listed.usage_limits().len(),
        1,
        "only the namespace's limit is left"
    );
}

fn snapshot_every_hour(namespace: &str) -> TargetAction {
    TargetAction::CreateSnapshot(
        CreateSnapshotScheduleActionParameters::builder()
            .namespace_name(namespace)
            .snapshot_name_prefix("auto")
            .retention_period(7)
            .build()
            .unwrap(),
    )
}

#[tokio::test]
async fn cron_scheduled_action_takes_snapshots_on_time_and_stops_after_end() {
    let server = TestServer::start().await;
    let client = server.client();
    ready(&server, &client, "ns-sched", "wg-sched").await;
    let now = server.store.clock.now();
    let start = now + Duration::hours(1);
    let end = now + Duration::hours(4);
    let created = client
        .create_scheduled_action()
        .scheduled_action_name("hourly")
        .namespace_name("ns-sched")
        .role_arn("arn:aws:iam::123456789012:role/scheduler")
        .schedule(Schedule::Cron("cron(0 * * * ? *)".into()))
        .target_action(snapshot_every_hour("ns-sched"))
        .start_time(DateTime::from_secs(start.timestamp()))
        .end_time(DateTime::from_secs(end.timestamp()))
        .send()
        .await
        .unwrap();
    let action = created.scheduled_action().unwrap();
    assert_eq!(
        action.state(),
        Some(&aws_sdk_redshiftserverless::types::State::Active)
    );
    let next = action.next_invocations();
    assert_eq!(next.len(), 3);
    assert!(next
        .iter()
        .all(|t| t.secs() % 3600 == 0 && t.secs() >= start.timestamp()));

    server.store.advance(Duration::hours(6));
    let listed = client
        .list_snapshots()
        .namespace_name("ns-sched")
        .send()
        .await
        .unwrap();
    let names: Vec<String> = listed
        .snapshots()
        .iter()
        .map(|s| s.snapshot_name().unwrap().to_string())
        .collect();
    assert_eq!(
        names.len(),
        3,
        "one per hour between start and end: {names:?}"
    );
    let mut expected: Vec<String> = next
        .iter()
        .map(|t| {
            let t = chrono::DateTime::from_timestamp(t.secs(), 0).unwrap();
            format!("auto-{}", t.format("%Y-%m-%d-%H-%M"))
        })
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    assert_eq!(listed.snapshots()[0].snapshot_retention_period(), Some(7));
    server.store.advance(Duration::hours(6));
    let listed = client
        .list_snapshots()
        .namespace_name("ns-sched")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.snapshots().len(), 3, "nothing after endTime");
    let got = client
        .get_scheduled_action()
        .scheduled_action_name("hourly")
        .send()
        .await
        .unwrap();
    assert!(got
        .scheduled_action()
        .unwrap()
        .next_invocations()
        .is_empty());
}

#[tokio::test]
async fn scheduled_action_rules_and_one_time_schedules() {
    let server = TestServer::start().await;
    let client = server.client();
    ready(&server, &client, "ns-once", "wg-once").await;
    let role = "arn:aws:iam::123456789012:role/scheduler";
    let create = |name: &str, schedule: Schedule| {
        client
            .create_scheduled_action()
            .scheduled_action_name(name)
            .namespace_name("ns-once")
            .role_arn(role)
            .schedule(schedule)
            .target_action(snapshot_every_hour("ns-once"))
    };
    for (cron, why) in [
        ("cron(*/5 * * * ? *)", "at least one hour"),
        ("rate(1 hour)", "cron("),
        ("cron(0 10 * * MON *)", "'?'"),
    ] {
        let err = create("bad-one", Schedule::Cron(cron.into()))
            .send()
            .await
            .unwrap_err();
        let (code, message) = error_parts(&err);
        assert_eq!(code, "ValidationException");
        assert!(message.contains(why), "{message}");
    }
    let past = DateTime::from_secs(server.store.clock.now().timestamp() - 60);
    assert!(create("past", Schedule::At(past)).send().await.is_err());
    let err = client
        .create_scheduled_action()
        .scheduled_action_name("bad-role")
        .namespace_name("ns-once")
        .role_arn("not-a-role")
        .schedule(Schedule::Cron("cron(0 * * * ? *)".into()))
        .target_action(snapshot_every_hour("ns-once"))
        .send()
        .await
        .unwrap_err();
    assert!(error_parts(&err).1.contains("roleArn"));

    let at = DateTime::from_secs(server.store.clock.now().timestamp() + 600);
    create("once", Schedule::At(at)).send().await.unwrap();
    let err = create("once", Schedule::At(at)).send().await.unwrap_err();
    assert_eq!(error_parts(&err).0, "ConflictException");
    create("disabled", Schedule::Cron("cron(30 * * * ? *)".into()))
        .send()
        .await
        .unwrap();
    client
        .update_scheduled_action()
        .scheduled_action_name("disabled")
        .enabled(false)
        .send()
        .await
        .unwrap();

    server.store.advance(Duration::hours(3));
    let snapshots = client
        .list_snapshots()
        .namespace_name("ns-once")
        .send()
        .await
        .unwrap();
    assert_eq!(
        snapshots.snapshots().len(),
        1,
        "the one-time action fired once; the disabled one never"
    );
    let listed = client
        .list_scheduled_actions()
        .namespace_name("ns-once")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.scheduled_actions().len(), 2);
    client
        .delete_scheduled_action()
        .scheduled_action_name("once")
        .send()
        .await
        .unwrap();
    let err = client
        .get_scheduled_action()
        .scheduled_action_name("once")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
}

#[tokio::test]
async fn reservations_from_the_catalogue() {
    let server = TestServer::start().await;
    let client = server.client();
    let offerings = client.list_reservation_offerings().send().await.unwrap();
    let offerings = offerings.reservation_offerings_list();
    assert_eq!(offerings.len(), 2);
    let offering = offerings[0].clone();
    let id = offering.offering_id().unwrap();
    let got = client
        .get_reservation_offering()
        .offering_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.reservation_offering(), Some(&offering));
    let err = client
        .get_reservation_offering()
        .offering_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");

    let token = uuid::Uuid::new_v4().to_string();
    let created = client
        .create_reservation()
        .offering_id(id)
        .capacity(16)
        .client_token(&token)
        .send()
        .await
        .unwrap();
    let reservation = created.reservation().unwrap();
    assert_eq!(reservation.capacity(), 16);
    assert_eq!(reservation.offering(), Some(&offering));
    let again = client
        .create_reservation()
        .offering_id(id)
        .capacity(16)
        .client_token(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.reservation().unwrap().reservation_id(),
        reservation.reservation_id(),
        "idempotent"
    );
    let err = client
        .create_reservation()
        .offering_id(id)
        .capacity(24)
        .client_token(&token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ConflictException");
    let err = client
        .create_reservation()
        .offering_id(id)
        .capacity(12)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ValidationException");
    let listed = client.list_reservations().send().await.unwrap();
    assert_eq!(listed.reservations_list().len(), 1);
    let got = client
        .get_reservation()
        .reservation_id(reservation.reservation_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(got.reservation(), Some(reservation));
}

#[tokio::test]
async fn tracks() {
    let server = TestServer::start().await;
    let client = server.client();
    let current = client
        .get_track()
        .track_name("current")
        .send()
        .await
        .unwrap();
    let current = current.track().unwrap();
    assert!(current.workgroup_version().is_some());
    assert_eq!(current.update_targets()[0].track_name(), Some("trailing"));
    let listed = client.list_tracks().send().await.unwrap();
    let names: Vec<_> = listed
        .tracks()
        .iter()
        .map(|t| t.track_name().unwrap())
        .collect();
    assert_eq!(names, ["current", "trailing"]);
    let err = client
        .get_track()
        .track_name("beta")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
}

#[tokio::test]
async fn lakehouse_registration_managed_workgroups_and_identity_center() {
    let server = TestServer::start().await;
    let client = server.client();
    ready(&server, &client, "ns-lake", "wg-lake").await;

    let err = client
        .update_lakehouse_configuration()
        .namespace_name("ns-lake")
        .lakehouse_registration(LakehouseRegistration::Register)
        .catalog_name("sales")
        .dry_run(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "DryRunException");
    let ns = client
        .get_namespace()
        .namespace_name("ns-lake")
        .send()
        .await
        .unwrap();
    assert!(
        ns.namespace().unwrap().catalog_arn().is_none(),
        "a dry run changes nothing"
    );
    let err = client
        .update_lakehouse_configuration()
        .namespace_name("ns-lake")
        .lakehouse_idc_registration(LakehouseIdcRegistration::Associate)
        .lakehouse_idc_application_arn("arn:aws:sso::123456789012:application/ssoins-1/apl-1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_parts(&err).0,
        "ValidationException",
        "not registered yet"
    );

    let err = client
        .get_identity_center_auth_token()
        .workgroup_names("wg-lake")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_parts(&err).0,
        "ValidationException",
        "no Identity Center integration yet"
    );

    let updated = client
        .update_lakehouse_configuration()
        .namespace_name("ns-lake")
        .lakehouse_registration(LakehouseRegistration::Register)
        .catalog_name("sales")
        .lakehouse_idc_registration(LakehouseIdcRegistration::Associate)
        .lakehouse_idc_application_arn("arn:aws:sso::123456789012:application/ssoins-1/apl-1")
        .send()
        .await
        .unwrap();
    let catalog = format!("arn:aws:glue:{REGION}:{ACCOUNT}:catalog/sales");
    assert_eq!(updated.catalog_arn(), Some(catalog.as_str()));
    assert_eq!(updated.lakehouse_registration_status(), Some("Registered"));
    server.store.settle_all();
    let ns = client
        .get_namespace()
        .namespace_name("ns-lake")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ns.namespace().unwrap().catalog_arn(),
        Some(catalog.as_str())
    );

    let managed = client
        .list_managed_workgroups()
        .source_arn(&catalog)
        .send()
        .await
        .unwrap();
    assert_eq!(managed.managed_workgroups().len(), 1);
    assert_eq!(
        managed.managed_workgroups()[0].source_arn(),
        Some(catalog.as_str())
    );

    let token = client
        .get_identity_center_auth_token()
        .workgroup_names("wg-lake")
        .send()
        .await
        .unwrap();
    assert!(token.token().is_some_and(|t| !t.is_empty()));
    assert!(token.expiration_time().is_some());
    let err = client
        .get_identity_center_auth_token()
        .workgroup_names("ghost")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_parts(&err).0, "ResourceNotFoundException");

    client
        .update_lakehouse_configuration()
        .namespace_name("ns-lake")
        .lakehouse_registration(LakehouseRegistration::Deregister)
        .send()
        .await
        .unwrap();
    server.store.settle_all();
    assert!(client
        .list_managed_workgroups()
        .send()
        .await
        .unwrap()
        .managed_workgroups()
        .is_empty());
}
