//! One cluster's supervision: whether its postmaster runs, who holds it running, and
//! when it stops for want of use.
//!
//! The states are Stopped (`slot` empty), Starting and Stopping (`slot` locked by the
//! task doing it; everyone else waits on the lock, so a start is single-flight) and Ready
//! (`slot` holds the postmaster). Leases are counted under a std mutex that is never held
//! across an await. When the count falls to zero the cluster is idle from then; one idle
//! watcher per cluster (not one per release, which a client connecting in a loop would pile
//! up) sleeps until the idle time is over and stops the cluster if it is still idle then.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::cluster::ClusterDir;
use super::process::Postmaster;
use crate::sql::history::Log;

pub(super) struct Cluster {
    pub id: String,
    pub dir: ClusterDir,
    pub slot: tokio::sync::Mutex<Option<Postmaster>>,
    /// The namespace's query history, loaded on the first open.
    pub history: tokio::sync::OnceCell<Arc<Log>>,
    leases: Mutex<Leases>,
}

#[derive(Default)]
struct Leases {
    count: usize,
    /// Since when no lease has been held (while `count` is zero).
    idle_since: Option<Instant>,
    /// Whether an idle watcher runs for this cluster.
    watched: bool,
}

impl Cluster {
    pub fn new(id: &str, dir: PathBuf) -> Cluster {
        Cluster {
            id: id.to_string(),
            dir: ClusterDir(dir),
            slot: tokio::sync::Mutex::new(None),
            history: tokio::sync::OnceCell::new(),
            leases: Mutex::new(Leases::default()),
        }
    }

    fn leases(&self) -> std::sync::MutexGuard<'_, Leases> {
        self.leases.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Called with `slot` locked and running, so an idle stop cannot slip in between.
    pub fn acquire(&self) {
        let mut leases = self.leases();
        leases.count += 1;
        leases.idle_since = None;
    }

    /// Drops a lease; true when the cluster became idle and needs a watcher started.
    pub fn release(&self, now: Instant) -> bool {
        let mut leases = self.leases();
        leases.count -= 1;
        if leases.count > 0 {
            return false;
        }
        leases.idle_since = Some(now);
        !std::mem::replace(&mut leases.watched, true)
    }

    /// When the watcher should look again: the end of the idle time, or `None` (and the
    /// watcher ends) when a lease is held.
    pub fn idle_until(&self, idle: Duration) -> Option<Instant> {
        let mut leases = self.leases();
        let until = leases.idle_since.map(|since| since + idle);
        if until.is_none() {
            leases.watched = false;
        }
        until
    }

    /// Whether the cluster has been idle for `idle` at `now`; if so the watcher ends.
    /// Asked with `slot` locked.
    pub fn idle_for(&self, idle: Duration, now: Instant) -> bool {
        let mut leases = self.leases();
        let over = leases.idle_since.is_some_and(|since| since + idle <= now);
        if over {
            leases.watched = false;
        }
        over
    }
}
