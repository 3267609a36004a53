//! The generator of the Rust models, run as a test in the style of rust-analyzer's sourcegen:
//! from each service model in `fixtures/model/` it derives the operation table, the constraint
//! table and the typed shapes, one module per model ([`MODELS`]), and fails (after rewriting
//! the file) when the checked-in code differs from what it generates. Run
//! `cargo test --test codegen` and commit.

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

/// One model to generate: where it is read from, where its module is written, and the path
/// by which the crate names that module.
struct Target {
    model: &'static str,
    output: &'static str,
    module: &'static str,
}

const MODELS: [Target; 2] = [
    Target {
        model: "fixtures/model/redshift-serverless.json",
        output: "src/model/generated.rs",
        module: "crate::model",
    },
    Target {
        model: "fixtures/model/redshift-data.json",
        output: "src/model/data.rs",
        module: "crate::model::data",
    },
];

#[test]
fn generated_models_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for target in &MODELS {
        let text = std::fs::read_to_string(root.join(target.model)).unwrap();
        let model: Value = serde_json::from_str(&text).expect("model is JSON");
        let code = rustfmt(&generate(target, &model));
        let path = root.join(target.output);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != code {
            std::fs::write(&path, &code).unwrap();
            stale.push(target.output);
        }
    }
    assert!(
        stale.is_empty(),
        "{stale:?} were stale and have been regenerated; re-run the tests and commit them"
    );
}

fn rustfmt(code: &str) -> String {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2021", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("rustfmt is installed (rustup component add rustfmt)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(code.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "rustfmt failed on generated code");
    String::from_utf8(out.stdout).unwrap()
}

struct Model<'a> {
    shapes: &'a Map<String, Value>,
    ids: BTreeMap<&'a str, usize>,
}

impl<'a> Model<'a> {
    fn shape(&self, name: &str) -> &'a Map<String, Value> {
        self.shapes[name].as_object().unwrap()
    }

    fn kind(&self, name: &str) -> &'a str {
        self.shape(name)["type"].as_str().unwrap()
    }

    fn is_exception(&self, name: &str) -> bool {
        self.shape(name).contains_key("exception")
    }

    fn is_union(&self, name: &str) -> bool {
        self.shape(name).contains_key("union")
    }

    fn enum_values(&self, name: &str) -> Option<Vec<&'a str>> {
        self.shape(name).get("enum").map(|v| {
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect()
        })
    }

    fn members(&self, name: &str) -> Vec<(&'a str, &'a str, bool)> {
        let shape = self.shape(name);
        let required: Vec<&str> = shape
            .get("required")
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        shape["members"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(m, v)| {
                (
                    m.as_str(),
                    v["shape"].as_str().unwrap(),
                    required.contains(&m.as_str()),
                )
            })
            .collect()
    }

    fn list_member(&self, name: &str) -> &'a str {
        self.shape(name)["member"]["shape"].as_str().unwrap()
    }

    /// The `key` or `value` shape of a map.
    fn map_part(&self, name: &str, part: &str) -> &'a str {
        self.shape(name)[part]["shape"].as_str().unwrap()
    }

    /// The shapes that become Rust types: structures (exceptions aside) and unions.
    fn typed_structures(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.shapes
            .keys()
            .map(String::as_str)
            .filter(|name| self.kind(name) == "structure" && !self.is_exception(name))
    }

    /// Whether a generated type uses the hand-written type `ty` (so that it is imported).
    fn uses(&self, ty: &str) -> bool {
        self.typed_structures().any(|name| {
            self.members(name)
                .iter()
                .any(|(_, target, _)| self.rust_type(target).contains(ty))
        })
    }

    fn rust_type(&self, name: &str) -> String {
        match self.kind(name) {
            "string" if self.enum_values(name).is_some() => name.to_string(),
            "string" => "String".into(),
            "integer" => "i32".into(),
            "long" => "i64".into(),
            "double" => "f64".into(),
            "boolean" => "bool".into(),
            "timestamp" => match self
                .shape(name)
                .get("timestampFormat")
                .and_then(Value::as_str)
            {
                Some("iso8601") => "IsoTime".into(),
                None | Some("unixTimestamp") => "EpochTime".into(),
                Some(other) => panic!("timestamp format {other} of {name}"),
            },
            "list" => format!("Vec<{}>", self.rust_type(self.list_member(name))),
            "map" => format!(
                "std::collections::BTreeMap<{}, {}>",
                self.rust_type(self.map_part(name, "key")),
                self.rust_type(self.map_part(name, "value"))
            ),
            "blob" => "Blob".into(),
            "structure" => name.to_string(),
            other => panic!("shape type {other} of {name}"),
        }
    }

    fn is_defaultable(&self, name: &str) -> bool {
        match self.kind(name) {
            "string" => self.enum_values(name).is_none(),
            "structure" => !self.is_union(name) && self.struct_is_defaultable(name),
            "timestamp" => false,
            _ => true,
        }
    }

    fn struct_is_defaultable(&self, name: &str) -> bool {
        self.members(name)
            .iter()
            .all(|(_, shape, required)| !required || self.is_defaultable(shape))
    }
}

fn generate(target: &Target, model: &Value) -> String {
    let shapes = model["shapes"].as_object().unwrap();
    let ids = shapes
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let m = Model { shapes, ids };
    let mut out = String::new();
    let source = model["source"].as_str().unwrap();
    let prefix = model["metadata"]["targetPrefix"].as_str().unwrap();
    let mut imports = vec![
        "Member",
        "OperationInfo",
        "Pattern",
        "Shape",
        "ShapeId",
        "ShapeKind",
    ];
    imports.extend(
        ["Blob", "EpochTime", "IsoTime"]
            .into_iter()
            .filter(|ty| m.uses(ty)),
    );
    imports.sort();
    writeln!(
        out,
        "//! Generated by `tests/codegen.rs` from `{}` ({source}). Do not edit by hand.\n\n\
         use super::{{{}}};\n\
         use serde::{{Deserialize, Serialize}};\n\n\
         pub const TARGET_PREFIX: &str = \"{prefix}\";\n",
        target.model,
        imports.join(", ")
    )
    .unwrap();
    let ops = model["operations"].as_object().unwrap();
    operations(&m, ops, &mut out);
    with_operations(target, ops, &mut out);
    constraint_table(&m, &mut out);
    for name in shapes.keys() {
        match m.kind(name) {
            "string" if m.enum_values(name).is_some() => string_enum(&m, name, &mut out),
            "structure" if m.is_exception(name) => {}
            "structure" if m.is_union(name) => union(&m, name, &mut out),
            "structure" => structure(&m, name, &mut out),
            _ => {}
        }
    }
    out
}

fn operations(m: &Model, ops: &Map<String, Value>, out: &mut String) {
    writeln!(out, "/// Every operation of the API, in the model's order.").unwrap();
    writeln!(
        out,
        "#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]\npub enum Operation {{"
    )
    .unwrap();
    for name in ops.keys() {
        writeln!(out, "    {name},").unwrap();
    }
    writeln!(
        out,
        "}}\n\nimpl Operation {{\n    pub const ALL: [Operation; {}] = [",
        ops.len()
    )
    .unwrap();
    for name in ops.keys() {
        writeln!(out, "        Operation::{name},").unwrap();
    }
    writeln!(out, "    ];\n}}\n\noperation_methods!();\n").unwrap();
    writeln!(
        out,
        "pub static OPERATIONS: [OperationInfo; {}] = [",
        ops.len()
    )
    .unwrap();
    for (name, op) in ops {
        let input = m.ids[op["input"].as_str().unwrap()];
        let errors: Vec<String> = op["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{:?}", e.as_str().unwrap()))
            .collect();
        writeln!(
            out,
            "    OperationInfo {{ name: {name:?}, input: ShapeId(&SHAPES[{input}]), errors: &[{}], paginated: {} }},",
            errors.join(", "),
            op["paginated"].as_bool().unwrap()
        )
        .unwrap();
    }
    writeln!(out, "];\n").unwrap();
}

/// `with_operations!`: every operation with its input and output types, for code that must
/// name each operation's types (the tests that decode every operation's input). The types are
/// named by absolute path, so the macro works wherever it is called.
fn with_operations(target: &Target, ops: &Map<String, Value>, out: &mut String) {
    let module = target.module.replacen("crate", "$crate", 1);
    writeln!(
        out,
        "/// Calls `$callback!` with `$operation:path, $input:ty, $output:ty;` for every operation.\n\
         #[allow(unused_macros)]\n\
         macro_rules! with_operations {{\n    ($callback:ident) => {{\n        $callback! {{"
    )
    .unwrap();
    for (name, op) in ops {
        writeln!(
            out,
            "            {module}::Operation::{name}, {module}::{}, {module}::{};",
            op["input"].as_str().unwrap(),
            op["output"].as_str().unwrap()
        )
        .unwrap();
    }
    writeln!(
        out,
        "        }}\n    }};\n}}\n\n#[allow(unused_imports)]\npub(crate) use with_operations;\n"
    )
    .unwrap();
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("None".into(), |v| format!("Some({v})"))
}

fn constraint_table(m: &Model, out: &mut String) {
    writeln!(
        out,
        "/// Every shape of the model with its input constraints; a [`ShapeId`] points into this table."
    )
    .unwrap();
    writeln!(out, "pub static SHAPES: [Shape; {}] = [", m.shapes.len()).unwrap();
    for name in m.shapes.keys() {
        let shape = m.shape(name);
        let int = |k: &str| shape.get(k).map(|v| v.as_i64().unwrap());
        let kind = match m.kind(name) {
            "structure" => {
                let members: Vec<String> = m
                    .members(name)
                    .iter()
                    .map(|(member, target, required)| {
                        format!(
                            "Member {{ name: {member:?}, shape: ShapeId(&SHAPES[{}]), required: {required} }}",
                            m.ids[target]
                        )
                    })
                    .collect();
                let variant = if m.is_union(name) {
                    "Union"
                } else {
                    "Structure"
                };
                format!("ShapeKind::{variant}(&[{}])", members.join(", "))
            }
            "list" => format!(
                "ShapeKind::List {{ member: ShapeId(&SHAPES[{}]), min: {}, max: {} }}",
                m.ids[m.list_member(name)],
                opt(int("min")),
                opt(int("max"))
            ),
            "map" => format!(
                "ShapeKind::Map {{ key: ShapeId(&SHAPES[{}]), value: ShapeId(&SHAPES[{}]), min: {}, max: {} }}",
                m.ids[m.map_part(name, "key")],
                m.ids[m.map_part(name, "value")],
                opt(int("min")),
                opt(int("max"))
            ),
            "blob" => format!(
                "ShapeKind::Blob {{ min: {}, max: {} }}",
                opt(int("min")),
                opt(int("max"))
            ),
            "string" => format!(
                "ShapeKind::String {{ min: {}, max: {}, pattern: {}, enum_values: &[{}] }}",
                opt(int("min")),
                opt(int("max")),
                opt(shape
                    .get("pattern")
                    .map(|p| format!("Pattern::new({:?})", p.as_str().unwrap()))),
                m.enum_values(name)
                    .unwrap_or_default()
                    .iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "integer" => format!(
                "ShapeKind::Integer {{ min: {}, max: {} }}",
                opt(int("min")),
                opt(int("max"))
            ),
            "long" => format!(
                "ShapeKind::Long {{ min: {}, max: {} }}",
                opt(int("min")),
                opt(int("max"))
            ),
            "double" => "ShapeKind::Double".into(),
            "boolean" => "ShapeKind::Boolean".into(),
            "timestamp" => "ShapeKind::Timestamp".into(),
            other => panic!("shape type {other}"),
        };
        let sensitive = shape
            .get("sensitive")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        writeln!(
            out,
            "    Shape {{ name: {name:?}, sensitive: {sensitive}, kind: {kind} }},"
        )
        .unwrap();
    }
    writeln!(out, "];\n").unwrap();
}

fn camel_to_pascal(value: &str) -> String {
    value
        .split(['-', '_'])
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => {
                    let rest: String = chars.collect();
                    let rest = if part.chars().all(|c| !c.is_lowercase()) {
                        rest.to_lowercase()
                    } else {
                        rest
                    };
                    first.to_uppercase().chain(rest.chars()).collect()
                }
                None => String::new(),
            }
        })
        .collect()
}

/// The Rust field of a member: its name in snake case, a keyword (`type`) as a raw identifier.
fn field(member: &str) -> String {
    let name = snake(member);
    // Rust's keywords that may be raw identifiers (`self`, `super`, `crate` may not; no
    // model has a member so named).
    const KEYWORDS: [&str; 48] = [
        "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do",
        "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in",
        "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
        "return", "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe",
        "unsized", "use", "virtual", "where", "while", "yield",
    ];
    if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_uppercase();
            if prev_lower || (prev_upper && next_lower) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn string_enum(m: &Model, name: &str, out: &mut String) {
    let values = m.enum_values(name).unwrap();
    writeln!(
        out,
        "#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]\npub enum {name} {{"
    )
    .unwrap();
    for v in &values {
        writeln!(
            out,
            "    #[serde(rename = {v:?})]\n    {},",
            camel_to_pascal(v)
        )
        .unwrap();
    }
    writeln!(
        out,
        "}}\n\nimpl {name} {{\n    pub fn as_str(self) -> &'static str {{\n        match self {{"
    )
    .unwrap();
    for v in &values {
        writeln!(out, "            {name}::{} => {v:?},", camel_to_pascal(v)).unwrap();
    }
    writeln!(out, "        }}\n    }}\n}}\n").unwrap();
}

fn union(m: &Model, name: &str, out: &mut String) {
    writeln!(
        out,
        "#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]\npub enum {name} {{"
    )
    .unwrap();
    for (member, target, _) in m.members(name) {
        writeln!(
            out,
            "    #[serde(rename = {member:?})]\n    {}({}),",
            camel_to_pascal(&member[..1].to_uppercase()) + &member[1..],
            m.rust_type(target)
        )
        .unwrap();
    }
    writeln!(out, "}}\n").unwrap();
}

fn structure(m: &Model, name: &str, out: &mut String) {
    let default = if m.struct_is_defaultable(name) {
        ", Default"
    } else {
        ""
    };
    writeln!(
        out,
        "#[derive(Clone, Debug, PartialEq, Serialize, Deserialize{default})]\npub struct {name} {{"
    )
    .unwrap();
    for (member, target, required) in m.members(name) {
        let ty = m.rust_type(target);
        if required {
            writeln!(
                out,
                "    #[serde(rename = {member:?})]\n    pub {}: {ty},",
                field(member)
            )
            .unwrap();
        } else {
            writeln!(
                out,
                "    #[serde(rename = {member:?}, default, skip_serializing_if = \"Option::is_none\")]\n    pub {}: Option<{ty}>,",
                field(member)
            )
            .unwrap();
        }
    }
    writeln!(out, "}}\n").unwrap();
}

#[test]
fn names_convert_as_rust_expects() {
    assert_eq!(snake("workgroupARN"), "workgroup_arn");
    assert_eq!(snake("kmsKeyId"), "kms_key_id");
    assert_eq!(snake("ipv6Address"), "ipv6_address");
    assert_eq!(snake("ClusterIdentifier"), "cluster_identifier");
    assert_eq!(snake("DbUser"), "db_user");
    assert_eq!(field("type"), "r#type");
    assert_eq!(camel_to_pascal("serverless-compute"), "ServerlessCompute");
    assert_eq!(camel_to_pascal("ALL_UPFRONT"), "AllUpfront");
    assert_eq!(camel_to_pascal("Register"), "Register");
}
