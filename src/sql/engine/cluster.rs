//! A cluster's files: the template every cluster starts from, a cluster's data directory
//! copied from it, and the bootstrap a cluster gets on its first start.
//!
//! Both are built beside their final place and renamed into it, so a crash midway leaves
//! no half-made template or data directory, only a `.tmp` sibling that the next try
//! removes (a cluster's) or ignores (a template's, whose name is random).

use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use super::admin::{self, quote_ident, SUPERUSER};
use super::locate::Binaries;
use super::process::{self, EngineUser, Postmaster};
use super::EngineError;

/// Settings every cluster shares, appended to the template's postgresql.conf (later lines
/// win). Durability is not here: it is per run, on the postmaster's command line.
const SETTINGS: &str = "
# redshift-serverless-local
listen_addresses = ''
password_encryption = md5
max_connections = 100
shared_buffers = 16MB
dynamic_shared_memory_type = posix
log_min_messages = warning
timezone = 'UTC'
";

/// Redshift's own session settings, with their defaults, as the engine's custom settings
/// (`redshift.<name>`), so that SET, SHOW and RESET of them work (see `sql::dialect`).
fn redshift_settings() -> String {
    crate::sql::dialect::REDSHIFT_SETTINGS
        .iter()
        .map(|(name, default)| format!("redshift.{name} = '{default}'\n"))
        .collect()
}

/// Only local connections, trusted: the socket directory is private to the engine user,
/// and the front does its own authentication. Replication connections are for
/// `pg_basebackup`, which captures snapshots.
const HBA: &str = "local all all trust\nlocal replication all trust\n";

/// What every database starts with: Redshift's grants and the functions that need no syntax
/// of their own (see the file).
const TEMPLATE_SQL: &str = include_str!("../catalog.sql");

/// What the template is made of, as a number: a shared cache holds one template per
/// contents, so a change to the settings or the catalog is never served stale.
fn template_format() -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    for part in [SETTINGS, &redshift_settings(), HBA, TEMPLATE_SQL] {
        hasher.update(part.as_bytes());
    }
    hasher.finalize()
}

/// Where the template lives: `<cache>/pg<major>-<format>`, or `<root>/template`.
pub(super) fn template_path(root: &Path, cache: Option<&Path>, bins: &Binaries) -> PathBuf {
    match cache {
        Some(cache) => cache.join(format!("pg{}-{:08x}", bins.major, template_format())),
        None => root.join("template"),
    }
}

fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> EngineError {
    let what = what.into();
    move |e| EngineError::Io(what, e)
}

pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, EngineError> + Send + 'static,
) -> Result<T, EngineError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| EngineError::Start(format!("a file task failed: {e}")))?
}

/// Builds the template at `path` unless it is there. Several processes may race: the
/// rename decides, and the losers use the winner's.
pub(super) async fn ensure_template(
    bins: &Binaries,
    user: Option<&EngineUser>,
    path: &Path,
) -> Result<(), EngineError> {
    if tokio::fs::try_exists(path).await.unwrap_or(false) {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let parent = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let building = parent.join(format!(".{name}.tmp-{:016x}", rand::random::<u64>()));
    {
        let (parent, building, user) = (parent.clone(), building.clone(), user.cloned());
        blocking(move || {
            std::fs::create_dir_all(&parent)
                .map_err(io_error(format!("create {}", parent.display())))?;
            if let Some(user) = &user {
                process::check_reachable(&building, user).map_err(EngineError::Start)?;
            }
            process::private_dir(&building, user.as_ref())
                .map_err(io_error(format!("create {}", building.display())))
        })
        .await?;
    }
    let built = build(bins, user, &building).await;
    let outcome = match built {
        Ok(()) => match tokio::fs::rename(&building, path).await {
            Ok(()) => {
                tracing::info!(target: "engine", template = %path.display(),
                    elapsed_ms = started.elapsed().as_millis() as u64, "engine template built");
                return Ok(());
            }
            // Another process renamed its template into place first.
            Err(_) if tokio::fs::try_exists(path).await.unwrap_or(false) => Ok(()),
            Err(e) => Err(EngineError::Io(
                format!("rename into {}", path.display()),
                e,
            )),
        },
        Err(e) => Err(e),
    };
    let _ = tokio::fs::remove_dir_all(&building).await;
    outcome
}

async fn build(bins: &Binaries, user: Option<&EngineUser>, dir: &Path) -> Result<(), EngineError> {
    let mut initdb = process::command(&bins.initdb(), user);
    initdb
        .arg("-D")
        .arg(dir)
        .args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--wal-segsize=1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = process::spawn(initdb)
        .await
        .map_err(io_error(format!("run {}", bins.initdb().display())))?
        .wait_with_output()
        .await
        .map_err(io_error("wait for initdb"))?;
    if !output.status.success() {
        return Err(EngineError::Start(format!(
            "initdb {} failed ({}): {}",
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    {
        let dir = dir.to_path_buf();
        blocking(move || {
            use std::io::Write;
            let conf = dir.join("postgresql.conf");
            std::fs::OpenOptions::new()
                .append(true)
                .open(&conf)
                .and_then(|mut f| {
                    f.write_all(SETTINGS.as_bytes())?;
                    f.write_all(redshift_settings().as_bytes())
                })
                .map_err(io_error(format!("write {}", conf.display())))?;
            // Writing over an existing file keeps its owner, the engine user.
            let hba = dir.join("pg_hba.conf");
            std::fs::write(&hba, HBA).map_err(io_error(format!("write {}", hba.display())))
        })
        .await?;
    }
    let postmaster = Postmaster::start(bins, user, dir, false, "template").await?;
    let granted = grant(postmaster.socket_dir()).await;
    postmaster.stop().await;
    granted
}

async fn grant(socket_dir: &Path) -> Result<(), EngineError> {
    for database in ["template1", "postgres"] {
        admin::connect(socket_dir, database)
            .await?
            .batch_execute(TEMPLATE_SQL)
            .await?;
    }
    Ok(())
}

/// A cluster's directory: `data` (the PostgreSQL data directory) and the `bootstrapped`
/// marker.
pub(super) struct ClusterDir(pub PathBuf);

impl ClusterDir {
    pub fn data(&self) -> PathBuf {
        self.0.join("data")
    }

    fn marker(&self) -> PathBuf {
        self.0.join("bootstrapped")
    }

    pub async fn exists(&self) -> bool {
        tokio::fs::try_exists(self.data()).await.unwrap_or(false)
    }

    /// Copies the template into `data` (via `data.tmp`), owned by the engine user, mode
    /// 0700. With `durable`, the copy is flushed before it is renamed into place.
    pub async fn create(
        &self,
        template: &Path,
        user: Option<&EngineUser>,
        durable: bool,
    ) -> Result<(), EngineError> {
        let (dir, template, user) = (self.0.clone(), template.to_path_buf(), user.cloned());
        blocking(move || {
            let user = user.as_ref();
            let copying = dir.join("data.tmp");
            let data = dir.join("data");
            if let Some(clusters) = dir.parent() {
                std::fs::create_dir_all(clusters)
                    .map_err(io_error(format!("create {}", clusters.display())))?;
            }
            process::private_dir(&dir, user)
                .map_err(io_error(format!("create {}", dir.display())))?;
            if copying.exists() {
                std::fs::remove_dir_all(&copying)
                    .map_err(io_error(format!("remove {}", copying.display())))?;
            }
            copy_tree(&template, &copying, user).map_err(io_error(format!(
                "copy the template into {}",
                copying.display()
            )))?;
            std::fs::set_permissions(&copying, std::fs::Permissions::from_mode(0o700))
                .map_err(io_error(format!("chmod {}", copying.display())))?;
            if durable {
                sync_filesystem(&copying)
                    .map_err(io_error(format!("sync {}", copying.display())))?;
            }
            std::fs::rename(&copying, &data)
                .map_err(io_error(format!("rename into {}", data.display())))
        })
        .await
    }

    /// Brings a data directory made by an earlier version up to date before a start: the
    /// access rules (the replication line came with snapshots).
    pub async fn configure(&self) -> Result<(), EngineError> {
        let hba = self.data().join("pg_hba.conf");
        tokio::fs::write(&hba, HBA)
            .await
            .map_err(io_error(format!("write {}", hba.display())))
    }

    /// First start only: the initial database takes the namespace's name. Idempotent, so
    /// a crash before the marker is written just does it again.
    pub async fn bootstrap(&self, socket_dir: &Path, db_name: &str) -> Result<(), EngineError> {
        if tokio::fs::try_exists(self.marker()).await.unwrap_or(false) {
            return Ok(());
        }
        if db_name != "postgres" {
            let client = admin::connect(socket_dir, "template1").await?;
            let named = client
                .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&db_name])
                .await?
                .is_some();
            if !named {
                client
                    .batch_execute(&format!(
                        "ALTER DATABASE postgres RENAME TO {}",
                        quote_ident(db_name)
                    ))
                    .await?;
            }
        }
        tokio::fs::write(self.marker(), db_name)
            .await
            .map_err(io_error(format!("write {}", self.marker().display())))
    }
}

/// A plain recursive copy (file contents, modes, symlinks), each entry given to `user`.
fn copy_tree(from: &Path, to: &Path, user: Option<&EngineUser>) -> io::Result<()> {
    let mode = std::fs::metadata(from)?.permissions().mode();
    std::fs::DirBuilder::new().mode(mode & 0o7777).create(to)?;
    process::give(to, user)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&source, &target, user)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&source)?, &target)?;
            process::give(&target, user)?;
        } else {
            std::fs::copy(&source, &target)?;
            process::give(&target, user)?;
        }
    }
    Ok(())
}

/// One `syncfs` for the whole copy rather than an fsync per file.
pub(super) fn sync_filesystem(path: &Path) -> io::Result<()> {
    let dir = std::fs::File::open(path)?;
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is open for the duration of the call.
    if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
