//! The one validation engine: applies a model's generated constraint table (its `SHAPES`) to a
//! decoded request before any handler runs, the way AWS's front end does.
//!
//! It rejects members of the wrong JSON type (a serialization error), collects every violated
//! constraint with AWS's wording (`Value 'AB' at 'namespaceName' failed to satisfy constraint:
//! ...`), and drops members the model does not know and members set to `null`, so the typed
//! decode that follows sees only what the model allows.
//!
//! The rules (bounds, patterns, enums) are written once and walked two ways: [`validate`] over a
//! JSON `Value`, with words, and [`check`] over an input already typed, yes or no, which lets
//! most requests skip the `Value`. [`decode`] takes a body as sent to its typed input the
//! cheaper way that gives the same answer.
//!
//! A [`ShapeId`] points into its own model's table, so every function here serves either
//! model (`model::Operation::X.info().input` or `model::data::Operation::X.info().input`).

use super::{Blob, Member, ShapeId, ShapeKind};
use serde::de::DeserializeOwned;
use serde::ser::{self, Impossible, Serialize};
use serde_json::{Map, Value};
use std::fmt::Write as _;

/// Why a request body was refused.
#[derive(Debug, PartialEq)]
pub enum Rejection {
    /// A member had the wrong JSON type: AWS answers `SerializationException`.
    Serialization(String),
    /// Constraints were violated: AWS answers `ValidationException` with this message.
    Validation(String),
}

/// Validates `value` against the structure `shape`, pruning unknown and null members in place.
pub fn validate(shape: ShapeId, value: &mut Value) -> Result<(), Rejection> {
    thread_local! {
        /// The path buffer, reused so that validating a request allocates nothing for paths.
        static PATH: std::cell::RefCell<String> = std::cell::RefCell::new(String::with_capacity(64));
    }
    let mut walker = Walker::default();
    PATH.with(|path| {
        let mut path = path.borrow_mut();
        path.clear();
        walker.value(shape, value, &mut path)
    })?;
    match walker.errors.len() {
        0 => Ok(()),
        1 => Err(Rejection::Validation(format!(
            "1 validation error detected: {}",
            walker.errors[0]
        ))),
        n => Err(Rejection::Validation(format!(
            "{n} validation errors detected: {}",
            walker.errors.join("; ")
        ))),
    }
}

/// The bounds `n` breaks, below and above (either may be absent from the model).
fn outside<T: PartialOrd + Copy>(n: T, min: Option<T>, max: Option<T>) -> (Option<T>, Option<T>) {
    (min.filter(|&min| n < min), max.filter(|&max| n > max))
}

fn within<T: PartialOrd + Copy>(n: T, min: Option<T>, max: Option<T>) -> bool {
    outside(n, min, max) == (None, None)
}

fn in_enum(values: &[&str], s: &str) -> bool {
    values.is_empty() || values.contains(&s)
}

#[derive(Default)]
struct Walker {
    errors: Vec<String>,
}

/// Appends `.member` (or `member` at the root) to `path`; returns the length to truncate back to.
fn push(path: &mut String, member: &str) -> usize {
    let len = path.len();
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(member);
    len
}

/// The JSON token name AWS's deserializer reports for a value it could not convert.
fn token(value: &Value) -> &'static str {
    match value {
        Value::Null => "VALUE_NULL",
        Value::Bool(true) => "TRUE_VALUE",
        Value::Bool(false) => "FALSE_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::String(_) => "STRING_VALUE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

fn wrong_type(value: &Value, expected: &str, path: &str) -> Rejection {
    let at = if path.is_empty() {
        String::new()
    } else {
        format!(" at '{path}'")
    };
    Rejection::Serialization(match value {
        Value::Object(_) => format!("Start of structure or map found where not expected{at}."),
        Value::Array(_) => format!("Start of list found where not expected{at}."),
        other => format!("{} can not be converted to {expected}{at}", token(other)),
    })
}

/// How AWS prints a value in a validation message (Java's `toString`).
fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(render).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{k}={}", render(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

impl Walker {
    fn violation(&mut self, shape: ShapeId, value: &Value, path: &str, constraint: String) {
        let shown = if shape.shape().sensitive {
            String::new()
        } else {
            format!(" '{}'", render(value))
        };
        self.errors.push(format!(
            "Value{shown} at '{path}' failed to satisfy constraint: {constraint}"
        ));
    }

    /// Reports `n` if it lies outside the model's bounds; `what` is `length` or `value`.
    fn bounds<T: PartialOrd + Copy + std::fmt::Display>(
        &mut self,
        shape: ShapeId,
        value: &Value,
        path: &str,
        what: &str,
        (n, min, max): (T, Option<T>, Option<T>),
    ) {
        let (low, high) = outside(n, min, max);
        if let Some(min) = low {
            let rule = format!("Member must have {what} greater than or equal to {min}");
            self.violation(shape, value, path, rule);
        }
        if let Some(max) = high {
            let rule = format!("Member must have {what} less than or equal to {max}");
            self.violation(shape, value, path, rule);
        }
    }

    /// Walks `value` as shape `id`. `path` is AWS's path to it (`tags.1.member.key`), extended
    /// and truncated in place so that a valid request allocates no paths.
    fn value(
        &mut self,
        id: ShapeId,
        value: &mut Value,
        path: &mut String,
    ) -> Result<(), Rejection> {
        match &id.shape().kind {
            ShapeKind::Structure(members) | ShapeKind::Union(members) => {
                let Value::Object(map) = value else {
                    return Err(wrong_type(value, "a structure", path));
                };
                map.retain(|k, v| !v.is_null() && members.iter().any(|m| m.name == k));
                for member in members.iter() {
                    let len = push(path, member.name);
                    match map.get_mut(member.name) {
                        Some(v) => self.value(member.shape, v, path)?,
                        None if member.required => self.errors.push(format!(
                            "Value null at '{path}' failed to satisfy constraint: Member must not be null"
                        )),
                        None => {}
                    }
                    path.truncate(len);
                }
                if matches!(id.shape().kind, ShapeKind::Union(_)) && map.len() != 1 {
                    self.union_violation(map, path);
                }
            }
            ShapeKind::List { member, min, max } => {
                let Value::Array(items) = value else {
                    return Err(wrong_type(value, "a list", path));
                };
                for (i, item) in items.iter_mut().enumerate() {
                    if item.is_null() {
                        continue;
                    }
                    let len = path.len();
                    let _ = write!(path, ".{}.member", i + 1);
                    self.value(*member, item, path)?;
                    path.truncate(len);
                }
                let len = items.len() as u64;
                self.bounds(id, value, path, "length", (len, *min, *max));
            }
            // No input of either model has a map today (only outputs do), so this wording is
            // the engine's own: keys are checked as strings at the map's path, values at
            // `map.<key>`, and null values are skipped as a list's null items are.
            ShapeKind::Map {
                key,
                value: member,
                min,
                max,
            } => {
                let Value::Object(entries) = value else {
                    return Err(wrong_type(value, "a map", path));
                };
                for (k, v) in entries.iter_mut() {
                    self.value(*key, &mut Value::String(k.clone()), path)?;
                    if v.is_null() {
                        continue;
                    }
                    let len = push(path, k);
                    self.value(*member, v, path)?;
                    path.truncate(len);
                }
                let len = entries.len() as u64;
                self.bounds(id, value, path, "length", (len, *min, *max));
            }
            ShapeKind::Blob { min, max } => {
                let Value::String(s) = &*value else {
                    return Err(wrong_type(value, "a Blob", path));
                };
                let Some(bytes) = Blob::decode(s) else {
                    return Err(wrong_type(value, "a Blob", path));
                };
                let len = bytes.0.len() as u64;
                self.bounds(id, value, path, "length", (len, *min, *max));
            }
            ShapeKind::String {
                min,
                max,
                pattern,
                enum_values,
            } => {
                let Value::String(s) = &*value else {
                    return Err(wrong_type(value, "a String", path));
                };
                let len = s.chars().count() as u64;
                self.bounds(id, value, path, "length", (len, *min, *max));
                if let Some(p) = pattern {
                    if !p.is_match(s) {
                        self.violation(
                            id,
                            value,
                            path,
                            format!("Member must satisfy regular expression pattern: {p}"),
                        );
                    }
                }
                if !in_enum(enum_values, s) {
                    self.violation(
                        id,
                        value,
                        path,
                        format!(
                            "Member must satisfy enum value set: [{}]",
                            enum_values.join(", ")
                        ),
                    );
                }
            }
            ShapeKind::Integer { min, max } | ShapeKind::Long { min, max } => {
                let is_int = matches!(id.shape().kind, ShapeKind::Integer { .. });
                let n = value
                    .as_i64()
                    .filter(|n| !is_int || i32::try_from(*n).is_ok());
                let Some(n) = n else {
                    let expected = if is_int { "an Integer" } else { "a Long" };
                    return Err(wrong_type(value, expected, path));
                };
                self.bounds(id, value, path, "value", (n, *min, *max));
            }
            ShapeKind::Double => {
                if !value.is_number() {
                    return Err(wrong_type(value, "a Double", path));
                }
            }
            ShapeKind::Boolean => {
                if !value.is_boolean() {
                    return Err(wrong_type(value, "a Boolean", path));
                }
            }
            ShapeKind::Timestamp => {
                let ok = match &*value {
                    Value::Number(n) => n
                        .as_f64()
                        .and_then(super::time::epoch_to_datetime)
                        .is_some(),
                    Value::String(s) => super::time::parse_timestamp_text(s).is_some(),
                    _ => false,
                };
                if !ok {
                    return Err(wrong_type(value, "a Timestamp", path));
                }
            }
        }
        Ok(())
    }

    fn union_violation(&mut self, map: &Map<String, Value>, path: &str) {
        let set: Vec<&str> = map.keys().map(String::as_str).collect();
        self.errors.push(format!(
            "Value at '{path}' failed to satisfy constraint: Member must have exactly one member set, found {} ({})",
            set.len(),
            if set.is_empty() { "none".to_string() } else { set.join(", ") }
        ));
    }
}

/// Whether a typed input satisfies the model's constraints for `shape`: the question
/// [`validate`] answers, asked of an input already decoded (so of the right JSON types, with its
/// required members present), without the words. The request path asks it first and takes
/// `validate` only for a no, so every refusal is still worded by `validate`; a test holds the
/// two to the same answers.
pub fn check<T: Serialize + ?Sized>(shape: ShapeId, input: &T) -> bool {
    input.serialize(Check(shape)).is_ok()
}

/// A body as sent, as JSON; an empty body is an empty input, as SDKs treat it.
pub fn parse(bytes: &[u8]) -> Result<Value, Rejection> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| Rejection::Serialization(format!("The request body is not valid JSON: {e}")))
}

/// A value [`validate`] accepted, as the typed input.
pub fn typed<I: DeserializeOwned>(value: Value) -> Result<I, Rejection> {
    serde_json::from_value(value).map_err(|e| Rejection::Serialization(e.to_string()))
}

/// A body as sent, as the typed input of `shape`, or the refusal AWS words for it. It usually
/// takes one pass ([`one_pass`]); anything else takes the worded way ([`parse`], [`validate`],
/// [`typed`]), so that every refusal carries AWS's words.
pub fn decode<I: DeserializeOwned + Serialize>(
    shape: ShapeId,
    bytes: &[u8],
) -> Result<I, Rejection> {
    if let Some(input) = one_pass(shape, bytes) {
        return Ok(input);
    }
    let mut value = parse(bytes)?;
    validate(shape, &mut value)?;
    typed(value)
}

/// The typed input in one pass, if it can be read so: the body decodes straight to `I` and
/// [`check`] confirms that it satisfies the model. A body with any `[` in it never can, since
/// serde also reads a structure from a JSON array, which the model does not allow.
pub fn one_pass<I: DeserializeOwned + Serialize>(shape: ShapeId, bytes: &[u8]) -> Option<I> {
    (!bytes.contains(&b'['))
        .then(|| serde_json::from_slice::<I>(bytes).ok())
        .flatten()
        .filter(|input| check(shape, input))
}

/// A typed value breaks a constraint, or has a form its shape does not describe.
#[derive(Debug)]
struct Broken;

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the input breaks a constraint of the model")
    }
}

impl std::error::Error for Broken {}

impl ser::Error for Broken {
    fn custom<T: std::fmt::Display>(_: T) -> Broken {
        Broken
    }
}

type Checked = Result<(), Broken>;

fn holds(ok: bool) -> Checked {
    ok.then_some(()).ok_or(Broken)
}

/// Walks a typed value as shape `.0`, through the value's `Serialize` impl.
struct Check(ShapeId);

impl Check {
    fn kind(&self) -> &'static ShapeKind {
        &self.0.shape().kind
    }

    fn number(self, n: i64) -> Checked {
        match *self.kind() {
            ShapeKind::Integer { min, max } | ShapeKind::Long { min, max } => {
                holds(within(n, min, max))
            }
            ShapeKind::Double | ShapeKind::Timestamp => Ok(()),
            _ => Err(Broken),
        }
    }

    fn string(self, s: &str) -> Checked {
        match self.kind() {
            ShapeKind::String {
                min,
                max,
                pattern,
                enum_values,
            } => holds(
                within(s.chars().count() as u64, *min, *max)
                    && pattern.as_ref().is_none_or(|p| p.is_match(s))
                    && in_enum(enum_values, s),
            ),
            ShapeKind::Blob { min, max } => {
                holds(Blob::decode(s).is_some_and(|bytes| within(bytes.0.len() as u64, *min, *max)))
            }
            ShapeKind::Timestamp => Ok(()),
            _ => Err(Broken),
        }
    }
}

impl ser::Serializer for Check {
    type Ok = ();
    type Error = Broken;
    type SerializeSeq = Items;
    type SerializeTuple = Impossible<(), Broken>;
    type SerializeTupleStruct = Impossible<(), Broken>;
    type SerializeTupleVariant = Impossible<(), Broken>;
    type SerializeMap = Entries;
    type SerializeStruct = Members;
    type SerializeStructVariant = Impossible<(), Broken>;

    fn serialize_bool(self, _: bool) -> Checked {
        holds(matches!(self.kind(), ShapeKind::Boolean))
    }
    fn serialize_i8(self, v: i8) -> Checked {
        self.number(v.into())
    }
    fn serialize_i16(self, v: i16) -> Checked {
        self.number(v.into())
    }
    fn serialize_i32(self, v: i32) -> Checked {
        self.number(v.into())
    }
    fn serialize_i64(self, v: i64) -> Checked {
        self.number(v)
    }
    fn serialize_u8(self, v: u8) -> Checked {
        self.number(v.into())
    }
    fn serialize_u16(self, v: u16) -> Checked {
        self.number(v.into())
    }
    fn serialize_u32(self, v: u32) -> Checked {
        self.number(v.into())
    }
    fn serialize_u64(self, v: u64) -> Checked {
        self.number(i64::try_from(v).map_err(|_| Broken)?)
    }
    fn serialize_f32(self, _: f32) -> Checked {
        holds(matches!(
            self.kind(),
            ShapeKind::Double | ShapeKind::Timestamp
        ))
    }
    fn serialize_f64(self, _: f64) -> Checked {
        holds(matches!(
            self.kind(),
            ShapeKind::Double | ShapeKind::Timestamp
        ))
    }
    fn serialize_char(self, _: char) -> Checked {
        Err(Broken)
    }
    fn serialize_str(self, v: &str) -> Checked {
        self.string(v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Checked {
        Err(Broken)
    }
    fn serialize_none(self) -> Checked {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Checked {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Checked {
        Err(Broken)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Checked {
        Err(Broken)
    }
    /// A member of a string enum.
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Checked {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Checked {
        value.serialize(self)
    }
    /// A union with its one member set.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Checked {
        let ShapeKind::Union(members) = self.kind() else {
            return Err(Broken);
        };
        let member = members.iter().find(|m| m.name == variant).ok_or(Broken)?;
        value.serialize(Check(member.shape))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Items, Broken> {
        let ShapeKind::List { member, min, max } = *self.kind() else {
            return Err(Broken);
        };
        Ok(Items {
            member,
            bounds: (min, max),
            count: 0,
        })
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Broken> {
        Err(Broken)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Broken> {
        Err(Broken)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Broken> {
        Err(Broken)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Entries, Broken> {
        let ShapeKind::Map {
            key,
            value,
            min,
            max,
        } = *self.kind()
        else {
            return Err(Broken);
        };
        Ok(Entries {
            key,
            value,
            bounds: (min, max),
            count: 0,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Members, Broken> {
        let ShapeKind::Structure(members) = self.kind() else {
            return Err(Broken);
        };
        Ok(Members {
            members,
            required: 0,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Broken> {
        Err(Broken)
    }
}

/// The items of a list so far.
struct Items {
    member: ShapeId,
    bounds: (Option<u64>, Option<u64>),
    count: u64,
}

impl ser::SerializeSeq for Items {
    type Ok = ();
    type Error = Broken;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Checked {
        self.count += 1;
        value.serialize(Check(self.member))
    }

    fn end(self) -> Checked {
        holds(within(self.count, self.bounds.0, self.bounds.1))
    }
}

/// The entries of a map so far.
struct Entries {
    key: ShapeId,
    value: ShapeId,
    bounds: (Option<u64>, Option<u64>),
    count: u64,
}

impl ser::SerializeMap for Entries {
    type Ok = ();
    type Error = Broken;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Checked {
        self.count += 1;
        key.serialize(Check(self.key))
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Checked {
        value.serialize(Check(self.value))
    }

    fn end(self) -> Checked {
        holds(within(self.count, self.bounds.0, self.bounds.1))
    }
}

/// The members of a structure so far, and how many of them are required ones.
struct Members {
    members: &'static [Member],
    required: usize,
}

impl ser::SerializeStruct for Members {
    type Ok = ();
    type Error = Broken;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Checked {
        let member = self.members.iter().find(|m| m.name == key).ok_or(Broken)?;
        self.required += usize::from(member.required);
        value.serialize(Check(member.shape))
    }

    fn end(self) -> Checked {
        holds(self.required == self.members.iter().filter(|m| m.required).count())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{data, Operation};
    use serde_json::json;

    /// A JSON value for shape `id` of either model, often valid and often not in every way the
    /// model knows (the random-input tests of both models' inputs use it).
    pub(crate) fn sample(rng: &mut impl rand::Rng, id: ShapeId, depth: usize) -> Value {
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
            ShapeKind::Map { key, value, .. } => {
                if rng.gen_bool(0.05) {
                    return json!("not a map");
                }
                let entries = (0..rng.gen_range(0..3)).filter_map(|_| {
                    let key = sample(rng, *key, depth + 1).as_str()?.to_string();
                    Some((key, sample(rng, *value, depth + 1)))
                });
                Value::Object(entries.collect())
            }
            ShapeKind::Blob { .. } => pick(
                rng,
                vec![
                    json!("aGk="),
                    json!(""),
                    json!("not base64!"),
                    json!("aGk"),
                    json!(5),
                ],
            ),
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
                    "sys_query_history",
                    "all",
                    "select 1",
                    "0123abcd-0123-4567-89ab-0123456789ab",
                    "0123abcd-0123-4567-89ab-0123456789ab:1",
                    "param_1",
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

    /// The one-pass way accepts only what the worded way accepts, and reads it the same, on
    /// random inputs of every Data API operation (`control::ops` holds Redshift Serverless's
    /// handlers to the same through their own input types).
    #[test]
    fn the_one_pass_way_agrees_with_the_worded_way_on_the_data_api() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(8);
        let (mut accepted, mut tried) = (0, 0);
        macro_rules! each {
            ($($op:path, $input:ty, $output:ty;)*) => {$({
                let shape = $op.info().input;
                let mut bodies = vec!["".to_string(), "{}".to_string(), "[]".to_string()];
                bodies.extend((0..300).map(|_| sample(&mut rng, shape, 0).to_string()));
                for body in bodies {
                    tried += 1;
                    let Some(input) = one_pass::<$input>(shape, body.as_bytes()) else {
                        continue;
                    };
                    let mut value = parse(body.as_bytes()).unwrap();
                    let worded = validate(shape, &mut value).and_then(|()| typed::<$input>(value));
                    assert_eq!(worded, Ok(input), "{:?} {body}", $op);
                    accepted += 1;
                }
            })*};
        }
        data::with_operations!(each);
        assert!(accepted * 10 > tried, "only {accepted} of {tried} accepted");
        assert!(accepted < tried);
    }

    fn check(op: Operation, mut body: Value) -> Result<Value, Rejection> {
        validate(op.info().input, &mut body).map(|()| body)
    }

    #[test]
    fn one_violation_has_aws_wording() {
        let err = check(Operation::CreateNamespace, json!({"namespaceName": "AB"})).unwrap_err();
        assert_eq!(
            err,
            Rejection::Validation(
                "2 validation errors detected: Value 'AB' at 'namespaceName' failed to satisfy constraint: \
                 Member must have length greater than or equal to 3; Value 'AB' at 'namespaceName' failed to \
                 satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9-]+$"
                    .into()
            )
        );
        let err = check(Operation::CreateNamespace, json!({})).unwrap_err();
        assert_eq!(
            err,
            Rejection::Validation(
                "1 validation error detected: Value null at 'namespaceName' failed to satisfy constraint: Member must not be null".into()
            )
        );
    }

    #[test]
    fn nested_list_members_use_aws_paths() {
        let err = check(
            Operation::TagResource,
            json!({"resourceArn": "arn:x", "tags": [{"key": "ok", "value": "v"}, {"key": "", "value": "v"}]}),
        )
        .unwrap_err();
        assert_eq!(
            err,
            Rejection::Validation(
                "1 validation error detected: Value '' at 'tags.2.member.key' failed to satisfy constraint: \
                 Member must have length greater than or equal to 1"
                    .into()
            )
        );
    }

    #[test]
    fn ranges_enums_and_lengths_in_characters() {
        let err = check(Operation::ListNamespaces, json!({"maxResults": 101})).unwrap_err();
        assert!(
            matches!(err, Rejection::Validation(m) if m.ends_with("Member must have value less than or equal to 100"))
        );
        let err = check(
            Operation::CreateUsageLimit,
            json!({"resourceArn": "a", "usageType": "serverless-compute", "amount": 1, "period": "hourly"}),
        )
        .unwrap_err();
        assert!(
            matches!(err, Rejection::Validation(m) if m.contains("Member must satisfy enum value set: [daily, weekly, monthly]"))
        );
        // 64 characters of three bytes each is still 64 characters.
        let name = "é".repeat(64);
        let err = check(Operation::CreateNamespace, json!({"namespaceName": name})).unwrap_err();
        assert!(
            matches!(err, Rejection::Validation(m) if m.starts_with("1 validation error") && m.contains("pattern"))
        );
    }

    #[test]
    fn unions_need_exactly_one_member() {
        let base = json!({"namespaceName": "nsx", "roleArn": "r", "scheduledActionName": "abc",
            "targetAction": {"createSnapshot": {"namespaceName": "nsx", "snapshotNamePrefix": "p"}}});
        let mut both = base.clone();
        both["schedule"] = json!({"at": 1700000000, "cron": "cron(0 * * * ? *)"});
        let err = check(Operation::CreateScheduledAction, both).unwrap_err();
        assert!(
            matches!(err, Rejection::Validation(m) if m.contains("at 'schedule'") && m.contains("exactly one member"))
        );
        let mut one = base;
        one["schedule"] = json!({"cron": "cron(0 * * * ? *)"});
        check(Operation::CreateScheduledAction, one).unwrap();
    }

    #[test]
    fn wrong_types_are_serialization_errors_and_unknowns_are_dropped() {
        let err = check(
            Operation::CreateWorkgroup,
            json!({"namespaceName": "ns", "workgroupName": "wg", "port": "5439"}),
        )
        .unwrap_err();
        assert_eq!(
            err,
            Rejection::Serialization(
                "STRING_VALUE can not be converted to an Integer at 'port'".into()
            )
        );
        let err = check(
            Operation::CreateWorkgroup,
            json!({"namespaceName": ["ns"], "workgroupName": "wg"}),
        )
        .unwrap_err();
        assert!(matches!(err, Rejection::Serialization(m) if m.starts_with("Start of list")));
        let ok = check(
            Operation::CreateNamespace,
            json!({"namespaceName": "abc", "bogus": 1, "dbName": null}),
        )
        .unwrap();
        assert_eq!(ok, json!({"namespaceName": "abc"}));
    }

    #[test]
    fn sensitive_values_are_never_echoed() {
        use crate::model::{ShapeKind, SHAPES};
        let sensitive: Vec<_> = SHAPES.iter().filter(|s| s.sensitive).collect();
        assert!(!sensitive.is_empty());
        let mut w = Walker::default();
        let id = crate::model::ShapeId(
            SHAPES
                .iter()
                .find(|s| s.sensitive && matches!(s.kind, ShapeKind::String { .. }))
                .unwrap(),
        );
        w.violation(
            id,
            &json!("hunter2"),
            "adminUserPassword",
            "Member must x".into(),
        );
        assert_eq!(
            w.errors[0],
            "Value at 'adminUserPassword' failed to satisfy constraint: Member must x"
        );
    }
}
