//! What the data plane may see of the control plane, and how it learns of changes: a narrow,
//! read-only interface over the store, free of I/O like the rest of `control`.
//!
//! Every transition scheduled or completed for a namespace, workgroup or endpoint access
//! marks that resource changed (one place: `Ctx::schedule_at` and the timer that fires it).
//! The data plane takes the marks ([`Store::take_sql_changes`]), reads each resource's
//! current [`SqlEndpoint`], and reconciles its listeners and clusters; the control plane
//! never waits on it. The one thing the data plane writes back is where it really listens
//! ([`Store::set_bound_port`]), which is runtime state, never journaled.

use crate::control::backup::Work;
use crate::control::lifecycle::{EndpointStatus, Target};
use crate::control::ops::namespace::DEFAULT_DB_NAME;
use crate::control::store::{Partition, Scope, Store};
use crate::model::WorkgroupStatus;
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// A resource whose changes the data plane follows.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SqlResource {
    Namespace(String),
    Workgroup(String),
    EndpointAccess(String),
}

impl SqlResource {
    /// The resource a timer target is about, if the data plane follows it.
    fn of(target: &Target) -> Option<SqlResource> {
        match target {
            Target::Namespace { name, .. } => Some(SqlResource::Namespace(name.clone())),
            Target::Workgroup { name, .. } => Some(SqlResource::Workgroup(name.clone())),
            Target::EndpointAccess { name, .. } => Some(SqlResource::EndpointAccess(name.clone())),
            _ => None,
        }
    }
}

/// The marks made since the data plane last looked, and a revision counter it can wait on.
#[derive(Debug, Default)]
pub struct SqlChanges {
    /// Whether a data plane follows the marks; none are kept otherwise.
    followed: bool,
    pending: Vec<(Scope, SqlResource)>,
    /// Everything may have changed (an import or reset): rescan.
    everything: bool,
    /// A capture may have lost its last holder since the data plane last looked.
    released: bool,
    revision: Arc<AtomicU64>,
    wake: Arc<Notify>,
}

impl SqlChanges {
    /// Marks the resource of `target`. Only endpoints move the revision callers wait on: a
    /// namespace's change (its cluster removed when it is gone) is the data plane's own
    /// business, which no answer depends on.
    pub(crate) fn mark(&mut self, scope: &Scope, target: &Target) {
        if !self.followed {
            return;
        }
        if let Some(resource) = SqlResource::of(target) {
            let endpoint = !matches!(resource, SqlResource::Namespace(_));
            self.pending.push((scope.clone(), resource));
            if endpoint {
                self.bump();
            } else {
                self.wake.notify_one();
            }
        }
    }

    /// Work was asked of the data plane (see `control::backup`): no answer waits on it.
    pub(crate) fn wake_data(&mut self) {
        if self.followed {
            self.wake.notify_one();
        }
    }

    pub(crate) fn release_captures(&mut self) {
        if self.followed {
            self.released = true;
            self.wake.notify_one();
        }
    }

    pub(crate) fn mark_everything(&mut self) {
        if !self.followed {
            return;
        }
        self.everything = true;
        self.released = true;
        self.pending.clear();
        self.bump();
    }

    pub(crate) fn counter(&self) -> Arc<AtomicU64> {
        self.revision.clone()
    }

    fn bump(&mut self) {
        self.revision.fetch_add(1, Ordering::Release);
        self.wake.notify_one();
    }
}

/// What the data plane takes: the resources marked up to `revision`.
#[derive(Debug)]
pub struct Taken {
    pub revision: u64,
    pub everything: bool,
    /// Captures may have been released: their storage may be freed.
    pub released: bool,
    pub resources: Vec<(Scope, SqlResource)>,
}

/// A place SQL clients connect to: a workgroup's endpoint or an endpoint access.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlEndpoint {
    /// The record's id: a resource re-created under the same name is another endpoint.
    pub id: String,
    /// The workgroup whose sessions it serves.
    pub workgroup: String,
    /// The port callers asked for.
    pub port: u16,
    /// Whether it accepts connections now: AVAILABLE or MODIFYING (ACTIVE or MODIFYING for an
    /// endpoint access).
    pub serving: bool,
}

/// What a login to a workgroup is checked against.
#[derive(Clone, Debug)]
pub struct LoginTarget {
    /// The namespace's id: its cluster's name.
    pub namespace_id: String,
    pub namespace: String,
    /// The namespace's database (`dbName`, default `dev`).
    pub db_name: String,
    pub admin_username: Option<String>,
    pub admin_password: Option<String>,
    /// The workgroup's `require_ssl` parameter.
    pub require_ssl: bool,
    /// The workgroup's config parameters (`configParameters`), key and value.
    pub config: Vec<(String, String)>,
}

/// A GetCredentials password still valid for a login.
#[derive(Clone, Debug)]
pub struct IssuedLogin {
    pub password: String,
    pub db_name: Option<String>,
}

fn workgroup_endpoint(state: &Partition, name: &str) -> Option<SqlEndpoint> {
    let record = state.workgroups.get(name)?;
    let status = record.status.get();
    Some(SqlEndpoint {
        id: record.id().to_string(),
        workgroup: name.to_string(),
        port: record.view.port.and_then(|p| u16::try_from(p).ok())?,
        serving: matches!(
            status,
            WorkgroupStatus::Available | WorkgroupStatus::Modifying
        ),
    })
}

fn access_endpoint(state: &Partition, name: &str) -> Option<SqlEndpoint> {
    let record = state.endpoint_accesses.get(name)?;
    let workgroup = record.view.workgroup_name.clone()?;
    Some(SqlEndpoint {
        id: record.id.clone(),
        port: record.view.port.and_then(|p| u16::try_from(p).ok())?,
        serving: matches!(
            record.status.get(),
            EndpointStatus::Active | EndpointStatus::Modifying
        ),
        workgroup,
    })
}

impl Store {
    /// The revision the marks have reached; the data plane publishes the one it has applied.
    pub fn sql_revision(&self) -> u64 {
        self.sql_counter().load(Ordering::Acquire)
    }

    /// From now on the marks are kept for a data plane (which takes them).
    /// The first revision asks for a full scan, so answers wait until it is done.
    pub fn follow_sql_changes(&self) {
        self.with_changes(|changes| {
            changes.followed = true;
            changes.mark_everything();
        });
    }

    /// Takes the marks made since the last call.
    pub fn take_sql_changes(&self) -> Taken {
        self.with_changes(|changes| Taken {
            revision: changes.revision.load(Ordering::Acquire),
            everything: std::mem::take(&mut changes.everything),
            released: std::mem::take(&mut changes.released),
            resources: std::mem::take(&mut changes.pending),
        })
    }

    /// Woken whenever a mark is made.
    pub fn sql_wake(&self) -> Arc<Notify> {
        self.with_changes(|changes| changes.wake.clone())
    }

    /// Every resource the data plane follows, for a rescan.
    pub fn sql_resources(&self) -> Vec<(Scope, SqlResource)> {
        self.with_partitions(|partitions| {
            let mut all = Vec::new();
            for (scope, state) in partitions {
                let names = state
                    .workgroups
                    .keys()
                    .map(|n| SqlResource::Workgroup(n.clone()))
                    .chain(
                        state
                            .endpoint_accesses
                            .keys()
                            .map(|n| SqlResource::EndpointAccess(n.clone())),
                    );
                all.extend(names.map(|r| (scope.clone(), r)));
            }
            all
        })
    }

    /// The endpoint a resource offers, if it exists (a namespace offers none).
    pub fn sql_endpoint(&self, scope: &Scope, resource: &SqlResource) -> Option<SqlEndpoint> {
        self.with_partition(scope, |state| match resource {
            SqlResource::Namespace(_) => None,
            SqlResource::Workgroup(name) => workgroup_endpoint(state, name),
            SqlResource::EndpointAccess(name) => access_endpoint(state, name),
        })
    }

    /// The id of the namespace of that name, if it exists.
    pub fn namespace_id(&self, scope: &Scope, name: &str) -> Option<String> {
        self.with_partition(scope, |state| {
            state.namespaces.get(name).map(|n| n.id().to_string())
        })
    }

    /// Ids of every namespace, for removing the clusters of namespaces that are gone.
    pub fn namespace_ids(&self) -> Vec<String> {
        self.with_partitions(|partitions| {
            partitions
                .values()
                .flat_map(|state| state.namespaces.values().map(|n| n.id().to_string()))
                .collect()
        })
    }

    /// Records where the data plane listens for `resource` (`None`: nowhere), so that the
    /// endpoint reports the real port. Runtime state: never journaled.
    pub fn set_bound_port(&self, scope: &Scope, resource: &SqlResource, port: Option<u16>) {
        self.with_partition_mut(scope, |state| match resource {
            SqlResource::Namespace(_) => {}
            SqlResource::Workgroup(name) => {
                if let Some(record) = state.workgroups.get_mut(name) {
                    if record.bound_port != port {
                        record.bound_port = port;
                    }
                }
            }
            SqlResource::EndpointAccess(name) => {
                if let Some(record) = state.endpoint_accesses.get_mut(name) {
                    record.bound_port = port;
                }
            }
        })
    }

    /// What a login to `workgroup` is checked against, while the workgroup exists.
    pub fn login_target(&self, scope: &Scope, workgroup: &str) -> Option<LoginTarget> {
        self.with_partition(scope, |state| {
            let record = state.workgroups.get(workgroup)?;
            let require_ssl = record.view.config_parameters.iter().flatten().any(|p| {
                p.parameter_key.as_deref() == Some("require_ssl")
                    && p.parameter_value
                        .as_deref()
                        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            });
            let namespace = record.view.namespace_name.clone()?;
            let ns = state.namespaces.get(&namespace)?;
            Some(LoginTarget {
                namespace_id: ns.id().to_string(),
                db_name: ns
                    .view
                    .db_name
                    .clone()
                    .unwrap_or_else(|| DEFAULT_DB_NAME.to_string()),
                admin_username: ns.view.admin_username.clone(),
                admin_password: ns.admin_password.clone(),
                namespace,
                require_ssl,
                config: record
                    .view
                    .config_parameters
                    .iter()
                    .flatten()
                    .filter_map(|p| Some((p.parameter_key.clone()?, p.parameter_value.clone()?)))
                    .collect(),
            })
        })
    }

    /// The GetCredentials passwords issued to `user` for `workgroup` that are still valid at
    /// `now` on the emulator's clock.
    pub fn issued_logins(&self, scope: &Scope, workgroup: &str, user: &str) -> Vec<IssuedLogin> {
        let now: DateTime<Utc> = self.clock.now();
        self.with_partition(scope, |state| {
            state
                .credentials
                .iter()
                .filter(|(_, c)| {
                    c.workgroup == workgroup && c.db_user == user && c.expires_at > now
                })
                .map(|(password, c)| IssuedLogin {
                    password: password.clone(),
                    db_name: c.db_name.clone(),
                })
                .collect()
        })
    }
}

impl Store {
    /// The work items asked of the data plane and not yet reported done, in the order asked
    /// within each partition.
    pub fn data_work(&self) -> Vec<(Scope, u64, Work)> {
        self.with_partitions(|partitions| {
            partitions
                .iter()
                .flat_map(|(scope, state)| {
                    state
                        .work
                        .iter()
                        .map(|(seq, work)| (scope.clone(), *seq, work.clone()))
                })
                .collect()
        })
    }

    /// Whether work item `seq` of `scope` is still open.
    pub fn work_open(&self, scope: &Scope, seq: u64) -> bool {
        self.with_partition(scope, |state| state.work.contains_key(&seq))
    }

    /// Whether any work is open.
    pub fn has_data_work(&self) -> bool {
        self.with_partitions(|partitions| partitions.values().any(|s| !s.work.is_empty()))
    }

    /// Every capture something still holds: a snapshot, a recovery point, or open work.
    pub fn live_captures(&self) -> HashSet<String> {
        self.with_partitions(|partitions| {
            let mut live = HashSet::new();
            for state in partitions.values() {
                let held = state
                    .snapshots
                    .values()
                    .filter_map(|s| s.capture.as_ref())
                    .chain(
                        state
                            .recovery_points
                            .values()
                            .filter_map(|r| r.capture.as_ref()),
                    );
                live.extend(held.map(|c| c.id.clone()));
                live.extend(state.work.values().map(|w| w.capture().to_string()));
            }
            live
        })
    }
}

/// A workgroup as the Data API finds it: by name or ARN, with whether it serves sessions.
#[derive(Clone, Debug)]
pub struct DataApiWorkgroup {
    /// The workgroup's name (also when it was named by ARN).
    pub name: String,
    /// AVAILABLE or MODIFYING: sessions may start.
    pub serving: bool,
    /// Its status as AWS names it, for refusals.
    pub status: &'static str,
}

impl Store {
    /// The workgroup `name_or_arn` names in `scope`, if it exists.
    pub fn data_api_workgroup(&self, scope: &Scope, name_or_arn: &str) -> Option<DataApiWorkgroup> {
        self.with_partition(scope, |state| {
            let (name, record) = match name_or_arn.strip_prefix("arn:") {
                None => (name_or_arn, state.workgroups.get(name_or_arn)?),
                Some(_) => state
                    .workgroups
                    .iter()
                    .find(|(_, w)| w.view.workgroup_arn.as_deref() == Some(name_or_arn))
                    .map(|(n, w)| (n.as_str(), w))?,
            };
            let status = record.status.get();
            Some(DataApiWorkgroup {
                name: name.to_string(),
                serving: matches!(
                    status,
                    WorkgroupStatus::Available | WorkgroupStatus::Modifying
                ),
                status: status.as_str(),
            })
        })
    }
}
