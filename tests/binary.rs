//! The built binary, as a user starts it: `--port 0`, read the printed URL, ask for health.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn http_get(addr: &str, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

#[test]
fn binary_prints_its_url_and_answers_health() {
    let child = Command::new(env!("CARGO_BIN_EXE_redshift-serverless-local"))
        .args(["--port", "0", "--log-level", "warn"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Child(child);
    let stdout = child.0.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_string();
    let addr = url.strip_prefix("http://").expect("an http URL");
    assert!(!addr.ends_with(":0"), "the real port is printed: {line}");
    let (status, body) = http_get(addr, "/_emulator/health");
    assert!(status.contains("200"), "{status}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], "running");
    assert_eq!(body["service"], "redshift-serverless");

    let port = addr.rsplit(':').next().unwrap();
    let check = |port: &str| {
        Command::new(env!("CARGO_BIN_EXE_redshift-serverless-local"))
            .args(["--health-check", "--port", port])
            .status()
            .unwrap()
            .success()
    };
    assert!(
        check(port),
        "--health-check passes against the running server"
    );
    drop(child);
    assert!(!check(port), "--health-check fails when nothing answers");
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_gracefully() {
    let child = Command::new(env!("CARGO_BIN_EXE_redshift-serverless-local"))
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Child(child);
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pid = child.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = child.0.wait().unwrap();
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
}
