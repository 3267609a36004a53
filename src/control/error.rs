//! The errors an operation can answer, as the model names them. Each code knows its HTTP status
//! (from the reference's error sections); each message is built by a named constructor here, so
//! handlers never format an error themselves.

use crate::model::Operation;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    AccessDenied,
    Conflict,
    DryRun,
    InsufficientCapacity,
    InternalServer,
    InvalidPagination,
    Ipv6CidrBlockNotFound,
    ResourceNotFound,
    ServiceQuotaExceeded,
    Throttling,
    TooManyTags,
    Validation,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AccessDenied => "AccessDeniedException",
            ErrorCode::Conflict => "ConflictException",
            ErrorCode::DryRun => "DryRunException",
            ErrorCode::InsufficientCapacity => "InsufficientCapacityException",
            ErrorCode::InternalServer => "InternalServerException",
            ErrorCode::InvalidPagination => "InvalidPaginationException",
            ErrorCode::Ipv6CidrBlockNotFound => "Ipv6CidrBlockNotFoundException",
            ErrorCode::ResourceNotFound => "ResourceNotFoundException",
            ErrorCode::ServiceQuotaExceeded => "ServiceQuotaExceededException",
            ErrorCode::Throttling => "ThrottlingException",
            ErrorCode::TooManyTags => "TooManyTagsException",
            ErrorCode::Validation => "ValidationException",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InternalServer => 500,
            _ => 400,
        }
    }
}

impl ResourceKind {
    /// The resource of this kind keyed `key` in `map`, or the error AWS gives when none is.
    pub fn lookup<'a, V>(self, map: &'a BTreeMap<String, V>, key: &str) -> ApiResult<&'a V> {
        map.get(key).ok_or_else(|| ApiError::not_found(self, key))
    }

    /// [`ResourceKind::lookup`], to change the resource.
    pub fn lookup_mut<'a, V>(
        self,
        map: &'a mut BTreeMap<String, V>,
        key: &str,
    ) -> ApiResult<&'a mut V> {
        map.get_mut(key)
            .ok_or_else(|| ApiError::not_found(self, key))
    }
}

/// The kinds of resource an error can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    Namespace,
    Workgroup,
    Snapshot,
    RecoveryPoint,
    TableRestoreRequest,
    SnapshotCopyConfiguration,
    ResourcePolicy,
    Track,
    EndpointAccess,
    CustomDomainAssociation,
    UsageLimit,
    ScheduledAction,
    ReservationOffering,
    Reservation,
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ResourceKind::Namespace => "Namespace",
            ResourceKind::Workgroup => "Workgroup",
            ResourceKind::Snapshot => "Snapshot",
            ResourceKind::RecoveryPoint => "Recovery point",
            ResourceKind::TableRestoreRequest => "Table restore request",
            ResourceKind::SnapshotCopyConfiguration => "Snapshot copy configuration",
            ResourceKind::ResourcePolicy => "Resource policy for",
            ResourceKind::Track => "Track",
            ResourceKind::EndpointAccess => "Endpoint",
            ResourceKind::CustomDomainAssociation => "Custom domain",
            ResourceKind::UsageLimit => "Usage limit",
            ResourceKind::ScheduledAction => "Scheduled action",
            ResourceKind::ReservationOffering => "Reservation offering",
            ResourceKind::Reservation => "Reservation",
        })
    }
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Sent as `resourceName` by the errors whose shape has that member.
    pub resource_name: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            resource_name: None,
        }
    }

    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Validation, message)
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Conflict, message)
    }

    pub fn quota(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::ServiceQuotaExceeded, message)
    }

    pub fn not_found(kind: ResourceKind, name: &str) -> ApiError {
        ApiError {
            resource_name: Some(name.to_string()),
            ..ApiError::new(
                ErrorCode::ResourceNotFound,
                format!("{kind} '{name}' does not exist."),
            )
        }
    }

    pub fn arn_not_found(arn: &str) -> ApiError {
        ApiError {
            resource_name: Some(arn.to_string()),
            ..ApiError::new(
                ErrorCode::ResourceNotFound,
                format!("No resource with ARN '{arn}' exists."),
            )
        }
    }

    pub fn already_exists(kind: ResourceKind, name: &str) -> ApiError {
        ApiError::conflict(format!("{kind} '{name}' already exists."))
    }

    /// A change refused because the resource is in a state that does not allow it.
    pub fn busy(kind: ResourceKind, name: &str, status: &str) -> ApiError {
        ApiError::conflict(format!(
            "{kind} '{name}' is {status}; wait until it is AVAILABLE and try again."
        ))
    }

    pub fn too_many_tags(arn: &str, limit: usize) -> ApiError {
        ApiError {
            resource_name: Some(arn.to_string()),
            ..ApiError::new(
                ErrorCode::TooManyTags,
                format!("Resource '{arn}' would have more than {limit} tags."),
            )
        }
    }

    /// A `nextToken` this server did not issue for `op`. AWS answers the operation's documented
    /// pagination error where it has one, else a validation error.
    pub fn invalid_token(op: Operation) -> ApiError {
        let code = if op.has_error("InvalidPaginationException") {
            ErrorCode::InvalidPagination
        } else {
            ErrorCode::Validation
        };
        ApiError::new(
            code,
            "The nextToken is not valid for this request; start over without it.",
        )
    }

    /// The request would have succeeded, but `dryRun` was set.
    pub fn dry_run() -> ApiError {
        ApiError::new(
            ErrorCode::DryRun,
            "The request would have succeeded, but dryRun was set, so nothing was changed.",
        )
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InternalServer, message)
    }
}
