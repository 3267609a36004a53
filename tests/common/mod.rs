//! Test harness: the server in-process on 127.0.0.1:0, and real AWS SDK clients pointed at it.
#![allow(dead_code)]

use aws_sdk_redshiftserverless as rs;
use redshift_serverless_local::control::store::{Settings, Store};
use redshift_serverless_local::server::{self, auth::Defaults, App};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

pub struct TestServer {
    pub url: String,
    pub store: Arc<Store>,
    pub app: App,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    /// A server whose transitions settle at once (on the next request that looks).
    pub async fn start() -> TestServer {
        TestServer::with_delay(chrono::Duration::zero()).await
    }

    pub async fn with_delay(delay: chrono::Duration) -> TestServer {
        let settings = Settings {
            transition_delay: delay,
            ..Settings::default()
        };
        let store = Arc::new(Store::new(settings));
        let app = App {
            store: store.clone(),
            defaults: Defaults::default(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let serving = app.clone();
        tokio::spawn(async move {
            server::serve(listener, serving, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestServer {
            url,
            store,
            app,
            stop: Some(tx),
        }
    }

    pub fn client(&self) -> rs::Client {
        self.client_for(ACCOUNT, REGION)
    }

    /// A client whose access key is `access_key` (the account, when it is 12 digits) in `region`.
    pub fn client_for(&self, access_key: &str, region: &str) -> rs::Client {
        let credentials =
            aws_credential_types::Credentials::new(access_key, "secret", None, None, "test");
        let config = rs::Config::builder()
            .behavior_version(rs::config::BehaviorVersion::latest())
            .endpoint_url(&self.url)
            .region(rs::config::Region::new(region.to_string()))
            .credentials_provider(credentials)
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build();
        rs::Client::from_conf(config)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Polls `check` until it yields `Some`, failing the test after `limit`.
pub async fn poll_until<T, F, Fut>(limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "condition not reached within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The AWS error code and message of an SDK error.
pub fn error_parts<E, R>(err: &rs::error::SdkError<E, R>) -> (String, String)
where
    E: rs::error::ProvideErrorMetadata,
{
    let service = err
        .as_service_error()
        .expect("a service error, not a transport failure");
    (
        service.code().unwrap_or_default().to_string(),
        service.message().unwrap_or_default().to_string(),
    )
}
