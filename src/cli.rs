//! Command-line flags; each can also be set from an environment variable named
//! `REDSHIFT_LOCAL_<FLAG>`.

use clap::{Parser, ValueEnum};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Parser)]
#[command(
    name = "redshift-serverless-local",
    version,
    about = "A local, AWS-compatible Amazon Redshift Serverless"
)]
pub struct Cli {
    /// Address to listen on (use 0.0.0.0 in a container).
    #[arg(long, env = "REDSHIFT_LOCAL_HOST", default_value = "127.0.0.1")]
    pub host: String,
    /// Port to listen on; 0 picks a free port.
    #[arg(long, env = "REDSHIFT_LOCAL_PORT", default_value_t = 4566)]
    pub port: u16,
    /// Log filter, e.g. `info` or `redshift_serverless_local=debug`.
    #[arg(long, env = "REDSHIFT_LOCAL_LOG_LEVEL", default_value = "info")]
    pub log_level: String,
    #[arg(long, env = "REDSHIFT_LOCAL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Account of callers whose access key id is not 12 digits.
    #[arg(
        long,
        env = "REDSHIFT_LOCAL_DEFAULT_ACCOUNT",
        default_value = "000000000000"
    )]
    pub default_account: String,
    /// Region of callers that send no SigV4 credential scope.
    #[arg(
        long,
        env = "REDSHIFT_LOCAL_DEFAULT_REGION",
        default_value = "us-east-1"
    )]
    pub default_region: String,
    /// Host name reported in workgroup endpoints.
    #[arg(
        long,
        env = "REDSHIFT_LOCAL_ENDPOINT_HOST",
        default_value = "localhost"
    )]
    pub endpoint_host: String,
    /// How long CREATING, MODIFYING and DELETING last, in milliseconds; 0 settles at once.
    #[arg(
        long,
        env = "REDSHIFT_LOCAL_TRANSITION_DELAY_MS",
        default_value_t = 2000
    )]
    pub transition_delay_ms: u64,
    /// How often each namespace gets a recovery point, in seconds.
    #[arg(
        long,
        env = "REDSHIFT_LOCAL_RECOVERY_POINT_INTERVAL_SECS",
        default_value_t = 1800
    )]
    pub recovery_point_interval_secs: u32,
    /// How long recovery points are kept, in seconds.
    #[arg(
        long,
        env = "REDSHIFT_LOCAL_RECOVERY_POINT_RETENTION_SECS",
        default_value_t = 86400
    )]
    pub recovery_point_retention_secs: u32,
    /// Keep state in this directory: every acknowledged change survives a restart or a crash.
    /// Without it, state lives in memory and each run starts empty.
    #[arg(long, env = "REDSHIFT_LOCAL_STATE_DIR")]
    pub state_dir: Option<std::path::PathBuf>,
    /// Serve SQL on every workgroup endpoint (`false`: the control plane alone).
    #[arg(long, env = "REDSHIFT_LOCAL_SQL", default_value_t = true, action = clap::ArgAction::Set)]
    pub sql: bool,
    /// The directory holding PostgreSQL's `postgres` and `initdb` (default: `pg_config
    /// --bindir`, then PATH, then the newest /usr/lib/postgresql/*/bin).
    #[arg(long, env = "REDSHIFT_LOCAL_POSTGRES_BIN")]
    pub postgres_bin: Option<std::path::PathBuf>,
    /// Stop a namespace's engine after this many seconds without sessions; the next
    /// connection starts it again.
    #[arg(long, env = "REDSHIFT_LOCAL_ENGINE_IDLE_SECS", default_value_t = 300)]
    pub engine_idle_secs: u64,
    /// Keep the engine's template cluster (made once by initdb) in this directory and reuse
    /// it across runs, e.g. for test suites. Default: inside the state directory, or a
    /// temporary one.
    #[arg(long, env = "REDSHIFT_LOCAL_ENGINE_TEMPLATE")]
    pub engine_template: Option<std::path::PathBuf>,
    /// Where COPY and UNLOAD find S3 objects: `s3://bucket/key` is `DIR/bucket/key`.
    /// Default: `<state-dir>/s3`, or a temporary directory removed at exit.
    #[arg(long, env = "REDSHIFT_LOCAL_S3_DIR")]
    pub s3_dir: Option<std::path::PathBuf>,
    /// An S3-compatible service (LocalStack, MinIO, AWS) COPY and UNLOAD use instead of the
    /// directory, addressed path-style, e.g. `http://localhost:4566`.
    #[arg(long, env = "REDSHIFT_LOCAL_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// Instead of serving, ask a running server at --host/--port for its health and exit 0 if
    /// it is healthy (for container health checks, which then need no curl).
    #[arg(long)]
    pub health_check: bool,
}

/// Asks the server at `host:port` for `/_emulator/health`; true on HTTP 200.
pub fn health_check(host: &str, port: u16) -> bool {
    use std::io::{Read, Write};
    use std::time::Duration;
    let host = if host == "0.0.0.0" || host == "::" {
        "127.0.0.1"
    } else {
        host
    };
    let Ok(mut stream) = std::net::TcpStream::connect((host, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        format!("GET /_emulator/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}
