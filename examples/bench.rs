//! The benchmark: the release binary side by side with a bare axum baseline, on one machine,
//! in one run. Run: `cargo run --release --example bench` (it builds the release binary first).
//! Prints a table with pass/fail against the bars of BENCHMARKS.md and writes
//! `target/bench-results.json`.
//!
//! `--quick` shortens every load phase (for a smoke run); `--data-api-only` runs only the Data
//! API's cases; `--sql-only` runs only the SQL cases
//! (pgbench through a workgroup endpoint against a plain PostgreSQL, a fresh namespace to its
//! first `select 1`, idle RSS with and without SQL endpoints, and the Data API's cases in
//! `bench/data_api.rs`); `--snapshots-only` runs only the snapshot cases (`bench/snapshots.rs`:
//! snapshot and restore of ~100 MB against `pg_dump`/`pg_restore`, and the storage of a day of
//! recovery points); `--copy-only` runs only COPY and UNLOAD of S3 (`bench/copy_unload.rs`);
//! `--binary PATH` measures that build of the emulator instead of building this tree's;
//! `--baseline-server` is internal:
//! the bench re-runs itself that way to start the baseline as a process of its own.

#[path = "bench/copy_unload.rs"]
mod copy_unload;
#[path = "bench/data_api.rs"]
mod data_api;
#[path = "bench/snapshots.rs"]
mod snapshots;

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=123456789012/20260101/us-east-1/redshift-serverless/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";

/// A fixed GetWorkgroup-sized answer for the baseline.
fn baseline_body() -> Vec<u8> {
    let workgroup = json!({"workgroup": {
        "baseCapacity": 128, "creationDate": "2026-01-01T00:00:00.000Z", "enhancedVpcRouting": false,
        "configParameters": (0..9).map(|i| json!({"parameterKey": format!("key_{i}"), "parameterValue": "value"})).collect::<Vec<_>>(),
        "endpoint": {"address": "localhost", "port": 5439, "vpcEndpoints": [{"vpcEndpointId": "vpce-0123456789abcdef0", "vpcId": "vpc-0123456789abcdef0",
            "networkInterfaces": [{"availabilityZone": "us-east-1a", "networkInterfaceId": "eni-0123456789abcdef0", "privateIpAddress": "10.0.0.10", "subnetId": "subnet-0123456789abcdef0"}]}]},
        "ipAddressType": "ipv4", "namespaceName": "bench", "patchVersion": "1.0.104411", "port": 5439, "pricePerformanceTarget": {"status": "DISABLED"},
        "publiclyAccessible": false, "securityGroupIds": ["sg-0123456789abcdef0"], "status": "AVAILABLE",
        "subnetIds": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"], "trackName": "current",
        "workgroupArn": "arn:aws:redshift-serverless:us-east-1:123456789012:workgroup/0f3c0e6e-6a4b-4a53-9d0e-7a6b1b2f7c11",
        "workgroupId": "0f3c0e6e-6a4b-4a53-9d0e-7a6b1b2f7c11", "workgroupName": "bench", "workgroupVersion": "1.0.104411"}});
    serde_json::to_vec(&workgroup).unwrap()
}

/// The baseline: a bare axum server on the same runtime settings, answering a fixed body.
fn baseline_server() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let body = axum::body::Bytes::from(baseline_body());
        let app = axum::Router::new()
            .route(
                "/",
                axum::routing::post(move || {
                    let body = body.clone();
                    async move { ([("content-type", "application/x-amz-json-1.1")], body) }
                }),
            )
            .route("/_emulator/health", axum::routing::get(|| async { "{}" }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!(
            "baseline listening on http://{}",
            listener.local_addr().unwrap()
        );
        axum::serve(listener, app).await.unwrap();
    });
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Starts `command` and measures from exec to its first successful answer.
async fn start(mut command: Command) -> (Server, Duration) {
    use std::io::BufRead;
    let began = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().rsplit("http://").next().unwrap().to_string();
    loop {
        if let Ok(mut conn) = Conn::open(&addr).await {
            if conn.get("/_emulator/health").await.is_ok_and(|s| s == 200) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    (Server { child, addr }, began.elapsed())
}

/// A keep-alive HTTP/1.1 connection that speaks just enough to drive both servers. Answers are
/// parsed in place in one buffer, as wrk does: the generator shares the machine with the server
/// it measures, and every microsecond it spends is one the server does not get.
struct Conn {
    stream: TcpStream,
    /// Bytes read and not yet consumed; the last answer's body is `buf[body]`.
    buf: Vec<u8>,
    body: std::ops::Range<usize>,
}

impl Conn {
    async fn open(addr: &str) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(64 * 1024),
            body: 0..0,
        })
    }

    async fn get(&mut self, path: &str) -> std::io::Result<u16> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n");
        self.send(request.as_bytes()).await
    }

    async fn call(&mut self, operation: &str, body: &str) -> std::io::Result<u16> {
        self.send(&request(operation, body)).await
    }

    async fn send(&mut self, request: &[u8]) -> std::io::Result<u16> {
        self.stream.write_all(request).await?;
        self.response().await
    }

    /// Reads one answer: its status, with its body left at `buf[body]`.
    async fn response(&mut self) -> std::io::Result<u16> {
        self.buf.drain(..self.body.end);
        self.body = 0..0;
        let mut scanned = 0;
        let head = loop {
            if let Some(at) = self.buf[scanned..]
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
            {
                break scanned + at + 4;
            }
            scanned = self.buf.len().saturating_sub(3);
            self.fill().await?;
        };
        let (status, length) = parse_head(&self.buf[..head]);
        while self.buf.len() < head + length {
            self.fill().await?;
        }
        self.body = head..head + length;
        Ok(status)
    }

    async fn fill(&mut self) -> std::io::Result<()> {
        if self.stream.read_buf(&mut self.buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }

    fn answer(&self) -> Value {
        serde_json::from_slice(&self.buf[self.body.clone()]).unwrap_or(Value::Null)
    }
}

/// The status and `Content-Length` of an answer's head.
fn parse_head(head: &[u8]) -> (u16, usize) {
    let number = |bytes: &[u8]| {
        bytes
            .iter()
            .skip_while(|b| **b == b' ')
            .take_while(|b| b.is_ascii_digit())
            .fold(0usize, |n, b| n * 10 + usize::from(b - b'0'))
    };
    let mut lines = head.split(|b| *b == b'\n');
    let status = lines.next().and_then(|l| l.get(8..)).map_or(0, number) as u16;
    let length = lines
        .find_map(|l| {
            let name = b"content-length:";
            (l.len() > name.len() && l[..name.len()].eq_ignore_ascii_case(name))
                .then(|| number(&l[name.len()..]))
        })
        .unwrap_or(0);
    (status, length)
}

#[derive(Clone, Copy)]
enum Case {
    GetWorkgroup,
    ListWorkgroups,
    CreateDeleteNamespace,
}

impl Case {
    fn name(self) -> &'static str {
        match self {
            Case::GetWorkgroup => "GetWorkgroup",
            Case::ListWorkgroups => "ListWorkgroups (page of 100)",
            Case::CreateDeleteNamespace => "CreateNamespace+DeleteNamespace",
        }
    }
}

/// One load phase against one server: every successful request's latency, and how long the
/// phase ran.
struct Run {
    latencies_ns: Vec<u64>,
    seconds: f64,
    errors: usize,
}

impl Run {
    fn requests_per_second(&self) -> f64 {
        self.latencies_ns.len() as f64 / self.seconds
    }

    fn percentile_us(&self, p: f64) -> f64 {
        let mut sorted = self.latencies_ns.clone();
        sorted.sort_unstable();
        percentile_us(&sorted, p)
    }
}

fn percentile_us(sorted: &[u64], p: f64) -> f64 {
    sorted
        .get(((sorted.len() as f64 - 1.0) * p) as usize)
        .copied()
        .unwrap_or(0) as f64
        / 1000.0
}

/// An awsJson1.1 request for `operation`, signed-looking, as bytes on the wire.
fn request(operation: &str, body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: bench\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: RedshiftServerless.{operation}\r\nX-Amz-Date: 20260101T000000Z\r\nAuthorization: {AUTH}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Drives `addr` over `connections` keep-alive connections for `duration`; every request's
/// latency counts. The generator has wrk's shape: one thread per core, each an event loop of its
/// own over its share of the connections, so that requests never hop between threads. The clock
/// starts once every connection is open.
fn load(addr: &str, case: Case, connections: usize, duration: Duration, tag: &str) -> Run {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(connections);
    let ready = std::sync::Arc::new(std::sync::Barrier::new(threads + 1));
    let handles: Vec<_> = (0..threads)
        .map(|thread| {
            let (addr, tag, ready) = (addr.to_string(), tag.to_string(), ready.clone());
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    let mut conns = Vec::new();
                    for _ in (thread..connections).step_by(threads) {
                        conns.push(Conn::open(&addr).await.expect("connect"));
                    }
                    ready.wait();
                    let deadline = Instant::now() + duration;
                    let mut workers = tokio::task::JoinSet::new();
                    for (conn, worker) in conns.into_iter().zip((thread..).step_by(threads)) {
                        let tag = format!("{tag}-{worker}");
                        workers.spawn(drive(conn, case, tag, deadline));
                    }
                    let mut run = Run {
                        latencies_ns: Vec::new(),
                        seconds: 0.0,
                        errors: 0,
                    };
                    while let Some(done) = workers.join_next().await {
                        let (latencies, errors) = done.unwrap();
                        run.latencies_ns.extend(latencies);
                        run.errors += errors;
                    }
                    run
                })
            })
        })
        .collect();
    ready.wait();
    let began = Instant::now();
    let mut run = Run {
        latencies_ns: Vec::new(),
        seconds: 0.0,
        errors: 0,
    };
    for handle in handles {
        let part = handle.join().unwrap();
        run.latencies_ns.extend(part.latencies_ns);
        run.errors += part.errors;
    }
    run.seconds = began.elapsed().as_secs_f64().max(duration.as_secs_f64());
    run
}

/// One connection's requests until `deadline`: their latencies, and how many failed.
async fn drive(mut conn: Conn, case: Case, tag: String, deadline: Instant) -> (Vec<u64>, usize) {
    // Fixed requests are built once, so the generator spends its time sending.
    let fixed = match case {
        Case::GetWorkgroup => vec![request("GetWorkgroup", r#"{"workgroupName":"bench-000"}"#)],
        Case::ListWorkgroups => vec![request("ListWorkgroups", r#"{"maxResults":100}"#)],
        Case::CreateDeleteNamespace => Vec::new(),
    };
    let mut latencies = Vec::with_capacity(100_000);
    let mut errors = 0;
    let mut i = 0u64;
    while Instant::now() < deadline {
        let calls = match case {
            Case::CreateDeleteNamespace => {
                let body = format!(r#"{{"namespaceName":"c-{tag}-{i}"}}"#);
                vec![
                    request("CreateNamespace", &body),
                    request("DeleteNamespace", &body),
                ]
            }
            _ => Vec::new(),
        };
        for bytes in if calls.is_empty() { &fixed } else { &calls } {
            let began = Instant::now();
            match conn.send(bytes).await {
                Ok(200) => latencies.push(began.elapsed().as_nanos() as u64),
                _ => errors += 1,
            }
        }
        i += 1;
    }
    (latencies, errors)
}

/// A case measured in rounds that alternate between us and the baseline, so that a noisy
/// moment on a shared machine lands on both sides rather than on one.
struct Compared {
    ours: Vec<Run>,
    theirs: Vec<Run>,
}

impl Compared {
    fn measure(
        ours: &str,
        theirs: &str,
        case: Case,
        connections: usize,
        rounds: usize,
        round: Duration,
    ) -> Compared {
        let mut compared = Compared {
            ours: Vec::new(),
            theirs: Vec::new(),
        };
        for r in 0..rounds {
            let tag = format!("m{connections}r{r}");
            // Alternate who goes first, so neither side always runs on a warmer machine.
            if r % 2 == 0 {
                compared
                    .ours
                    .push(load(ours, case, connections, round, &tag));
                compared
                    .theirs
                    .push(load(theirs, Case::GetWorkgroup, connections, round, "b"));
            } else {
                compared
                    .theirs
                    .push(load(theirs, Case::GetWorkgroup, connections, round, "b"));
                compared
                    .ours
                    .push(load(ours, case, connections, round, &tag));
            }
        }
        compared
    }

    /// Every round of one side as one: requests over time, and percentiles over all latencies.
    fn pooled(runs: &[Run]) -> (f64, f64, f64, usize) {
        let mut all: Vec<u64> = runs
            .iter()
            .flat_map(|r| r.latencies_ns.iter().copied())
            .collect();
        all.sort_unstable();
        let seconds: f64 = runs.iter().map(|r| r.seconds).sum();
        let errors = runs.iter().map(|r| r.errors).sum();
        (
            all.len() as f64 / seconds,
            percentile_us(&all, 0.50),
            percentile_us(&all, 0.99),
            errors,
        )
    }

    /// The median over rounds of `ours / theirs` for a measure of a run.
    fn median_ratio(&self, measure: impl Fn(&Run) -> f64) -> f64 {
        let mut ratios: Vec<f64> = self
            .ours
            .iter()
            .zip(&self.theirs)
            .map(|(ours, theirs)| measure(ours) / measure(theirs))
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios[ratios.len() / 2]
    }

    fn throughput_ratio(&self) -> f64 {
        self.median_ratio(Run::requests_per_second)
    }

    fn p99_ratio(&self) -> f64 {
        self.median_ratio(|run| run.percentile_us(0.99))
    }
}

async fn fill(addr: &str, from: usize, to: usize, with_workgroups: bool) {
    let workers: Vec<_> = (0..64)
        .map(|w| {
            let addr = addr.to_string();
            tokio::spawn(async move {
                let mut conn = Conn::open(&addr).await.unwrap();
                for i in (from + w..to).step_by(64) {
                    let ns = format!("bench-{i:03}");
                    assert_eq!(
                        conn.call("CreateNamespace", &format!(r#"{{"namespaceName":"{ns}"}}"#))
                            .await
                            .unwrap(),
                        200,
                        "{:?}",
                        conn.answer()
                    );
                    if with_workgroups {
                        let body = format!(r#"{{"namespaceName":"{ns}","workgroupName":"{ns}"}}"#);
                        assert_eq!(
                            conn.call("CreateWorkgroup", &body).await.unwrap(),
                            200,
                            "{:?}",
                            conn.answer()
                        );
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
}

/// The mean time of one ListNamespaces page of 100, over `n` sequential calls.
async fn list_page_us(addr: &str, n: usize) -> f64 {
    let mut conn = Conn::open(addr).await.unwrap();
    let began = Instant::now();
    for _ in 0..n {
        assert_eq!(
            conn.call("ListNamespaces", r#"{"maxResults":100}"#)
                .await
                .unwrap(),
            200
        );
        assert_eq!(
            conn.answer()["namespaces"].as_array().map(Vec::len),
            Some(100)
        );
    }
    began.elapsed().as_secs_f64() * 1e6 / n as f64
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn emulator(binary: &std::path::Path, extra: &[&str]) -> Command {
    let mut command = Command::new(binary);
    command
        .args([
            "--port",
            "0",
            "--log-level",
            "warn",
            "--transition-delay-ms",
            "0",
        ])
        .args(extra);
    command
}

fn baseline() -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.arg("--baseline-server");
    command
}

struct Bar {
    name: String,
    measured: String,
    pass: bool,
}

/// The release binary of this tree, built first.
fn release_binary() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--release", "--bin", "redshift-serverless-local"])
        .current_dir(root)
        .status()
        .expect("cargo build");
    assert!(built.success(), "building the release binary failed");
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), std::path::PathBuf::from)
        .join("release/redshift-serverless-local")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--baseline-server") {
        return baseline_server();
    }
    let quick = args.iter().any(|a| a == "--quick");
    let sql_only = args.iter().any(|a| a == "--sql-only");
    let data_api_only = args.iter().any(|a| a == "--data-api-only");
    let snapshots_only = args.iter().any(|a| a == "--snapshots-only");
    let copy_only = args.iter().any(|a| a == "--copy-only");
    // Each case runs in rounds alternating with the baseline: 5 of 600 ms a side (3 s), or
    // 2 of 250 ms for a smoke run.
    let (rounds, round) = if quick {
        (2, Duration::from_millis(250))
    } else {
        (5, Duration::from_millis(600))
    };
    // `--binary PATH` measures a binary built before (to compare two builds in turn).
    let given = args
        .iter()
        .position(|a| a == "--binary")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let binary = given.unwrap_or_else(release_binary);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut bars = Vec::new();
    let mut results = serde_json::Map::new();
    results.insert("cores".into(), json!(cores));
    runtime.block_on(async {
        if snapshots_only {
            snapshots::snapshot_cases(&binary, quick, &mut bars, &mut results).await;
            return;
        }
        if copy_only {
            return copy_unload::copy_unload_cases(&binary, quick, &mut bars, &mut results).await;
        }
        if !sql_only && !data_api_only {
            run(&binary, rounds, round, quick, &mut bars, &mut results).await;
        }
        if !data_api_only {
            sql_cases(&binary, quick, &mut bars, &mut results).await;
        }
        data_api::data_api_cases(&binary, quick, &mut bars, &mut results).await;
        if !data_api_only && !sql_only {
            snapshots::snapshot_cases(&binary, quick, &mut bars, &mut results).await;
        }
    });
    for bar in &bars {
        println!(
            "{} {:<58} {}",
            if bar.pass { "PASS" } else { "FAIL" },
            bar.name,
            bar.measured
        );
    }
    results.insert(
        "bars".into(),
        bars.iter()
            .map(|b| json!({"bar": b.name, "measured": b.measured, "pass": b.pass}))
            .collect(),
    );
    let name = if snapshots_only {
        "target/bench-results-snapshots.json"
    } else if copy_only {
        "target/bench-results-copy.json"
    } else if data_api_only {
        "target/bench-results-data-api.json"
    } else if sql_only {
        "target/bench-results-sql.json"
    } else {
        "target/bench-results.json"
    };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&results).unwrap()).unwrap();
    println!("\nwrote {}", path.display());
}

/// The control plane's cases, against the baseline: their table, and their bars into `bars`.
async fn run(
    binary: &std::path::Path,
    rounds: usize,
    round: Duration,
    quick: bool,
    bars: &mut Vec<Bar>,
    results: &mut serde_json::Map<String, Value>,
) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let phase = round * rounds as u32;
    println!(
        "redshift-serverless-local benchmark on {cores} cores; each case {rounds} rounds of {round:?} a side\n"
    );

    // 1-2. Start time and idle RSS, median of several starts each.
    let mut starts = (Vec::new(), Vec::new());
    let (mut rss_us, mut rss_base) = (0, 0);
    for _ in 0..if quick { 3 } else { 9 } {
        let (server, took) = start(emulator(binary, &[])).await;
        starts.0.push(took);
        tokio::time::sleep(Duration::from_millis(100)).await;
        rss_us = rss_kib(server.child.id());
        let (base, took) = start(baseline()).await;
        starts.1.push(took);
        tokio::time::sleep(Duration::from_millis(100)).await;
        rss_base = rss_kib(base.child.id());
    }
    let (start_us, start_base) = (median(starts.0), median(starts.1));

    // 3. The same load against both.
    let (server, _) = start(emulator(binary, &[])).await;
    fill(&server.addr, 0, 100, true).await;
    let (base, _) = start(baseline()).await;
    let mut rows = Vec::new();
    for case in [
        Case::GetWorkgroup,
        Case::ListWorkgroups,
        Case::CreateDeleteNamespace,
    ] {
        for connections in [1, 8, 64] {
            let compared =
                Compared::measure(&server.addr, &base.addr, case, connections, rounds, round);
            rows.push((case, connections, compared));
        }
    }
    drop(server);

    // Durable mutations: the same cycle against a server keeping state on disk.
    let dir = std::env::temp_dir().join(format!("rsl-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (durable, _) = start(emulator(binary, &["--state-dir", dir.to_str().unwrap()])).await;
    let durable_load = load(&durable.addr, Case::CreateDeleteNamespace, 64, phase, "d");
    drop(durable);
    let _ = std::fs::remove_dir_all(&dir);

    // 4. 100,000 namespaces and workgroups.
    let total = if quick { 10_000 } else { 100_000 };
    // The control plane's memory: with SQL endpoints on, every AVAILABLE workgroup would
    // also hold a TCP listener of its own.
    let (big, _) = start(emulator(binary, &["--sql", "false"])).await;
    fill(&big.addr, 0, 100, true).await;
    let page_small = list_page_us(&big.addr, 300).await;
    let filling = Instant::now();
    fill(&big.addr, 100, total, true).await;
    let fill_secs = filling.elapsed().as_secs_f64();
    let page_large = list_page_us(&big.addr, 300).await;
    let rss_large = rss_kib(big.child.id());
    drop(big);
    drop(base);

    // 5. The table, the bars, and the JSON.
    println!(
        "{:<34} {:>5} {:>11} {:>10} {:>10} {:>11} {:>8} {:>9}",
        "case", "conns", "req/s", "p50 µs", "p99 µs", "base req/s", "req/s ÷", "p99 ÷"
    );
    for (case, connections, compared) in &rows {
        let (rps, p50, p99, errors) = Compared::pooled(&compared.ours);
        let (base_rps, ..) = Compared::pooled(&compared.theirs);
        println!(
            "{:<34} {:>5} {:>11.0} {:>10.1} {:>10.1} {:>11.0} {:>7.0}% {:>8.2}x{}",
            case.name(),
            connections,
            rps,
            p50,
            p99,
            base_rps,
            100.0 * compared.throughput_ratio(),
            compared.p99_ratio(),
            if errors > 0 {
                format!("  ({errors} errors)")
            } else {
                String::new()
            }
        );
    }
    println!("(req/s and latencies pool every round; the ratios to the baseline are medians of the rounds)\n");
    let (in_memory_cycle, ..) = Compared::pooled(
        &rows
            .iter()
            .find(|(c, n, ..)| matches!(c, Case::CreateDeleteNamespace) && *n == 64)
            .unwrap()
            .2
            .ours,
    );
    println!(
        "{:<34} {:>5} {:>11.0} {:>10.1} {:>10.1}",
        "  same, with --state-dir",
        64,
        durable_load.requests_per_second(),
        durable_load.percentile_us(0.50),
        durable_load.percentile_us(0.99)
    );
    println!();
    println!(
        "start to first answer: {:.1} ms (baseline {:.1} ms)",
        ms(start_us),
        ms(start_base)
    );
    println!(
        "idle RSS: {:.1} MiB (baseline {:.1} MiB)",
        rss_us as f64 / 1024.0,
        rss_base as f64 / 1024.0
    );
    println!(
        "{total} namespaces+workgroups: RSS {:.1} MiB, loaded in {fill_secs:.1} s",
        rss_large as f64 / 1024.0
    );
    println!("ListNamespaces page of 100: {page_small:.1} µs with 100 namespaces, {page_large:.1} µs with {total}");
    println!();

    let get64 = &rows
        .iter()
        .find(|(c, n, ..)| matches!(c, Case::GetWorkgroup) && *n == 64)
        .unwrap()
        .2;
    let (get64_throughput, get64_p99) = (get64.throughput_ratio(), get64.p99_ratio());
    bars.extend([
        Bar {
            name: "start to first answer <= 1.5x baseline".into(),
            measured: format!("{:.2}x", ms(start_us) / ms(start_base)),
            pass: ms(start_us) <= 1.5 * ms(start_base),
        },
        Bar {
            name: "idle RSS <= 2.5x baseline".into(),
            measured: format!("{:.2}x", rss_us as f64 / rss_base as f64),
            pass: rss_us as f64 <= 2.5 * rss_base as f64,
        },
        Bar {
            name: "GetWorkgroup req/s at 64 conns >= 80% of baseline".into(),
            measured: format!("{:.0}%", 100.0 * get64_throughput),
            pass: get64_throughput >= 0.8,
        },
        Bar {
            name: "GetWorkgroup p99 at 64 conns <= 1.5x baseline".into(),
            measured: format!("{:.2}x", get64_p99),
            pass: get64_p99 <= 1.5,
        },
        Bar {
            name: format!("ListNamespaces page with {total} within 2x of with 100"),
            measured: format!("{:.2}x", page_large / page_small),
            pass: page_large <= 2.0 * page_small,
        },
        Bar {
            name: format!("{total} namespaces+workgroups in <= 200 MiB"),
            measured: format!("{:.0} MiB", rss_large as f64 / 1024.0),
            pass: rss_large <= 200 * 1024,
        },
        Bar {
            name: "durable mutations at 64 clients >= 50% of in-memory".into(),
            measured: format!(
                "{:.0}%",
                100.0 * durable_load.requests_per_second() / in_memory_cycle
            ),
            pass: durable_load.requests_per_second() >= 0.5 * in_memory_cycle,
        },
    ]);

    let control = json!({
        "startMs": ms(start_us), "baselineStartMs": ms(start_base),
        "idleRssKiB": rss_us, "baselineIdleRssKiB": rss_base,
        "rounds": rounds, "roundSeconds": round.as_secs_f64(),
        "cases": rows.iter().map(|(case, n, compared)| {
            let (rps, p50, p99, errors) = Compared::pooled(&compared.ours);
            let (base_rps, _, base_p99, _) = Compared::pooled(&compared.theirs);
            json!({
                "case": case.name(), "connections": n,
                "requestsPerSecond": rps, "p50Us": p50, "p99Us": p99, "errors": errors,
                "baselineRequestsPerSecond": base_rps, "baselineP99Us": base_p99,
                "throughputRatio": compared.throughput_ratio(), "p99Ratio": compared.p99_ratio(),
            })
        }).collect::<Vec<_>>(),
        "durableCycle64": {"requestsPerSecond": durable_load.requests_per_second(), "p99Us": durable_load.percentile_us(0.99)},
        "large": {"resources": total, "rssKiB": rss_large, "listPageUsSmall": page_small, "listPageUsLarge": page_large, "fillSeconds": fill_secs},
    });
    if let Value::Object(control) = control {
        results.extend(control);
    }
}

/// The admin login of the namespaces the SQL cases make.
const SQL_USER: &str = "admin";
const SQL_PASSWORD: &str = "Bench-Passw0rd";

/// The directory of PostgreSQL's binaries, found the way the emulator finds them: `pg_config
/// --bindir`, else the newest `/usr/lib/postgresql/*/bin`.
fn postgres_bin() -> std::path::PathBuf {
    let configured = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| std::path::PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|dir| dir.join("postgres").exists() && dir.join("initdb").exists());
    configured.unwrap_or_else(|| {
        let mut dirs: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
            .expect("no PostgreSQL in /usr/lib/postgresql")
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .collect();
        dirs.sort_unstable();
        let newest = dirs.last().expect("no PostgreSQL in /usr/lib/postgresql");
        std::path::PathBuf::from(format!("/usr/lib/postgresql/{newest}/bin"))
    })
}

/// The `postgres` OS user's uid and gid when we run as root (PostgreSQL refuses root).
fn postgres_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("postgres").unwrap();
    // SAFETY: a valid C string; the record is read at once, before any other getpw* call.
    let entry = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !entry.is_null(),
        "running as root needs a `postgres` OS user to run PostgreSQL as"
    );
    // SAFETY: not null, as checked.
    Some(unsafe { ((*entry).pw_uid, (*entry).pw_gid) })
}

fn as_postgres_user(command: &mut Command, user: Option<(u32, u32)>) {
    use std::os::unix::process::CommandExt;
    if let Some((uid, gid)) = user {
        command.uid(uid).gid(gid);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain PostgreSQL from the same binaries, on TCP at 127.0.0.1, with the durability and
/// memory settings of the emulator's in-memory engine; trust for host connections.
struct PlainPostgres {
    child: Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl PlainPostgres {
    async fn start(bin: &std::path::Path) -> PlainPostgres {
        let user = postgres_user();
        let dir = std::env::temp_dir().join(format!("rsl-bench-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).unwrap();
        }
        let data = dir.join("data");
        let mut initdb = Command::new(bin.join("initdb"));
        initdb.arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
            "--wal-segsize=1",
        ]);
        as_postgres_user(&mut initdb, user);
        let done = initdb
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("run initdb");
        assert!(
            done.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&done.stderr)
        );
        let port = free_port();
        let mut postgres = Command::new(bin.join("postgres"));
        postgres
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", dir.display()))
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "shared_buffers=16MB"])
            .args([
                "-c",
                "max_connections=100",
                "-c",
                "log_min_messages=warning",
            ]);
        as_postgres_user(&mut postgres, user);
        let child = postgres
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postgres");
        let plain = PlainPostgres { child, port, dir };
        let began = Instant::now();
        loop {
            let config = pg_config(port, "postgres", None, "postgres");
            if let Ok((client, connection)) = config.connect(tokio_postgres::NoTls).await {
                tokio::spawn(connection);
                drop(client);
                break;
            }
            assert!(
                began.elapsed() < Duration::from_secs(30),
                "the plain PostgreSQL did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        plain
    }
}

impl Drop for PlainPostgres {
    fn drop(&mut self) {
        // A fast shutdown; SIGKILL would leave its backends and shared memory behind.
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let began = Instant::now();
        while began.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Stops an emulator with SQL endpoints the clean way (SIGTERM), so that it stops its engines
/// and removes their temporary directory.
fn stop(mut server: Server) {
    // SAFETY: signalling our own child.
    unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) };
    let began = Instant::now();
    while began.elapsed() < Duration::from_secs(15) {
        if let Ok(Some(_)) = server.child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(server);
}

fn pg_config(port: u16, user: &str, password: Option<&str>, db: &str) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(port)
        .user(user)
        .dbname(db)
        .connect_timeout(Duration::from_secs(30));
    if let Some(password) = password {
        config.password(password);
    }
    config
}

/// One awsJson1.1 call that must succeed; its answer.
async fn call_ok(conn: &mut Conn, operation: &str, body: &Value) -> Value {
    let status = conn.call(operation, &body.to_string()).await.unwrap();
    assert_eq!(status, 200, "{operation}: {:?}", conn.answer());
    conn.answer()
}

/// Creates a namespace with an admin login and its workgroup, and waits until the workgroup
/// is AVAILABLE with its endpoint's port: that port.
async fn sql_workgroup(conn: &mut Conn, name: &str) -> u16 {
    call_ok(
        conn,
        "CreateNamespace",
        &json!({"namespaceName": name, "adminUsername": SQL_USER, "adminUserPassword": SQL_PASSWORD}),
    )
    .await;
    call_ok(
        conn,
        "CreateWorkgroup",
        &json!({"namespaceName": name, "workgroupName": name}),
    )
    .await;
    let began = Instant::now();
    loop {
        let answer = call_ok(conn, "GetWorkgroup", &json!({"workgroupName": name})).await;
        let workgroup = &answer["workgroup"];
        if workgroup["status"] == "AVAILABLE" {
            if let Some(port) = workgroup["endpoint"]["port"].as_u64() {
                return port as u16;
            }
        }
        assert!(
            began.elapsed() < Duration::from_secs(30),
            "{name} did not become AVAILABLE: {answer}"
        );
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
}

async fn settle(conn: &mut Conn) {
    let request = b"POST /_emulator/settle HTTP/1.1\r\nHost: bench\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(conn.send(request).await.unwrap(), 200);
}

/// Runs pgbench (blocking) with the given arguments against 127.0.0.1:`port`; its output.
fn pgbench(port: u16, user: &str, password: Option<&str>, db: &str, args: &[&str]) -> String {
    let mut command = Command::new("pgbench");
    command
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", user])
        .args(args)
        .arg(db)
        // Both sides in plain text: the plain PostgreSQL has no TLS, and our endpoint offers it.
        .env("PGSSLMODE", "disable");
    match password {
        Some(password) => command.env("PGPASSWORD", password),
        None => command.env_remove("PGPASSWORD"),
    };
    let output = command.output().expect("run pgbench");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "pgbench {args:?} failed: {text}");
    text
}

/// The `tps = ...` of a pgbench run: the line "without initial connection time" if present.
fn parse_tps(output: &str) -> f64 {
    let tps: Vec<(&str, f64)> = output
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("tps = ")?;
            let number = rest.split_whitespace().next()?.parse().ok()?;
            Some((line, number))
        })
        .collect();
    tps.iter()
        .find(|(line, _)| line.contains("without initial connection time"))
        .or(tps.last())
        .unwrap_or_else(|| panic!("no tps in pgbench's output: {output}"))
        .1
}

/// pgbench -S through our endpoint and against the plain PostgreSQL, in alternating rounds.
struct PgbenchCase {
    clients: usize,
    ours: Vec<f64>,
    theirs: Vec<f64>,
}

impl PgbenchCase {
    fn median_ratio(&self) -> f64 {
        let mut ratios: Vec<f64> = self
            .ours
            .iter()
            .zip(&self.theirs)
            .map(|(o, t)| o / t)
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios[ratios.len() / 2]
    }
}

fn median_f64(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// A fresh namespace and workgroup to the answer of its first `select 1`, split where the
/// time goes: the API calls until AVAILABLE with a port, the connection and login (the
/// engine's cluster copied and started on it), the query.
struct FirstSelect {
    total: Duration,
    api: Duration,
    connect: Duration,
    query: Duration,
}

async fn first_select(conn: &mut Conn, name: &str) -> FirstSelect {
    let began = Instant::now();
    let port = sql_workgroup(conn, name).await;
    let available = began.elapsed();
    let (client, connection) = pg_config(port, SQL_USER, Some(SQL_PASSWORD), "dev")
        .connect(tokio_postgres::NoTls)
        .await
        .expect("connect to the fresh workgroup");
    let connected = began.elapsed();
    let session = tokio::spawn(connection);
    let rows = client.simple_query("select 1").await.expect("select 1");
    let total = began.elapsed();
    assert!(rows.iter().any(|m| matches!(
        m,
        tokio_postgres::SimpleQueryMessage::Row(row) if row.get(0) == Some("1")
    )));
    drop(client);
    let _ = session.await;
    FirstSelect {
        total,
        api: available,
        connect: connected - available,
        query: total - connected,
    }
}

/// The SQL cases: pgbench -S against a plain PostgreSQL, a fresh namespace to its first
/// `select 1`, and idle RSS with SQL endpoints on and off. Their table, and bars into `bars`.
async fn sql_cases(
    binary: &std::path::Path,
    quick: bool,
    bars: &mut Vec<Bar>,
    results: &mut serde_json::Map<String, Value>,
) {
    let bin = postgres_bin();
    let (rounds, seconds) = if quick { (2, 1) } else { (5, 3) };
    println!(
        "\nSQL cases (PostgreSQL in {}); pgbench -S: {rounds} rounds of {seconds} s a side\n",
        bin.display()
    );

    // Idle RSS, SQL endpoints on (the default) and off, alternating starts.
    let mut rss = (Vec::new(), Vec::new());
    for i in 0..if quick { 3 } else { 9 } {
        for sql in if i % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        } {
            let args: &[&str] = if sql { &[] } else { &["--sql", "false"] };
            let (server, _) = start(emulator(binary, args)).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
            let kib = rss_kib(server.child.id());
            if sql {
                rss.0.push(kib as f64);
                stop(server);
            } else {
                rss.1.push(kib as f64);
            }
        }
    }
    let (rss_sql, rss_nosql) = (median_f64(rss.0), median_f64(rss.1));

    // pgbench -S, ours and theirs.
    let plain = PlainPostgres::start(&bin).await;
    let (server, _) = start(emulator(binary, &[])).await;
    let mut api = Conn::open(&server.addr).await.unwrap();
    let port = sql_workgroup(&mut api, "pgbench").await;
    settle(&mut api).await;
    let port = {
        let answer = call_ok(
            &mut api,
            "GetWorkgroup",
            &json!({"workgroupName": "pgbench"}),
        )
        .await;
        answer["workgroup"]["endpoint"]["port"]
            .as_u64()
            .map_or(port, |p| p as u16)
    };
    let ours = (port, SQL_USER, Some(SQL_PASSWORD), "dev");
    let theirs = (plain.port, "postgres", None, "postgres");
    for (port, user, password, db) in [ours, theirs] {
        pgbench(port, user, password, db, &["-i", "-s", "1", "-q"]);
    }
    let mut pgbench_cases = Vec::new();
    for clients in [1usize, 8] {
        let mut case = PgbenchCase {
            clients,
            ours: Vec::new(),
            theirs: Vec::new(),
        };
        let (c, j, t) = (
            clients.to_string(),
            clients.min(2).to_string(),
            seconds.to_string(),
        );
        let args = ["-S", "-M", "simple", "-n", "-T", &t, "-c", &c, "-j", &j];
        for r in 0..rounds {
            let sides = if r % 2 == 0 {
                [(true, ours), (false, theirs)]
            } else {
                [(false, theirs), (true, ours)]
            };
            for (is_ours, (port, user, password, db)) in sides {
                let tps = parse_tps(&pgbench(port, user, password, db, &args));
                if is_ours {
                    case.ours.push(tps);
                } else {
                    case.theirs.push(tps);
                }
            }
            println!(
                "  pgbench -S -c {clients} round {r}: ours {:.0} tps, plain {:.0} tps",
                case.ours[r], case.theirs[r]
            );
        }
        pgbench_cases.push(case);
    }
    drop(api);
    stop(server);
    drop(plain);

    // A fresh namespace and workgroup to its first `select 1`, on an emulator of its own. Its
    // first namespace also builds the engine's template (initdb): shown apart, not in the median.
    let runs = if quick { 3 } else { 9 };
    let (server, _) = start(emulator(binary, &[])).await;
    let mut api = Conn::open(&server.addr).await.unwrap();
    let cold = first_select(&mut api, "fresh-cold").await;
    let mut warm = Vec::new();
    for i in 0..runs {
        warm.push(first_select(&mut api, &format!("fresh-{i}")).await);
    }
    drop(api);
    stop(server);
    let in_order: Vec<f64> = warm.iter().map(|f| ms(f.total)).collect();
    warm.sort_by_key(|f| f.total);
    let mid = &warm[warm.len() / 2];
    let ms_of = |pick: fn(&FirstSelect) -> Duration| {
        median(warm.iter().map(pick).collect::<Vec<_>>()).as_secs_f64() * 1000.0
    };

    println!(
        "\n{:<42} {:>7} {:>11} {:>11} {:>8}",
        "SQL case", "clients", "ours tps", "plain tps", "ratio"
    );
    for case in &pgbench_cases {
        println!(
            "{:<42} {:>7} {:>11.0} {:>11.0} {:>7.2}x",
            "pgbench -S -M simple",
            case.clients,
            median_f64(case.ours.clone()),
            median_f64(case.theirs.clone()),
            case.median_ratio()
        );
    }
    println!("(tps: medians of the rounds; the ratio is the median of the rounds' ratios)\n");
    println!(
        "fresh namespace to first select 1: median {:.0} ms over {runs} (API until AVAILABLE {:.1} ms, connect and login {:.0} ms, query {:.1} ms; medians of each)",
        ms(mid.total),
        ms_of(|f| f.api),
        ms_of(|f| f.connect),
        ms_of(|f| f.query),
    );
    println!(
        "  the emulator's first namespace, which also builds the template: {:.0} ms (connect {:.0} ms)",
        ms(cold.total),
        ms(cold.connect)
    );
    println!(
        "idle RSS: {:.1} MiB with SQL endpoints, {:.1} MiB with --sql false\n",
        rss_sql / 1024.0,
        rss_nosql / 1024.0
    );

    let ratio = |clients| {
        pgbench_cases
            .iter()
            .find(|c| c.clients == clients)
            .unwrap()
            .median_ratio()
    };
    let (one, eight) = (ratio(1), ratio(8));
    bars.extend([
        Bar {
            name: "pgbench -S at 1 client >= 0.8x plain PostgreSQL".into(),
            measured: format!("{one:.2}x"),
            pass: one >= 0.8,
        },
        Bar {
            name: "pgbench -S at 8 clients >= 0.7x plain PostgreSQL".into(),
            measured: format!("{eight:.2}x"),
            pass: eight >= 0.7,
        },
        Bar {
            name: "fresh namespace to first select 1 <= 300 ms".into(),
            measured: format!("{:.0} ms", ms(mid.total)),
            pass: mid.total <= Duration::from_millis(300),
        },
        Bar {
            name: "idle RSS with SQL endpoints <= 1.1x --sql false".into(),
            measured: format!(
                "{:.1} vs {:.1} MiB ({:.2}x)",
                rss_sql / 1024.0,
                rss_nosql / 1024.0,
                rss_sql / rss_nosql
            ),
            pass: rss_sql <= 1.1 * rss_nosql,
        },
    ]);
    results.insert(
        "sql".into(),
        json!({
            "postgresBin": bin,
            "pgbench": pgbench_cases.iter().map(|c| json!({
                "clients": c.clients, "seconds": seconds,
                "oursTps": c.ours, "plainTps": c.theirs, "ratio": c.median_ratio(),
            })).collect::<Vec<_>>(),
            "firstSelect": {
                "runs": runs, "medianMs": ms(mid.total),
                "apiMs": ms_of(|f| f.api), "connectMs": ms_of(|f| f.connect), "queryMs": ms_of(|f| f.query),
                "allMs": in_order,
                "coldMs": ms(cold.total),
            },
            "idleRssKiB": {"sql": rss_sql, "noSql": rss_nosql},
        }),
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::parse_head;

    #[test]
    fn an_answer_head_gives_its_status_and_length() {
        let head = b"HTTP/1.1 400 Bad Request\r\ncontent-type: x\r\nContent-Length: 123\r\n\r\n";
        assert_eq!(parse_head(head), (400, 123));
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\n\r\n"), (200, 0));
    }
}
