//! The SQL engine: a real PostgreSQL server per namespace, run and supervised by us.
//!
//! Each namespace is a cluster: a data directory under `<root>/clusters/<id>` copied from
//! one template (initdb'd once, configured, then copied, which is much faster than an
//! initdb per namespace), and a postmaster that is our child, listening only on a Unix
//! socket in a private directory. A cluster starts on its first `open`, keeps running
//! while a `Lease` is held, and stops after `idle` without one; the next `open` starts it
//! again.
//!
//! Invariants: no TCP listener, ever; nothing blocking runs on the async runtime (file
//! work is `spawn_blocking`, children are tokio's); no std lock is held across an await;
//! every postmaster is forked by the one spawner thread (see `process`), so none outlives
//! a killed emulator.
//!
//! Files: `locate` (finding the binaries), `process` (the engine user, spawning, a
//! postmaster's start, stop and recovery), `cluster` (template and data directories),
//! `supervisor` (one cluster's states and leases), `admin` (our own connections).

mod admin;
mod backup;
mod cluster;
mod locate;
mod process;
mod snapshots;
mod supervisor;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::runtime::Handle;

pub use snapshots::Captured;

use crate::sql::history::Log;
use locate::Binaries;
use process::{EngineUser, Postmaster, PORT};
use supervisor::Cluster;

pub struct EngineConfig {
    /// --postgres-bin: where initdb and postgres are. None: search (see `locate`).
    pub bin_dir: Option<PathBuf>,
    /// Where the template and the clusters live: `<state-dir>/engine`, or a fresh temporary
    /// directory in memory mode.
    pub root: PathBuf,
    /// fsync on (state-dir mode) or off (memory mode).
    pub durable: bool,
    /// Remove `root` entirely at shutdown (memory mode).
    pub temporary: bool,
    /// Stop a cluster after it has had no lease for this long.
    pub idle: Duration,
    /// Optional: a directory holding a ready-made template (built there, atomically, if
    /// absent) shared by many emulator runs, e.g. tests. None: the template lives in
    /// `root/template`.
    pub template_cache: Option<PathBuf>,
}

/// What `GET /_emulator/health` says of the engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum EngineStatus {
    #[serde(rename_all = "camelCase")]
    Available {
        version: String,
        bin_dir: PathBuf,
        /// Clusters whose postmaster is running now.
        running: usize,
    },
    Unavailable {
        reason: String,
    },
}

/// A namespace's cluster, as `open` wants it.
pub struct ClusterSpec {
    /// The namespace id (a UUID): the cluster's directory name. Only [A-Za-z0-9-].
    pub id: String,
    /// The namespace's database (`dbName`, default "dev"): the cluster's initial database
    /// has this name, so `current_database()` answers it.
    pub db_name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// No usable PostgreSQL: the reason names the fix.
    #[error("the SQL engine is unavailable: {0}")]
    Unavailable(String),
    #[error("the SQL engine could not start: {0}")]
    Start(String),
    /// What we were doing, and how it failed.
    #[error("the SQL engine could not {0}: {1}")]
    Io(String, #[source] std::io::Error),
    #[error("the SQL engine refused: {}", sql_message(.0))]
    Sql(#[from] tokio_postgres::Error),
    #[error("{0:?} is not a namespace id (letters, digits and '-' only)")]
    InvalidId(String),
}

fn sql_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// The engines of every namespace. Cheap to clone.
#[derive(Clone)]
pub struct Engines {
    shared: Arc<Shared>,
}

struct Shared {
    config: EngineConfig,
    engine: Result<Engine, String>,
    /// The template's path once it is built (single-flight).
    template: tokio::sync::OnceCell<PathBuf>,
    clusters: Mutex<HashMap<String, Arc<Cluster>>>,
    running: AtomicUsize,
    closed: AtomicBool,
    /// Snapshot storage (see `backup`).
    captures: Arc<backup::Captures>,
    /// Held (shared) while a capture or restore uses the storage, and alone while freeing it.
    capturing: tokio::sync::RwLock<()>,
    /// Per cluster: the engine's transaction snapshot when its latest capture began, and
    /// that capture, so an unchanged namespace is not copied again.
    last_captures: Mutex<HashMap<String, (String, String)>>,
}

/// A usable PostgreSQL and who runs it.
struct Engine {
    bins: Binaries,
    user: Option<EngineUser>,
}

impl Engines {
    /// Locates the binaries (fast, synchronous; runs `postgres --version` once). Never
    /// fails: without a usable PostgreSQL every `open` fails with `Unavailable`.
    pub fn new(mut config: EngineConfig) -> Engines {
        // The engine runs in directories of its own, as another user: a relative path given
        // here (`--state-dir state`, say) must mean what it meant to us.
        for path in [Some(&mut config.root), config.template_cache.as_mut()]
            .into_iter()
            .flatten()
        {
            if let Ok(absolute) = std::path::absolute(&*path) {
                *path = absolute;
            }
        }
        let engine = locate::locate(config.bin_dir.as_deref()).and_then(|bins| {
            Ok(Engine {
                bins,
                user: EngineUser::lookup()?,
            })
        });
        Engines {
            shared: Arc::new(Shared {
                captures: Arc::new(backup::Captures::new(&config.root, config.durable)),
                config,
                engine,
                template: tokio::sync::OnceCell::new(),
                clusters: Mutex::new(HashMap::new()),
                running: AtomicUsize::new(0),
                closed: AtomicBool::new(false),
                capturing: tokio::sync::RwLock::new(()),
                last_captures: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn status(&self) -> EngineStatus {
        match &self.shared.engine {
            Ok(engine) => EngineStatus::Available {
                version: engine.bins.version.clone(),
                bin_dir: engine.bins.dir.clone(),
                running: self.shared.running.load(Ordering::SeqCst),
            },
            Err(reason) => EngineStatus::Unavailable {
                reason: reason.clone(),
            },
        }
    }

    /// None when the engine can run; else the one-line reason and fix.
    pub fn unavailable(&self) -> Option<String> {
        self.shared.engine.as_ref().err().cloned()
    }

    /// Ensures the cluster exists (a copy of the template, bootstrapped on its first
    /// start), starts it unless it runs (concurrent opens wait for the same start), and
    /// returns a lease that keeps it running.
    pub async fn open(&self, spec: &ClusterSpec) -> Result<Lease, EngineError> {
        let shared = &self.shared;
        let engine = shared.engine()?;
        let cluster = shared.cluster(&spec.id)?;
        let mut slot = cluster.slot.lock().await;
        if shared.closed.load(Ordering::SeqCst) {
            return Err(EngineError::Unavailable(
                "the emulator is shutting down".into(),
            ));
        }
        if let Some(postmaster) = slot.as_mut() {
            if postmaster.exited() {
                tracing::warn!(target: "engine", cluster = %cluster.id,
                    "the postmaster exited on its own: starting it again");
                *slot = None;
                shared.running.fetch_sub(1, Ordering::SeqCst);
            }
        }
        if slot.is_none() {
            if !cluster.dir.exists().await {
                let template = shared.template(engine).await?;
                cluster
                    .dir
                    .create(template, engine.user.as_ref(), shared.config.durable)
                    .await?;
            }
            cluster.dir.configure().await?;
            let postmaster = Postmaster::start(
                &engine.bins,
                engine.user.as_ref(),
                &cluster.dir.data(),
                shared.config.durable,
                &cluster.id,
            )
            .await?;
            if let Err(e) = cluster
                .dir
                .bootstrap(postmaster.socket_dir(), &spec.db_name)
                .await
            {
                postmaster.stop().await;
                return Err(e);
            }
            *slot = Some(postmaster);
            shared.running.fetch_add(1, Ordering::SeqCst);
        }
        let socket_dir = slot
            .as_ref()
            .map(|p| p.socket_dir().to_path_buf())
            .expect("running here");
        cluster.acquire();
        drop(slot);
        let history = cluster
            .history
            .get_or_init(|| async {
                let dir = cluster.dir.0.clone();
                let loaded = tokio::task::spawn_blocking(move || Log::load(&dir)).await;
                Arc::new(loaded.unwrap_or_else(|_| Log::empty(&cluster.dir.0)))
            })
            .await
            .clone();
        Ok(Lease {
            shared: shared.clone(),
            cluster,
            history,
            socket: socket_dir.join(format!(".s.PGSQL.{PORT}")),
            socket_dir,
            runtime: Handle::current(),
        })
    }

    /// Stops the cluster if it runs and deletes its data (DeleteNamespace). Idempotent.
    pub async fn remove(&self, id: &str) {
        let Ok(cluster) = self.shared.cluster(id) else {
            return;
        };
        let mut slot = cluster.slot.lock().await;
        if let Some(postmaster) = slot.take() {
            postmaster.stop().await;
            self.shared.running.fetch_sub(1, Ordering::SeqCst);
        }
        match tokio::fs::remove_dir_all(&cluster.dir.0).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(target: "engine", cluster = %id,
                "could not delete {}: {e}", cluster.dir.0.display()),
        }
    }

    /// Stops every cluster (concurrently, each waited for) and removes `root` when
    /// temporary. Later opens fail.
    pub async fn shutdown(&self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        let clusters: Vec<Arc<Cluster>> = self
            .shared
            .clusters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        let mut stopping = tokio::task::JoinSet::new();
        for cluster in clusters {
            let shared = self.shared.clone();
            stopping.spawn(async move {
                if let Some(history) = cluster.history.get() {
                    history.write().await;
                }
                if let Some(postmaster) = cluster.slot.lock().await.take() {
                    postmaster.stop().await;
                    shared.running.fetch_sub(1, Ordering::SeqCst);
                }
            });
        }
        while stopping.join_next().await.is_some() {}
        if self.shared.config.temporary {
            let root = &self.shared.config.root;
            if let Err(e) = tokio::fs::remove_dir_all(root).await {
                if e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(target: "engine", "could not delete {}: {e}", root.display());
                }
            }
        }
    }

    /// Tests: the template's path, built if need be.
    #[cfg(test)]
    async fn template(&self) -> Result<PathBuf, EngineError> {
        let engine = self.shared.engine()?;
        self.shared.template(engine).await.cloned()
    }

    /// Tests: lose every running postmaster without stopping it, as a SIGKILLed emulator
    /// would (they keep running). Returns their pids.
    #[cfg(test)]
    async fn abandon(&self) -> Vec<i32> {
        let clusters: Vec<Arc<Cluster>> = self
            .shared
            .clusters
            .lock()
            .unwrap()
            .values()
            .cloned()
            .collect();
        let mut pids = Vec::new();
        for cluster in clusters {
            if let Some(postmaster) = cluster.slot.lock().await.take() {
                pids.push(postmaster.abandon());
                self.shared.running.fetch_sub(1, Ordering::SeqCst);
            }
        }
        pids
    }
}

impl Shared {
    /// The latest capture of cluster `id`, if the engine's state is still what it was then.
    fn last_capture(&self, id: &str, state: &str) -> Option<String> {
        let last = self.last_captures.lock().unwrap_or_else(|e| e.into_inner());
        last.get(id)
            .filter(|(was, _)| was == state)
            .map(|(_, capture)| capture.clone())
    }

    fn set_last_capture(&self, id: &str, state: &str, capture: &str) {
        let mut last = self.last_captures.lock().unwrap_or_else(|e| e.into_inner());
        last.insert(id.to_string(), (state.to_string(), capture.to_string()));
    }

    fn forget_last_capture(&self, id: &str) {
        let mut last = self.last_captures.lock().unwrap_or_else(|e| e.into_inner());
        last.remove(id);
    }

    fn engine(&self) -> Result<&Engine, EngineError> {
        self.engine
            .as_ref()
            .map_err(|reason| EngineError::Unavailable(reason.clone()))
    }

    fn cluster(&self, id: &str) -> Result<Arc<Cluster>, EngineError> {
        let valid = !id.is_empty()
            && id.len() <= 128
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid {
            return Err(EngineError::InvalidId(id.to_string()));
        }
        let mut clusters = self.clusters.lock().unwrap_or_else(|e| e.into_inner());
        Ok(clusters
            .entry(id.to_string())
            .or_insert_with(|| {
                Arc::new(Cluster::new(id, self.config.root.join("clusters").join(id)))
            })
            .clone())
    }

    /// The template, built on first use; also prepares `root`.
    async fn template(&self, engine: &Engine) -> Result<&PathBuf, EngineError> {
        self.template
            .get_or_try_init(|| async {
                let root = self.config.root.clone();
                let user = engine.user.clone();
                let cache = self.config.template_cache.clone();
                let cache = tokio::task::spawn_blocking(move || {
                    prepare_root(&root, user.as_ref())?;
                    Ok::<_, EngineError>(cache.filter(|cache| usable_cache(cache, user.as_ref())))
                })
                .await
                .map_err(|e| EngineError::Start(e.to_string()))??;
                let path =
                    cluster::template_path(&self.config.root, cache.as_deref(), &engine.bins);
                cluster::ensure_template(&engine.bins, engine.user.as_ref(), &path).await?;
                Ok(path)
            })
            .await
    }
}

/// Whether the engine user can reach a shared template cache. One it cannot (under a 0700
/// directory, say) is of no use: the template is then built in the engine's own root.
/// Blocking (a few `stat`s).
fn usable_cache(cache: &Path, user: Option<&EngineUser>) -> bool {
    let Some(user) = user else {
        return true;
    };
    match process::check_reachable(&cache.join("template"), user) {
        Ok(()) => true,
        Err(why) => {
            tracing::warn!(target: "engine", "not sharing the template cache {}: {why}", cache.display());
            false
        }
    }
}

/// `root` and `root/clusters`, the engine user's, reachable by it. Blocking.
fn prepare_root(root: &Path, user: Option<&EngineUser>) -> Result<(), EngineError> {
    std::fs::create_dir_all(root)
        .map_err(|e| EngineError::Io(format!("create {}", root.display()), e))?;
    if let Some(user) = user {
        process::check_reachable(root, user).map_err(EngineError::Start)?;
    }
    for dir in [root.to_path_buf(), root.join("clusters")] {
        process::private_dir(&dir, user)
            .map_err(|e| EngineError::Io(format!("create {}", dir.display()), e))?;
    }
    Ok(())
}

/// Holds a cluster running; when a cluster's last lease drops, its idle timer starts.
pub struct Lease {
    shared: Arc<Shared>,
    cluster: Arc<Cluster>,
    history: Arc<Log>,
    socket: PathBuf,
    socket_dir: PathBuf,
    runtime: Handle,
}

impl Lease {
    /// The cluster's Unix socket file (`<dir>/.s.PGSQL.<port>`).
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The directory holding the cluster's socket.
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// The namespace's query history.
    pub fn history(&self) -> &Arc<Log> {
        &self.history
    }

    /// A fresh connection to the engine's socket.
    pub async fn connect(&self) -> std::io::Result<tokio::net::UnixStream> {
        tokio::net::UnixStream::connect(&self.socket).await
    }

    /// A client connected as the bootstrap superuser `rdsdb` to `database`; its
    /// connection runs on a task of its own until the client is dropped.
    pub async fn admin(&self, database: &str) -> Result<tokio_postgres::Client, EngineError> {
        admin::connect(&self.socket_dir, database).await
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if !self.cluster.release(std::time::Instant::now()) {
            return;
        }
        let (shared, cluster) = (self.shared.clone(), self.cluster.clone());
        self.runtime.spawn(async move {
            let idle = shared.config.idle;
            while let Some(until) = cluster.idle_until(idle) {
                tokio::time::sleep_until(until.into()).await;
                let mut slot = cluster.slot.lock().await;
                if !cluster.idle_for(idle, std::time::Instant::now()) {
                    continue;
                }
                if let Some(postmaster) = slot.take() {
                    tracing::debug!(target: "engine", cluster = %cluster.id, "idle: stopping");
                    postmaster.stop().await;
                    shared.running.fetch_sub(1, Ordering::SeqCst);
                }
                return;
            }
        });
    }
}

impl Engines {
    /// The ids of the clusters on disk, for removing those whose namespace is gone.
    pub fn cluster_ids(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.shared.config.root.join("clusters")) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect()
    }
}
