//! How long the validation engine takes on a full CreateWorkgroup request (every member set),
//! plus the typed decode that follows it. Run: `cargo run --release --example validate_bench`.

use redshift_serverless_local::model::validate::validate;
use redshift_serverless_local::model::{CreateWorkgroupRequest, Operation};
use serde_json::json;
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let request = json!({
        "namespaceName": "analytics",
        "workgroupName": "etl-workgroup",
        "baseCapacity": 128,
        "maxCapacity": 512,
        "port": 5439,
        "enhancedVpcRouting": true,
        "extraComputeForAutomaticOptimization": false,
        "publiclyAccessible": false,
        "ipAddressType": "ipv4",
        "trackName": "current",
        "pricePerformanceTarget": {"status": "ENABLED", "level": 50},
        "securityGroupIds": ["sg-0123456789abcdef0", "sg-0123456789abcdef1"],
        "subnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"],
        "configParameters": [
            {"parameterKey": "auto_mv", "parameterValue": "true"},
            {"parameterKey": "datestyle", "parameterValue": "ISO, MDY"},
            {"parameterKey": "search_path", "parameterValue": "$user, public"},
            {"parameterKey": "max_query_execution_time", "parameterValue": "3600"}
        ],
        "tags": (0..10).map(|i| json!({"key": format!("key-{i}"), "value": format!("value-{i}")})).collect::<Vec<_>>()
    });
    let input = Operation::CreateWorkgroup.info().input;
    // Warm up: the first call compiles the patterns.
    validate(input, &mut request.clone()).unwrap();

    let iterations = 200_000;
    let mut copies: Vec<_> = (0..iterations).map(|_| request.clone()).collect();
    let start = Instant::now();
    for body in copies.iter_mut() {
        validate(input, black_box(body)).unwrap();
    }
    let validate_ns = start.elapsed().as_nanos() as f64 / iterations as f64;

    let start = Instant::now();
    for body in copies {
        black_box(serde_json::from_value::<CreateWorkgroupRequest>(body).unwrap());
    }
    let decode_ns = start.elapsed().as_nanos() as f64 / iterations as f64;
    println!(
        "validate full CreateWorkgroup: {:.2} µs per request",
        validate_ns / 1000.0
    );
    println!(
        "typed decode after validation: {:.2} µs per request",
        decode_ns / 1000.0
    );
}
