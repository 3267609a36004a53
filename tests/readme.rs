//! README's operations table says which operations are served; this keeps it true.

use redshift_serverless_local::control::ops::IMPLEMENTED;
use redshift_serverless_local::model::Operation;

#[test]
fn readme_operations_table_matches_the_dispatch_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let (_, rest) = readme
        .split_once("<!-- operations:start -->")
        .expect("start marker");
    let (table, _) = rest
        .split_once("<!-- operations:end -->")
        .expect("end marker");
    let rows: Vec<(String, String)> = table
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells[1].trim_matches('`').to_string(), cells[2].to_string())
        })
        .collect();
    let expected: Vec<(String, String)> = Operation::ALL
        .iter()
        .map(|op| {
            let status = if IMPLEMENTED.contains(op) {
                "yes"
            } else {
                "not yet"
            };
            (op.name().to_string(), status.to_string())
        })
        .collect();
    if rows != expected {
        let table: String = expected
            .iter()
            .map(|(op, s)| format!("| `{op}` | {s} |\n"))
            .collect();
        panic!("README's operations table is out of date; it should read:\n{table}");
    }
}
