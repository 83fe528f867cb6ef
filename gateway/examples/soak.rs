//! The mixed soak against two running `gateway serve` on 127.0.0.1 (the albums API and the
//! orders example): creates, reads, updates, deletes and paged lists against a model of what
//! must be stored, then a full list compared with the models. The workload and the checks are
//! in `gateway/tests/support/soak.rs`, shared with the short run of `gateway/tests/soak.rs`.
//! `scripts/soak` builds this, starts the servers (and dynalite) and tables the rows it prints.
//!
//! ```text
//! cargo run --release -p gateway --example soak -- --albums http://127.0.0.1:4010 \
//!     --orders http://127.0.0.1:4011 [--seconds 60] [--connections 64] [--slots 32] \
//!     [--watch albums=PID --watch orders=PID --watch dynalite=PID] [--sample-secs 5] \
//!     [--label embedded] [--seed N]
//! ```
//!
//! Prints the report, then one `row\t...` line per API (see `Report::rows`); exits 1 on any
//! error, lost, phantom or wrong item, or when a gateway's VmRSS is not flat after warm-up
//! (`RssSeries::flat`).

#[path = "../tests/support/soak.rs"]
mod soak;

use std::time::Duration;

fn usage(problem: &str) -> ! {
    eprintln!(
        "soak: {problem}\nusage: soak --albums URL --orders URL [--seconds S] [--connections N] [--slots K] [--watch NAME=PID]... [--sample-secs S] [--label L] [--seed N]"
    );
    std::process::exit(2);
}

fn number<T: std::str::FromStr>(flag: &str, v: Option<String>) -> T {
    v.and_then(|v| v.parse().ok())
        .unwrap_or_else(|| usage(&format!("{flag} takes a number")))
}

#[tokio::main]
async fn main() {
    let mut albums = None;
    let mut orders = None;
    let mut seconds = 60u64;
    let mut connections = 64usize;
    let mut slots = None;
    let mut watch = Vec::new();
    let mut sample_secs = 5.0f64;
    let mut label = "soak".to_string();
    let mut seed = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--albums" => albums = args.next(),
            "--orders" => orders = args.next(),
            "--seconds" => seconds = number(&flag, args.next()),
            "--connections" => connections = number(&flag, args.next()),
            "--slots" => slots = Some(number(&flag, args.next())),
            "--sample-secs" => sample_secs = number(&flag, args.next()),
            "--label" => label = args.next().unwrap_or_else(|| usage("--label takes a name")),
            "--seed" => seed = Some(number(&flag, args.next())),
            "--watch" => {
                let v = args.next().unwrap_or_default();
                let Some((name, pid)) = v.split_once('=') else {
                    usage("--watch takes NAME=PID")
                };
                watch.push((name.to_string(), number("--watch", Some(pid.to_string()))));
            }
            other => usage(&format!("unknown argument {other:?}")),
        }
    }
    let (Some(albums), Some(orders)) = (albums, orders) else {
        usage("--albums and --orders are required")
    };
    if !albums.starts_with("http://127.0.0.1:") || !orders.starts_with("http://127.0.0.1:") {
        usage("the soak only targets http://127.0.0.1:PORT");
    }
    let mut cfg = soak::Config::new(&albums, &orders);
    cfg.connections = connections.max(2);
    cfg.duration = Some(Duration::from_secs(seconds));
    cfg.watch = watch;
    cfg.sample_every = Duration::from_secs_f64(sample_secs.max(0.1));
    if let Some(s) = slots {
        cfg.slots = s;
    }
    if let Some(s) = seed {
        cfg.seed = s;
    }
    println!(
        "soak [{label}]: {seconds} s, {} connections, {} keys per worker, seed {}, prefix {:?}",
        cfg.connections, cfg.slots, cfg.seed, cfg.prefix
    );
    let report = soak::run(&cfg).await;
    println!("{report}");
    for row in report.rows(&label) {
        println!("row\t{row}");
    }
    // Memory that keeps growing over a bounded key space is a leak: as much a failure as an
    // error (the test suite's short run cannot judge it, this long one can).
    if !report.clean() || !report.memory_flat() {
        std::process::exit(1);
    }
}
