//! The API model: request and response shapes, enums, the constraint table and the operation
//! table, all generated from `fixtures/model/redshift-serverless.json` into `generated.rs` by
//! `tests/codegen.rs`. This module holds the few hand-written types the generated code uses.
//!
//! Invariant: nothing here knows about HTTP or the state store.

mod generated;
mod time;
pub mod validate;

pub use generated::*;
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

    /// `ALL` is in name order (as the model lists operations; a test checks), so a binary
    /// search finds a name in a few comparisons, on every request.
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL
            .binary_search_by(|op| op.name().cmp(name))
            .ok()
            .map(|i| Operation::ALL[i])
    }

    pub fn has_error(self, code: &str) -> bool {
        self.info().errors.contains(&code)
    }
}

#[cfg(test)]
mod tests {
    use super::Operation;

    #[test]
    fn every_operation_is_found_by_its_name_and_nothing_else_is() {
        assert!(Operation::ALL.is_sorted_by_key(|op| op.name()));
        for op in Operation::ALL {
            assert_eq!(Operation::from_name(op.name()), Some(op));
        }
        for name in ["", "getWorkgroup", "GetWorkgroups", "Zzz", "AAA"] {
            assert_eq!(Operation::from_name(name), None, "{name}");
        }
    }
}
