//! One table ties every implemented operation to its handler. A handler is a synchronous
//! function `fn(&mut Ctx, Input) -> ApiResult<Output>` over the typed shapes of the model;
//! [`execute`] validates and decodes the input before it runs and encodes the output after, so
//! handlers see only requests that satisfy the model's constraints.

mod credentials;
mod custom_domain;
mod endpoint_access;
mod lakehouse;
mod namespace;
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
use crate::control::store::{Caller, Ctx, Scope, Store};
use crate::model::validate::{validate, Rejection};
use crate::model::Operation;
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
        pub fn execute(store: &Store, scope: &Scope, caller: &Caller, op: Operation, mut body: Value) -> Result<Vec<u8>, Failure> {
            validate(op.info().input, &mut body).map_err(|rejection| match rejection {
                Rejection::Serialization(message) => Failure::Serialization(message),
                Rejection::Validation(message) => Failure::Api(ApiError::validation(message)),
            })?;
            match op {
                $(Operation::$op => run(store, scope, caller, body, $handler),)*
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

fn run<I: DeserializeOwned, O: Serialize>(
    store: &Store,
    scope: &Scope,
    caller: &Caller,
    body: Value,
    handler: fn(&mut Ctx, I) -> ApiResult<O>,
) -> Result<Vec<u8>, Failure> {
    let input: I =
        serde_json::from_value(body).map_err(|e| Failure::Serialization(e.to_string()))?;
    let output = store.execute(scope, caller, |ctx| handler(ctx, input))?;
    serde_json::to_vec(&output)
        .map_err(|e| ApiError::internal(format!("encoding the response failed: {e}")).into())
}

/// Does what a timer was set for, as of `ctx.now`.
pub fn fire(ctx: &mut Ctx, target: &Target) {
    match target {
        Target::Namespace { name, id } => namespace::settle(ctx, name, id),
        Target::Workgroup { name, id } => workgroup::settle(ctx, name, id),
        Target::Snapshot { name, id } => snapshot::settle(ctx, name, id),
        Target::TableRestore { id } => restore::settle_table_restore(ctx, id),
        Target::SnapshotExpiry { name, id } => snapshot::expire(ctx, name, id),
        Target::TakeRecoveryPoint { namespace, id } => {
            namespace::take_recovery_point(ctx, namespace, id)
        }
        Target::RecoveryPointExpiry { id } => recovery_point::expire(ctx, id),
        Target::EndpointAccess { name, id } => endpoint_access::settle(ctx, name, id),
        Target::ScheduledAction { name, id } => scheduled_action::fire(ctx, name, id),
        Target::CredentialsExpiry { password } => credentials::expire(ctx, password),
    }
}

/// An AWS-style resource id such as `sg-0a1b2c3d4e5f60718`.
pub fn aws_id(prefix: &str) -> String {
    format!("{prefix}-{}", random_hex(17))
}

fn random_hex(len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| char::from_digit(rng.gen_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// Random letters and digits, as in the suffix of a Secrets Manager ARN.
pub fn random_suffix(len: usize) -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::thread_rng(), len)
}
