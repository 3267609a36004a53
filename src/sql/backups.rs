//! The data plane's side of `control::backup`: the work the control plane asked for
//! (captures, restores, table restores), done on the engines and reported back.
//!
//! Each namespace has one queue, worked in the order the control plane asked, so a capture
//! asked before a restore captures what was there before it; a cluster's removal (its
//! namespace is gone) waits in the same queue behind the captures still owed, such as a final
//! snapshot's. Different namespaces' queues run side by side. Every item is done once per
//! run: after a restart the control plane's open items are done again, and a capture already
//! stored is only reported, not made again.

use super::engine::ClusterSpec;
use super::DataPlane;
use crate::control::backup::{Outcome, Taken, Work};
use crate::control::store::Scope;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Notify};

/// How long `/_emulator/settle` waits for the data plane's work before answering anyway.
const SETTLE_WITHIN: Duration = Duration::from_secs(300);

pub(super) enum Job {
    Work {
        scope: Scope,
        seq: u64,
        work: Box<Work>,
    },
    /// The namespace is gone: its cluster and data go.
    Remove,
}

#[derive(Default)]
pub(super) struct Backups {
    queues: Mutex<HashMap<String, mpsc::UnboundedSender<Job>>>,
    dispatched: Mutex<HashSet<(Scope, u64)>>,
    /// Signalled after every report.
    reported: Notify,
}

impl DataPlane {
    /// Hands every work item not handed out yet to its namespace's queue.
    pub(super) fn dispatch_work(self: &Arc<Self>) {
        for (scope, seq, work) in self.store.data_work() {
            let new = self
                .backups
                .dispatched
                .lock()
                .expect("unpoisoned")
                .insert((scope.clone(), seq));
            if new {
                let namespace = work.namespace_id().to_string();
                let work = Box::new(work);
                self.enqueue(&namespace, Job::Work { scope, seq, work });
            }
        }
    }

    /// Queues `job` behind the namespace's earlier ones.
    pub(super) fn enqueue(self: &Arc<Self>, namespace_id: &str, job: Job) {
        let mut queues = self.backups.queues.lock().expect("unpoisoned");
        let job = match queues.get(namespace_id) {
            Some(queue) => match queue.send(job) {
                Ok(()) => return,
                Err(mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let (queue, jobs) = mpsc::unbounded_channel();
        let _ = queue.send(job);
        queues.insert(namespace_id.to_string(), queue);
        tokio::spawn(self.clone().work(namespace_id.to_string(), jobs));
    }

    async fn work(self: Arc<Self>, namespace_id: String, mut jobs: mpsc::UnboundedReceiver<Job>) {
        while let Some(job) = jobs.recv().await {
            match job {
                Job::Remove => self.ready().await.engines.remove(&namespace_id).await,
                Job::Work { scope, seq, work } => {
                    self.run_work(&scope, seq, &work).await;
                    self.backups
                        .dispatched
                        .lock()
                        .expect("unpoisoned")
                        .remove(&(scope, seq));
                    self.backups.reported.notify_waiters();
                }
            }
        }
    }

    async fn report(&self, scope: &Scope, seq: u64, work: &Work, outcome: Outcome) {
        if let Some(durable) = self.store.report(scope, seq, work.capture(), outcome) {
            let _ = durable.await;
        }
        self.backups.reported.notify_waiters();
    }

    async fn run_work(&self, scope: &Scope, seq: u64, work: &Work) {
        let engines = &self.ready().await.engines;
        let unavailable = engines.unavailable();
        match work {
            Work::Capture {
                capture,
                namespace_id,
                db_name,
            } => {
                let started = Instant::now();
                let spec = spec(namespace_id, db_name);
                let taken = match unavailable {
                    // Without an engine there is nothing to capture: a snapshot of settings.
                    Some(_) => Ok(Default::default()),
                    None => engines.capture(&spec, capture).await,
                };
                let outcome = match taken {
                    Ok(c) => Outcome::Captured {
                        taken: Taken {
                            total_bytes: c.total_bytes,
                            new_bytes: c.new_bytes,
                            elapsed_ms: started.elapsed().as_millis() as u64,
                        },
                    },
                    Err(e) => {
                        tracing::warn!(target: "engine", capture, "a capture failed: {e}");
                        Outcome::CaptureFailed {
                            reason: e.to_string(),
                        }
                    }
                };
                self.report(scope, seq, work, outcome).await;
            }
            Work::Restore {
                namespace,
                namespace_id,
                db_name,
                capture,
            } => {
                // The restore may make the cluster: it is removed with its namespace.
                self.clusters
                    .lock()
                    .expect("unpoisoned")
                    .insert((scope.clone(), namespace.clone()), namespace_id.clone());
                if unavailable.is_none() {
                    self.wait_captured(capture).await;
                    if let Err(e) = engines.restore(&spec(namespace_id, db_name), capture).await {
                        tracing::error!(target: "engine", capture, namespace_id,
                            "a restore failed; the namespace keeps its data: {e}");
                    }
                }
                self.report(scope, seq, work, Outcome::Restored).await;
            }
            Work::RestoreTable {
                request,
                namespace_id,
                db_name,
                capture,
                table,
            } => {
                if let Some(reason) = unavailable {
                    let outcome = Outcome::TableFailed { reason };
                    return self.report(scope, seq, work, outcome).await;
                }
                self.wait_captured(capture).await;
                self.report(scope, seq, work, Outcome::TableStarted { total_bytes: 0 })
                    .await;
                let outcome = match engines
                    .restore_table(&spec(namespace_id, db_name), capture, request, table)
                    .await
                {
                    Ok(bytes) => Outcome::TableRestored { bytes },
                    Err(reason) => Outcome::TableFailed { reason },
                };
                self.report(scope, seq, work, outcome).await;
            }
        }
    }

    /// Until no work to make `capture` is open (another namespace's queue may still owe it).
    async fn wait_captured(&self, capture: &str) {
        loop {
            let notified = self.backups.reported.notified();
            let owed = self.store.data_work().into_iter().any(
                |(_, _, work)| matches!(&work, Work::Capture { capture: c, .. } if c == capture),
            );
            if !owed {
                return;
            }
            notified.await;
        }
    }

    /// Until every work item asked of the data plane is reported done (for
    /// `/_emulator/settle`), or a while has passed.
    pub async fn work_settled(&self) {
        let deadline = tokio::time::Instant::now() + SETTLE_WITHIN;
        loop {
            let notified = self.backups.reported.notified();
            if !self.store.has_data_work() {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                tracing::warn!("settle: the data plane's work is still not done; answering");
                return;
            }
        }
    }

    /// Frees the storage of captures nothing holds any more.
    pub(super) fn collect_captures(self: &Arc<Self>) {
        // Without a state directory nothing was captured before this run's engines were
        // made: an idle emulator does not locate PostgreSQL for nothing.
        if self.ready.get().is_none() && !self.durable {
            return;
        }
        let plane = self.clone();
        tokio::spawn(async move {
            let live = plane.store.live_captures();
            plane.ready().await.engines.collect_captures(live).await;
        });
    }
}

fn spec(namespace_id: &str, db_name: &str) -> ClusterSpec {
    ClusterSpec {
        id: namespace_id.to_string(),
        db_name: db_name.to_string(),
    }
}
