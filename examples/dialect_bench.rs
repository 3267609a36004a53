//! How long the dialect's translator takes on statements that need no change, the path every
//! ordinary query takes (bar: a plain `select` with parameters ≤ 5 µs), and on one that does.
//! Run: `cargo run --release --example dialect_bench`.

use redshift_serverless_local::sql::dialect::translate;
use std::hint::black_box;
use std::time::Instant;

fn per_call(sql: &str) -> f64 {
    let rounds = 200_000;
    let began = Instant::now();
    for _ in 0..rounds {
        black_box(translate(black_box(sql)));
    }
    began.elapsed().as_secs_f64() * 1e6 / rounds as f64
}

fn main() {
    let plain =
        "select aid, bid, abalance, filler from pgbench_accounts where aid = $1 and bid > $2";
    let ddl = "create table sales (id bigint identity(1, 1) encode az64, region varchar(max) encode zstd, \
               at timestamp default sysdate) diststyle key distkey(id) compound sortkey(at, region)";
    let plain_us = per_call(plain);
    println!("plain select with parameters: {plain_us:.3} µs a call (bar 5 µs)");
    println!(
        "Redshift CREATE TABLE with options: {:.3} µs a call",
        per_call(ddl)
    );
    println!(
        "{} plain select ≤ 5 µs",
        if plain_us <= 5.0 { "PASS" } else { "FAIL" }
    );
}
