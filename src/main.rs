use clap::Parser;

use redshift_serverless_local::cli::{Cli, LogFormat};
use redshift_serverless_local::control::store::{Settings, Store};
use redshift_serverless_local::persist::Persistence;
use redshift_serverless_local::server::{self, auth::Defaults, App};
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if cli.health_check {
        let healthy = redshift_serverless_local::cli::health_check(&cli.host, cli.port);
        return if healthy {
            std::process::ExitCode::SUCCESS
        } else {
            std::process::ExitCode::FAILURE
        };
    }
    let filter = EnvFilter::try_new(&cli.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match cli.log_format {
        LogFormat::Text => subscriber.init(),
        LogFormat::Json => subscriber.json().init(),
    }
    let listener = match redshift_serverless_local::net::listen(&cli.host, cli.port) {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on {}:{}: {e}", cli.host, cli.port);
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let settings_host = cli.endpoint_host.clone();
    let settings = Settings {
        endpoint_host: cli.endpoint_host.clone(),
        transition_delay: chrono::Duration::milliseconds(
            cli.transition_delay_ms.min(i64::MAX as u64) as i64,
        ),
        recovery_point_interval: chrono::Duration::seconds(
            cli.recovery_point_interval_secs.max(1).into(),
        ),
        recovery_point_retention: chrono::Duration::seconds(
            cli.recovery_point_retention_secs.into(),
        ),
        data_plane: cli.sql,
    };
    let store = Arc::new(Store::new(settings));
    let persistence = match &cli.state_dir {
        None => None,
        Some(dir) => {
            let opening = {
                let (dir, store) = (dir.clone(), store.clone());
                tokio::task::spawn_blocking(move || Persistence::open(&dir, &store)).await
            };
            match opening {
                Ok(Ok(persistence)) => Some(persistence),
                Ok(Err(e)) => {
                    eprintln!("error: {e}");
                    return std::process::ExitCode::FAILURE;
                }
                Err(e) => {
                    eprintln!("error: opening the state directory failed: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            }
        }
    };
    let sql = cli.sql.then(|| start_sql(&cli, &store, &settings_host));
    let defaults = Arc::new(Defaults {
        account: cli.default_account,
        region: cli.default_region,
    });
    let app = App::new(store, defaults, sql.clone()).await;
    let shutdown = shutdown_signal();
    println!("redshift-serverless-local listening on http://{addr}");
    let served = server::serve(listener, app, shutdown).await;
    if let Some(sql) = sql {
        sql.shutdown().await;
    }
    if let Some(persistence) = persistence {
        let _ = tokio::task::spawn_blocking(move || persistence.close()).await;
    }
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled, so a signal right after the start-up line is not lost.
#[cfg(unix)]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt()).expect("SIGINT handler");
    let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM handler");
    async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutting down");
    }
}

#[cfg(not(unix))]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    }
}

/// The data plane: its engines under the state directory (or a temporary one), its
/// certificates kept beside them.
fn start_sql(
    cli: &Cli,
    store: &Arc<Store>,
    endpoint_host: &str,
) -> Arc<redshift_serverless_local::sql::DataPlane> {
    use redshift_serverless_local::sql::{engine::EngineConfig, Config, DataPlane};
    let (root, temporary) = match &cli.state_dir {
        Some(dir) => (dir.join("engine"), false),
        None => (
            redshift_serverless_local::sql::temporary_root(&format!(
                "redshift-local-{}-{:08x}",
                std::process::id(),
                rand::random::<u32>()
            )),
            true,
        ),
    };
    let mut tls_hosts = vec![endpoint_host.to_string()];
    for host in ["localhost", "127.0.0.1"] {
        if !tls_hosts.iter().any(|h| h == host) {
            tls_hosts.push(host.to_string());
        }
    }
    if !["0.0.0.0", "::"].contains(&cli.host.as_str()) && !tls_hosts.contains(&cli.host) {
        tls_hosts.push(cli.host.clone());
    }
    let s3 = redshift_serverless_local::sql::s3::S3Config {
        dir: match (&cli.s3_dir, &cli.state_dir) {
            (Some(dir), _) => dir.clone(),
            (None, Some(state)) => state.join("s3"),
            // Inside the temporary root, which is removed at exit.
            (None, None) => root.join("s3"),
        },
        endpoint: cli.s3_endpoint.clone(),
        default_region: cli.default_region.clone(),
    };
    DataPlane::start(
        store.clone(),
        Config {
            host: cli.host.clone(),
            tls_hosts,
            tls_dir: cli.state_dir.as_ref().map(|d| d.join("tls")),
            engine: EngineConfig {
                bin_dir: cli.postgres_bin.clone(),
                root,
                durable: cli.state_dir.is_some(),
                temporary,
                idle: std::time::Duration::from_secs(cli.engine_idle_secs),
                template_cache: cli.engine_template.clone(),
            },
            handshake_timeout: std::time::Duration::from_secs(30),
            s3,
        },
    )
}
