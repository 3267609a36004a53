//! Resource lifecycles. [`Lifecycle::transition`] is the only way a status changes: a record
//! keeps its status in a [`Status`], whose one mutator applies an [`Event`] through it. Timed
//! work (a workgroup finishing creation, say) is a [`Timer`] in [`Timers`], fired by the driver
//! or by the next request that finds it due, whichever comes first.

use crate::control::error::{ApiError, ApiResult, ResourceKind};
use crate::control::store::Scope;
use crate::model::{NamespaceStatus, WorkgroupStatus};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A caller changed the resource's settings.
    Update,
    /// A caller asked for the resource to be deleted.
    Delete,
    /// The transitional work in progress has finished.
    Settle,
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

/// A status that changes only through [`Lifecycle::transition`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// What a timer settles when it fires. The id guards against a name reused since it was set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Namespace { name: String, id: String },
    Workgroup { name: String, id: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timer {
    pub scope: Scope,
    pub target: Target,
}

/// Pending timers in deadline order; the sequence number keeps equal deadlines in FIFO order.
#[derive(Debug, Default)]
pub struct Timers {
    queue: BTreeMap<(DateTime<Utc>, u64), Timer>,
    seq: u64,
}

impl Timers {
    pub fn schedule(&mut self, at: DateTime<Utc>, timer: Timer) {
        self.seq += 1;
        self.queue.insert((at, self.seq), timer);
    }

    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        self.queue.keys().next().map(|(at, _)| *at)
    }

    /// Removes and returns the earliest timer due at `now` (every timer when `now` is `None`).
    pub fn pop_due(&mut self, now: Option<DateTime<Utc>>) -> Option<Timer> {
        let entry = self.queue.first_entry()?;
        if now.is_some_and(|now| entry.key().0 > now) {
            return None;
        }
        Some(entry.remove())
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
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
        let mut timers = Timers::default();
        timers.schedule(base + chrono::Duration::seconds(5), t("late"));
        timers.schedule(base, t("early"));
        assert_eq!(timers.next_deadline(), Some(base));
        assert_eq!(timers.pop_due(Some(base)).unwrap(), t("early"));
        assert_eq!(timers.pop_due(Some(base)), None);
        assert_eq!(timers.pop_due(None).unwrap(), t("late"));
        assert!(timers.is_empty());
    }
}
