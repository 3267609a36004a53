//! Resource lifecycles. [`Lifecycle::transition`] is the only way a status changes: a record
//! keeps its status in a [`Status`], whose one mutator applies an [`Event`] through it. Timed
//! work (a workgroup finishing creation, say) is a [`Timer`] in [`Timers`], fired by the driver
//! or by the next request that finds it due, whichever comes first.

use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::store::Scope;
use crate::model::{NamespaceStatus, SnapshotStatus, WorkgroupStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A caller changed the resource's settings.
    Update,
    /// A caller asked for the resource to be deleted.
    Delete,
    /// The transitional work in progress has finished.
    Settle,
    /// The work in progress failed.
    Fail,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next<S> {
    Become(S),
    Gone,
}

/// The event is not allowed in the current status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused;

pub trait Lifecycle: Copy + Sized {
    fn transition(self, event: Event) -> Result<Next<Self>, Refused>;
    fn as_str(self) -> &'static str;
}

impl Lifecycle for WorkgroupStatus {
    fn transition(self, event: Event) -> Result<Next<Self>, Refused> {
        use WorkgroupStatus::*;
        match (self, event) {
            (Available, Event::Update) => Ok(Next::Become(Modifying)),
            (Available, Event::Delete) => Ok(Next::Become(Deleting)),
            (Creating | Modifying, Event::Settle) => Ok(Next::Become(Available)),
            (Deleting, Event::Settle) => Ok(Next::Gone),
            _ => Err(Refused),
        }
    }

    fn as_str(self) -> &'static str {
        WorkgroupStatus::as_str(self)
    }
}

impl Lifecycle for NamespaceStatus {
    fn transition(self, event: Event) -> Result<Next<Self>, Refused> {
        use NamespaceStatus::*;
        match (self, event) {
            (Available, Event::Update) => Ok(Next::Become(Modifying)),
            (Available, Event::Delete) => Ok(Next::Become(Deleting)),
            (Modifying, Event::Settle) => Ok(Next::Become(Available)),
            (Deleting, Event::Settle) => Ok(Next::Gone),
            _ => Err(Refused),
        }
    }

    fn as_str(self) -> &'static str {
        NamespaceStatus::as_str(self)
    }
}

impl Lifecycle for SnapshotStatus {
    fn transition(self, event: Event) -> Result<Next<Self>, Refused> {
        use SnapshotStatus::*;
        match (self, event) {
            (Creating, Event::Settle) => Ok(Next::Become(Available)),
            (Creating, Event::Fail) => Ok(Next::Become(Failed)),
            (Available | Failed, Event::Delete) => Ok(Next::Become(Deleted)),
            _ => Err(Refused),
        }
    }

    fn as_str(self) -> &'static str {
        SnapshotStatus::as_str(self)
    }
}

/// The status of a managed VPC endpoint. The model sends it as a plain string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EndpointStatus {
    Creating,
    Active,
    Modifying,
    Deleting,
}

impl Lifecycle for EndpointStatus {
    fn transition(self, event: Event) -> Result<Next<Self>, Refused> {
        use EndpointStatus::*;
        match (self, event) {
            (Active, Event::Update) => Ok(Next::Become(Modifying)),
            (Active, Event::Delete) => Ok(Next::Become(Deleting)),
            (Creating | Modifying, Event::Settle) => Ok(Next::Become(Active)),
            (Deleting, Event::Settle) => Ok(Next::Gone),
            _ => Err(Refused),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            EndpointStatus::Creating => "CREATING",
            EndpointStatus::Active => "ACTIVE",
            EndpointStatus::Modifying => "MODIFYING",
            EndpointStatus::Deleting => "DELETING",
        }
    }
}

/// The progress of a table restore request. The model sends it as a plain string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TableRestoreState {
    Pending,
    InProgress,
    Succeeded,
    Failed,
}

impl Lifecycle for TableRestoreState {
    fn transition(self, event: Event) -> Result<Next<Self>, Refused> {
        use TableRestoreState::*;
        match (self, event) {
            (Pending, Event::Settle) => Ok(Next::Become(InProgress)),
            (InProgress, Event::Settle) => Ok(Next::Become(Succeeded)),
            (Pending | InProgress, Event::Fail) => Ok(Next::Become(Failed)),
            _ => Err(Refused),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            TableRestoreState::Pending => "PENDING",
            TableRestoreState::InProgress => "IN_PROGRESS",
            TableRestoreState::Succeeded => "SUCCEEDED",
            TableRestoreState::Failed => "FAILED",
        }
    }
}

/// A status that changes only through [`Lifecycle::transition`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Status<S>(S);

impl<S: Lifecycle> Status<S> {
    /// The status a resource is born with.
    pub fn initial(status: S) -> Status<S> {
        Status(status)
    }

    pub fn get(&self) -> S {
        self.0
    }

    pub fn apply(&mut self, event: Event) -> Result<Next<S>, Refused> {
        let next = self.0.transition(event)?;
        if let Next::Become(status) = next {
            self.0 = status;
        }
        Ok(next)
    }

    /// [`Status::apply`] for a caller's request: a refusal is a `ConflictException` naming the
    /// resource and its status.
    pub fn apply_requested(
        &mut self,
        event: Event,
        kind: ResourceKind,
        name: &str,
    ) -> ApiResult<Next<S>> {
        let status = self.0.as_str();
        self.apply(event)
            .map_err(|Refused| ApiError::busy(kind, name, status))
    }
}

/// What a timer does when it fires. The ids guard against a name reused since it was set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    /// Transitions: the transitional work on a resource has finished.
    Namespace {
        name: String,
        id: String,
    },
    Workgroup {
        name: String,
        id: String,
    },
    Snapshot {
        name: String,
        id: String,
    },
    TableRestore {
        id: String,
    },
    EndpointAccess {
        name: String,
        id: String,
    },
    /// Clock events: things AWS does on a schedule.
    SnapshotExpiry {
        name: String,
        id: String,
    },
    /// Every namespace of the timer's partition gets a recovery point.
    TakeRecoveryPoints,
    RecoveryPointExpiry {
        id: String,
    },
    /// A scheduled action is due to run at the moment this timer fires.
    ScheduledAction {
        name: String,
        id: String,
    },
    CredentialsExpiry {
        password: String,
    },
}

impl Target {
    /// Transitions complete early on `/_emulator/settle`; clock events wait for their time.
    pub fn is_transition(&self) -> bool {
        matches!(
            self,
            Target::Namespace { .. }
                | Target::Workgroup { .. }
                | Target::Snapshot { .. }
                | Target::TableRestore { .. }
                | Target::EndpointAccess { .. }
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub scope: Scope,
    pub target: Target,
}

type Queue = BTreeMap<(DateTime<Utc>, u64), Timer>;

/// Pending timers in deadline order, transitions apart from clock events so that settling
/// every transition never walks the (much longer) schedule. The sequence number keeps equal
/// deadlines in FIFO order and seeds each timer's randomness.
#[derive(Clone, Debug, Default)]
pub struct Timers {
    transitions: Queue,
    clock: Queue,
    seq: u64,
}

fn earliest(queue: &Queue) -> Option<DateTime<Utc>> {
    queue.keys().next().map(|(at, _)| *at)
}

impl Timers {
    pub fn schedule(&mut self, at: DateTime<Utc>, timer: Timer) {
        self.seq += 1;
        let queue = if timer.target.is_transition() {
            &mut self.transitions
        } else {
            &mut self.clock
        };
        queue.insert((at, self.seq), timer);
    }

    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        match (earliest(&self.transitions), earliest(&self.clock)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Removes and returns the earliest timer due at `now`, with its deadline and sequence.
    pub fn pop_due(&mut self, now: DateTime<Utc>) -> Option<(DateTime<Utc>, u64, Timer)> {
        let at = self.next_deadline().filter(|at| *at <= now)?;
        let queue = if earliest(&self.transitions) == Some(at) {
            &mut self.transitions
        } else {
            &mut self.clock
        };
        let ((at, seq), timer) = queue.pop_first()?;
        Some((at, seq, timer))
    }

    /// Removes and returns the earliest pending transition, whatever its deadline.
    pub fn pop_transition(&mut self) -> Option<(u64, Timer)> {
        self.transitions
            .pop_first()
            .map(|((_, seq), timer)| (seq, timer))
    }

    /// Keeps only the timers `keep` accepts.
    pub fn retain(&mut self, keep: impl Fn(&Timer) -> bool) {
        self.transitions.retain(|_, t| keep(t));
        self.clock.retain(|_, t| keep(t));
    }

    pub fn len(&self) -> usize {
        self.transitions.len() + self.clock.len()
    }

    pub fn pending_transitions(&self) -> usize {
        self.transitions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Timers as JSON: a list in deadline order (JSON has no tuple keys) and the sequence counter.
#[derive(Serialize, Deserialize)]
struct TimersImage {
    seq: u64,
    timers: Vec<(DateTime<Utc>, u64, Timer)>,
}

impl Serialize for Timers {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let timers = self
            .transitions
            .iter()
            .chain(self.clock.iter())
            .map(|((at, seq), t)| (*at, *seq, t.clone()))
            .collect();
        TimersImage {
            seq: self.seq,
            timers,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Timers {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let image = TimersImage::deserialize(d)?;
        let mut timers = Timers {
            seq: image.seq,
            ..Timers::default()
        };
        for (at, seq, timer) in image.timers {
            let queue = if timer.target.is_transition() {
                &mut timers.transitions
            } else {
                &mut timers.clock
            };
            queue.insert((at, seq), timer);
            timers.seq = timers.seq.max(seq);
        }
        Ok(timers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workgroup_transitions_as_a_table() {
        use WorkgroupStatus::*;
        let table = [
            (Creating, Event::Update, Err(Refused)),
            (Creating, Event::Delete, Err(Refused)),
            (Creating, Event::Settle, Ok(Next::Become(Available))),
            (Available, Event::Update, Ok(Next::Become(Modifying))),
            (Available, Event::Delete, Ok(Next::Become(Deleting))),
            (Available, Event::Settle, Err(Refused)),
            (Modifying, Event::Update, Err(Refused)),
            (Modifying, Event::Delete, Err(Refused)),
            (Modifying, Event::Settle, Ok(Next::Become(Available))),
            (Deleting, Event::Update, Err(Refused)),
            (Deleting, Event::Delete, Err(Refused)),
            (Deleting, Event::Settle, Ok(Next::Gone)),
        ];
        for (status, event, expected) in table {
            assert_eq!(status.transition(event), expected, "{status:?} + {event:?}");
        }
    }

    #[test]
    fn namespace_transitions_as_a_table() {
        use NamespaceStatus::*;
        let table = [
            (Available, Event::Update, Ok(Next::Become(Modifying))),
            (Available, Event::Delete, Ok(Next::Become(Deleting))),
            (Available, Event::Settle, Err(Refused)),
            (Modifying, Event::Update, Err(Refused)),
            (Modifying, Event::Delete, Err(Refused)),
            (Modifying, Event::Settle, Ok(Next::Become(Available))),
            (Deleting, Event::Update, Err(Refused)),
            (Deleting, Event::Delete, Err(Refused)),
            (Deleting, Event::Settle, Ok(Next::Gone)),
        ];
        for (status, event, expected) in table {
            assert_eq!(status.transition(event), expected, "{status:?} + {event:?}");
        }
    }

    #[test]
    fn snapshot_transitions_as_a_table() {
        use SnapshotStatus::*;
        for status in [Available, Creating, Deleted, Cancelled, Failed, Copying] {
            for event in [Event::Update, Event::Delete, Event::Settle, Event::Fail] {
                let expected = match (status, event) {
                    (Creating, Event::Settle) => Ok(Next::Become(Available)),
                    (Creating, Event::Fail) => Ok(Next::Become(Failed)),
                    (Available | Failed, Event::Delete) => Ok(Next::Become(Deleted)),
                    _ => Err(Refused),
                };
                assert_eq!(status.transition(event), expected, "{status:?} + {event:?}");
            }
        }
    }

    #[test]
    fn table_restore_transitions_as_a_table() {
        use TableRestoreState::*;
        for status in [Pending, InProgress, Succeeded, Failed] {
            for event in [Event::Update, Event::Delete, Event::Settle, Event::Fail] {
                let expected = match (status, event) {
                    (Pending, Event::Settle) => Ok(Next::Become(InProgress)),
                    (InProgress, Event::Settle) => Ok(Next::Become(Succeeded)),
                    (Pending | InProgress, Event::Fail) => Ok(Next::Become(Failed)),
                    _ => Err(Refused),
                };
                assert_eq!(status.transition(event), expected, "{status:?} + {event:?}");
            }
        }
    }

    #[test]
    fn endpoint_transitions_as_a_table() {
        use EndpointStatus::*;
        for status in [Creating, Active, Modifying, Deleting] {
            for event in [Event::Update, Event::Delete, Event::Settle] {
                let expected = match (status, event) {
                    (Active, Event::Update) => Ok(Next::Become(Modifying)),
                    (Active, Event::Delete) => Ok(Next::Become(Deleting)),
                    (Creating | Modifying, Event::Settle) => Ok(Next::Become(Active)),
                    (Deleting, Event::Settle) => Ok(Next::Gone),
                    _ => Err(Refused),
                };
                assert_eq!(status.transition(event), expected, "{status:?} + {event:?}");
            }
        }
    }

    #[test]
    fn status_changes_only_when_the_transition_allows() {
        let mut status = Status::initial(WorkgroupStatus::Creating);
        assert_eq!(status.apply(Event::Delete), Err(Refused));
        assert_eq!(status.get(), WorkgroupStatus::Creating);
        status.apply(Event::Settle).unwrap();
        assert_eq!(status.get(), WorkgroupStatus::Available);
    }

    #[test]
    fn timers_fire_in_deadline_order() {
        let scope = Scope::new("000000000000", "us-east-1");
        let t = |name: &str| Timer {
            scope: scope.clone(),
            target: Target::Namespace {
                name: name.into(),
                id: name.into(),
            },
        };
        let base = DateTime::<Utc>::from_timestamp(1_000, 0).unwrap();
        let clock_event = Timer {
            scope: scope.clone(),
            target: Target::RecoveryPointExpiry { id: "rp".into() },
        };
        let mut timers = Timers::default();
        timers.schedule(base + chrono::Duration::seconds(5), t("late"));
        timers.schedule(base, t("early"));
        timers.schedule(base + chrono::Duration::seconds(1), clock_event.clone());
        assert_eq!(timers.next_deadline(), Some(base));
        let json = serde_json::to_string(&timers).unwrap();
        assert_eq!(timers.pop_due(base).unwrap(), (base, 2, t("early")));
        assert_eq!(timers.pop_due(base), None);
        // Settling takes transitions only, early; the clock event keeps its time.
        assert_eq!(timers.pop_transition().unwrap(), (1, t("late")));
        assert_eq!(timers.pop_transition(), None);
        let later = base + chrono::Duration::seconds(1);
        assert_eq!(timers.pop_due(later).unwrap(), (later, 3, clock_event));
        assert!(timers.is_empty());
        // What was serialized comes back whole, sequence and all.
        let mut back: Timers = serde_json::from_str(&json).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back.pop_due(base).unwrap().1, 2);
    }
}
