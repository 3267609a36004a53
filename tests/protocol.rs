//! The awsJson1.1 wire format: through the real SDK, and raw for what an SDK never sends.

mod common;

use aws_sdk_redshiftserverless::operation::create_namespace::CreateNamespaceError;
use aws_sdk_redshiftserverless::operation::get_namespace::GetNamespaceError;
use common::*;
use http_body_util::BodyExt;
use redshift_serverless_local::server::router;
use tower::ServiceExt;

#[tokio::test]
async fn sdk_round_trip_carries_region_and_account_in_arns() {
    let server = TestServer::start().await;
    let client = server.client();
    let created = client
        .create_namespace()
        .namespace_name("sales")
        .send()
        .await
        .unwrap();
    let ns = created.namespace().unwrap();
    assert_eq!(ns.namespace_name(), Some("sales"));
    let arn = ns.namespace_arn().unwrap();
    assert!(
        arn.starts_with(&format!(
            "arn:aws:redshift-serverless:{REGION}:{ACCOUNT}:namespace/"
        )),
        "{arn}"
    );
    assert!(
        ns.creation_date().is_some(),
        "ISO 8601 creationDate parsed by the SDK"
    );
    let got = client
        .get_namespace()
        .namespace_name("sales")
        .send()
        .await
        .unwrap();
    assert_eq!(got.namespace().unwrap().namespace_id(), ns.namespace_id());
}

#[tokio::test]
async fn sdk_parses_errors_into_their_variants() {
    let server = TestServer::start().await;
    let client = server.client();
    let err = client
        .get_namespace()
        .namespace_name("missing")
        .send()
        .await
        .unwrap_err();
    let service = err.as_service_error().unwrap();
    match service {
        GetNamespaceError::ResourceNotFoundException(e) => {
            assert_eq!(e.message(), "Namespace 'missing' does not exist.");
            assert_eq!(e.resource_name(), Some("missing"));
        }
        other => panic!("expected ResourceNotFoundException, got {other:?}"),
    }
    let err = client
        .create_namespace()
        .namespace_name("AB")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(CreateNamespaceError::ValidationException(_))
    ));
    let (_, message) = error_parts(&err);
    assert!(
        message.starts_with("2 validation errors detected: Value 'AB' at 'namespaceName'"),
        "{message}"
    );
}

#[tokio::test]
async fn accounts_and_regions_are_isolated() {
    let server = TestServer::start().await;
    let east = server.client_for("111111111111", "us-east-1");
    let west = server.client_for("111111111111", "us-west-2");
    let other = server.client_for("222222222222", "us-east-1");
    let ns = east
        .create_namespace()
        .namespace_name("shared-name")
        .send()
        .await
        .unwrap();
    assert!(ns
        .namespace()
        .unwrap()
        .namespace_arn()
        .unwrap()
        .contains(":us-east-1:111111111111:"));
    for client in [&west, &other] {
        let err = client
            .get_namespace()
            .namespace_name("shared-name")
            .send()
            .await
            .unwrap_err();
        assert_eq!(error_parts(&err).0, "ResourceNotFoundException");
        let list = client.list_namespaces().send().await.unwrap();
        assert!(list.namespaces().is_empty());
    }
    // The same name is free in another region.
    let created = west
        .create_namespace()
        .namespace_name("shared-name")
        .send()
        .await
        .unwrap();
    assert!(created
        .namespace()
        .unwrap()
        .namespace_arn()
        .unwrap()
        .contains(":us-west-2:111111111111:"));
    // A non-numeric access key lands in the default account.
    let default = server.client_for("AKIDEXAMPLE", "us-east-1");
    let created = default
        .create_namespace()
        .namespace_name("mine")
        .send()
        .await
        .unwrap();
    assert!(created
        .namespace()
        .unwrap()
        .namespace_arn()
        .unwrap()
        .contains(":000000000000:"));
}

struct Raw {
    status: u16,
    headers: axum::http::HeaderMap,
    body: serde_json::Value,
}

async fn raw(target: Option<&str>, body: impl Into<axum::body::Body>) -> Raw {
    let server = TestServer::start().await;
    let mut request =
        axum::http::Request::post("/").header("content-type", "application/x-amz-json-1.1");
    if let Some(target) = target {
        request = request.header("x-amz-target", target);
    }
    let response = router(server.app.clone())
        .oneshot(request.body(body.into()).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    Raw {
        status,
        headers,
        body,
    }
}

fn assert_error(r: &Raw, status: u16, code: &str) {
    assert_eq!(r.status, status, "{:?}", r.body);
    assert_eq!(r.body["__type"], code, "{:?}", r.body);
    assert!(r.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(r.headers["x-amzn-errortype"], code);
    assert_eq!(r.headers["content-type"], "application/x-amz-json-1.1");
    assert!(uuid::Uuid::parse_str(r.headers["x-amzn-requestid"].to_str().unwrap()).is_ok());
}

#[tokio::test]
async fn unknown_operation() {
    let r = raw(Some("RedshiftServerless.MakeCoffee"), "{}").await;
    assert_error(&r, 400, "UnknownOperationException");
    assert_eq!(
        r.body["message"],
        "The operation 'MakeCoffee' is not part of the RedshiftServerless API."
    );
    let r = raw(Some("RedshiftData.MakeCoffee"), "{}").await;
    assert_error(&r, 400, "UnknownOperationException");
    assert_eq!(
        r.body["message"],
        "The operation 'MakeCoffee' is not part of the RedshiftData API."
    );
}

/// The Data API's targets reach the server's Data API path, which without SQL endpoints
/// (`--sql false`, as here) has no engine to run on, and says so.
#[tokio::test]
async fn data_api_operations_are_known_and_need_the_engine() {
    use redshift_serverless_local::model::data::Operation;
    for op in Operation::ALL {
        let r = raw(Some(&format!("RedshiftData.{}", op.name())), "{}").await;
        assert_eq!(r.status, 400, "{:?}", r.body);
        assert_eq!(r.body["__type"], "DatabaseConnectionException");
        assert!(
            r.body["Message"].as_str().unwrap().contains("--sql false"),
            "{:?}",
            r.body
        );
        assert_eq!(r.headers["x-amzn-errortype"], "DatabaseConnectionException");
    }
    // A body over the limit is refused before the Data API sees it, as for Redshift Serverless.
    let big = format!(r#"{{"Sql": "{}"}}"#, "a".repeat(2 * 1024 * 1024));
    let r = raw(Some("RedshiftData.ExecuteStatement"), big).await;
    assert_error(&r, 413, "RequestEntityTooLargeException");
}

#[tokio::test]
async fn missing_or_malformed_target() {
    assert_error(&raw(None, "{}").await, 400, "SerializationException");
    assert_error(
        &raw(Some("Redshift.ListNamespaces"), "{}").await,
        400,
        "SerializationException",
    );
    assert_error(
        &raw(Some("RedshiftServerless"), "{}").await,
        400,
        "SerializationException",
    );
    let r = raw(Some("RedshiftData"), "{}").await;
    assert_error(&r, 400, "SerializationException");
    assert_eq!(
        r.body["message"],
        "Missing or malformed X-Amz-Target header: expected 'RedshiftServerless.<Operation>' or 'RedshiftData.<Operation>'."
    );
}

#[tokio::test]
async fn body_that_is_not_json() {
    let r = raw(Some("RedshiftServerless.ListNamespaces"), "{not json").await;
    assert_error(&r, 400, "SerializationException");
    let r = raw(Some("RedshiftServerless.ListNamespaces"), "[1, 2]").await;
    assert_error(&r, 400, "SerializationException");
}

#[tokio::test]
async fn member_of_the_wrong_type() {
    let r = raw(
        Some("RedshiftServerless.ListNamespaces"),
        r#"{"maxResults": "ten"}"#,
    )
    .await;
    assert_error(&r, 400, "SerializationException");
    assert!(r.body["message"].as_str().unwrap().contains("maxResults"));
    let r = raw(
        Some("RedshiftServerless.RestoreFromSnapshot"),
        r#"{"namespaceName": "ns", "workgroupName": "wg", "snapshotName": "s", "maintainIntegration": "yes"}"#,
    )
    .await;
    assert_error(&r, 400, "SerializationException");
    assert_eq!(
        r.body["message"],
        "STRING_VALUE can not be converted to a Boolean at 'maintainIntegration'"
    );
}

#[tokio::test]
async fn oversized_body() {
    let big = format!(r#"{{"namespaceName": "{}"}}"#, "a".repeat(2 * 1024 * 1024));
    let r = raw(Some("RedshiftServerless.CreateNamespace"), big).await;
    assert_error(&r, 413, "RequestEntityTooLargeException");
}

#[tokio::test]
async fn empty_body_is_an_empty_input() {
    let r = raw(Some("RedshiftServerless.ListNamespaces"), "").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, serde_json::json!({"namespaces": []}));
    let r = raw(Some("RedshiftServerless.GetNamespace"), "").await;
    assert_error(&r, 400, "ValidationException");
}

#[test]
fn every_operation_of_the_model_has_a_handler() {
    use redshift_serverless_local::control::ops::IMPLEMENTED;
    use redshift_serverless_local::model::Operation;
    assert_eq!(Operation::ALL.len(), 65);
    for op in Operation::ALL {
        assert!(IMPLEMENTED.contains(&op), "{} has no handler", op.name());
    }
}

#[tokio::test]
async fn success_carries_the_aws_headers() {
    let r = raw(Some("RedshiftServerless.ListWorkgroups"), "{}").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/x-amz-json-1.1");
    assert!(r.headers.contains_key("x-amzn-requestid"));
    assert!(!r.headers.contains_key("x-amzn-errortype"));
}

#[tokio::test]
async fn health_endpoint() {
    let server = TestServer::start().await;
    let request = axum::http::Request::get("/_emulator/health")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = router(server.app.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["status"], "running");
    assert_eq!(body["service"], "redshift-serverless");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}
