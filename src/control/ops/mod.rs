//! One table ties every implemented operation to its handler. A handler is a synchronous
//! function over the typed shapes of the model, and its signature says what it may do:
//! `fn(&mut Ctx, Input) -> ApiResult<Output>` changes state (under the store's exclusive lock,
//! journaled when it succeeds), `fn(&mut ReadCtx, Input) -> ApiResult<Output>` only reads
//! (under the shared lock). [`execute`] validates and decodes the input before a handler runs
//! and encodes the output after, so handlers see only requests that satisfy the model's
//! constraints.

mod credentials;
mod custom_domain;
mod endpoint_access;
mod lakehouse;
pub(crate) mod namespace;
mod recovery_point;
mod reservation;
mod restore;
mod scheduled_action;
mod snapshot;
mod snapshot_copy;
mod tags;
mod track;
mod usage_limit;
mod workgroup;

use crate::control::error::{ApiError, ApiResult};
use crate::control::lifecycle::Target;
use crate::control::store::{Caller, Command, Ctx, Durable, Moment, ReadCtx, Scope, Store};
use crate::control::view::Answer;
use crate::model::validate::{check, validate, Rejection};
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
            Body::Sent(bytes) => parse(bytes)?,
        };
        validate(op.info().input, &mut value).map_err(|rejection| match rejection {
            Rejection::Serialization(message) => Failure::Serialization(message),
            Rejection::Validation(message) => Failure::Api(ApiError::validation(message)),
        })?;
        Ok(value)
    }

    /// The typed input. A body as sent usually takes one pass: it decodes straight to `I`, and
    /// [`check`] confirms that it satisfies the model. Anything else takes the way of
    /// [`Body::validated`], so that every refusal carries AWS's words: a body that does not
    /// decode or does not satisfy the model, and a body with any `[` in it, since serde also
    /// reads a structure from a JSON array, which the model does not allow.
    fn decode<I: DeserializeOwned + Serialize>(self, op: Operation) -> Result<I, Failure> {
        if let Some(input) = self.one_pass(op) {
            return Ok(input);
        }
        decode(self.validated(op)?)
    }

    /// The input in one pass, if it can be read so (see [`Body::decode`]).
    fn one_pass<I: DeserializeOwned + Serialize>(&self, op: Operation) -> Option<I> {
        let Body::Sent(bytes) = self else {
            return None;
        };
        (!bytes.contains(&b'['))
            .then(|| serde_json::from_slice::<I>(bytes).ok())
            .flatten()
            .filter(|input| check(op.info().input, input))
    }
}

/// A body as JSON; an empty body is an empty input, as SDKs treat it.
fn parse(bytes: &[u8]) -> Result<Value, Failure> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| Failure::Serialization(format!("The request body is not valid JSON: {e}")))
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
            (decode(value)?, Some(journal))
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

fn decode<I: DeserializeOwned>(body: Value) -> Result<I, Failure> {
    serde_json::from_value(body).map_err(|e| Failure::Serialization(e.to_string()))
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
    use crate::model::{ShapeId, ShapeKind};
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
        let Some(input) = Body::Sent(body).one_pass::<I>(op) else {
            return Ok(false);
        };
        match Body::Sent(body).validated(op).and_then(decode::<I>) {
            Ok(exact) if exact == input => Ok(true),
            other => Err(format!(
                "{op:?} {}: one pass read {input:?}, the worded way {other:?}",
                String::from_utf8_lossy(body)
            )),
        }
    }

    /// A JSON value for shape `id`, often valid and often not in every way the model knows.
    fn sample(rng: &mut impl rand::Rng, id: ShapeId, depth: usize) -> Value {
        use rand::seq::SliceRandom;
        let pick = |rng: &mut _, options: Vec<Value>| options.choose(rng).cloned().unwrap();
        match &id.shape().kind {
            ShapeKind::Structure(members) | ShapeKind::Union(members) => {
                let union = matches!(id.shape().kind, ShapeKind::Union(_));
                let mut map = serde_json::Map::new();
                if depth > 4 {
                    return Value::Object(map);
                }
                for member in members.iter() {
                    let odds = if union {
                        1.2 / members.len() as f64
                    } else if member.required {
                        0.95
                    } else {
                        0.5
                    };
                    if rng.gen_bool(odds.min(1.0)) {
                        let value = if rng.gen_bool(0.03) {
                            Value::Null
                        } else {
                            sample(rng, member.shape, depth + 1)
                        };
                        map.insert(member.name.to_string(), value);
                    }
                }
                if rng.gen_bool(0.05) {
                    map.insert("unknownMember".into(), json!(1));
                }
                Value::Object(map)
            }
            ShapeKind::List { member, min, max } => {
                let (min, max) = (min.unwrap_or(0), max.unwrap_or(3).min(40));
                let len = *[0, 1, 2, min, max, max + 1].choose(rng).unwrap();
                if rng.gen_bool(0.02) {
                    return json!("not a list");
                }
                Value::Array((0..len).map(|_| sample(rng, *member, depth + 1)).collect())
            }
            ShapeKind::String {
                min,
                max,
                enum_values,
                ..
            } => {
                let mut options: Vec<Value> = [
                    "",
                    "a",
                    "ab",
                    "abc",
                    "ns-1",
                    "wg-0001",
                    "Mixed_Case",
                    "é",
                    "a b",
                    "arn:aws:iam::123456789012:role/r",
                    "us-east-1",
                    "10.0.0.0/16",
                    "sg-0123456789abcdef0",
                    "subnet-0123456789abcdef0",
                    "cron(0 * * * ? *)",
                    "2026-01-01T00:00:00Z",
                    "example.com",
                    "dev",
                ]
                .map(Value::from)
                .into();
                for n in [min.unwrap_or(0), max.unwrap_or(8).min(600)] {
                    options.push(json!("x".repeat(n as usize)));
                    options.push(json!("x".repeat(n as usize + 1)));
                }
                options.extend(enum_values.iter().map(|v| json!(v)));
                options.push(json!(5));
                pick(rng, options)
            }
            ShapeKind::Integer { min, max } | ShapeKind::Long { min, max } => {
                let (min, max) = (min.unwrap_or(-5), max.unwrap_or(5));
                pick(
                    rng,
                    vec![
                        json!(min),
                        json!(max),
                        json!(min - 1),
                        json!(max + 1),
                        json!(0),
                        json!(1),
                        json!(5439),
                        json!(1_i64 << 40),
                        json!(1.5),
                        json!("7"),
                    ],
                )
            }
            ShapeKind::Double => pick(rng, vec![json!(1.5), json!(2), json!("x")]),
            ShapeKind::Boolean => pick(rng, vec![json!(true), json!(false), json!("true")]),
            ShapeKind::Timestamp => pick(
                rng,
                vec![
                    json!(1_700_000_000),
                    json!(1_700_000_000.25),
                    json!("2026-01-01T00:00:00Z"),
                    json!("1700000000"),
                    json!("yesterday"),
                    json!(1e13),
                ],
            ),
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
