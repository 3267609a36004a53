//! One cluster's supervision: whether its postmaster runs, who holds it running, and
//! when it stops for want of use.
//!
//! The states are Stopped (`slot` empty), Starting and Stopping (`slot` locked by the
//! task doing it; everyone else waits on the lock, so a start is single-flight) and Ready
//! (`slot` holds the postmaster). Leases are counted under a std mutex that is never held
//! across an await; each time the count falls to zero a new epoch begins, and the idle
//! stop scheduled then acts only if its epoch is still the current one.

use std::path::PathBuf;
use std::sync::Mutex;

use super::cluster::ClusterDir;
use super::process::Postmaster;

pub(super) struct Cluster {
    pub id: String,
    pub dir: ClusterDir,
    pub slot: tokio::sync::Mutex<Option<Postmaster>>,
    leases: Mutex<Leases>,
}

#[derive(Default)]
struct Leases {
    count: usize,
    epoch: u64,
}

impl Cluster {
    pub fn new(id: &str, dir: PathBuf) -> Cluster {
        Cluster {
            id: id.to_string(),
            dir: ClusterDir(dir),
            slot: tokio::sync::Mutex::new(None),
            leases: Mutex::new(Leases::default()),
        }
    }

    fn leases(&self) -> std::sync::MutexGuard<'_, Leases> {
        self.leases.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Called with `slot` locked and running, so an idle stop cannot slip in between.
    pub fn acquire(&self) {
        self.leases().count += 1;
    }

    /// The epoch that began if this was the last lease.
    pub fn release(&self) -> Option<u64> {
        let mut leases = self.leases();
        leases.count -= 1;
        (leases.count == 0).then(|| {
            leases.epoch += 1;
            leases.epoch
        })
    }

    /// No lease has been taken since `epoch` began. Asked with `slot` locked.
    pub fn idle_since(&self, epoch: u64) -> bool {
        let leases = self.leases();
        leases.count == 0 && leases.epoch == epoch
    }
}
