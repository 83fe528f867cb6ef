//! The VTL pair of `scripts/bench`: the seed's Scan response template
//! (`tests/data/seed/scan.response.vtl`) over a ~1 MB DynamoDB Scan page of album items.
//!
//! Writes the page to PAGE_FILE (so that `scripts/bench-support/VelocityBench.java` renders the
//! same bytes) and the rendered output to `PAGE_FILE.out` (to compare with Velocity's), then
//! prints `key=value` lines:
//!
//! - `render_*`: our engine, the template parsed once, each iteration building fresh bindings and
//!   rendering (the body's JSON is parsed inside every render, as on API Gateway);
//! - `serde_*`: `serde_json::from_str::<serde_json::Value>` of the same page alone;
//! - `peak_heap_*`: the peak of live heap bytes during one render above what was live before it
//!   (a counting global allocator), and that peak as a multiple of the page size.
//!
//! Each timing warms up for WARMUP seconds, then runs whole iterations for SECONDS and reports
//! the mean wall time and the mean CPU time of the process (`*_cpu_ms`).
//!
//! `cargo run --release -p vtl --example scan_bench -- PAGE_FILE [SECONDS [WARMUP]]`

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use vtl::{Bindings, Template};

#[path = "support/scan_page.rs"]
mod scan_page;

/// System's allocator, counting live bytes and their peak while `TRACK` is set (and passing
/// straight through otherwise, so that the timings do not pay for the counting).
struct Counting;

static TRACK: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(n: usize) {
    let now = LIVE.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrink(n: usize) {
    // Saturating: memory allocated before tracking started may be freed while it is on.
    let _ = LIVE.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| {
        Some(l.saturating_sub(n))
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && TRACK.load(Ordering::Relaxed) {
            grow(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && TRACK.load(Ordering::Relaxed) {
            grow(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        if TRACK.load(Ordering::Relaxed) {
            shrink(layout.size());
        }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && TRACK.load(Ordering::Relaxed) {
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                shrink(layout.size() - new_size);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// CPU time of this (single-threaded) process in nanoseconds, from the scheduler's statistics:
/// on a machine shared with other jobs it says what wall time cannot.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Runs `f` for `warmup`, then for at least `seconds` (whole iterations); returns (iterations,
/// elapsed seconds, CPU seconds).
fn time(warmup: f64, seconds: f64, mut f: impl FnMut()) -> (u64, f64, f64) {
    let until = Instant::now() + Duration::from_secs_f64(warmup);
    while Instant::now() < until {
        f();
    }
    let start = Instant::now();
    let cpu = cpu_ns();
    let limit = Duration::from_secs_f64(seconds);
    let mut n = 0u64;
    while n == 0 || start.elapsed() < limit {
        f();
        n += 1;
    }
    let el = start.elapsed().as_secs_f64();
    (n, el, (cpu_ns() - cpu) as f64 / 1e9)
}

/// One render with fresh bindings that own `body` (handed back afterwards): nothing parsed in one
/// iteration can be reused by the next.
fn render(t: &Template, body: &mut String) -> String {
    let b = Bindings {
        body: std::mem::take(body),
        ..Bindings::default()
    };
    let out = t.render(&b).expect("the seed template renders").output;
    *body = b.body;
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let page_file = args
        .next()
        .expect("usage: scan_bench PAGE_FILE [SECONDS [WARMUP]]");
    let seconds: f64 = args.next().map_or(5.0, |s| s.parse().expect("SECONDS"));
    let warmup: f64 = args.next().map_or(2.0, |s| s.parse().expect("WARMUP"));

    let template = include_str!("../tests/data/seed/scan.response.vtl");
    let t = Template::parse(template).expect("the seed template parses");
    let mut body = scan_page::scan_page(1_000_000);
    std::fs::write(&page_file, &body).expect("writing the page");
    let out = render(&t, &mut body);
    serde_json::from_str::<serde_json::Value>(&out).expect("the rendered page is JSON");
    std::fs::write(format!("{page_file}.out"), &out).expect("writing the output");
    println!("page_bytes={}", body.len());
    println!("output_bytes={}", out.len());
    drop(out);

    // Peak heap of one render, above what is live before it (the page itself is not counted),
    // on a fresh thread: buffers a thread keeps from its previous render count too.
    let peak = std::thread::scope(|s| {
        s.spawn(|| {
            LIVE.store(0, Ordering::Relaxed);
            PEAK.store(0, Ordering::Relaxed);
            TRACK.store(true, Ordering::SeqCst);
            let out = render(&t, &mut body);
            TRACK.store(false, Ordering::SeqCst);
            drop(out);
            PEAK.load(Ordering::Relaxed)
        })
        .join()
        .expect("the measured render")
    });
    println!("peak_heap_bytes={peak}");
    println!("peak_heap_x_page={:.3}", peak as f64 / body.len() as f64);

    let (n, el, cpu) = time(warmup, seconds, || {
        black_box(render(&t, &mut body));
    });
    println!("render_iterations={n}");
    println!("render_cpu_ms={:.3}", cpu * 1e3 / n as f64);
    println!("render_seconds={el:.3}");
    println!("render_ms={:.3}", el * 1e3 / n as f64);

    let (n, el, cpu) = time(warmup, seconds, || {
        black_box(serde_json::from_str::<serde_json::Value>(black_box(&body)).expect("JSON"));
    });
    println!("serde_iterations={n}");
    println!("serde_cpu_ms={:.3}", cpu * 1e3 / n as f64);
    println!("serde_seconds={el:.3}");
    println!("serde_ms={:.3}", el * 1e3 / n as f64);
}
