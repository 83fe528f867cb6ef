//! Renders the seed API's `GET /` Scan response template over a ~1 MB DynamoDB Scan page of album
//! items and reports MB/s of input (criterion). `scripts/bench vtl` times the same page side by
//! side with Apache Velocity 1.7 (`scripts/bench-support/VelocityBench.java`).

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vtl::{Bindings, Template};

#[path = "../examples/support/scan_page.rs"]
mod scan_page;
use scan_page::scan_page;

fn bench(c: &mut Criterion) {
    let template = include_str!("../tests/data/seed/scan.response.vtl");
    let t = Template::parse(template).expect("seed template parses");
    let body = scan_page(1_000_000);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/vtl-bench");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("scan_page.json"), &body);
    }
    let b = Bindings {
        body,
        ..Bindings::default()
    };
    let out = t.render(&b).expect("renders");
    serde_json::from_str::<serde_json::Value>(&out.output).expect("output is JSON");

    let mut g = c.benchmark_group("scan_response");
    g.throughput(Throughput::Bytes(b.body.len() as u64));
    g.sample_size(20);
    g.bench_function("render_1mb_scan_page", |bench| {
        bench.iter(|| black_box(t.render(black_box(&b)).expect("renders")))
    });
    g.bench_function("parse_json_only", |bench| {
        bench.iter(|| {
            black_box(serde_json::from_str::<serde_json::Value>(black_box(
                &b.body,
            )))
        })
    });
    g.finish();
}

/// 50 `replaceAll` calls per render (10 distinct patterns, the `"\\'"` unescape among them), as the
/// project's templates do: measures Java-regex compilation against the cached path.
fn bench_replace_all(c: &mut Criterion) {
    let patterns = [
        r#""\\'", "'""#,
        r#""\s+", " ""#,
        r#""[aeiou]", "_""#,
        r#""(o)", "[$1]""#,
        r#""\d{2}", "NN""#,
        r#""^H", "h""#,
        r#""l+", "L""#,
        r#""W(or)", "w$1""#,
        r#""\\", "/""#,
        r#""[^a-z ]", """#,
    ];
    let mut template = String::from("#set($s = \"Hello World it's 2024\")");
    for i in 0..50 {
        let _ = writeln!(template, "$s.replaceAll({})", patterns[i % patterns.len()]);
    }
    let t = Template::parse(&template).expect("replaceAll template parses");
    let b = Bindings::default();
    t.render(&b).expect("renders");
    let mut same = String::from("#set($s = \"it\\'s\")");
    for _ in 0..50 {
        same.push_str("$s.replaceAll(\"\\\\'\", \"'\")\n");
    }
    let same = Template::parse(&same).expect("replaceAll template parses");
    assert!(
        same.render(&b)
            .expect("renders")
            .output
            .starts_with("it's\n")
    );
    let mut g = c.benchmark_group("regex");
    g.bench_function("replace_all_50_calls", |bench| {
        bench.iter(|| black_box(t.render(black_box(&b)).expect("renders")))
    });
    g.bench_function("replace_all_50_calls_same_pattern", |bench| {
        bench.iter(|| black_box(same.render(black_box(&b)).expect("renders")))
    });
    g.finish();
}

criterion_group!(benches, bench, bench_replace_all);
criterion_main!(benches);
