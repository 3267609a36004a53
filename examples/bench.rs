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
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
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

/// A keep-alive HTTP/1.1 connection that speaks just enough to drive both servers.
struct Conn {
    reader: BufReader<TcpStream>,
    line: String,
    body: Vec<u8>,
}

impl Conn {
    async fn open(addr: &str) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            reader: BufReader::new(stream),
            line: String::new(),
            body: Vec::new(),
        })
    }

    async fn get(&mut self, path: &str) -> std::io::Result<u16> {
        let request = format!("GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n");
        self.reader.get_mut().write_all(request.as_bytes()).await?;
        self.response().await
    }

    async fn call(&mut self, operation: &str, body: &str) -> std::io::Result<u16> {
        let request = format!(
            "POST / HTTP/1.1\r\nHost: bench\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: RedshiftServerless.{operation}\r\nX-Amz-Date: 20260101T000000Z\r\nAuthorization: {AUTH}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.reader.get_mut().write_all(request.as_bytes()).await?;
        self.response().await
    }

    async fn response(&mut self) -> std::io::Result<u16> {
        self.line.clear();
        self.reader.read_line(&mut self.line).await?;
        let status = self
            .line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0;
        loop {
            self.line.clear();
            if self.reader.read_line(&mut self.line).await? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let header = self.line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        self.body.resize(length, 0);
        self.reader.read_exact(&mut self.body).await?;
        Ok(status)
    }

    fn answer(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
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

struct Load {
    requests_per_second: f64,
    p50_us: f64,
    p99_us: f64,
    errors: usize,
}

/// Drives `addr` with `connections` workers for `duration`; every request's latency counts.
async fn load(addr: &str, case: Case, connections: usize, duration: Duration, tag: &str) -> Load {
    let deadline = Instant::now() + duration;
    let workers: Vec<_> = (0..connections)
        .map(|worker| {
            let addr = addr.to_string();
            let tag = tag.to_string();
            tokio::spawn(async move {
                let mut conn = Conn::open(&addr).await.expect("connect");
                let mut latencies = Vec::with_capacity(100_000);
                let mut errors = 0;
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let calls: Vec<(&str, String)> = match case {
                        Case::GetWorkgroup => {
                            vec![("GetWorkgroup", r#"{"workgroupName":"bench-000"}"#.into())]
                        }
                        Case::ListWorkgroups => {
                            vec![("ListWorkgroups", r#"{"maxResults":100}"#.into())]
                        }
                        Case::CreateDeleteNamespace => {
                            let name = format!("c-{tag}-{worker}-{i}");
                            vec![
                                (
                                    "CreateNamespace",
                                    format!(r#"{{"namespaceName":"{name}"}}"#),
                                ),
                                (
                                    "DeleteNamespace",
                                    format!(r#"{{"namespaceName":"{name}"}}"#),
                                ),
                            ]
                        }
                    };
                    for (operation, body) in calls {
                        let began = Instant::now();
                        match conn.call(operation, &body).await {
                            Ok(200) => latencies.push(began.elapsed().as_nanos() as u64),
                            _ => errors += 1,
                        }
                    }
                    i += 1;
                }
                (latencies, errors)
            })
        })
        .collect();
    let began = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (latencies, e) = worker.await.unwrap();
        all.extend(latencies);
        errors += e;
    }
    let elapsed = began.elapsed().as_secs_f64().max(duration.as_secs_f64());
    all.sort_unstable();
    let pct = |p: f64| {
        all.get(((all.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    Load {
        requests_per_second: all.len() as f64 / elapsed,
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        errors,
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
    let phase = Duration::from_millis(if quick { 500 } else { 3000 });
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
    runtime.block_on(run(binary, phase, quick));
}

async fn run(binary: std::path::PathBuf, phase: Duration, quick: bool) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("redshift-serverless-local benchmark on {cores} cores; each load phase {phase:?}\n");

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
            let ours = load(
                &server.addr,
                case,
                connections,
                phase,
                &format!("m{connections}"),
            )
            .await;
            let theirs = load(&base.addr, Case::GetWorkgroup, connections, phase, "b").await;
            rows.push((case, connections, ours, theirs));
        }
    }
    drop(server);

    // Durable mutations: the same cycle against a server keeping state on disk.
    let dir = std::env::temp_dir().join(format!("rsl-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (durable, _) = start(emulator(&binary, &["--state-dir", dir.to_str().unwrap()])).await;
    let durable_load = load(&durable.addr, Case::CreateDeleteNamespace, 64, phase, "d").await;
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
        "{:<34} {:>5} {:>11} {:>10} {:>10} {:>11} {:>8}",
        "case", "conns", "req/s", "p50 µs", "p99 µs", "base req/s", "ratio"
    );
    for (case, connections, ours, theirs) in &rows {
        println!(
            "{:<34} {:>5} {:>11.0} {:>10.1} {:>10.1} {:>11.0} {:>7.0}%{}",
            case.name(),
            connections,
            ours.requests_per_second,
            ours.p50_us,
            ours.p99_us,
            theirs.requests_per_second,
            100.0 * ours.requests_per_second / theirs.requests_per_second,
            if ours.errors > 0 {
                format!("  ({} errors)", ours.errors)
            } else {
                String::new()
            }
        );
    }
    let in_memory_cycle = &rows
        .iter()
        .find(|(c, n, ..)| matches!(c, Case::CreateDeleteNamespace) && *n == 64)
        .unwrap()
        .2;
    println!(
        "{:<34} {:>5} {:>11.0} {:>10.1} {:>10.1}",
        "  same, with --state-dir",
        64,
        durable_load.requests_per_second,
        durable_load.p50_us,
        durable_load.p99_us
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

    let get64 = rows
        .iter()
        .find(|(c, n, ..)| matches!(c, Case::GetWorkgroup) && *n == 64)
        .unwrap();
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
            measured: format!(
                "{:.0}%",
                100.0 * get64.2.requests_per_second / get64.3.requests_per_second
            ),
            pass: get64.2.requests_per_second >= 0.8 * get64.3.requests_per_second,
        },
        Bar {
            name: "GetWorkgroup p99 at 64 conns <= 1.5x baseline".into(),
            measured: format!("{:.2}x", get64.2.p99_us / get64.3.p99_us),
            pass: get64.2.p99_us <= 1.5 * get64.3.p99_us,
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
                100.0 * durable_load.requests_per_second / in_memory_cycle.requests_per_second
            ),
            pass: durable_load.requests_per_second >= 0.5 * in_memory_cycle.requests_per_second,
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
        "phaseSeconds": phase.as_secs_f64(),
        "startMs": ms(start_us), "baselineStartMs": ms(start_base),
        "idleRssKiB": rss_us, "baselineIdleRssKiB": rss_base,
        "cases": rows.iter().map(|(case, n, ours, theirs)| json!({
            "case": case.name(), "connections": n,
            "requestsPerSecond": ours.requests_per_second, "p50Us": ours.p50_us, "p99Us": ours.p99_us, "errors": ours.errors,
            "baselineRequestsPerSecond": theirs.requests_per_second, "baselineP99Us": theirs.p99_us,
        })).collect::<Vec<_>>(),
        "durableCycle64": {"requestsPerSecond": durable_load.requests_per_second, "p99Us": durable_load.p99_us},
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
