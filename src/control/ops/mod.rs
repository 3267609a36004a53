//! One table ties every implemented operation to its handler. A handler is a synchronous
//! function over the typed shapes of the model, and its signature says what it may do:
//! `fn(&mut Ctx, Input) -> ApiResult<Output>` changes state (under the store's exclusive lock,
//! journaled when it succeeds), `fn(&mut ReadCtx, Input) -> ApiResult<Output>` only reads
//! (under the shared lock). [`execute`] validates and decodes the input before a handler runs
//! and encodes the output after, so handlers see only requests that satisfy the model's
//! constraints.

mod credentials;
pub use credentials::db_user;
mod custom_domain;
mod endpoint_access;
mod lakehouse;
pub(crate) mod namespace;
mod recovery_point;
mod reservation;
mod restore;
mod s3_tables;
mod scheduled_action;
mod snapshot;
mod snapshot_copy;
mod tags;
mod track;
mod usage_limit;
mod workgroup;

use crate::control::backup::{Outcome, Work};
use crate::control::error::{ApiError, ApiResult};
use crate::control::lifecycle::Target;
use crate::control::store::{Caller, Command, Ctx, Durable, Moment, ReadCtx, Scope, Store};
use crate::control::view::Answer;
use crate::model::validate::{self, Rejection};
use crate::model::Operation;
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A request refused before it reached a handler, or by the handler.
#[derive(Debug)]
pub enum Failure {
    /// A member of the wrong JSON type: `SerializationException`.
    Serialization(String),
    Api(ApiError),
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Failure {
        Failure::Api(e)
    }
}

impl From<Rejection> for Failure {
    fn from(rejection: Rejection) -> Failure {
        match rejection {
            Rejection::Serialization(message) => Failure::Serialization(message),
            Rejection::Validation(message) => Failure::Api(ApiError::validation(message)),
        }
    }
}

macro_rules! operations {
    ($($op:ident => $handler:path,)*) => {
        /// The operations this emulator serves: all of them, since the match below is
        /// exhaustive, so a new operation in the model does not compile until it has a handler.
        pub const IMPLEMENTED: &[Operation] = &[$(Operation::$op),*];

        /// Validates, decodes and runs `op` for the caller in `scope`; returns the encoded output.
        ///
        /// A mutating operation that succeeds is journaled (when the store has a journal);
        /// the answer must wait for the returned [`Durable`] before it leaves.
        pub fn execute_at(
            store: &Store,
            scope: &Scope,
            caller: &Caller,
            op: Operation,
            body: Body,
            moment: Moment,
        ) -> Result<(Bytes, Durable), Failure> {
            let call = Call { store, scope, caller, moment, op };
            match op {
                $(Operation::$op => run(call, body, $handler),)*
            }
        }

        /// Whether `op`'s handler only reads (takes a `ReadCtx`), so that running it again
        /// changes nothing.
        pub fn reads(op: Operation) -> bool {
            match op {
                $(Operation::$op => reads_state(&$handler),)*
            }
        }

        /// For tests: whether the two ways [`Body::decode`] has of reading `body` as the input of
        /// `op` agree (`Ok(true)` when the one-pass way accepted it).
        #[cfg(test)]
        fn one_pass_agrees(op: Operation, body: &[u8]) -> Result<bool, String> {
            match op {
                $(Operation::$op => tests::agrees(op, body, $handler),)*
            }
        }
    };
}

operations! {
    CreateNamespace => namespace::create,
    GetNamespace => namespace::get,
    ListNamespaces => namespace::list,
    UpdateNamespace => namespace::update,
    DeleteNamespace => namespace::delete,
    CreateWorkgroup => workgroup::create,
    GetWorkgroup => workgroup::get,
    ListWorkgroups => workgroup::list,
    UpdateWorkgroup => workgroup::update,
    DeleteWorkgroup => workgroup::delete,
    CreateSnapshot => snapshot::create,
    GetSnapshot => snapshot::get,
    ListSnapshots => snapshot::list,
    UpdateSnapshot => snapshot::update,
    DeleteSnapshot => snapshot::delete,
    PutResourcePolicy => snapshot::put_policy,
    GetResourcePolicy => snapshot::get_policy,
    DeleteResourcePolicy => snapshot::delete_policy,
    GetRecoveryPoint => recovery_point::get,
    ListRecoveryPoints => recovery_point::list,
    ConvertRecoveryPointToSnapshot => recovery_point::convert,
    RestoreFromSnapshot => restore::from_snapshot,
    RestoreFromRecoveryPoint => restore::from_recovery_point,
    RestoreTableFromSnapshot => restore::table_from_snapshot,
    RestoreTableFromRecoveryPoint => restore::table_from_recovery_point,
    GetTableRestoreStatus => restore::get_table_restore,
    ListTableRestoreStatus => restore::list_table_restores,
    CreateSnapshotCopyConfiguration => snapshot_copy::create,
    UpdateSnapshotCopyConfiguration => snapshot_copy::update,
    DeleteSnapshotCopyConfiguration => snapshot_copy::delete,
    ListSnapshotCopyConfigurations => snapshot_copy::list,
    GetTrack => track::get,
    ListTracks => track::list,
    GetCredentials => credentials::get,
    CreateEndpointAccess => endpoint_access::create,
    GetEndpointAccess => endpoint_access::get,
    ListEndpointAccess => endpoint_access::list,
    UpdateEndpointAccess => endpoint_access::update,
    DeleteEndpointAccess => endpoint_access::delete,
    CreateCustomDomainAssociation => custom_domain::create,
    GetCustomDomainAssociation => custom_domain::get,
    ListCustomDomainAssociations => custom_domain::list,
    UpdateCustomDomainAssociation => custom_domain::update,
    DeleteCustomDomainAssociation => custom_domain::delete,
    CreateUsageLimit => usage_limit::create,
    GetUsageLimit => usage_limit::get,
    ListUsageLimits => usage_limit::list,
    UpdateUsageLimit => usage_limit::update,
    DeleteUsageLimit => usage_limit::delete,
    CreateScheduledAction => scheduled_action::create,
    GetScheduledAction => scheduled_action::get,
    ListScheduledActions => scheduled_action::list,
    UpdateScheduledAction => scheduled_action::update,
    DeleteScheduledAction => scheduled_action::delete,
    GetReservationOffering => reservation::get_offering,
    ListReservationOfferings => reservation::list_offerings,
    CreateReservation => reservation::create,
    GetReservation => reservation::get,
    ListReservations => reservation::list,
    UpdateLakehouseConfiguration => lakehouse::update,
    GetIdentityCenterAuthToken => lakehouse::identity_center_token,
    ListManagedWorkgroups => lakehouse::list_managed_workgroups,
    TagResource => tags::tag,
    UntagResource => tags::untag,
    ListTagsForResource => tags::list,
}

/// Validates, decodes and runs `op` for a caller, now.
pub fn execute(
    store: &Store,
    scope: &Scope,
    caller: &Caller,
    op: Operation,
    body: Body,
) -> Result<(Bytes, Durable), Failure> {
    execute_at(store, scope, caller, op, body, Moment::Live)
}

/// A request's input on its way to its handler.
pub enum Body<'a> {
    /// The body as sent.
    Sent(&'a [u8]),
    /// Input already parsed: a journal's replay.
    Json(Value),
}

impl Body<'_> {
    /// The input as JSON, validated against the model and pruned to the members it knows. Every
    /// refusal is worded here.
    fn validated(self, op: Operation) -> Result<Value, Failure> {
        let mut value = match self {
            Body::Json(value) => value,
            Body::Sent(bytes) => validate::parse(bytes)?,
        };
        validate::validate(op.info().input, &mut value)?;
        Ok(value)
    }

    /// The typed input. A body as sent usually takes one pass (see [`validate::decode`]);
    /// a journal's JSON takes the way of [`Body::validated`].
    fn decode<I: DeserializeOwned + Serialize>(self, op: Operation) -> Result<I, Failure> {
        match self {
            Body::Sent(bytes) => Ok(validate::decode(op.info().input, bytes)?),
            Body::Json(_) => Ok(validate::typed(self.validated(op)?)?),
        }
    }
}

/// Everything about one call but its input and handler.
struct Call<'a> {
    store: &'a Store,
    scope: &'a Scope,
    caller: &'a Caller,
    moment: Moment,
    op: Operation,
}

/// A handler that changes state; see [`Handler`].
pub struct Writes;
/// A handler that only reads; see [`Handler`].
pub struct Reads;

/// How a handler reaches the store, chosen by its signature (`Access` is [`Writes`] or
/// [`Reads`], so exactly one impl applies to any handler).
trait Handler<I, O, Access> {
    /// The handler takes a `ReadCtx`.
    const READS: bool;
    fn call(self, call: Call<'_>, body: Body) -> Result<(O, Durable), Failure>;
}

fn reads_state<I, O, A, H: Handler<I, O, A>>(_: &H) -> bool {
    H::READS
}

impl<I, O, F> Handler<I, O, Writes> for F
where
    I: DeserializeOwned + Serialize,
    F: FnOnce(&mut Ctx, I) -> ApiResult<O>,
{
    const READS: bool = false;
    fn call(self, call: Call<'_>, body: Body) -> Result<(O, Durable), Failure> {
        // A journal keeps the input as validated JSON.
        let (input, journal) = if call.store.is_journaled() {
            let value = body.validated(call.op)?;
            let journal = Command::Operation {
                scope: call.scope.clone(),
                caller: call.caller.clone(),
                operation: call.op.name().to_string(),
                input: value.clone(),
            };
            (validate::typed(value)?, Some(journal))
        } else {
            (body.decode(call.op)?, None)
        };
        let output = call
            .store
            .execute(call.scope, call.caller, call.moment, journal, |ctx| {
                self(ctx, input)
            })?;
        Ok(output)
    }
}

impl<I, O, F> Handler<I, O, Reads> for F
where
    I: DeserializeOwned + Serialize,
    F: FnOnce(&mut ReadCtx, I) -> ApiResult<O>,
{
    const READS: bool = true;
    fn call(self, call: Call<'_>, body: Body) -> Result<(O, Durable), Failure> {
        let input = body.decode(call.op)?;
        let output = call
            .store
            .read(call.scope, call.caller, call.moment, |ctx| self(ctx, input))?;
        Ok((output, None))
    }
}

fn run<I, O: Answer, A>(
    call: Call<'_>,
    body: Body,
    handler: impl Handler<I, O, A>,
) -> Result<(Bytes, Durable), Failure> {
    let (output, durable) = handler.call(call, body)?;
    let bytes = output
        .encode()
        .map_err(|e| ApiError::internal(format!("encoding the response failed: {e}")))?;
    Ok((bytes, durable))
}

/// Does what a timer was set for, as of `ctx.now`.
/// The data plane's report on `work` (see `control::backup`), applied by the families the
/// work is for.
pub fn report(ctx: &mut Ctx, work: &Work, outcome: &Outcome) {
    match (work, outcome) {
        (Work::Capture { capture, .. }, Outcome::Captured { taken }) => {
            snapshot::captured(ctx, capture, *taken);
            recovery_point::captured(ctx, capture, *taken);
        }
        (Work::Capture { capture, .. }, Outcome::CaptureFailed { reason }) => {
            snapshot::capture_failed(ctx, capture, reason)
        }
        (
            Work::Restore {
                namespace,
                namespace_id,
                ..
            },
            Outcome::Restored,
        ) => namespace::restored(ctx, namespace, namespace_id),
        (Work::RestoreTable { request, .. }, outcome) => {
            restore::table_progress(ctx, request, outcome)
        }
        (work, outcome) => {
            tracing::warn!(
                ?work,
                ?outcome,
                "a data plane report that fits no work; ignored"
            )
        }
    }
}

/// A snapshot copied here from another region.
pub fn receive_copy(ctx: &mut Ctx, record: crate::control::store::SnapshotRecord) {
    snapshot::receive_copy(ctx, record)
}

pub fn fire(ctx: &mut Ctx, target: &Target) {
    match target {
        Target::Namespace { name, id } => namespace::settle(ctx, name, id),
        Target::Workgroup { name, id } => workgroup::settle(ctx, name, id),
        Target::Snapshot { name, id } => snapshot::settle(ctx, name, id),
        Target::TableRestore { id } => restore::settle_table_restore(ctx, id),
        Target::SnapshotExpiry { name, id } => snapshot::expire(ctx, name, id),
        Target::TakeRecoveryPoints => namespace::take_recovery_points(ctx),
        Target::RecoveryPointExpiry { id } => recovery_point::expire(ctx, id),
        Target::EndpointAccess { name, id } => endpoint_access::settle(ctx, name, id),
        Target::ScheduledAction { name, id } => scheduled_action::fire(ctx, name, id),
        Target::CredentialsExpiry { password } => credentials::expire(ctx, password),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::store::Settings;
    use crate::model::validate::tests::sample;
    use serde_json::json;

    fn call(store: &Store, op: Operation, body: Value) -> Value {
        let scope = Scope::new("123456789012", "us-east-1");
        let body = body.to_string();
        let (bytes, _) = execute(
            store,
            &scope,
            &Caller::default(),
            op,
            Body::Sent(body.as_bytes()),
        )
        .unwrap_or_else(|failure| panic!("{op:?}: {failure:?}"));
        serde_json::from_slice(&bytes).unwrap()
    }

    /// With a data plane, a snapshot asks for its capture and stays CREATING until it is
    /// reported; a refused snapshot asks for nothing.
    #[test]
    fn a_snapshot_waits_for_its_capture_and_a_refused_one_asks_none() {
        let store = Store::new(Settings {
            transition_delay: chrono::Duration::zero(),
            data_plane: true,
            ..Settings::default()
        });
        let scope = Scope::new("123456789012", "us-east-1");
        call(
            &store,
            Operation::CreateNamespace,
            json!({"namespaceName": "ns1"}),
        );
        let snapshot = json!({"namespaceName": "ns1", "snapshotName": "s1"});
        call(&store, Operation::CreateSnapshot, snapshot.clone());
        let again = execute(
            &store,
            &scope,
            &Caller::default(),
            Operation::CreateSnapshot,
            Body::Sent(snapshot.to_string().as_bytes()),
        );
        assert!(again.is_err(), "the name is taken");
        let work = store.data_work();
        assert_eq!(work.len(), 1, "{work:?}");
        let status = |store: &Store| {
            call(store, Operation::GetSnapshot, json!({"snapshotName": "s1"}))["snapshot"]["status"]
                .clone()
        };
        assert_eq!(
            status(&store),
            "CREATING",
            "the delay is over, the capture is not"
        );
        let (_, seq, asked) = work.into_iter().next().unwrap();
        let taken = crate::control::backup::Taken {
            total_bytes: 3 << 20,
            new_bytes: 1 << 20,
            elapsed_ms: 500,
        };
        store.report(&scope, seq, asked.capture(), Outcome::Captured { taken });
        let shown = call(
            &store,
            Operation::GetSnapshot,
            json!({"snapshotName": "s1"}),
        );
        assert_eq!(shown["snapshot"]["status"], "AVAILABLE");
        assert_eq!(shown["snapshot"]["totalBackupSizeInMegaBytes"], 3.0);
        assert_eq!(
            shown["snapshot"]["actualIncrementalBackupSizeInMegaBytes"],
            1.0
        );
        assert!(store.data_work().is_empty());
    }

    /// No driver runs here: only the read path can fire the timer that settles the workgroup.
    #[test]
    fn a_read_fires_what_is_due_before_it_looks() {
        let store = Store::new(Settings::default());
        call(
            &store,
            Operation::CreateNamespace,
            json!({"namespaceName": "ns-1"}),
        );
        let created = call(
            &store,
            Operation::CreateWorkgroup,
            json!({"namespaceName": "ns-1", "workgroupName": "wg-1"}),
        );
        assert_eq!(created["workgroup"]["status"], "CREATING");
        let get = json!({"workgroupName": "wg-1"});
        assert_eq!(
            call(&store, Operation::GetWorkgroup, get.clone())["workgroup"]["status"],
            "CREATING"
        );
        store.clock.advance(Settings::default().transition_delay);
        assert_eq!(
            call(&store, Operation::GetWorkgroup, get)["workgroup"]["status"],
            "AVAILABLE"
        );
        assert_eq!(store.pending_transitions(), 0);
    }

    /// The one-pass way of reading an input accepts only what the worded way accepts, and
    /// reads it the same (`check` must never let through what `validate` refuses).
    pub(super) fn agrees<I, O, A>(
        op: Operation,
        body: &[u8],
        _: impl Handler<I, O, A>,
    ) -> Result<bool, String>
    where
        I: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
    {
        let Some(input) = validate::one_pass::<I>(op.info().input, body) else {
            return Ok(false);
        };
        let worded = Body::Sent(body)
            .validated(op)
            .and_then(|value| Ok(validate::typed::<I>(value)?));
        match worded {
            Ok(exact) if exact == input => Ok(true),
            other => Err(format!(
                "{op:?} {}: one pass read {input:?}, the worded way {other:?}",
                String::from_utf8_lossy(body)
            )),
        }
    }

    #[test]
    fn the_one_pass_way_agrees_with_the_worded_way_on_every_operation() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(8);
        let (mut accepted, mut tried) = (0, 0);
        for op in Operation::ALL {
            let mut bodies = vec!["".to_string(), "{}".to_string(), "[]".to_string()];
            bodies.extend((0..300).map(|_| sample(&mut rng, op.info().input, 0).to_string()));
            for body in bodies {
                tried += 1;
                accepted += usize::from(one_pass_agrees(op, body.as_bytes()).unwrap());
            }
        }
        // Both answers must be exercised: a sampler that never made a valid input tests little.
        assert!(accepted * 10 > tried, "only {accepted} of {tried} accepted");
        assert!(accepted < tried);
    }

    #[test]
    fn reading_a_partition_never_written_finds_nothing_and_creates_nothing() {
        let store = Store::new(Settings::default());
        let listed = call(&store, Operation::ListNamespaces, json!({}));
        assert_eq!(listed, json!({"namespaces": []}));
        assert!(store.export().partitions.is_empty());
    }
}
