//! The corpus (`tests/corpus/*.sql`, its format in `tests/corpus/README.md`): Redshift
//! statements and the results Amazon Redshift's SQL reference documents for them, run through
//! a workgroup endpoint on the real engine. It prints a score per category and every case that
//! does not pass; it fails when a case not marked `-- known-gap:` does not pass (a regression),
//! and names the known gaps that pass now, so the marker can go.

mod common;

use common::TestServer;
use std::path::Path;
use tokio_postgres::{Client, SimpleQueryMessage};

/// One block of a corpus file.
#[derive(Debug, Default)]
struct Case {
    line: usize,
    source: Option<String>,
    known_gap: Option<String>,
    setup: bool,
    unordered: bool,
    sql: String,
    /// The rows expected (cells joined by ` | `), when the block says `-- expect:`.
    expect: Option<Vec<String>>,
    /// A piece of the error message expected instead, when it says `-- expect-error:`.
    expect_error: Option<String>,
}

fn parse(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut case = Case::default();
    let mut in_rows = false;
    let flush = |case: &mut Case, cases: &mut Vec<Case>| {
        if !case.sql.trim().is_empty() {
            cases.push(std::mem::take(case));
        } else {
            *case = Case::default();
        }
    };
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            flush(&mut case, &mut cases);
            in_rows = false;
            continue;
        }
        if case.line == 0 {
            case.line = n + 1;
        }
        if let Some(rest) = trimmed.strip_prefix("--") {
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            if in_rows {
                // The line's trailing blanks are gone: a row that ends in ` |` ends in an
                // empty cell (NULL).
                let row = match rest.ends_with(" |") {
                    true => format!("{rest} "),
                    false => rest.to_string(),
                };
                case.expect.get_or_insert_with(Vec::new).push(row);
            } else if let Some(url) = rest.strip_prefix("source:") {
                case.source = Some(url.trim().to_string());
            } else if let Some(reason) = rest.strip_prefix("known-gap:") {
                case.known_gap = Some(reason.trim().to_string());
            } else if rest.trim() == "setup" {
                case.setup = true;
            } else if rest.trim() == "unordered" {
                case.unordered = true;
            } else if rest.trim() == "expect:" {
                case.expect = Some(Vec::new());
                in_rows = true;
            } else if let Some(message) = rest.strip_prefix("expect-error:") {
                case.expect_error = Some(message.trim().to_string());
            }
            // Any other comment is a note for the reader.
            continue;
        }
        if !case.sql.is_empty() {
            case.sql.push('\n');
        }
        case.sql.push_str(line);
    }
    flush(&mut case, &mut cases);
    cases
}

/// A row as the corpus writes it: cells trimmed and joined by ` | `, NULL as nothing.
fn row_text(row: &tokio_postgres::SimpleQueryRow) -> String {
    (0..row.len())
        .map(|i| row.get(i).unwrap_or("").trim().to_string())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Whether a result cell matches the documented one: equal once trimmed, where the reference
/// writes booleans as true/false and the wire as t/f.
fn cell_matches(got: &str, want: &str) -> bool {
    let (got, want) = (got.trim(), want.trim());
    got == want
        || (got == "t" && want.eq_ignore_ascii_case("true"))
        || (got == "f" && want.eq_ignore_ascii_case("false"))
}

fn rows_match(got: &[String], want: &[String]) -> bool {
    got.len() == want.len()
        && got.iter().zip(want).all(|(g, w)| {
            let (g, w): (Vec<&str>, Vec<&str>) =
                (g.split(" | ").collect(), w.split(" | ").collect());
            g.len() == w.len() && g.iter().zip(&w).all(|(g, w)| cell_matches(g, w))
        })
}

/// Runs one case: `Ok` when it passes, else what happened.
async fn run(client: &Client, case: &Case) -> Result<(), String> {
    let outcome = client.simple_query(&case.sql).await;
    match (outcome, &case.expect_error) {
        (Err(e), Some(want)) => {
            let message = e
                .as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string());
            match message.contains(want.as_str()) {
                true => Ok(()),
                false => Err(format!("error {message:?}, expected one with {want:?}")),
            }
        }
        (Err(e), None) => Err(format!(
            "error: {}",
            e.as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string())
        )),
        (Ok(_), Some(want)) => Err(format!("succeeded, expected an error with {want:?}")),
        (Ok(messages), None) => {
            let Some(want) = &case.expect else {
                return Ok(());
            };
            let mut got: Vec<String> = messages
                .iter()
                .filter_map(|m| match m {
                    SimpleQueryMessage::Row(row) => Some(row_text(row)),
                    _ => None,
                })
                .collect();
            let mut want = want.clone();
            if case.unordered {
                got.sort();
                want.sort();
            }
            match rows_match(&got, &want) {
                true => Ok(()),
                false => Err(format!("rows {got:?}, expected {want:?}")),
            }
        }
    }
}

async fn session(server: &TestServer) -> u16 {
    common::serving_workgroup(&server.client(), "corpus-ns", "corpus-wg").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_examples_give_the_documented_results() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus in {}", dir.display());

    let server = TestServer::with_sql().await;
    let port = session(&server).await;
    let (mut regressions, mut now_passing, mut gaps) = (Vec::new(), Vec::new(), Vec::new());
    let (mut total_cases, mut total_passed) = (0, 0);
    let mut scores = Vec::new();
    for file in &files {
        let category = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(file).unwrap();
        let client = common::sql_connect(port, common::SQL_ADMIN, common::SQL_PASSWORD, "dev")
            .await
            .unwrap();
        // Each category in a schema of its own, so tables of one never meet another's.
        client
            .batch_execute(&format!(
                "create schema corpus_{category}; set search_path to corpus_{category}, public"
            ))
            .await
            .unwrap();
        let (mut cases, mut passed) = (0, 0);
        for case in parse(&text) {
            let place = format!("{category}.sql:{}", case.line);
            if !case.setup {
                assert!(
                    case.source.is_some(),
                    "{place}: a case names its source (-- source: URL)"
                );
                assert!(
                    case.expect.is_some() || case.expect_error.is_some(),
                    "{place}: a case says what it expects (-- expect: or -- expect-error:)"
                );
                cases += 1;
            }
            let outcome = run(&client, &case).await;
            match (&outcome, &case.known_gap) {
                (Ok(()), None) => passed += usize::from(!case.setup),
                (Ok(()), Some(reason)) => {
                    passed += usize::from(!case.setup);
                    now_passing.push(format!("{place} (was: {reason})"));
                }
                (Err(why), None) => regressions.push(format!("{place}: {why}\n    {}", case.sql)),
                (Err(why), Some(reason)) => gaps.push(format!("{place}: {reason} ({why})")),
            }
        }
        scores.push(format!("{category}: {passed}/{cases}"));
        total_cases += cases;
        total_passed += passed;
    }
    println!("corpus score by category:");
    for score in &scores {
        println!("  {score}");
    }
    println!("  total: {total_passed}/{total_cases}");
    if !gaps.is_empty() {
        println!("known gaps ({}):", gaps.len());
        for gap in &gaps {
            println!("  {gap}");
        }
    }
    if !now_passing.is_empty() {
        println!("known gaps that pass now (remove their markers):");
        for case in &now_passing {
            println!("  {case}");
        }
    }
    server.shutdown().await;
    assert!(
        regressions.is_empty(),
        "cases not marked as known gaps that fail:\n{}",
        regressions.join("\n")
    );
}

#[test]
fn the_format_reads_blocks() {
    let cases = parse(
        "-- source: https://example.com/a\n-- known-gap: not yet\nselect 1,\n  2;\n-- expect:\n-- 1 | 2\n\n-- setup\ncreate table t (a int);\n\n-- source: u\n-- unordered\nselect a from t;\n-- expect:\n\n-- source: u\nselect x;\n-- expect-error: does not exist\n",
    );
    assert_eq!(cases.len(), 4);
    assert_eq!(cases[0].sql, "select 1,\n  2;");
    assert_eq!(cases[0].known_gap.as_deref(), Some("not yet"));
    assert_eq!(cases[0].expect.as_deref(), Some(&["1 | 2".to_string()][..]));
    assert!(cases[1].setup && cases[1].expect.is_none());
    assert!(cases[2].unordered && cases[2].expect.as_deref() == Some(&[][..]));
    assert_eq!(cases[3].expect_error.as_deref(), Some("does not exist"));
    assert!(rows_match(
        &["t | 5".to_string()],
        &["true | 5".to_string()]
    ));
    let trailing_null = parse("-- source: u\nselect 1, null;\n-- expect:\n-- 1 | \n");
    assert_eq!(
        trailing_null[0].expect.as_deref(),
        Some(&["1 | ".to_string()][..])
    );
    assert!(rows_match(&["1 | ".to_string()], &["1 | ".to_string()]));
}
