//! The state store: every resource, partitioned by (account, region), and the pending timers,
//! behind one `std::sync::RwLock`. Handlers that change state hold it exclusively, reads share
//! it, so a reader never waits for another (nor for one preempted while holding it). The lock
//! is held only while a synchronous handler runs, never across an `.await`, so a blocking lock
//! is the right tool (as in mini-redis).

use crate::control::backup::{Capture, Outcome, Work};
use crate::control::clock::Clock;
use crate::control::dataplane::SqlChanges;
use crate::control::error::ApiResult;
use crate::control::lifecycle::{
    EndpointStatus, Lifecycle, Status, TableRestoreState, Target, Timer, Timers,
};
use crate::control::ops;
use crate::control::rng::Rng;
use crate::control::view::Cached;
use crate::model::{self, NamespaceStatus, SnapshotStatus, WorkgroupStatus};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{LazyLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use tokio::sync::Notify;

/// An account and region: the unit of isolation, as in AWS.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Scope {
    // Account ids and region names fit inline: naming a scope, as every request does, does not
    // allocate.
    pub account: SmolStr,
    pub region: SmolStr,
}

impl Scope {
    pub fn new(account: &str, region: &str) -> Scope {
        Scope {
            account: account.into(),
            region: region.into(),
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// The access key id the request was signed with, if it was signed.
    pub access_key: Option<SmolStr>,
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
    /// Whether a data plane serves SQL: then snapshots, recovery points and restores ask it
    /// for their data (see `control::backup`).
    pub data_plane: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            endpoint_host: "localhost".into(),
            transition_delay: Duration::seconds(2),
            recovery_point_interval: Duration::minutes(30),
            recovery_point_retention: Duration::hours(24),
            data_plane: false,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NamespaceRecord {
    /// Everything GetNamespace answers except the status, the id (the ARN's end) and the
    /// defaults callers did not override (see `ops::namespace`).
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
    /// S3 Tables system-table publishing, once an UpdateNamespace configured it. Journals and
    /// snapshots written before it existed load without it.
    #[serde(default)]
    pub s3_tables: Option<S3TablePublishing>,
    /// A restore's data is being put back: the namespace stays MODIFYING until it is.
    #[serde(default)]
    pub restoring: bool,
    /// The transition delay passed while the restore's data was still being put back.
    #[serde(default)]
    pub settle_due: bool,
}

/// A namespace's S3 Tables system-table publishing, as UpdateNamespace requests with
/// `logDestinationType: s3table` left it (see `ops::s3_tables`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct S3TablePublishing {
    /// The scope in effect (`s3TableGranularity`), as the latest enabling request set it.
    pub granularity: model::S3TableGranularity,
    pub tables: PublishedTables,
    /// The KMS key of the published data as the latest enabling request gave it (`None`:
    /// SSE-S3). No answer shows it.
    pub kms_key_id: Option<String>,
}

/// Which system tables are published.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PublishedTables {
    /// Every current and future system table.
    All,
    /// These (none, once every one was disabled).
    Listed(BTreeSet<String>),
}

/// The id at the end of an ARN (`.../namespace/<id>`): records keep the ARN only.
fn arn_id(arn: Option<&str>) -> &str {
    arn.and_then(|arn| arn.rsplit('/').next())
        .unwrap_or_default()
}

impl NamespaceRecord {
    pub fn id(&self) -> &str {
        arn_id(self.view.namespace_arn.as_deref())
    }
}

impl WorkgroupRecord {
    pub fn id(&self) -> &str {
        arn_id(self.view.workgroup_arn.as_deref())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WorkgroupRecord {
    /// Everything GetWorkgroup answers except the status; `configParameters` holds only what
    /// callers set, merged over the defaults when shown (see `ops::workgroup`).
    pub view: model::Workgroup,
    pub status: Status<WorkgroupStatus>,
    /// Where the data plane listens for this workgroup, which the endpoint reports; set by
    /// the data plane, never journaled (see `control::dataplane`).
    #[serde(skip)]
    pub bound_port: Option<u16>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
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
    /// Its data, when a data plane captures it.
    #[serde(default)]
    pub capture: Option<Capture>,
    /// The transition delay passed while the capture was still running.
    #[serde(default)]
    pub settle_due: bool,
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
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Image {
    pub namespace: model::Namespace,
    pub admin_password: Option<String>,
}

impl Image {
    /// The namespace's database, as it was.
    pub fn db_name(&self) -> &str {
        self.namespace
            .db_name
            .as_deref()
            .unwrap_or(ops::namespace::DEFAULT_DB_NAME)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecoveryPointRecord {
    pub view: model::RecoveryPoint,
    pub source: Image,
    /// Its data, when a data plane captures it.
    #[serde(default)]
    pub capture: Option<Capture>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
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

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EndpointRecord {
    /// Everything GetEndpointAccess answers except the status.
    pub view: model::EndpointAccess,
    pub status: Status<EndpointStatus>,
    pub id: String,
    /// Where the data plane listens for this endpoint, as for a workgroup.
    #[serde(skip)]
    pub bound_port: Option<u16>,
}

impl EndpointRecord {
    pub fn to_model(&self) -> model::EndpointAccess {
        model::EndpointAccess {
            endpoint_status: Some(self.status.get().as_str().to_string()),
            port: self.bound_port.map(i32::from).or(self.view.port),
            ..self.view.clone()
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScheduledActionRecord {
    /// Everything GetScheduledAction answers except the next invocations.
    pub view: model::ScheduledActionResponse,
    /// The parsed schedule, and when it fires next (`None`: never again).
    pub schedule: crate::control::schedule::Schedule,
    pub next_at: Option<DateTime<Utc>>,
}

/// Temporary database credentials issued by GetCredentials, kept until they expire so that a
/// data plane can accept them as logins.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IssuedCredentials {
    pub workgroup: String,
    pub db_user: String,
    pub db_name: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// The resources of one account in one region. Maps are ordered by name so that list pages
/// can resume after a key in O(log n).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Partition {
    pub namespaces: BTreeMap<String, Cached<NamespaceRecord>>,
    pub workgroups: BTreeMap<String, Cached<WorkgroupRecord>>,
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
    /// Whether the partition's recovery-point timer is set: it runs while namespaces exist.
    pub taking_recovery_points: bool,
    /// By name: the workgroups AWS manages for registered Glue catalogs.
    pub managed_workgroups: BTreeMap<String, model::ManagedWorkgroupListItem>,
    /// Tags of every taggable resource, by ARN. A resource has an entry from its creation until
    /// it is gone, so the entry also says whether the ARN names a live resource.
    pub tags: HashMap<String, BTreeMap<String, String>>,
    /// What the data plane has been asked to do and has not reported done, in the order
    /// asked (see `control::backup`).
    pub work: BTreeMap<u64, Work>,
    /// The number the next work item gets.
    pub next_work: u64,
}

/// What a handler works with: the caller's partition, the time, and a way to schedule timers.
pub struct Ctx<'a> {
    /// This request's (or timer's) randomness; seeded so that a replay makes the same ids.
    pub rng: Rng,
    pub scope: &'a Scope,
    pub caller: &'a Caller,
    pub now: DateTime<Utc>,
    pub settings: &'a Settings,
    pub state: &'a mut Partition,
    timers: &'a mut Timers,
    changes: &'a mut SqlChanges,
    /// Snapshot copies for other regions' partitions, delivered once the handler is done.
    pub outbox: Vec<SnapshotCopy>,
}

/// A snapshot copied to another region of the account, by a snapshot copy configuration.
#[derive(Debug)]
pub struct SnapshotCopy {
    pub region: String,
    pub record: SnapshotRecord,
}

impl Ctx<'_> {
    /// Settles `target` once the configured transition delay has passed.
    pub fn settle_later(&mut self, target: Target) {
        let at = self.now + self.settings.transition_delay;
        self.schedule_at(at, target);
    }

    pub fn schedule_at(&mut self, at: DateTime<Utc>, target: Target) {
        self.changes.mark(self.scope, &target);
        self.timers.schedule(
            at,
            Timer {
                scope: self.scope.clone(),
                target,
            },
        );
    }

    /// A UUIDv7 stamped with the emulator's time: unique, and sorting in creation order.
    pub fn time_ordered_id(&mut self) -> String {
        self.rng.uuid_at(self.now.timestamp_millis().max(0) as u64)
    }

    /// Asks the data plane for `work`, when there is one; whether it was asked.
    pub fn ask(&mut self, work: Work) -> bool {
        if !self.settings.data_plane {
            return false;
        }
        let seq = self.state.next_work;
        self.state.next_work += 1;
        self.state.work.insert(seq, work);
        self.changes.wake_data();
        true
    }

    /// Asks for the databases of the namespace `image` shows to be captured now.
    pub fn capture_now(&mut self, image: &Image) -> Option<Capture> {
        let namespace_id = image.namespace.namespace_id.clone().unwrap_or_default();
        let capture = Capture {
            id: self.rng.uuid(),
            namespace_id: namespace_id.clone(),
            taken: None,
        };
        let work = Work::Capture {
            capture: capture.id.clone(),
            namespace_id,
            db_name: image.db_name().to_string(),
        };
        self.ask(work).then_some(capture)
    }

    /// A capture may no longer be held by anything: the data plane may free its storage.
    pub fn release_captures(&mut self) {
        self.changes.release_captures();
    }
}

/// What a read-only handler works with: the caller's partition, shared with other readers.
/// A handler that takes a `ReadCtx` cannot change state, and is never journaled.
pub struct ReadCtx<'a> {
    pub rng: Rng,
    pub scope: &'a Scope,
    pub caller: &'a Caller,
    pub now: DateTime<Utc>,
    pub settings: &'a Settings,
    pub state: &'a Partition,
}

/// What a reader of an account and region that has never been written sees.
static EMPTY: LazyLock<Partition> = LazyLock::new(Partition::default);

/// A change to the state, as the journal records it: replaying the entries in order, each at
/// its `now` with its `seed`, rebuilds the state exactly (handlers are deterministic given the
/// state, the time and the seed; timers fire as of their deadlines).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub now: DateTime<Utc>,
    pub seed: u64,
    pub command: Command,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Command {
    /// A successful mutating operation, with its validated input.
    Operation {
        scope: Scope,
        caller: Caller,
        operation: String,
        input: serde_json::Value,
    },
    /// `/_emulator/settle`.
    Settle,
    /// The clock was moved; the offset is the new one.
    Advance { offset_ms: i64 },
    /// `/_emulator/reset`, of one account and region or of everything.
    Reset { scope: Option<Scope> },
    /// `/_emulator/state` import: the whole state replaced.
    Import { state: Box<StateImage> },
    /// The data plane reported on work item `seq` of the partition (see `control::backup`),
    /// the one for `capture`.
    Report {
        scope: Scope,
        seq: u64,
        capture: String,
        outcome: Outcome,
    },
}

/// Resolves once an entry is durable; `None` when there is nothing to wait for.
pub type Durable = Option<tokio::sync::oneshot::Receiver<std::io::Result<()>>>;

/// Where the store sends each change, in the order it made them. `append` is called with the
/// store's lock held, so it must only enqueue, never wait.
pub trait Journal: Send + Sync {
    fn append(&self, entry: &Entry) -> Durable;
}

/// When a request runs: now, with fresh randomness, or as a journaled entry replayed.
#[derive(Clone, Copy, Debug)]
pub enum Moment {
    Live,
    Replay { now: DateTime<Utc>, seed: u64 },
}

impl Moment {
    /// The time and the seed of the request's randomness.
    fn resolve(self, clock: &Clock) -> (DateTime<Utc>, u64) {
        match self {
            Moment::Live => (clock.now(), Rng::fresh_seed()),
            Moment::Replay { now, seed } => (now, seed),
        }
    }
}

/// The whole state, as `/_emulator/state` exports it and snapshots store it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateImage {
    pub clock_offset_ms: i64,
    pub partitions: Vec<PartitionImage>,
    pub timers: Timers,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PartitionImage {
    pub scope: Scope,
    pub state: Partition,
}

#[derive(Default)]
struct Inner {
    /// Ordered by scope: with the one or two scopes a run usually has, a lookup is a string
    /// comparison or two, cheaper than hashing the scope.
    partitions: BTreeMap<Scope, Partition>,
    timers: Timers,
    /// What the data plane has yet to see.
    changes: SqlChanges,
}

impl Inner {
    /// Fires `timer` as of `now` in its partition. Its randomness is seeded from the timer
    /// itself, so a replay fires it the same way.
    fn fire(&mut self, seq: u64, timer: Timer, now: DateTime<Utc>, settings: &Settings) {
        if !self.partitions.contains_key(&timer.scope) {
            return;
        }
        let seed = (now.timestamp_millis() as u64).rotate_left(17) ^ seq;
        self.run_in(
            &timer.scope,
            &Caller::default(),
            seed,
            now,
            settings,
            |ctx| ops::fire(ctx, &timer.target),
        );
        self.changes.mark(&timer.scope, &timer.target);
    }

    /// Runs `f` over `scope`'s partition (made when absent) as of `now`, its randomness from
    /// `seed`; then puts the snapshot copies it made into their regions' partitions.
    fn run_in<T>(
        &mut self,
        scope: &Scope,
        caller: &Caller,
        seed: u64,
        now: DateTime<Utc>,
        settings: &Settings,
        f: impl FnOnce(&mut Ctx) -> T,
    ) -> T {
        let state = self.partitions.entry(scope.clone()).or_default();
        let mut ctx = Ctx {
            rng: Rng::new(seed),
            scope,
            caller,
            now,
            settings,
            state,
            timers: &mut self.timers,
            changes: &mut self.changes,
            outbox: Vec::new(),
        };
        let out = f(&mut ctx);
        let outbox = std::mem::take(&mut ctx.outbox);
        self.deliver(scope, outbox, now, settings);
        out
    }

    /// Puts snapshot copies made in `scope` into their regions' partitions.
    fn deliver(
        &mut self,
        scope: &Scope,
        outbox: Vec<SnapshotCopy>,
        now: DateTime<Utc>,
        settings: &Settings,
    ) {
        for (n, copy) in outbox.into_iter().enumerate() {
            let to = Scope::new(&scope.account, &copy.region);
            let seed = (now.timestamp_millis() as u64).rotate_left(41) ^ n as u64;
            let receive = |ctx: &mut Ctx| ops::receive_copy(ctx, copy.record);
            self.run_in(&to, &Caller::default(), seed, now, settings, receive);
        }
    }

    /// Fires every timer due at `now`, each as of its own deadline, so that a clock moved
    /// far ahead replays what would have happened in between.
    fn fire_due(&mut self, now: DateTime<Utc>, settings: &Settings) -> usize {
        let mut fired = 0;
        while let Some((at, seq, timer)) = self.timers.pop_due(now) {
            self.fire(seq, timer, at, settings);
            fired += 1;
        }
        fired
    }

    /// Applies the data plane's report on work item `seq` of `scope`, as of `now`: the item
    /// must still be the one for `capture` (not another made after a reset).
    fn report(
        &mut self,
        scope: &Scope,
        seq: u64,
        capture: &str,
        outcome: &Outcome,
        now: DateTime<Utc>,
        settings: &Settings,
    ) {
        let Some(state) = self.partitions.get_mut(scope) else {
            return;
        };
        if state.work.get(&seq).is_none_or(|w| w.capture() != capture) {
            return;
        }
        let work = match outcome.is_final() {
            true => state.work.remove(&seq),
            false => state.work.get(&seq).cloned(),
        };
        let Some(work) = work else {
            return;
        };
        let seed = (now.timestamp_millis() as u64).rotate_left(29) ^ seq;
        self.run_in(scope, &Caller::default(), seed, now, settings, |ctx| {
            ops::report(ctx, &work, outcome)
        });
    }

    fn settle_all(&mut self, now: DateTime<Utc>, settings: &Settings) -> usize {
        let mut fired = 0;
        while let Some((seq, timer)) = self.timers.pop_transition() {
            self.fire(seq, timer, now, settings);
            fired += 1;
        }
        fired
    }

    fn reset(&mut self, scope: Option<&Scope>) {
        match scope {
            Some(scope) => {
                self.partitions.remove(scope);
                self.timers.retain(|t| t.scope != *scope);
            }
            None => {
                self.partitions.clear();
                self.timers = Timers::default();
            }
        }
        self.changes.mark_everything();
    }

    fn image(&self, clock_offset_ms: i64) -> StateImage {
        let partitions: Vec<PartitionImage> = self
            .partitions
            .iter()
            .map(|(scope, state)| PartitionImage {
                scope: scope.clone(),
                state: state.clone(),
            })
            .collect();
        StateImage {
            clock_offset_ms,
            partitions,
            timers: self.timers.clone(),
        }
    }
}

pub struct Store {
    inner: RwLock<Inner>,
    /// The data plane's revision counter, shared with `Inner::changes` so that reading it
    /// takes no lock.
    sql_revision: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pub clock: Clock,
    pub settings: Settings,
    /// Woken when a timer is scheduled or the clock moves, so the driver re-reads its deadline.
    pub wake: Notify,
    journal: std::sync::OnceLock<Box<dyn Journal>>,
}

impl Store {
    pub fn new(settings: Settings) -> Store {
        let changes = SqlChanges::default();
        Store {
            sql_revision: changes.counter(),
            inner: RwLock::new(Inner {
                partitions: BTreeMap::new(),
                timers: Timers::default(),
                changes,
            }),
            clock: Clock::default(),
            settings,
            wake: Notify::new(),
            journal: std::sync::OnceLock::new(),
        }
    }

    // A handler never panics while holding the lock in normal operation; if one did, the state
    // is still structurally valid, so keep serving rather than poison every request.
    fn lock(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    fn shared(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    /// From now on, every change goes to `journal` (after a replay has rebuilt the state).
    pub fn attach_journal(&self, journal: Box<dyn Journal>) {
        let _ = self.journal.set(journal);
    }

    pub fn is_journaled(&self) -> bool {
        self.journal.get().is_some()
    }

    fn record(&self, now: DateTime<Utc>, seed: u64, command: Command) -> Durable {
        let journal = self.journal.get()?;
        journal.append(&Entry { now, seed, command })
    }

    /// Runs `handler` over the caller's partition, after firing every timer already due, so
    /// what a caller sees never lags the clock. When the handler succeeds, `journal` (the
    /// request, for a mutating operation) is recorded before the lock is released.
    pub fn execute<T>(
        &self,
        scope: &Scope,
        caller: &Caller,
        moment: Moment,
        journal: Option<Command>,
        handler: impl FnOnce(&mut Ctx) -> ApiResult<T>,
    ) -> ApiResult<(T, Durable)> {
        let (now, seed) = moment.resolve(&self.clock);
        let mut guard = self.lock();
        let inner = &mut *guard;
        inner.fire_due(now, &self.settings);
        let before = inner.timers.len();
        let result = inner.run_in(scope, caller, seed, now, &self.settings, handler);
        let scheduled = inner.timers.len() > before;
        let durable = match (&result, journal, moment) {
            (Ok(_), Some(command), Moment::Live) => self.record(now, seed, command),
            _ => None,
        };
        drop(guard);
        if scheduled {
            self.wake.notify_one();
        }
        result.map(|output| (output, durable))
    }

    /// Runs a read-only `handler` over the caller's partition under the shared lock. Timers due
    /// by now fire first (under the exclusive lock, only when there are any), so what a caller
    /// sees never lags the clock.
    pub fn read<T>(
        &self,
        scope: &Scope,
        caller: &Caller,
        moment: Moment,
        handler: impl FnOnce(&mut ReadCtx) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let (now, seed) = moment.resolve(&self.clock);
        let run = |inner: &Inner| {
            handler(&mut ReadCtx {
                rng: Rng::new(seed),
                scope,
                caller,
                now,
                settings: &self.settings,
                state: inner.partitions.get(scope).unwrap_or(&EMPTY),
            })
        };
        let inner = self.shared();
        if inner.timers.next_deadline().is_none_or(|at| at > now) {
            return run(&inner);
        }
        drop(inner);
        let mut inner = self.lock();
        inner.fire_due(now, &self.settings);
        let result = run(&inner);
        drop(inner);
        self.wake.notify_one();
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
    pub fn settle_all(&self) -> (usize, Durable) {
        let now = self.clock.now();
        let mut inner = self.lock();
        let settled = inner.settle_all(now, &self.settings);
        (settled, self.record(now, 0, Command::Settle))
    }

    /// Moves the clock forward and fires what became due.
    pub fn advance(&self, by: Duration) -> Durable {
        let mut inner = self.lock();
        self.clock.advance(by);
        let now = self.clock.now();
        inner.fire_due(now, &self.settings);
        let offset_ms = self.clock.offset().num_milliseconds();
        let durable = self.record(now, 0, Command::Advance { offset_ms });
        drop(inner);
        self.wake.notify_one();
        durable
    }

    /// The data plane's report on work item `seq` of `scope` (the one for `capture`),
    /// journaled like a request.
    pub fn report(&self, scope: &Scope, seq: u64, capture: &str, outcome: Outcome) -> Durable {
        let now = self.clock.now();
        let mut inner = self.lock();
        inner.fire_due(now, &self.settings);
        inner.report(scope, seq, capture, &outcome, now, &self.settings);
        let durable = self.record(
            now,
            0,
            Command::Report {
                scope: scope.clone(),
                seq,
                capture: capture.to_string(),
                outcome,
            },
        );
        drop(inner);
        self.wake.notify_one();
        durable
    }

    /// Forgets everything, or everything of one account and region.
    pub fn reset(&self, scope: Option<Scope>) -> Durable {
        let mut inner = self.lock();
        inner.reset(scope.as_ref());
        self.record(self.clock.now(), 0, Command::Reset { scope })
    }

    /// The whole state, for export and snapshots.
    pub fn export(&self) -> StateImage {
        self.shared().image(self.clock.offset().num_milliseconds())
    }

    /// The whole state together with `read()`, both taken under the lock: a consistent cut.
    pub fn snapshot<T>(&self, read: impl FnOnce() -> T) -> (StateImage, T) {
        let inner = self.shared();
        let image = inner.image(self.clock.offset().num_milliseconds());
        (image, read())
    }

    /// Replaces the whole state with `image`.
    pub fn import(&self, image: StateImage) -> Durable {
        let mut inner = self.lock();
        let durable = self.record(
            self.clock.now(),
            0,
            Command::Import {
                state: Box::new(image.clone()),
            },
        );
        self.load(&mut inner, image);
        drop(inner);
        self.wake.notify_one();
        durable
    }

    fn load(&self, inner: &mut Inner, image: StateImage) {
        self.clock
            .set_offset(Duration::milliseconds(image.clock_offset_ms));
        inner.partitions = image
            .partitions
            .into_iter()
            .map(|p| (p.scope, p.state))
            .collect();
        inner.timers = image.timers;
        inner.changes.mark_everything();
    }

    /// Rebuilds the state from a snapshot, before any request is served.
    pub fn restore(&self, image: StateImage) {
        let mut inner = self.lock();
        self.load(&mut inner, image);
    }

    /// Applies one journaled entry, as it was applied when it was first made.
    pub fn replay(&self, entry: Entry) {
        match entry.command {
            Command::Operation {
                scope,
                caller,
                operation,
                input,
            } => {
                let Some(op) = crate::model::Operation::from_name(&operation) else {
                    tracing::warn!(operation, "journal names an unknown operation; skipped");
                    return;
                };
                let moment = Moment::Replay {
                    now: entry.now,
                    seed: entry.seed,
                };
                if let Err(failure) =
                    ops::execute_at(self, &scope, &caller, op, ops::Body::Json(input), moment)
                {
                    tracing::warn!(
                        operation,
                        ?failure,
                        "a journaled operation failed on replay"
                    );
                }
            }
            Command::Settle => {
                self.lock().settle_all(entry.now, &self.settings);
            }
            Command::Advance { offset_ms } => {
                let mut inner = self.lock();
                self.clock.set_offset(Duration::milliseconds(offset_ms));
                inner.fire_due(entry.now, &self.settings);
            }
            Command::Reset { scope } => self.lock().reset(scope.as_ref()),
            Command::Import { state } => {
                let mut inner = self.lock();
                self.load(&mut inner, *state);
            }
            Command::Report {
                scope,
                seq,
                capture,
                outcome,
            } => {
                let mut inner = self.lock();
                inner.fire_due(entry.now, &self.settings);
                inner.report(&scope, seq, &capture, &outcome, entry.now, &self.settings);
            }
        }
    }

    pub fn pending_transitions(&self) -> usize {
        self.shared().timers.pending_transitions()
    }

    pub(crate) fn sql_counter(&self) -> &std::sync::atomic::AtomicU64 {
        &self.sql_revision
    }

    pub(crate) fn with_changes<T>(&self, f: impl FnOnce(&mut SqlChanges) -> T) -> T {
        f(&mut self.lock().changes)
    }

    pub(crate) fn with_partitions<T>(&self, f: impl FnOnce(&BTreeMap<Scope, Partition>) -> T) -> T {
        f(&self.shared().partitions)
    }

    pub(crate) fn with_partition<T>(&self, scope: &Scope, f: impl FnOnce(&Partition) -> T) -> T {
        f(self.shared().partitions.get(scope).unwrap_or(&EMPTY))
    }

    /// Changes a partition that exists, outside any operation: not journaled.
    pub(crate) fn with_partition_mut(&self, scope: &Scope, f: impl FnOnce(&mut Partition)) {
        if let Some(state) = self.lock().partitions.get_mut(scope) {
            f(state)
        }
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

impl Default for Store {
    fn default() -> Store {
        Store::new(Settings::default())
    }
}
