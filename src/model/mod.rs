//! The API model: request and response shapes, enums, the constraint table and the operation
//! table, all generated from `fixtures/model/redshift-serverless.json` into `generated.rs` by
//! `tests/codegen.rs`. This module holds the few hand-written types the generated code uses.
//!
//! Invariant: nothing here knows about HTTP or the state store.

mod generated;
mod time;
pub mod validate;

pub use generated::*;
use std::collections::HashMap;
use std::sync::LazyLock;
pub use time::{EpochTime, IsoTime};

/// Index of a shape in [`SHAPES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShapeId(pub u16);

impl ShapeId {
    pub fn shape(self) -> &'static Shape {
        &SHAPES[self.0 as usize]
    }
}

/// One shape of the model with the constraints the service enforces on input.
#[derive(Debug)]
pub struct Shape {
    pub name: &'static str,
    pub sensitive: bool,
    pub kind: ShapeKind,
}

#[derive(Debug)]
pub enum ShapeKind {
    Structure(&'static [Member]),
    /// A structure of which exactly one member must be set.
    Union(&'static [Member]),
    List {
        member: ShapeId,
        min: Option<u64>,
        max: Option<u64>,
    },
    String {
        min: Option<u64>,
        max: Option<u64>,
        pattern: Option<&'static str>,
        enum_values: &'static [&'static str],
    },
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    Long {
        min: Option<i64>,
        max: Option<i64>,
    },
    Double,
    Boolean,
    Timestamp,
}

#[derive(Debug)]
pub struct Member {
    pub name: &'static str,
    pub shape: ShapeId,
    pub required: bool,
}

/// What the model says of one operation.
#[derive(Debug)]
pub struct OperationInfo {
    pub name: &'static str,
    pub input: ShapeId,
    /// The error shapes the model lists for this operation.
    pub errors: &'static [&'static str],
    pub paginated: bool,
}

impl Operation {
    pub fn info(self) -> &'static OperationInfo {
        &OPERATIONS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    pub fn from_name(name: &str) -> Option<Operation> {
        static BY_NAME: LazyLock<HashMap<&'static str, Operation>> = LazyLock::new(|| {
            Operation::ALL
                .into_iter()
                .map(|op| (op.name(), op))
                .collect()
        });
        BY_NAME.get(name).copied()
    }

    pub fn has_error(self, code: &str) -> bool {
        self.info().errors.contains(&code)
    }
}
