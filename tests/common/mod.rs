//! Test harness: the server in-process on 127.0.0.1:0, and real AWS SDK clients pointed at it.
#![allow(dead_code)]

use aws_sdk_redshiftserverless as rs;
use redshift_serverless_local::control::store::{Settings, Store};
use redshift_serverless_local::server::{self, App};
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
        TestServer::serving(delay, false).await
    }

    /// A server that also runs SQL endpoints, on a real engine.
    pub async fn with_sql() -> TestServer {
        TestServer::serving(chrono::Duration::zero(), true).await
    }

    pub async fn serving(delay: chrono::Duration, sql: bool) -> TestServer {
        let settings = Settings {
            transition_delay: delay,
            data_plane: sql,
            ..Settings::default()
        };
        let store = Arc::new(Store::new(settings));
        let sql = sql.then(|| sql_plane(&store));
        let app = App::new(store.clone(), Default::default(), sql).await;
        let listener = redshift_serverless_local::net::listen("127.0.0.1", 0).unwrap();
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

impl TestServer {
    /// A Redshift Data API client of the account, in its region.
    pub fn data_client(&self) -> aws_sdk_redshiftdata::Client {
        self.data_client_for(ACCOUNT, REGION)
    }

    pub fn data_client_for(&self, access_key: &str, region: &str) -> aws_sdk_redshiftdata::Client {
        data_client_at(&self.url, access_key, region)
    }
}

/// A Redshift Data API client of `access_key` in `region`, pointed at `url`, that does not
/// retry (a refusal is what a test looks at).
pub fn data_client_at(url: &str, access_key: &str, region: &str) -> aws_sdk_redshiftdata::Client {
    use aws_sdk_redshiftdata as rd;
    let credentials =
        aws_credential_types::Credentials::new(access_key, "secret", None, None, "test");
    let config = rd::Config::builder()
        .behavior_version(rd::config::BehaviorVersion::latest())
        .endpoint_url(url)
        .region(rd::config::Region::new(region.to_string()))
        .credentials_provider(credentials)
        .retry_config(rd::config::retry::RetryConfig::disabled())
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build();
    rd::Client::from_conf(config)
}

/// Runs `sql` through the Data API on `workgroup`'s database `dev` (ExecuteStatement with
/// WaitTimeSeconds); how DescribeStatement describes it then.
pub async fn data_api_run(
    data: &aws_sdk_redshiftdata::Client,
    workgroup: &str,
    sql: &str,
) -> aws_sdk_redshiftdata::operation::describe_statement::DescribeStatementOutput {
    let out = data
        .execute_statement()
        .workgroup_name(workgroup)
        .database("dev")
        .sql(sql)
        .wait_time_seconds(30)
        .send()
        .await
        .unwrap();
    data.describe_statement()
        .id(out.id().unwrap())
        .send()
        .await
        .unwrap()
}

impl TestServer {
    /// Stops the SQL endpoints and their engines (a test that made clusters calls it last).
    pub async fn shutdown(mut self) {
        if let Some(sql) = self.app.sql.take() {
            sql.shutdown().await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Where tests build the engine's template once, for every server of the run.
/// It is in the system's temporary directory, which the unprivileged user the engine runs as
/// (when tests run as root) can reach whatever the checkout's permissions; templates there are
/// keyed by what they are made of, so runs of other checkouts share them safely.
pub fn engine_template() -> std::path::PathBuf {
    std::env::temp_dir().join("redshift-local-engine-template")
}

fn sql_plane(store: &Arc<Store>) -> Arc<redshift_serverless_local::sql::DataPlane> {
    use redshift_serverless_local::sql::{engine::EngineConfig, Config, DataPlane};
    let root = redshift_serverless_local::sql::temporary_root(&format!(
        "rsl-test-{}-{:08x}",
        std::process::id(),
        rand_suffix()
    ));
    let s3 = redshift_serverless_local::sql::s3::S3Config {
        dir: root.join("s3"),
        endpoint: None,
        default_region: "us-east-1".into(),
    };
    DataPlane::start(
        store.clone(),
        Config {
            s3,
            host: "127.0.0.1".into(),
            tls_hosts: vec!["localhost".into(), "127.0.0.1".into()],
            tls_dir: None,
            engine: EngineConfig {
                bin_dir: None,
                root,
                durable: false,
                temporary: true,
                idle: Duration::from_secs(300),
                template_cache: Some(engine_template()),
            },
            handshake_timeout: Duration::from_secs(2),
        },
    )
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    nanos ^ NEXT.fetch_add(1, Ordering::Relaxed).rotate_left(20)
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

/// An HTTP client for the emulator's endpoints. reqwest is built with rustls and no provider
/// of its own (object_store's S3 client needs TLS), so the process's provider is set first.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// `POST url/_emulator/<path>` with `body`, which must succeed.
pub async fn emulator_post(url: &str, path: &str, body: &str) {
    let answer = http()
        .post(format!("{url}/_emulator/{path}"))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{path}: {}", answer.status());
}

/// The body of `GET url`, as text.
pub async fn get_text(url: &str) -> String {
    http().get(url).send().await.unwrap().text().await.unwrap()
}

/// The admin login of the namespaces [`serving_workgroup`] makes.
pub const SQL_ADMIN: &str = "admin";
pub const SQL_PASSWORD: &str = "Secret123";

/// A namespace (admin [`SQL_ADMIN`]/[`SQL_PASSWORD`]) and an AVAILABLE workgroup on it; the
/// workgroup's SQL port.
pub async fn serving_workgroup(api: &rs::Client, namespace: &str, workgroup: &str) -> u16 {
    api.create_namespace()
        .namespace_name(namespace)
        .admin_username(SQL_ADMIN)
        .admin_user_password(SQL_PASSWORD)
        .send()
        .await
        .unwrap();
    api.create_workgroup()
        .workgroup_name(workgroup)
        .namespace_name(namespace)
        .send()
        .await
        .unwrap();
    available_port(api, workgroup).await
}

/// Waits until the workgroup is AVAILABLE; the port its endpoint reports.
pub async fn available_port(client: &rs::Client, name: &str) -> u16 {
    poll_until(Duration::from_secs(20), || async {
        let wg = client
            .get_workgroup()
            .workgroup_name(name)
            .send()
            .await
            .ok()?
            .workgroup?;
        (wg.status == Some(rs::types::WorkgroupStatus::Available))
            .then(|| wg.endpoint?.port)
            .flatten()
            .map(|p| p as u16)
    })
    .await
}

/// A PostgreSQL session on 127.0.0.1:`port`, without TLS.
pub async fn sql_connect(
    port: u16,
    user: &str,
    password: &str,
    db: &str,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::Config::new()
        .host("127.0.0.1")
        .port(port)
        .user(user)
        .password(password)
        .dbname(db)
        .connect(tokio_postgres::NoTls)
        .await?;
    tokio::spawn(connection);
    Ok(client)
}

/// Polls `get` until it fails (the resource is gone), failing the test after ten seconds.
pub async fn until_gone<T, E, F, Fut>(mut get: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    poll_until(Duration::from_secs(10), || {
        let getting = get();
        async move { getting.await.is_err().then_some(()) }
    })
    .await
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

/// The built binary, started as a user starts it; killed when dropped.
pub struct Process {
    pub child: std::process::Child,
    pub url: String,
    pub stderr_path: std::path::PathBuf,
}

impl Process {
    /// Starts the binary with `args` (plus `--port 0`) and waits for its URL line.
    pub fn start(args: &[&str], stderr_path: &std::path::Path) -> Result<Process, String> {
        use std::io::BufRead;
        let stderr = std::fs::File::create(stderr_path).unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_redshift-serverless-local"))
            .args(["--port", "0"])
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        match line.trim().rsplit(' ').next() {
            Some(url) if url.starts_with("http://") => Ok(Process {
                child,
                url: url.to_string(),
                stderr_path: stderr_path.to_path_buf(),
            }),
            _ => {
                let status = child.wait().unwrap();
                Err(format!(
                    "{status}: {}",
                    std::fs::read_to_string(stderr_path).unwrap_or_default()
                ))
            }
        }
    }

    pub fn client(&self) -> rs::Client {
        let credentials =
            aws_credential_types::Credentials::new(ACCOUNT, "secret", None, None, "test");
        let config = rs::Config::builder()
            .behavior_version(rs::config::BehaviorVersion::latest())
            .endpoint_url(&self.url)
            .region(rs::config::Region::new(REGION))
            .credentials_provider(credentials)
            .retry_config(rs::config::retry::RetryConfig::disabled())
            .http_client(aws_smithy_http_client::Builder::new().build_http())
            .build();
        rs::Client::from_conf(config)
    }

    pub fn data_client(&self) -> aws_sdk_redshiftdata::Client {
        data_client_at(&self.url, ACCOUNT, REGION)
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait for a clean exit.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        self.child.wait().unwrap()
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A fresh directory for state that an engine keeps, in the system's temporary directory: the
/// unprivileged user the engine runs as (when tests run as root) must reach it, which a
/// checkout under a 0700 directory would not allow.
pub fn engine_scratch_dir(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("redshift-local-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A fresh directory under the target directory, removed first if a previous run left it.
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
