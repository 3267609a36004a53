//! Connections of our own to an engine, as its bootstrap superuser.

use std::path::Path;

use tokio_postgres::{Client, NoTls};

use super::process::PORT;
use super::EngineError;

/// The superuser initdb makes (`-U rdsdb`), as in Redshift, where `rdsdb` is AWS's own.
pub(super) const SUPERUSER: &str = "rdsdb";

/// A client of the engine listening in `socket_dir`, as `rdsdb`, on `database`. The
/// connection runs on a task of its own and ends when the client is dropped.
pub(super) async fn connect(socket_dir: &Path, database: &str) -> Result<Client, EngineError> {
    let (client, connection) = tokio_postgres::Config::new()
        .host_path(socket_dir)
        .port(PORT)
        .user(SUPERUSER)
        .dbname(database)
        .application_name("redshift-serverless-local")
        .connect(NoTls)
        .await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(target: "engine", "admin connection ended: {e}");
        }
    });
    Ok(client)
}

/// `name` as a quoted SQL identifier.
pub(super) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
