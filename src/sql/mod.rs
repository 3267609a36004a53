//! The data plane: a PostgreSQL engine per namespace (`engine`) and a PostgreSQL-wire front
//! per workgroup endpoint (`front`). It follows the control plane's state and never the
//! other way round: [`DataPlane::reconcile`] reads what changed (`control::dataplane`) and
//! opens, moves or closes listeners and removes clusters of namespaces that are gone; the
//! only thing it writes back is the port it really listens on.

mod backups;
pub mod client;
pub mod dialect;
pub mod engine;
pub mod front;
pub mod history;
pub mod json;
pub mod password;
pub mod s3;
pub mod tls;
pub mod wire;

use crate::control::dataplane::{LoginTarget, SqlEndpoint, SqlResource};
use crate::control::store::{Scope, Store};
use engine::{ClusterSpec, Engines, Lease};
use front::Destination;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use wire::{BackendKey, PgError};

/// How far past its requested port a listener looks for a free one before taking any port.
const PORT_SEARCH: u16 = 64;

pub struct Config {
    /// The address listeners bind (`--host`).
    pub host: String,
    /// The host names the server certificate names.
    pub tls_hosts: Vec<String>,
    /// Where the certificates are kept (`<state-dir>/tls`), if anywhere.
    pub tls_dir: Option<PathBuf>,
    pub engine: engine::EngineConfig,
    /// How long a client may take from connecting to being logged in.
    pub handshake_timeout: Duration,
    /// Where COPY and UNLOAD find S3 objects.
    pub s3: s3::S3Config,
}

/// What a CancelRequest with one of our keys reaches.
struct CancelTarget {
    socket: PathBuf,
    key: BackendKey,
}

pub struct DataPlane {
    store: Arc<Store>,
    /// The engines, made off the start-up path (locating PostgreSQL runs programs).
    ready: tokio::sync::OnceCell<Ready>,
    /// Whether `warm` has run.
    warmed: std::sync::atomic::AtomicBool,
    /// The certificates, made when a client first asks for TLS or the CA: key generation
    /// costs memory an emulator that serves no SQL should not pay.
    tls: tokio::sync::OnceCell<Result<tls::Tls, String>>,
    /// What `ready` and `tls` are made from.
    making: Mutex<Making>,
    handshake_timeout: Duration,
    s3: s3::S3Config,
    host: String,
    /// Where the data plane keeps what it writes beside the engines (the Data API's results).
    scratch: PathBuf,
    /// Whether what is kept there is to survive a restart (`--state-dir`).
    durable: bool,
    /// Our BackendKeyData, handed to clients, to the engine's.
    cancels: Mutex<HashMap<BackendKey, CancelTarget>>,
    /// The namespace clusters sessions have opened, by namespace, so that a namespace that
    /// is gone (or made anew under its name) has its cluster removed.
    clusters: Mutex<HashMap<(Scope, String), String>>,
    /// The control plane's revision the listeners have caught up with.
    applied: watch::Sender<u64>,
    /// The same, read without a lock on every request.
    applied_now: std::sync::atomic::AtomicU64,
    stop: CancellationToken,
    /// The queues of captures and restores asked by the control plane.
    backups: backups::Backups,
}

/// The parts of the data plane that take a while to make.
pub struct Ready {
    pub engines: Engines,
}

#[derive(Default)]
struct Making {
    engine: Option<engine::EngineConfig>,
    tls_dir: Option<PathBuf>,
    tls_hosts: Vec<String>,
}

/// A listener the data plane runs, and the sessions it accepted.
struct Listening {
    id: String,
    requested: u16,
    port: u16,
    /// Stops accepting.
    accepting: CancellationToken,
    /// Ends the sessions (the endpoint is gone).
    sessions: CancellationToken,
}

impl DataPlane {
    /// Starts the data plane: certificates now, listeners from the store's state, and a task
    /// that follows its changes until `shutdown`.
    pub fn start(store: Arc<Store>, config: Config) -> Arc<DataPlane> {
        let (applied, _) = watch::channel(0);
        store.follow_sql_changes();
        let plane = Arc::new(DataPlane {
            store,
            ready: tokio::sync::OnceCell::new(),
            warmed: std::sync::atomic::AtomicBool::new(false),
            handshake_timeout: config.handshake_timeout,
            s3: config.s3,
            host: config.host.clone(),
            scratch: config.engine.root.join("scratch"),
            durable: config.engine.durable,
            tls: tokio::sync::OnceCell::new(),
            making: Mutex::new(Making {
                engine: Some(config.engine),
                tls_dir: config.tls_dir,
                tls_hosts: config.tls_hosts,
            }),
            cancels: Mutex::default(),
            clusters: Mutex::default(),
            applied,
            applied_now: std::sync::atomic::AtomicU64::new(0),
            stop: CancellationToken::new(),
            backups: backups::Backups::default(),
        });
        tokio::spawn(plane.clone().reconcile());
        plane
    }

    /// Where COPY and UNLOAD find S3 objects.
    pub fn s3(&self) -> &s3::S3Config {
        &self.s3
    }

    /// The engines, made on first need.
    pub async fn ready(&self) -> &Ready {
        self.ready
            .get_or_init(|| async {
                let making = self.making.lock().expect("unpoisoned").engine.take();
                let config = making.expect("made once, by this call");
                let engines = tokio::task::spawn_blocking(move || Engines::new(config))
                    .await
                    .expect("locating PostgreSQL does not panic");
                if let Some(reason) = engines.unavailable() {
                    tracing::warn!("SQL endpoints will refuse sessions: {reason}");
                }
                Ready { engines }
            })
            .await
    }

    /// The certificates, or why they could not be made (then SSLRequests are declined).
    pub async fn tls(&self) -> &Result<tls::Tls, String> {
        self.tls
            .get_or_init(|| async {
                let (dir, hosts) = {
                    let making = self.making.lock().expect("unpoisoned");
                    (making.tls_dir.clone(), making.tls_hosts.clone())
                };
                let made =
                    tokio::task::spawn_blocking(move || tls::Tls::new(dir.as_deref(), &hosts))
                        .await
                        .unwrap_or_else(|e| Err(e.to_string()));
                if let Err(e) = &made {
                    tracing::warn!("SQL endpoints will decline TLS: {e}");
                }
                made
            })
            .await
    }

    /// Waits (a bounded while) until the listeners reflect the control plane's `revision`, so
    /// an answer that says AVAILABLE is never ahead of the endpoint it names.
    pub async fn caught_up(&self, revision: u64) {
        if self.is_caught_up(revision) {
            return;
        }
        let mut applied = self.applied.subscribe();
        let _ = tokio::time::timeout(
            Duration::from_secs(10),
            applied.wait_for(|&a| a >= revision),
        )
        .await;
    }

    pub fn is_caught_up(&self, revision: u64) -> bool {
        self.applied_now.load(std::sync::atomic::Ordering::Acquire) >= revision
    }

    /// Follows the control plane: a full scan first, then what each change marks.
    async fn reconcile(self: Arc<Self>) {
        let wake = self.store.sql_wake();
        let mut listening: HashMap<(Scope, SqlResource), Listening> = HashMap::new();
        let mut first = true;
        loop {
            let notified = wake.notified();
            let taken = self.store.take_sql_changes();
            let resources = if first || taken.everything {
                let mut all = self.store.sql_resources();
                all.extend(listening.keys().cloned());
                let namespaces: Vec<_> = self
                    .clusters
                    .lock()
                    .expect("unpoisoned")
                    .keys()
                    .cloned()
                    .collect();
                all.extend(
                    namespaces
                        .into_iter()
                        .map(|(s, n)| (s, SqlResource::Namespace(n))),
                );
                all.sort();
                all.dedup();
                all
            } else {
                taken.resources
            };
            first = false;
            // Work first: a namespace removed below waits behind the captures it still owes.
            self.dispatch_work();
            if taken.released {
                self.collect_captures();
            }
            for (scope, resource) in resources {
                self.apply(&mut listening, scope, resource).await;
            }
            self.applied_now
                .store(taken.revision, std::sync::atomic::Ordering::Release);
            self.applied.send_replace(taken.revision);
            tokio::select! {
                _ = notified => {}
                _ = self.stop.cancelled() => break,
            }
        }
        for (_, listener) in listening {
            listener.accepting.cancel();
            listener.sessions.cancel();
        }
    }

    async fn apply(
        self: &Arc<Self>,
        listening: &mut HashMap<(Scope, SqlResource), Listening>,
        scope: Scope,
        resource: SqlResource,
    ) {
        if let SqlResource::Namespace(name) = &resource {
            let key = (scope.clone(), name.clone());
            let opened = self.clusters.lock().expect("unpoisoned").get(&key).cloned();
            if let Some(id) = opened {
                if self.store.namespace_id(&scope, name).as_deref() != Some(id.as_str()) {
                    self.clusters.lock().expect("unpoisoned").remove(&key);
                    // Stopping a postmaster takes a while: the listeners need not wait for it.
                    self.enqueue(&id, backups::Job::Remove);
                }
            }
            return;
        }
        let key = (scope, resource);
        let wanted = self
            .store
            .sql_endpoint(&key.0, &key.1)
            .filter(|e| e.serving);
        let unchanged = match (&wanted, listening.get(&key)) {
            (Some(want), Some(have)) => want.id == have.id && want.port == have.requested,
            (None, None) => true,
            _ => false,
        };
        if unchanged {
            return;
        }
        // A move keeps the sessions; a deletion (or a resource made anew) ends them.
        let mut kept = None;
        if let Some(old) = listening.remove(&key) {
            old.accepting.cancel();
            if wanted.as_ref().is_some_and(|w| w.id == old.id) {
                kept = Some(old.sessions);
            } else {
                old.sessions.cancel();
            }
        }
        match wanted {
            Some(wanted) => self.listen(listening, key, wanted, kept),
            None => self.store.set_bound_port(&key.0, &key.1, None),
        }
    }

    /// Binds a listener for `key` at `requested` or the next free port and records it.
    fn listen(
        self: &Arc<Self>,
        listening: &mut HashMap<(Scope, SqlResource), Listening>,
        key: (Scope, SqlResource),
        wanted: SqlEndpoint,
        sessions: Option<CancellationToken>,
    ) {
        let SqlEndpoint {
            id,
            workgroup,
            port: requested,
            ..
        } = wanted;
        let held: Vec<u16> = listening.values().map(|l| l.port).collect();
        let candidates = (0..PORT_SEARCH)
            .filter_map(|i| requested.checked_add(i))
            .filter(|p| !held.contains(p))
            .chain(std::iter::once(0));
        let bound = candidates
            .into_iter()
            .find_map(|port| bind(&self.host, port));
        let Some(listener) = bound else {
            tracing::warn!(workgroup, "no port could be bound for the SQL endpoint");
            self.store.set_bound_port(&key.0, &key.1, None);
            return;
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(requested);
        let accepting = self.stop.child_token();
        let sessions = sessions.unwrap_or_else(|| self.stop.child_token());
        let destination = Arc::new(Destination {
            scope: key.0.clone(),
            workgroup: workgroup.clone(),
        });
        self.warm();
        tokio::spawn(self.clone().accept(
            listener,
            destination,
            accepting.clone(),
            sessions.clone(),
        ));
        self.store.set_bound_port(&key.0, &key.1, Some(port));
        tracing::info!(workgroup, port, "SQL endpoint listening");
        listening.insert(
            key,
            Listening {
                id,
                requested,
                port,
                accepting,
                sessions,
            },
        );
    }

    async fn accept(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        destination: Arc<Destination>,
        accepting: CancellationToken,
        sessions: CancellationToken,
    ) {
        loop {
            let accepted = tokio::select! {
                _ = accepting.cancelled() => return,
                accepted = listener.accept() => accepted,
            };
            match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(front::serve(
                        self.clone(),
                        stream,
                        destination.clone(),
                        sessions.clone(),
                    ));
                }
                Err(e) => {
                    // Out of descriptors, say: back off rather than spin.
                    tracing::warn!(error = %e, "accepting a SQL connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    /// Once the first endpoint listens: finds the engine (logging once if there is none) and
    /// removes clusters left by namespaces deleted while the emulator was down. An emulator
    /// that serves no endpoint never pays for it.
    fn warm(self: &Arc<Self>) {
        if self.warmed.swap(true, std::sync::atomic::Ordering::AcqRel) {
            return;
        }
        let plane = self.clone();
        tokio::spawn(async move {
            plane.ready().await;
            plane.remove_orphan_clusters().await;
        });
    }

    /// Opens the cluster of a login's namespace, remembering it for removal later.
    async fn open(
        &self,
        destination: &Destination,
        target: &LoginTarget,
        spec: &ClusterSpec,
    ) -> Result<Lease, PgError> {
        self.clusters.lock().expect("unpoisoned").insert(
            (destination.scope.clone(), target.namespace.clone()),
            target.namespace_id.clone(),
        );
        self.ready()
            .await
            .engines
            .open(spec)
            .await
            .map_err(|e| PgError::cannot_connect(e.to_string()))
    }

    /// Clusters on disk whose namespace no longer exists (deleted while the emulator was
    /// down), each removed behind the work its namespace still owes.
    async fn remove_orphan_clusters(self: &Arc<Self>) {
        let live: std::collections::HashSet<String> =
            self.store.namespace_ids().into_iter().collect();
        let engines = &self.ready().await.engines;
        for id in engines.cluster_ids() {
            if !live.contains(&id) {
                self.enqueue(&id, backups::Job::Remove);
            }
        }
    }

    /// Hands out a key of our own for a session whose engine key is `key`.
    fn register(&self, key: BackendKey, socket: &Path) -> BackendKey {
        let mut cancels = self.cancels.lock().expect("unpoisoned");
        loop {
            let ours = BackendKey {
                pid: rand::random::<i32>() & 0x3fff_ffff,
                secret: rand::random(),
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = cancels.entry(ours) {
                slot.insert(CancelTarget {
                    socket: socket.to_path_buf(),
                    key,
                });
                return ours;
            }
        }
    }

    fn unregister(&self, ours: BackendKey) {
        self.cancels.lock().expect("unpoisoned").remove(&ours);
    }

    /// A client's CancelRequest: passed to the engine when the key is one we handed out.
    async fn cancel(&self, ours: BackendKey) {
        let target = self
            .cancels
            .lock()
            .expect("unpoisoned")
            .get(&ours)
            .map(|t| (t.socket.clone(), t.key));
        if let Some((socket, key)) = target {
            self.cancel_engine(&socket, key).await;
        }
    }

    async fn cancel_engine(&self, socket: &Path, key: BackendKey) {
        client::cancel(socket, key).await;
    }

    /// A directory of the data plane's own, for what it keeps on disk beside the engines.
    pub fn scratch_dir(&self) -> &Path {
        &self.scratch
    }

    /// Whether the scratch directory survives restarts (the engines are durable).
    pub fn durable(&self) -> bool {
        self.durable
    }

    /// The engine's state, for `GET /_emulator/health`.
    pub fn health(&self) -> serde_json::Value {
        match self.ready.get() {
            Some(ready) => serde_json::to_value(ready.engines.status()).unwrap_or_default(),
            // Nothing has needed the engine yet: no endpoint has listened.
            None => serde_json::json!({ "state": "notStarted" }),
        }
    }

    /// The CA certificate (PEM) clients verify the endpoints with.
    pub async fn ca_pem(&self) -> Result<String, String> {
        self.tls()
            .await
            .as_ref()
            .map(|t| t.ca_pem.clone())
            .map_err(Clone::clone)
    }

    /// Closes every listener and session and stops the engines.
    pub async fn shutdown(&self) {
        self.stop.cancel();
        if let Some(ready) = self.ready.get() {
            ready.engines.shutdown().await;
        }
    }
}

/// A listener on `host:port`, or `None` when the port is taken.
fn bind(host: &str, port: u16) -> Option<tokio::net::TcpListener> {
    crate::net::listen(host, port).ok()
}

/// Where an in-memory run keeps its engines: a fresh directory in `/dev/shm` when that is a
/// memory file system with room (copying a template cluster to disk here took a second, to
/// memory 50 ms), else in the system's temporary directory.
pub fn temporary_root(name: &str) -> PathBuf {
    let shm = Path::new("/dev/shm");
    let base = if free_bytes(shm).is_some_and(|free| free >= 1 << 30) {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    base.join(name)
}

/// The space free for an unprivileged user on the file system of `dir`.
fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and `stat` is a valid, writable statvfs.
    if unsafe { libc::statvfs(path.as_ptr(), &mut stat) } != 0 {
        return None;
    }
    Some(stat.f_bavail as u64 * stat.f_frsize as u64)
}
