//! Walks the constraint table: for every operation, a minimal valid request passes validation,
//! and for every constraint of every member (nested ones too), a request that breaks exactly
//! that constraint gets AWS's ValidationException naming it. All through HTTP.

mod common;

use common::*;
use redshift_serverless_local::model::{Operation, ShapeId, ShapeKind};
use serde_json::{json, Map, Value};

/// Valid values of the shapes that carry a pattern; a test below checks each really is valid.
const EXAMPLES: [(&str, &str); 12] = [
    ("CatalogNameString", "catalog"),
    (
        "CustomDomainCertificateArnString",
        "arn:aws:acm:us-east-1:123456789012:certificate/abc",
    ),
    ("CustomDomainName", "db.example.com"),
    ("IpAddressType", "ipv4"),
    ("ManagedWorkgroupName", "managed-wg"),
    ("NamespaceName", "abc"),
    ("OwnerAccount", "123456789012"),
    ("S3TableName", "sys_query_history"),
    ("ScheduledActionName", "abc"),
    (
        "SourceArn",
        "arn:aws:glue:us-east-1:123456789012:database/db",
    ),
    ("TrackName", "current"),
    ("WorkgroupName", "abc"),
];

fn valid(id: ShapeId) -> Value {
    let shape = id.shape();
    match &shape.kind {
        ShapeKind::Structure(members) => Value::Object(
            members
                .iter()
                .filter(|m| m.required)
                .map(|m| (m.name.to_string(), valid(m.shape)))
                .collect(),
        ),
        ShapeKind::Union(members) => json!({ members[0].name: valid(members[0].shape) }),
        ShapeKind::List { member, min, .. } => Value::Array(
            (0..min.unwrap_or(1).max(1))
                .map(|_| valid(*member))
                .collect(),
        ),
        ShapeKind::String {
            min,
            max,
            pattern,
            enum_values,
        } => {
            if let Some(first) = enum_values.first() {
                json!(first)
            } else if pattern.is_some() {
                let example = EXAMPLES.iter().find(|(name, _)| *name == shape.name);
                json!(
                    example
                        .unwrap_or_else(|| panic!("no example for {}", shape.name))
                        .1
                )
            } else {
                let len = min.unwrap_or(3).max(3).min(max.unwrap_or(u64::MAX));
                json!("x".repeat(len as usize))
            }
        }
        ShapeKind::Integer { min, .. } | ShapeKind::Long { min, .. } => json!(min.unwrap_or(1)),
        ShapeKind::Map { .. } => json!({}),
        ShapeKind::Blob { .. } => json!("aGk="),
        ShapeKind::Double => json!(1.5),
        ShapeKind::Boolean => json!(true),
        ShapeKind::Timestamp => json!(1_700_000_000),
    }
}

#[derive(Clone, Debug)]
enum Step {
    Member(&'static str),
    FirstItem,
}

/// One constraint to break: where, how, and the text AWS puts after "failed to satisfy constraint: ".
struct Case {
    steps: Vec<Step>,
    shape: ShapeId,
    breaker: Breaker,
    expected: String,
}

#[derive(Clone, Debug)]
enum Breaker {
    Omit,
    Set(Value),
    BothUnionMembers,
}

fn path_of(steps: &[Step]) -> String {
    let mut parts = Vec::new();
    for step in steps {
        match step {
            Step::Member(name) => parts.push(name.to_string()),
            Step::FirstItem => parts.push("1.member".to_string()),
        }
    }
    parts.join(".")
}

fn cases_of(id: ShapeId, steps: &[Step], out: &mut Vec<Case>, depth: usize) {
    assert!(depth < 12, "shapes nest too deep at {}", path_of(steps));
    let at = |extra: Step| {
        let mut s = steps.to_vec();
        s.push(extra);
        s
    };
    let case = |breaker: Breaker, expected: String| Case {
        steps: steps.to_vec(),
        shape: id,
        breaker,
        expected,
    };
    match &id.shape().kind {
        ShapeKind::Structure(members) | ShapeKind::Union(members) => {
            for m in members.iter() {
                if m.required {
                    out.push(Case {
                        steps: at(Step::Member(m.name)),
                        shape: m.shape,
                        breaker: Breaker::Omit,
                        expected: "Member must not be null".into(),
                    });
                }
                cases_of(m.shape, &at(Step::Member(m.name)), out, depth + 1);
            }
            if matches!(id.shape().kind, ShapeKind::Union(_)) && members.len() > 1 {
                out.push(case(
                    Breaker::BothUnionMembers,
                    "Member must have exactly one member set".into(),
                ));
            }
        }
        ShapeKind::List { member, min, max } => {
            let item = valid(*member);
            if let Some(min) = min.filter(|&m| m > 0) {
                let items = vec![item.clone(); (min - 1) as usize];
                out.push(case(
                    Breaker::Set(json!(items)),
                    format!("Member must have length greater than or equal to {min}"),
                ));
            }
            if let Some(max) = max {
                let items = vec![item; (max + 1) as usize];
                out.push(case(
                    Breaker::Set(json!(items)),
                    format!("Member must have length less than or equal to {max}"),
                ));
            }
            cases_of(*member, &at(Step::FirstItem), out, depth + 1);
        }
        ShapeKind::String {
            min,
            max,
            pattern,
            enum_values,
        } => {
            let example = valid(id).as_str().unwrap().to_string();
            if let Some(min) = min.filter(|&m| m > 0) {
                let short: String = example.chars().take((min - 1) as usize).collect();
                out.push(case(
                    Breaker::Set(json!(short)),
                    format!("Member must have length greater than or equal to {min}"),
                ));
            }
            if let Some(max) = max {
                let last = example.chars().last().unwrap_or('x');
                let long: String = example
                    .chars()
                    .chain(std::iter::repeat(last))
                    .take((max + 1) as usize)
                    .collect();
                out.push(case(
                    Breaker::Set(json!(long)),
                    format!("Member must have length less than or equal to {max}"),
                ));
            }
            if let Some(p) = pattern {
                let len = min.unwrap_or(3).max(3).min(max.unwrap_or(u64::MAX));
                out.push(case(
                    Breaker::Set(json!("!".repeat(len as usize))),
                    format!("Member must satisfy regular expression pattern: {p}"),
                ));
            }
            if !enum_values.is_empty() {
                out.push(case(
                    Breaker::Set(json!("NOT_A_VALUE")),
                    format!(
                        "Member must satisfy enum value set: [{}]",
                        enum_values.join(", ")
                    ),
                ));
            }
        }
        ShapeKind::Integer { min, max } | ShapeKind::Long { min, max } => {
            if let Some(min) = min {
                out.push(case(
                    Breaker::Set(json!(min - 1)),
                    format!("Member must have value greater than or equal to {min}"),
                ));
            }
            if let Some(max) = max {
                out.push(case(
                    Breaker::Set(json!(max + 1)),
                    format!("Member must have value less than or equal to {max}"),
                ));
            }
        }
        // No input of the model takes a map or a blob; the rest carry no constraints.
        ShapeKind::Map { .. }
        | ShapeKind::Blob { .. }
        | ShapeKind::Double
        | ShapeKind::Boolean
        | ShapeKind::Timestamp => {}
    }
}

/// The minimal valid request with the constraint at `case.steps` broken.
fn build(input: ShapeId, case: &Case) -> Value {
    let mut root = valid(input);
    let mut node = &mut root;
    let mut shape = input;
    let (last, parents) = case.steps.split_last().expect("cases are below the root");
    for step in parents {
        (node, shape) = descend(node, shape, step);
    }
    match (last, &case.breaker) {
        (Step::Member(name), Breaker::Omit) => {
            node.as_object_mut().unwrap().remove(*name);
        }
        (Step::Member(name), Breaker::Set(value)) => {
            node.as_object_mut()
                .unwrap()
                .insert(name.to_string(), value.clone());
        }
        (Step::FirstItem, Breaker::Set(value)) => node.as_array_mut().unwrap()[0] = value.clone(),
        (step, Breaker::BothUnionMembers) => {
            let (union, union_shape) = descend(node, shape, step);
            let ShapeKind::Union(members) = &union_shape.shape().kind else {
                unreachable!()
            };
            *union = Value::Object(
                members
                    .iter()
                    .map(|m| (m.name.to_string(), valid(m.shape)))
                    .collect::<Map<_, _>>(),
            );
        }
        other => panic!("unexpected case {other:?}"),
    }
    root
}

/// Moves into the member or first item named by `step`, creating it valid if absent.
fn descend<'a>(node: &'a mut Value, shape: ShapeId, step: &Step) -> (&'a mut Value, ShapeId) {
    match (step, &shape.shape().kind) {
        (Step::Member(name), ShapeKind::Structure(members) | ShapeKind::Union(members)) => {
            let member = members.iter().find(|m| m.name == *name).unwrap();
            let object = node.as_object_mut().unwrap();
            if matches!(shape.shape().kind, ShapeKind::Union(_)) && !object.contains_key(*name) {
                object.clear();
            }
            let child = object
                .entry(name.to_string())
                .or_insert_with(|| valid(member.shape));
            (child, member.shape)
        }
        (Step::FirstItem, ShapeKind::List { member, .. }) => {
            (&mut node.as_array_mut().unwrap()[0], *member)
        }
        other => panic!("cannot descend {other:?}"),
    }
}

async fn send(http: &reqwest::Client, url: &str, op: Operation, body: &Value) -> (u16, Value) {
    let response = http
        .post(url)
        .header("x-amz-target", format!("RedshiftServerless.{}", op.name()))
        .header("content-type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn is_validation_failure(body: &Value) -> bool {
    body["__type"] == "SerializationException"
        || body["message"]
            .as_str()
            .is_some_and(|m| m.contains("validation error") && m.contains("detected"))
}

#[tokio::test]
async fn every_operation_accepts_a_minimal_valid_request() {
    let server = TestServer::start().await;
    let http = common::http();
    for op in Operation::ALL {
        let body = valid(op.info().input);
        let (_, answer) = send(&http, &server.url, op, &body).await;
        assert!(
            !is_validation_failure(&answer),
            "{} refused its minimal request {body}: {answer}",
            op.name()
        );
    }
}

#[tokio::test]
async fn every_constraint_is_enforced_with_aws_wording() {
    let server = TestServer::start().await;
    let http = common::http();
    let mut checked = 0;
    for op in Operation::ALL {
        let input = op.info().input;
        let mut cases = Vec::new();
        cases_of(input, &[], &mut cases, 0);
        for case in cases {
            let body = build(input, &case);
            let (status, answer) = send(&http, &server.url, op, &body).await;
            let path = path_of(&case.steps);
            let context = format!("{} {path} ({:?}): {answer}", op.name(), case.breaker);
            assert_eq!(status, 400, "{context}");
            assert_eq!(answer["__type"], "ValidationException", "{context}");
            let message = answer["message"].as_str().unwrap();
            let (count, errors) = message.split_once(" detected: ").expect("AWS's prefix");
            assert!(
                count.ends_with("validation error") || count.ends_with("validation errors"),
                "{context}"
            );
            let errors: Vec<&str> = errors.split("; ").collect();
            assert_eq!(
                count.split(' ').next().unwrap(),
                errors.len().to_string(),
                "{context}"
            );
            let at = format!("at '{path}' failed to satisfy constraint: ");
            assert!(
                errors.iter().all(|e| e.contains(&at)),
                "an error elsewhere than {path}: {context}"
            );
            assert!(
                errors
                    .iter()
                    .any(|e| e.split_once(&at).unwrap().1.starts_with(&case.expected)),
                "expected '{}' in {context}",
                case.expected
            );
            let _ = case.shape;
            checked += 1;
        }
    }
    eprintln!("{checked} constraints checked");
    assert!(checked > 150, "only {checked} constraints checked");
}

#[test]
fn examples_satisfy_their_patterns() {
    use redshift_serverless_local::model::validate::validate;
    use redshift_serverless_local::model::SHAPES;
    for (name, example) in EXAMPLES {
        let shape = SHAPES
            .iter()
            .find(|s| s.name == name)
            .expect("shape exists");
        let mut value = json!(example);
        assert_eq!(validate(ShapeId(shape), &mut value), Ok(()), "{name}");
    }
}
