//! COPY and UNLOAD of S3 (a module of `bench.rs`, run with `--copy-only`): a CSV of a million
//! rows (about 100 MB) in the emulator's S3 directory loaded by COPY, against the engine's own
//! `COPY FROM STDIN` of the same file through the endpoint; UNLOAD of the rows to CSV against
//! `COPY (query) TO STDOUT`; and the emulator's peak memory above idle during both.

use super::{
    emulator, pg_config, rss_kib, settle, sql_workgroup, start, Bar, Conn, SQL_PASSWORD, SQL_USER,
};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::io::Write;
use std::time::Instant;

/// The peak resident set of `pid` (VmHWM), KiB.
fn peak_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Writes `rows` rows of about 100 bytes to `path`.
fn write_csv(path: &std::path::Path, rows: usize) -> u64 {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..rows {
        writeln!(
            out,
            "{i},customer-{:08},{}.{:02},2024-{:02}-{:02},\"note {i}, with a comma and some padding text\"",
            i % 100_000,
            i % 10_000,
            i % 100,
            1 + i % 12,
            1 + i % 28
        )
        .unwrap();
    }
    out.flush().unwrap();
    std::fs::metadata(path).unwrap().len()
}

pub async fn copy_unload_cases(
    binary: &std::path::Path,
    quick: bool,
    bars: &mut Vec<Bar>,
    results: &mut serde_json::Map<String, Value>,
) {
    let rows = if quick { 100_000 } else { 1_000_000 };
    let dir = std::env::temp_dir().join(format!("rsl-bench-s3-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let file = dir.join("bench/rows.csv");
    let bytes = write_csv(&file, rows);
    println!(
        "\nCOPY and UNLOAD: {rows} rows, {:.0} MB of CSV\n",
        bytes as f64 / 1e6
    );
    let (server, _) = start(emulator(binary, &["--s3-dir", dir.to_str().unwrap()])).await;
    let mut api = Conn::open(&server.addr).await.unwrap();
    let port = sql_workgroup(&mut api, "copybench").await;
    settle(&mut api).await;
    let (sql, connection) = pg_config(port, SQL_USER, Some(SQL_PASSWORD), "dev")
        .connect(tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let table = "(id int, name varchar(20), amount numeric(10,2), day date, note varchar(80))";
    sql.batch_execute(&format!(
        "create table ours {table}; create table theirs {table}"
    ))
    .await
    .unwrap();
    let pid = server.child.id();
    let idle = rss_kib(pid);

    // The engine's own COPY FROM STDIN of the file, through the endpoint.
    let began = Instant::now();
    let sink = sql
        .copy_in("copy theirs from stdin (format csv)")
        .await
        .unwrap();
    futures_util::pin_mut!(sink);
    let data = tokio::fs::read(&file).await.unwrap();
    for chunk in data.chunks(64 * 1024) {
        sink.send(bytes::Bytes::copy_from_slice(chunk))
            .await
            .unwrap();
    }
    drop(data);
    let loaded = sink.finish().await.unwrap();
    let theirs_in = began.elapsed();
    assert_eq!(loaded as usize, rows);

    let began = Instant::now();
    sql.batch_execute("copy ours from 's3://bench/rows.csv' iam_role default csv")
        .await
        .unwrap();
    let ours_in = began.elapsed();
    let count: i64 = sql
        .query_one("select count(*) from ours", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count as usize, rows);

    // COPY (query) TO STDOUT, read to its end, against UNLOAD.
    let began = Instant::now();
    let stream = sql
        .copy_out("copy (select * from ours) to stdout (format csv)")
        .await
        .unwrap();
    futures_util::pin_mut!(stream);
    let mut out_bytes = 0usize;
    while let Some(chunk) = stream.next().await {
        out_bytes += chunk.unwrap().len();
    }
    let theirs_out = began.elapsed();
    let began = Instant::now();
    sql.batch_execute(
        "unload ('select * from ours') to 's3://bench/out/' iam_role default csv parallel off",
    )
    .await
    .unwrap();
    let ours_out = began.elapsed();
    let peak = peak_kib(pid).saturating_sub(idle);
    let rate = |d: std::time::Duration| rows as f64 / d.as_secs_f64();
    let (copy_ratio, unload_ratio) = (
        rate(ours_in) / rate(theirs_in),
        rate(ours_out) / rate(theirs_out),
    );
    println!(
        "  COPY from S3        {:>10.0} rows/s   engine COPY FROM STDIN {:>10.0} rows/s   {copy_ratio:.2}x",
        rate(ours_in),
        rate(theirs_in)
    );
    println!(
        "  UNLOAD to S3        {:>10.0} rows/s   COPY TO STDOUT         {:>10.0} rows/s   {unload_ratio:.2}x ({} MB)",
        rate(ours_out),
        rate(theirs_out),
        out_bytes / 1_000_000
    );
    println!("  peak RSS above idle {:.1} MiB", peak as f64 / 1024.0);
    results.insert(
        "copy_unload".into(),
        json!({
            "rows": rows,
            "bytes": bytes,
            "copy_rows_per_s": rate(ours_in),
            "copy_from_stdin_rows_per_s": rate(theirs_in),
            "unload_rows_per_s": rate(ours_out),
            "copy_to_stdout_rows_per_s": rate(theirs_out),
            "peak_rss_above_idle_kib": peak,
        }),
    );
    bars.push(Bar {
        name: "COPY from S3 >= 0.5x engine COPY FROM STDIN (rows/s)".into(),
        measured: format!("{copy_ratio:.2}x"),
        pass: copy_ratio >= 0.5,
    });
    bars.push(Bar {
        name: "UNLOAD to S3 >= 0.5x COPY TO STDOUT (rows/s)".into(),
        measured: format!("{unload_ratio:.2}x"),
        pass: unload_ratio >= 0.5,
    });
    bars.push(Bar {
        name: "peak RSS during COPY and UNLOAD < 100 MB above idle".into(),
        measured: format!("{:.1} MiB", peak as f64 / 1024.0),
        pass: peak < 100 * 1024,
    });
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
