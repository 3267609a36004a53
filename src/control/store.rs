//! The state store: every resource, partitioned by (account, region), and the pending timers,
//! behind one `std::sync::Mutex`. The lock is held only while a synchronous handler runs, never
//! across an `.await`, so a blocking mutex is the right tool (as in mini-redis).

use crate::control::clock::Clock;
use crate::control::error::ApiResult;
use crate::control::lifecycle::{
    EndpointStatus, Lifecycle, Status, TableRestoreState, Target, Timer, Timers,
};
use crate::control::ops;
use crate::model::{self, NamespaceStatus, SnapshotStatus, WorkgroupStatus};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use tokio::sync::Notify;

/// An account and region: the unit of isolation, as in AWS.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

impl Scope {
    pub fn new(account: &str, region: &str) -> Scope {
        Scope {
            account: account.to_string(),
            region: region.to_string(),
        }
    }

    /// `arn:aws:redshift-serverless:<region>:<account>:<resource>`.
    pub fn arn(&self, resource: &str) -> String {
        format!(
            "arn:aws:redshift-serverless:{}:{}:{resource}",
            self.region, self.account
        )
    }
}

/// Who is calling, as far as the credentials tell: GetCredentials derives the database user
/// from it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Caller {
    /// The access key id the request was signed with, if it was signed.
    pub access_key: Option<String>,
    /// Temporary credentials (a session token was sent): the caller is an assumed role.
    pub assumed_role: bool,
}

/// Settings the handlers read; fixed for the life of the server.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The host name workgroup endpoints report, since users connect to it.
    pub endpoint_host: String,
    /// How long a transitional status lasts before it settles.
    pub transition_delay: Duration,
    /// How often each namespace gets a recovery point (AWS: about every 30 minutes).
    pub recovery_point_interval: Duration,
    /// How long a recovery point is kept (AWS: 24 hours).
    pub recovery_point_retention: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            endpoint_host: "localhost".into(),
            transition_delay: Duration::seconds(2),
            recovery_point_interval: Duration::minutes(30),
            recovery_point_retention: Duration::hours(24),
        }
    }
}

pub struct NamespaceRecord {
    /// Everything GetNamespace answers except the status.
    pub view: model::Namespace,
    pub status: Status<NamespaceStatus>,
    /// Kept for a later data plane; never returned.
    pub admin_password: Option<String>,
    /// The one workgroup on this namespace, if any.
    pub workgroup: Option<String>,
    /// The Identity Center application given at creation (`redshiftIdcApplicationArn`).
    pub idc_application_arn: Option<String>,
    /// The Identity Center application associated through the lakehouse configuration.
    pub lakehouse_idc_application_arn: Option<String>,
}

impl NamespaceRecord {
    pub fn to_model(&self) -> model::Namespace {
        model::Namespace {
            status: Some(self.status.get()),
            ..self.view.clone()
        }
    }
}

pub struct WorkgroupRecord {
    /// Everything GetWorkgroup answers except the status.
    pub view: model::Workgroup,
    pub status: Status<WorkgroupStatus>,
}

impl WorkgroupRecord {
    pub fn to_model(&self) -> model::Workgroup {
        model::Workgroup {
            status: Some(self.status.get()),
            ..self.view.clone()
        }
    }
}

pub struct SnapshotRecord {
    /// Everything GetSnapshot answers except the status and the remaining days.
    pub view: model::Snapshot,
    pub status: Status<SnapshotStatus>,
    /// When the retention period runs out; `None` keeps the snapshot forever.
    pub expires_at: Option<DateTime<Utc>>,
    /// The namespace as it was when the snapshot was taken: what a restore puts back.
    pub source: Image,
    /// The resource policy, as put.
    pub policy: Option<String>,
}

impl SnapshotRecord {
    pub fn to_model(&self, now: DateTime<Utc>) -> model::Snapshot {
        let remaining = match self.expires_at {
            None => -1,
            Some(at) => ((at - now).num_seconds().max(0) as f64 / 86_400.0).ceil() as i32,
        };
        model::Snapshot {
            status: Some(self.status.get()),
            snapshot_remaining_days: Some(remaining),
            ..self.view.clone()
        }
    }
}

/// The settings of a namespace that a snapshot or recovery point preserves.
#[derive(Clone, Debug)]
pub struct Image {
    pub namespace: model::Namespace,
    pub admin_password: Option<String>,
}

pub struct RecoveryPointRecord {
    pub view: model::RecoveryPoint,
    pub source: Image,
}

pub struct TableRestoreRecord {
    /// Everything GetTableRestoreStatus answers except the status.
    pub view: model::TableRestoreStatus,
    pub state: Status<TableRestoreState>,
}

impl TableRestoreRecord {
    pub fn to_model(&self) -> model::TableRestoreStatus {
        model::TableRestoreStatus {
            status: Some(self.state.get().as_str().to_string()),
            ..self.view.clone()
        }
    }
}

pub struct EndpointRecord {
    /// Everything GetEndpointAccess answers except the status.
    pub view: model::EndpointAccess,
    pub status: Status<EndpointStatus>,
    pub id: String,
}

impl EndpointRecord {
    pub fn to_model(&self) -> model::EndpointAccess {
        model::EndpointAccess {
            endpoint_status: Some(self.status.get().as_str().to_string()),
            ..self.view.clone()
        }
    }
}

pub struct ScheduledActionRecord {
    /// Everything GetScheduledAction answers except the next invocations.
    pub view: model::ScheduledActionResponse,
    /// The parsed schedule, and when it fires next (`None`: never again).
    pub schedule: crate::control::schedule::Schedule,
    pub next_at: Option<DateTime<Utc>>,
}

/// Temporary database credentials issued by GetCredentials, kept until they expire so that a
/// data plane can accept them as logins.
#[derive(Clone, Debug)]
pub struct IssuedCredentials {
    pub workgroup: String,
    pub db_user: String,
    pub db_name: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// The resources of one account in one region. Maps are ordered by name so that list pages
/// can resume after a key in O(log n).
#[derive(Default)]
pub struct Partition {
    pub namespaces: BTreeMap<String, NamespaceRecord>,
    pub workgroups: BTreeMap<String, WorkgroupRecord>,
    pub snapshots: BTreeMap<String, SnapshotRecord>,
    /// By id; ids are UUIDv7 made from the creation time, so this is also time order.
    pub recovery_points: BTreeMap<String, RecoveryPointRecord>,
    /// By id, time-ordered as recovery points are.
    pub table_restores: BTreeMap<String, TableRestoreRecord>,
    /// By id.
    pub snapshot_copy_configurations: BTreeMap<String, model::SnapshotCopyConfiguration>,
    pub endpoint_accesses: BTreeMap<String, EndpointRecord>,
    /// By custom domain name. The workgroup's `customDomain*` members mirror these.
    pub custom_domains: BTreeMap<String, model::Association>,
    /// By id.
    pub usage_limits: BTreeMap<String, model::UsageLimit>,
    pub scheduled_actions: BTreeMap<String, ScheduledActionRecord>,
    /// By id.
    pub reservations: BTreeMap<String, model::Reservation>,
    /// CreateReservation's idempotency tokens, to the reservation each created.
    pub reservation_tokens: HashMap<String, String>,
    /// By password.
    pub credentials: HashMap<String, IssuedCredentials>,
    /// By name: the workgroups AWS manages for registered Glue catalogs.
    pub managed_workgroups: BTreeMap<String, model::ManagedWorkgroupListItem>,
    /// Tags of every taggable resource, by ARN. A resource has an entry from its creation until
    /// it is gone, so the entry also says whether the ARN names a live resource.
    pub tags: HashMap<String, BTreeMap<String, String>>,
}

/// What a handler works with: the caller's partition, the time, and a way to schedule timers.
pub struct Ctx<'a> {
    pub scope: &'a Scope,
    pub caller: &'a Caller,
    pub now: DateTime<Utc>,
    pub settings: &'a Settings,
    pub state: &'a mut Partition,
    timers: &'a mut Timers,
}

impl Ctx<'_> {
    /// Settles `target` once the configured transition delay has passed.
    pub fn settle_later(&mut self, target: Target) {
        let at = self.now + self.settings.transition_delay;
        self.schedule_at(at, target);
    }

    pub fn schedule_at(&mut self, at: DateTime<Utc>, target: Target) {
        self.timers.schedule(
            at,
            Timer {
                scope: self.scope.clone(),
                target,
            },
        );
    }

    /// A UUIDv7 stamped with the emulator's time: unique, and sorting in creation order.
    pub fn time_ordered_id(&self) -> String {
        let ts = uuid::Timestamp::from_unix(
            uuid::NoContext,
            self.now.timestamp().max(0) as u64,
            self.now.timestamp_subsec_nanos(),
        );
        uuid::Uuid::new_v7(ts).to_string()
    }
}

#[derive(Default)]
struct Inner {
    partitions: HashMap<Scope, Partition>,
    timers: Timers,
}

impl Inner {
    /// Fires `timer` as of `now` in its partition.
    fn fire(&mut self, timer: Timer, now: DateTime<Utc>, settings: &Settings) {
        let Some(state) = self.partitions.get_mut(&timer.scope) else {
            return;
        };
        let mut ctx = Ctx {
            scope: &timer.scope,
            caller: &Caller::default(),
            now,
            settings,
            state,
            timers: &mut self.timers,
        };
        ops::fire(&mut ctx, &timer.target);
    }

    /// Fires every timer due at `now`, each as of its own deadline, so that a clock moved
    /// far ahead replays what would have happened in between.
    fn fire_due(&mut self, now: DateTime<Utc>, settings: &Settings) -> usize {
        let mut fired = 0;
        while let Some((at, timer)) = self.timers.pop_due(now) {
            self.fire(timer, at, settings);
            fired += 1;
        }
        fired
    }
}

#[derive(Default)]
pub struct Store {
    inner: Mutex<Inner>,
    pub clock: Clock,
    pub settings: Settings,
    /// Woken when a timer is scheduled or the clock moves, so the driver re-reads its deadline.
    pub wake: Notify,
}

impl Store {
    pub fn new(settings: Settings) -> Store {
        Store {
            settings,
            ..Store::default()
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A handler never panics while holding the lock in normal operation; if one did, the
        // state is still structurally valid, so keep serving rather than poison every request.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `handler` over the caller's partition, after firing every timer already due, so
    /// what a caller sees never lags the clock.
    pub fn execute<T>(
        &self,
        scope: &Scope,
        caller: &Caller,
        handler: impl FnOnce(&mut Ctx) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let now = self.clock.now();
        let mut guard = self.lock();
        let inner = &mut *guard;
        inner.fire_due(now, &self.settings);
        let before = inner.timers.len();
        let state = inner.partitions.entry(scope.clone()).or_default();
        let mut ctx = Ctx {
            scope,
            caller,
            now,
            settings: &self.settings,
            state,
            timers: &mut inner.timers,
        };
        let result = handler(&mut ctx);
        let scheduled = inner.timers.len() > before;
        drop(guard);
        if scheduled {
            self.wake.notify_one();
        }
        result
    }

    /// Fires the timers due now and returns the next deadline, for the driver.
    pub fn fire_due(&self) -> Option<DateTime<Utc>> {
        let now = self.clock.now();
        let mut inner = self.lock();
        inner.fire_due(now, &self.settings);
        inner.timers.next_deadline()
    }

    /// Completes every pending transition now, whatever its deadline (clock events such as
    /// snapshot expiry keep theirs).
    pub fn settle_all(&self) -> usize {
        let now = self.clock.now();
        let mut inner = self.lock();
        let mut fired = 0;
        while let Some(timer) = inner.timers.pop_transition() {
            inner.fire(timer, now, &self.settings);
            fired += 1;
        }
        fired
    }

    /// Moves the clock forward and fires what became due.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.fire_due();
        self.wake.notify_one();
    }

    pub fn pending_transitions(&self) -> usize {
        self.lock().timers.pending_transitions()
    }
}

/// The lifecycle driver: fires timers at their deadlines until `shutdown` resolves.
pub async fn drive(store: std::sync::Arc<Store>, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        let next = store.fire_due();
        let wait = next.map(|at| (at - store.clock.now()).to_std().unwrap_or_default());
        tokio::select! {
            _ = &mut shutdown => return,
            _ = store.wake.notified() => {}
            _ = async {
                match wait {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => std::future::pending().await,
                }
            } => {}
        }
    }
}
