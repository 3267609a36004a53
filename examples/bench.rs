//! The benchmark: the release binary side by side with a bare axum baseline, on one machine,
//! in one run. Run: `cargo run --release --example bench` (it builds the release binary first).
//! Prints a table with pass/fail against the bars of BENCHMARKS.md and writes
//! `target/bench-results.json`.
//!
//! `--quick` shortens every load phase (for a smoke run); `--baseline-server` is internal: the
//! bench re-runs itself that way to start the baseline as a process of its own.

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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--baseline-server") {
        return baseline_server();
    }
    let quick = args.iter().any(|a| a == "--quick");
    // Each case runs in rounds alternating with the baseline: 5 of 600 ms a side (3 s), or
    // 2 of 250 ms for a smoke run.
    let (rounds, round) = if quick {
        (2, Duration::from_millis(250))
    } else {
        (5, Duration::from_millis(600))
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(cargo)
        .args(["build", "--release", "--bin", "redshift-serverless-local"])
        .current_dir(root)
        .status()
        .expect("cargo build");
    assert!(built.success(), "building the release binary failed");
    let binary = root.join("target/release/redshift-serverless-local");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(binary, rounds, round, quick));
}

async fn run(binary: std::path::PathBuf, rounds: usize, round: Duration, quick: bool) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let phase = round * rounds as u32;
    println!(
        "redshift-serverless-local benchmark on {cores} cores; each case {rounds} rounds of {round:?} a side\n"
    );

    // 1-2. Start time and idle RSS, median of several starts each.
    let mut starts = (Vec::new(), Vec::new());
    let (mut rss_us, mut rss_base) = (0, 0);
    for _ in 0..if quick { 3 } else { 9 } {
        let (server, took) = start(emulator(&binary, &[])).await;
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
    let (server, _) = start(emulator(&binary, &[])).await;
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
    let (durable, _) = start(emulator(&binary, &["--state-dir", dir.to_str().unwrap()])).await;
    let durable_load = load(&durable.addr, Case::CreateDeleteNamespace, 64, phase, "d");
    drop(durable);
    let _ = std::fs::remove_dir_all(&dir);

    // 4. 100,000 namespaces and workgroups.
    let total = if quick { 10_000 } else { 100_000 };
    let (big, _) = start(emulator(&binary, &[])).await;
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
    let bars = [
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
    ];
    for bar in &bars {
        println!(
            "{} {:<58} {}",
            if bar.pass { "PASS" } else { "FAIL" },
            bar.name,
            bar.measured
        );
    }

    let results = json!({
        "cores": cores,
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
        "bars": bars.iter().map(|b| json!({"bar": b.name, "measured": b.measured, "pass": b.pass})).collect::<Vec<_>>(),
    });
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-results.json");
    std::fs::write(&path, serde_json::to_string_pretty(&results).unwrap()).unwrap();
    println!("\nwrote {}", path.display());
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
