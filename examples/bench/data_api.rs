//! The Data API's cases of the benchmark (a module of `bench.rs`): a statement's round trip
//! (ExecuteStatement with WaitTimeSeconds, then GetStatementResult) against the same query
//! through the SQL endpoint on a warm connection, 200 concurrent statements, and the memory
//! finished statements and a large result hold.

use super::{
    emulator, median_f64, pg_config, rss_kib, settle, sql_workgroup, start, Bar, Conn, AUTH,
    SQL_PASSWORD, SQL_USER,
};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// An awsJson1.1 request of the Data API.
fn data_request(operation: &str, body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: bench\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: RedshiftData.{operation}\r\nX-Amz-Date: 20260101T000000Z\r\nAuthorization: {AUTH}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

async fn data_call(conn: &mut Conn, operation: &str, body: &Value) -> Value {
    let status = conn
        .send(&data_request(operation, &body.to_string()))
        .await
        .unwrap();
    assert_eq!(status, 200, "{operation}: {:?}", conn.answer());
    conn.answer()
}

/// ExecuteStatement(`sql`, WaitTimeSeconds) and GetStatementResult; the result, and how long
/// the ExecuteStatement took.
async fn timed_round_trip(conn: &mut Conn, sql: &str) -> (Value, Duration) {
    let began = Instant::now();
    let out = data_call(
        conn,
        "ExecuteStatement",
        &json!({"WorkgroupName": "dataapi", "Database": "dev", "Sql": sql, "WaitTimeSeconds": 30}),
    )
    .await;
    let executed = began.elapsed();
    assert_eq!(out["Status"], "FINISHED", "{sql}: {out}");
    let result = data_call(conn, "GetStatementResult", &json!({"Id": out["Id"]})).await;
    (result, executed)
}

async fn round_trip(conn: &mut Conn, sql: &str) -> Value {
    timed_round_trip(conn, sql).await.0
}

pub async fn data_api_cases(
    binary: &std::path::Path,
    quick: bool,
    bars: &mut Vec<Bar>,
    results: &mut serde_json::Map<String, Value>,
) {
    let (server, _) = start(emulator(binary, &[])).await;
    let mut api = Conn::open(&server.addr).await.unwrap();
    let port = sql_workgroup(&mut api, "dataapi").await;
    settle(&mut api).await;
    let (sql, connection) = pg_config(port, SQL_USER, Some(SQL_PASSWORD), "dev")
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);

    // Round trips, in alternating rounds: the Data API's pair against one query through the
    // endpoint on a warm connection.
    let (rounds, per_round) = if quick { (2, 30) } else { (6, 150) };
    round_trip(&mut api, "select 1").await;
    sql.simple_query("select 1").await.unwrap();
    let (mut ours, mut theirs, mut executes) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        for _ in 0..per_round {
            let began = Instant::now();
            let (answer, executed) = timed_round_trip(&mut api, "select 1").await;
            ours.push(began.elapsed().as_secs_f64() * 1e6);
            executes.push(executed.as_secs_f64() * 1e6);
            assert_eq!(answer["Records"][0][0]["longValue"], 1);
        }
        for _ in 0..per_round {
            let began = Instant::now();
            sql.simple_query("select 1").await.unwrap();
            theirs.push(began.elapsed().as_secs_f64() * 1e6);
        }
    }
    let (ours, theirs, execute) = (median_f64(ours), median_f64(theirs), median_f64(executes));
    let ratio = ours / theirs;
    println!(
        "\nData API: ExecuteStatement(WaitTimeSeconds)+GetStatementResult {ours:.0} µs \
         (the ExecuteStatement {execute:.0} µs), select 1 through the endpoint {theirs:.0} µs: \
         {ratio:.2}x"
    );
    bars.push(Bar {
        name: "Data API select 1 round trip ≤ 2x the SQL endpoint's".into(),
        measured: format!("{ratio:.2}x ({ours:.0} µs against {theirs:.0} µs)"),
        pass: ratio <= 2.0,
    });

    // 200 statements at once, each on a connection of its own.
    let began = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let addr = server.addr.clone();
        tasks.push(tokio::spawn(async move {
            let began = Instant::now();
            let mut conn = Conn::open(&addr).await.unwrap();
            let connected = began.elapsed();
            let out = data_call(
                &mut conn,
                "ExecuteStatement",
                &json!({"WorkgroupName": "dataapi", "Database": "dev", "Sql": format!("select {i}")}),
            )
            .await;
            let executed = began.elapsed();
            let described = data_call(
                &mut conn,
                "DescribeStatement",
                &json!({"Id": out["Id"], "WaitTimeSeconds": 30}),
            )
            .await;
            let phases = [connected, executed - connected, began.elapsed() - executed];
            (described["Status"] == "FINISHED", phases)
        }));
    }
    let mut finished = 0;
    let mut slowest = [Duration::ZERO; 3];
    for task in tasks {
        let (done, phases) = task.await.unwrap();
        finished += usize::from(done);
        if phases.iter().sum::<Duration>() > slowest.iter().sum::<Duration>() {
            slowest = phases;
        }
    }
    let took = began.elapsed();
    println!(
        "Data API: 200 concurrent statements, {finished} finished in {took:?} (the slowest: connect {:?}, ExecuteStatement {:?}, DescribeStatement {:?})",
        slowest[0], slowest[1], slowest[2]
    );
    bars.push(Bar {
        name: "Data API 200 concurrent statements, none lost".into(),
        measured: format!(
            "{finished}/200 FINISHED in {:.0} ms",
            took.as_secs_f64() * 1e3
        ),
        pass: finished == 200,
    });

    // Memory: finished statements with small results, and one large result.
    let pid = server.child.id();
    let statements = if quick { 200 } else { 1000 };
    let before = rss_kib(pid);
    for _ in 0..statements {
        round_trip(
            &mut api,
            "select g, md5(g::text) from generate_series(1, 100) g",
        )
        .await;
    }
    let per_statement = (rss_kib(pid).saturating_sub(before)) as f64 / statements as f64;
    println!("Data API: {per_statement:.1} KiB of RSS per finished statement with 100 rows kept");
    bars.push(Bar {
        name: "Data API memory per finished statement (100 rows kept) ≤ 32 KiB".into(),
        measured: format!("{per_statement:.1} KiB"),
        pass: per_statement <= 32.0,
    });
    let before = rss_kib(pid);
    let out = data_call(
        &mut api,
        "ExecuteStatement",
        &json!({"WorkgroupName": "dataapi", "Database": "dev", "WaitTimeSeconds": 30,
                "Sql": "select g, repeat('x', 1000) from generate_series(1, 50000) g"}),
    )
    .await;
    assert_eq!(out["Status"], "FINISHED", "{out}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let grown = rss_kib(pid).saturating_sub(before) as f64 / 1024.0;
    println!("Data API: a 50 MB result kept, RSS grew {grown:.1} MiB");
    bars.push(Bar {
        name: "Data API a 50 MB result kept adds ≤ 8 MiB of RSS".into(),
        measured: format!("{grown:.1} MiB"),
        pass: grown <= 8.0,
    });
    results.insert(
        "data_api".into(),
        json!({
            "round_trip_us": ours, "execute_us": execute, "endpoint_select_us": theirs, "ratio": ratio,
            "concurrent_finished": finished, "concurrent_ms": took.as_secs_f64() * 1e3,
            "kib_per_statement": per_statement, "large_result_rss_mib": grown,
        }),
    );
}
