//! The mixed soak: N keep-alive clients per API drive two running `gateway serve` processes on
//! 127.0.0.1 (the albums API of `openapi.yaml` and `examples/orders/openapi.yaml`) with a random
//! mix of creates, reads, updates, deletes and paged lists, each against a model of what must be
//! stored, then compare a full paged list with the union of the models.
//!
//! One implementation for two callers: `gateway/examples/soak.rs` (the command `scripts/soak`
//! runs, minutes long) and `gateway/tests/soak.rs` (a short run in the test suite) include this
//! file with `#[path]`.
//!
//! Why the model is exact: every worker owns its own key space (the albums of one artist, the
//! orders of one customer) and sends one request at a time, so the state of each of its keys is
//! whatever its own last acknowledged write left there. A read therefore has exactly one right
//! answer, and so does a list of the worker's own partition. The only value the client cannot
//! know in advance is the gateway's clock (`createdAt`, `updatedAt` of an order): it is modelled
//! as the interval between sending the request and reading the answer, and fixed once seen.
//!
//! A key whose write failed (unexpected status, transport error) is in an unknown state: it is
//! counted as an error and retired, so it is used and checked no more.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// What to run. `connections` is the total: half the workers (rounded up) drive the albums API,
/// the rest the orders API, one connection each.
#[derive(Clone, Debug)]
pub struct Config {
    /// `http://127.0.0.1:PORT` of `gateway serve --spec openapi.yaml`.
    pub albums: String,
    /// `http://127.0.0.1:PORT` of `gateway serve --spec examples/orders/openapi.yaml`.
    pub orders: String,
    pub connections: usize,
    /// The workload stops at this duration or after `ops_per_worker`, whichever comes first (at
    /// least one must be set). The test suite bounds by count, so that what it asserts does not
    /// depend on the machine's speed.
    pub duration: Option<Duration>,
    pub ops_per_worker: Option<u64>,
    /// Keys per worker: small enough that creates, overwrites, deletes and not-found answers all
    /// keep happening, and that the store's size stops growing early (so memory must be flat).
    pub slots: usize,
    pub seed: u64,
    /// Every key of this run starts with it, so the final check can tell this run's items from
    /// others' in a shared table.
    pub prefix: String,
    /// Processes whose VmRSS is sampled (name, pid), e.g. the two gateways and dynalite.
    pub watch: Vec<(String, u32)>,
    pub sample_every: Duration,
    /// Unexpected answers printed on stderr (all are counted).
    pub print_errors: u64,
}

impl Config {
    pub fn new(albums: &str, orders: &str) -> Config {
        for base in [albums, orders] {
            assert!(
                base.starts_with("http://127.0.0.1:"),
                "the soak only targets 127.0.0.1, not {base:?}"
            );
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        Config {
            albums: albums.trim_end_matches('/').to_string(),
            orders: orders.trim_end_matches('/').to_string(),
            connections: 64,
            duration: Some(Duration::from_secs(60)),
            ops_per_worker: None,
            slots: 32,
            seed: u64::from(nanos),
            prefix: format!("soak {} {nanos:08x}", std::process::id()),
            watch: Vec::new(),
            sample_every: Duration::from_secs(5),
            print_errors: 40,
        }
    }

    fn album_workers(&self) -> usize {
        self.connections.div_ceil(2).max(1)
    }

    fn order_workers(&self) -> usize {
        (self.connections / 2).max(1)
    }

    /// Page sizes of the workers' Scans: from about 50 pages of a full table to 2, so that
    /// cursors are followed many times whatever the table's size.
    fn scan_limits(&self) -> std::ops::RangeInclusive<u32> {
        let full = (self.slots * self.album_workers()).clamp(2, 2000) as u32;
        full.div_ceil(50).max(1)..=full.div_ceil(2).min(1000)
    }

    pub fn artist(&self, worker: usize) -> String {
        // Quotes, a backslash, `'`, `/` and non-ASCII: everything the templates must escape.
        format!("{} artist {worker} \"✓\" 'q' /\\", self.prefix)
    }

    pub fn album_title(slot: usize) -> String {
        format!("album {slot:03} \\ \"☃\" 😀")
    }

    pub fn customer(&self, worker: usize) -> String {
        format!("{} customer {worker} ✓", self.prefix)
    }

    /// Zero-padded so that DynamoDB's byte order (the Query's order) is the slot order.
    pub fn order_id(slot: usize) -> String {
        format!("o-{slot:03}")
    }
}

// ------------------------------------------------------------------------------------------
// Counting
// ------------------------------------------------------------------------------------------

/// The kinds of request, as counted and tabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Create,
    Read,
    Update,
    Delete,
    /// One page of a paged list (Scan for the albums, Query for the orders).
    List,
}

pub const KINDS: [Kind; 5] = [
    Kind::Create,
    Kind::Read,
    Kind::Update,
    Kind::Delete,
    Kind::List,
];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Create => "create",
            Kind::Read => "read",
            Kind::Update => "update",
            Kind::Delete => "delete",
            Kind::List => "list",
        }
    }
}

/// Latencies in microseconds, 128 linear sub-buckets per power of two (under 1% error), so that a
/// ten-minute run costs a few kilobytes instead of one entry per request.
#[derive(Clone, Debug)]
pub struct Histogram {
    buckets: Vec<u64>,
    count: u64,
}

const SUB: usize = 128;

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: vec![0; SUB * 40],
            count: 0,
        }
    }
}

impl Histogram {
    fn index(us: u64) -> usize {
        if us < SUB as u64 {
            return us as usize;
        }
        let exp = 63 - us.leading_zeros() as usize; // >= 7
        let shift = exp - 7;
        let mantissa = (us >> shift) as usize; // 128..256
        ((shift + 1) * SUB + (mantissa - SUB)).min(SUB * 40 - 1)
    }

    fn lower_bound(index: usize) -> u64 {
        if index < SUB {
            return index as u64;
        }
        let shift = index / SUB - 1;
        ((index % SUB + SUB) as u64) << shift
    }

    pub fn record(&mut self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.buckets[Self::index(us)] += 1;
        self.count += 1;
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            *a += b;
        }
        self.count += other.count;
    }

    /// The latency below which `q` of the requests fall (lower bound of its bucket).
    pub fn quantile(&self, q: f64) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        let rank = ((self.count as f64) * q).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Duration::from_micros(Self::lower_bound(i));
            }
        }
        Duration::MAX
    }
}

/// One API's counters (one worker's, then merged).
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub by_kind: [u64; 5],
    /// Answers that said "not there" and were right to (404, 409): the model's other branch.
    pub absent: u64,
    /// Unexpected statuses, wrong bodies, transport errors, lists that disagree with the model.
    pub errors: u64,
    pub latency: Histogram,
}

impl Stats {
    pub fn requests(&self) -> u64 {
        self.by_kind.iter().sum()
    }

    pub fn count(&self, k: Kind) -> u64 {
        self.by_kind[k as usize]
    }

    fn merge(&mut self, o: &Stats) {
        for (a, b) in self.by_kind.iter_mut().zip(o.by_kind) {
            *a += b;
        }
        self.absent += o.absent;
        self.errors += o.errors;
        self.latency.merge(&o.latency);
    }
}

/// Prints the first `limit` errors (with the request that got them) and counts every one.
struct ErrorLog {
    printed: AtomicU64,
    limit: u64,
}

impl ErrorLog {
    fn report(&self, stats: &mut Stats, api: &str, what: String) {
        stats.errors += 1;
        let n = self.printed.fetch_add(1, Ordering::Relaxed);
        if n < self.limit {
            eprintln!("soak error [{api}] {what}");
        } else if n == self.limit {
            eprintln!("soak: more errors follow; they are counted, not printed");
        }
    }
}

// ------------------------------------------------------------------------------------------
// HTTP
// ------------------------------------------------------------------------------------------

struct Answer {
    status: u16,
    next_cursor: Option<String>,
    body: Bytes,
}

impl Answer {
    fn text(&self) -> String {
        let t = String::from_utf8_lossy(&self.body);
        if t.len() > 600 {
            format!(
                "{}... ({} bytes)",
                &t[..t.floor_char_boundary(600)],
                t.len()
            )
        } else {
            t.into_owned()
        }
    }

    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Bounded in time: a request that takes longer than this is an error, never a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

struct Http {
    client: HttpClient,
    base: String,
}

impl Http {
    fn new(base: &str, connections: usize) -> Http {
        Http {
            client: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(connections)
                .build_http(),
            base: base.to_string(),
        }
    }

    /// One request; its latency goes into `stats` under `kind`.
    async fn send(
        &self,
        stats: &mut Stats,
        kind: Kind,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, String> {
        stats.by_kind[kind as usize] += 1;
        let mut b = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if body.is_some() {
            b = b.header("Content-Type", "application/json");
        }
        let req = b
            .body(Full::new(Bytes::from(
                body.map(Value::to_string).unwrap_or_default(),
            )))
            .map_err(|e| format!("building the request: {e}"))?;
        let started = Instant::now();
        let exchange = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| format!("transport: {e:?}"))?;
            let status = resp.status().as_u16();
            let next_cursor = resp
                .headers()
                .get("x-next-cursor")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| format!("reading the body: {e}"))?
                .to_bytes();
            Ok(Answer {
                status,
                next_cursor,
                body,
            })
        };
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| format!("no answer within {REQUEST_TIMEOUT:?}"))?;
        stats.latency.record(started.elapsed());
        answer
    }
}

fn describe(method: &str, path: &str, body: Option<&Value>) -> String {
    match body {
        Some(b) => format!("{method} {path} {b}"),
        None => format!("{method} {path}"),
    }
}

// ------------------------------------------------------------------------------------------
// The stop rule and the per-slot state
// ------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
struct Stop {
    deadline: Option<Instant>,
    ops: Option<u64>,
}

impl Stop {
    fn done(&self, ops: u64) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d) || self.ops.is_some_and(|n| ops >= n)
    }
}

/// What one key of a worker holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Slot<T> {
    Absent,
    Present(T),
    /// A write to it failed: its state is unknown, it is used and checked no more.
    Retired,
}

fn pick(rng: &mut StdRng, slots: &[usize]) -> Option<usize> {
    if slots.is_empty() {
        None
    } else {
        Some(slots[rng.random_range(0..slots.len())])
    }
}

fn live<T>(model: &[Slot<T>], want_present: Option<bool>) -> Vec<usize> {
    model
        .iter()
        .enumerate()
        .filter(|(_, s)| match (s, want_present) {
            (Slot::Retired, _) => false,
            (_, None) => true,
            (Slot::Present(_), Some(p)) => p,
            (Slot::Absent, Some(p)) => !p,
        })
        .map(|(i, _)| i)
        .collect()
}

/// Strings that exercise every escape of the templates.
const TRICKY: [&str; 8] = [
    "plain",
    "quote \" inside",
    "back\\slash",
    "it's",
    "a/b",
    "tab\tand newline\n",
    "bell \u{7} ✓",
    "emoji 😀 ☃",
];

// ------------------------------------------------------------------------------------------
// Albums
// ------------------------------------------------------------------------------------------

/// One albums worker's model: slot -> the album stored under (artist, album title of the slot).
pub struct AlbumModel {
    pub artist: String,
    pub slots: Vec<Slot<Value>>,
}

fn random_album(rng: &mut StdRng, artist: &str, slot: usize) -> Value {
    let mut a = json!({"artist": artist, "album": Config::album_title(slot)});
    // Absent, empty and non-empty track lists are all stored and returned as sent.
    match rng.random_range(0..4) {
        0 => {}
        1 => a["tracks"] = json!([]),
        _ => {
            let tracks: Vec<Value> = (0..rng.random_range(1..4))
                .map(|i| {
                    let title = format!("{} {i}", TRICKY[rng.random_range(0..TRICKY.len())]);
                    if rng.random_bool(0.7) {
                        json!({"title": title, "length": format!("{}:{:02}", rng.random_range(1..12), rng.random_range(0..60))})
                    } else {
                        json!({"title": title})
                    }
                })
                .collect();
            a["tracks"] = Value::Array(tracks);
        }
    }
    a
}

/// What a slot's model expects, for error messages.
fn expected_album(slot: &Slot<Value>) -> String {
    match slot {
        Slot::Present(a) => format!("200 {a}"),
        Slot::Absent => "404 Album not found".into(),
        Slot::Retired => "anything (retired)".into(),
    }
}

fn album_not_found(a: &Answer) -> bool {
    a.status == 404 && a.json() == Some(json!({"message": "Album not found", "type": "NotFound"}))
}

pub fn album_path(artist: &str, slot: usize) -> String {
    format!("/{}/{}", enc(artist), enc(&Config::album_title(slot)))
}

/// An album of a list page has the shape of the `Album` schema.
fn well_formed_album(v: &Value) -> bool {
    let Some(o) = v.as_object() else { return false };
    o.keys()
        .all(|k| ["artist", "album", "tracks"].contains(&k.as_str()))
        && o.get("artist").is_some_and(Value::is_string)
        && o.get("album").is_some_and(Value::is_string)
        && o.get("tracks").is_none_or(|t| {
            t.as_array().is_some_and(|ts| {
                ts.iter().all(|t| {
                    t.as_object().is_some_and(|t| {
                        t.keys().all(|k| k == "title" || k == "length")
                            && t.get("title").is_some_and(Value::is_string)
                            && t.get("length").is_none_or(Value::is_string)
                    })
                })
            })
        })
}

/// `X-Next-Cursor`: base64url(artist) `.` base64url(album), padded.
fn well_formed_cursor(c: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.len().is_multiple_of(4)
            && p.trim_end_matches('=').len() + 2 >= p.len()
            && p.trim_end_matches('=')
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    c.split_once('.').is_some_and(|(a, b)| part(a) && part(b))
}

/// A whole paged Scan; every page checked for well-formedness. `None` when a page was wrong
/// (already counted as an error).
async fn scan_all(
    http: &Http,
    log: &ErrorLog,
    stats: &mut Stats,
    limit: u32,
) -> Option<Vec<Value>> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    // Far more pages than a bounded key space can fill: a cursor that never ends is an error.
    for _ in 0..100_000 {
        let path = match &cursor {
            None => format!("/?limit={limit}"),
            Some(c) => format!("/?limit={limit}&cursor={}", enc(c)),
        };
        let a = match http.send(stats, Kind::List, "GET", &path, None).await {
            Ok(a) => a,
            Err(e) => {
                log.report(stats, "albums", format!("GET {path}: {e}"));
                return None;
            }
        };
        let page = a.json();
        let ok = a.status == 200
            && page
                .as_ref()
                .and_then(Value::as_array)
                .is_some_and(|p| p.len() <= limit as usize && p.iter().all(well_formed_album))
            && a.next_cursor.as_deref().is_none_or(well_formed_cursor);
        if !ok {
            log.report(
                stats,
                "albums",
                format!(
                    "GET {path}: expected 200 and a well-formed page, got {} (X-Next-Cursor {:?}) {}",
                    a.status,
                    a.next_cursor,
                    a.text()
                ),
            );
            return None;
        }
        if let Some(Value::Array(page)) = page {
            items.extend(page);
        }
        match a.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Some(items),
        }
    }
    log.report(
        stats,
        "albums",
        "the Scan still had an X-Next-Cursor after 100000 pages".into(),
    );
    None
}

async fn albums_worker(
    cfg: Arc<Config>,
    http: Arc<Http>,
    log: Arc<ErrorLog>,
    w: usize,
    stop: Stop,
) -> (AlbumModel, Stats) {
    let mut rng = StdRng::seed_from_u64(cfg.seed ^ (w as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let artist = cfg.artist(w);
    let by_title: HashMap<String, usize> = (0..cfg.slots)
        .map(|s| (Config::album_title(s), s))
        .collect();
    let mut model: Vec<Slot<Value>> = vec![Slot::Absent; cfg.slots];
    let mut stats = Stats::default();
    let mut ops = 0u64;
    while !stop.done(ops) {
        ops += 1;
        let roll = rng.random_range(0..100);
        if roll < 2 {
            // A full Scan now and then: well-formed pages, and this worker's albums exactly as the
            // model has them (nobody else writes them, and this worker waits for the Scan).
            let limit = rng.random_range(cfg.scan_limits());
            let Some(items) = scan_all(&http, &log, &mut stats, limit).await else {
                continue;
            };
            let mut seen = HashSet::new();
            for item in items.iter().filter(|i| i["artist"] == artist.as_str()) {
                let title = item["album"].as_str().unwrap_or_default();
                let found = by_title.get(title).and_then(|&s| match &model[s] {
                    Slot::Present(a) => Some((s, a == item)),
                    Slot::Retired => Some((s, true)),
                    Slot::Absent => None,
                });
                match found {
                    Some((s, true)) if seen.insert(s) => {}
                    Some((s, true)) => log.report(
                        &mut stats,
                        "albums",
                        format!("Scan (limit {limit}): slot {s} listed twice: {item}"),
                    ),
                    Some((s, false)) => log.report(
                        &mut stats,
                        "albums",
                        format!(
                            "Scan (limit {limit}): {item} differs from the model's {}",
                            expected_album(&model[s])
                        ),
                    ),
                    None => log.report(
                        &mut stats,
                        "albums",
                        format!("Scan (limit {limit}): {item} is not in the model (phantom)"),
                    ),
                }
            }
            for s in live(&model, Some(true)) {
                if !seen.contains(&s) {
                    log.report(
                        &mut stats,
                        "albums",
                        format!(
                            "Scan (limit {limit}): {} is missing (lost)",
                            expected_album(&model[s])
                        ),
                    );
                }
            }
            continue;
        }
        if roll < 47 {
            // A write: create when asked for (an absent slot), else overwrite a present one.
            let want_create = roll < 27;
            let slot = if want_create {
                pick(&mut rng, &live(&model, Some(false)))
            } else {
                pick(&mut rng, &live(&model, Some(true)))
            }
            .or_else(|| pick(&mut rng, &live(&model, None)));
            let Some(slot) = slot else { continue };
            let kind = if matches!(model[slot], Slot::Present(_)) {
                Kind::Update
            } else {
                Kind::Create
            };
            let album = random_album(&mut rng, &artist, slot);
            let r = http
                .send(&mut stats, kind, "POST", "/album", Some(&album))
                .await;
            match r {
                Ok(a) if a.status == 204 && a.body.is_empty() => model[slot] = Slot::Present(album),
                other => {
                    let got = match other {
                        Ok(a) => format!("{} {}", a.status, a.text()),
                        Err(e) => e,
                    };
                    log.report(
                        &mut stats,
                        "albums",
                        format!("POST /album {album}: expected 204 and no body, got {got}"),
                    );
                    model[slot] = Slot::Retired;
                }
            }
            continue;
        }
        if roll < 77 {
            let Some(slot) = pick(&mut rng, &live(&model, None)) else {
                continue;
            };
            let path = album_path(&artist, slot);
            let r = http.send(&mut stats, Kind::Read, "GET", &path, None).await;
            let ok = match (&r, &model[slot]) {
                (Ok(a), Slot::Present(album)) => {
                    a.status == 200 && a.json().as_ref() == Some(album)
                }
                (Ok(a), _) => {
                    stats.absent += 1;
                    album_not_found(a)
                }
                (Err(_), _) => false,
            };
            if !ok {
                let got = match r {
                    Ok(a) => format!("{} {}", a.status, a.text()),
                    Err(e) => e,
                };
                log.report(
                    &mut stats,
                    "albums",
                    format!(
                        "GET {path}: expected {}, got {got}",
                        expected_album(&model[slot])
                    ),
                );
            }
            continue;
        }
        // Delete: mostly a present album; sometimes any, for the 404.
        let slot = if rng.random_bool(0.8) {
            pick(&mut rng, &live(&model, Some(true)))
        } else {
            None
        }
        .or_else(|| pick(&mut rng, &live(&model, None)));
        let Some(slot) = slot else { continue };
        let path = album_path(&artist, slot);
        let r = http
            .send(&mut stats, Kind::Delete, "DELETE", &path, None)
            .await;
        let ok = match (&r, &model[slot]) {
            (Ok(a), Slot::Present(album)) => a.status == 200 && a.json().as_ref() == Some(album),
            (Ok(a), _) => {
                stats.absent += 1;
                album_not_found(a)
            }
            (Err(_), _) => false,
        };
        if ok {
            model[slot] = Slot::Absent;
        } else {
            let got = match r {
                Ok(a) => format!("{} {}", a.status, a.text()),
                Err(e) => e,
            };
            log.report(
                &mut stats,
                "albums",
                format!(
                    "DELETE {path}: expected {}, got {got}",
                    expected_album(&model[slot])
                ),
            );
            model[slot] = Slot::Retired;
        }
    }
    (
        AlbumModel {
            artist,
            slots: model,
        },
        stats,
    )
}

// ------------------------------------------------------------------------------------------
// Orders
// ------------------------------------------------------------------------------------------

/// A gateway clock reading the client knows only within bounds until it has seen it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clock {
    Known(u64),
    Between(u64, u64),
}

impl Clock {
    /// Whether `v` is what this reading can be; a match fixes it.
    fn accept(&mut self, v: u64) -> bool {
        match *self {
            Clock::Known(k) => k == v,
            Clock::Between(lo, hi) if lo <= v && v <= hi => {
                *self = Clock::Known(v);
                true
            }
            Clock::Between(..) => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub status: &'static str,
    /// The total in cents: the model never holds a binary fraction.
    pub total_cents: u64,
    pub quantity: u64,
    pub gift: bool,
    pub note: Option<String>,
    pub created: Clock,
    pub updated: Option<Clock>,
}

/// One orders worker's model: slot -> the order stored under (customer, order id of the slot).
pub struct OrderModel {
    pub customer: String,
    pub slots: Vec<Slot<Order>>,
}

const STATUSES: [&str; 4] = ["pending", "paid", "shipped", "cancelled"];

fn total_json(cents: u64) -> Value {
    json!(cents as f64 / 100.0)
}

impl Order {
    /// Whether `v`, an order as the API answers it, is this order of `customer`/`order_id`;
    /// the clocks it shows are learnt. A mismatch leaves the model unchanged.
    fn matches(&mut self, v: &Value, customer: &str, order_id: &str) -> bool {
        let Some(o) = v.as_object() else { return false };
        let known = [
            "customerId",
            "orderId",
            "status",
            "total",
            "quantity",
            "gift",
            "note",
            "createdAt",
            "updatedAt",
        ];
        if !o.keys().all(|k| known.contains(&k.as_str())) {
            return false;
        }
        let fields_ok = o.get("customerId") == Some(&json!(customer))
            && o.get("orderId") == Some(&json!(order_id))
            && o.get("status") == Some(&json!(self.status))
            && o.get("total").and_then(Value::as_f64) == Some(self.total_cents as f64 / 100.0)
            && o.get("quantity").and_then(Value::as_u64) == Some(self.quantity)
            && o.get("gift") == Some(&json!(self.gift))
            && o.get("note").and_then(Value::as_str) == self.note.as_deref()
            && o.get("note").is_none_or(Value::is_string);
        if !fields_ok {
            return false;
        }
        let mut created = self.created;
        let mut updated = self.updated;
        let created_ok = o
            .get("createdAt")
            .and_then(Value::as_u64)
            .is_some_and(|c| created.accept(c));
        let updated_ok = match (&mut updated, o.get("updatedAt")) {
            (None, None) => true,
            (Some(u), Some(v)) => v.as_u64().is_some_and(|v| u.accept(v)),
            _ => false,
        };
        if created_ok && updated_ok {
            self.created = created;
            self.updated = updated;
        }
        created_ok && updated_ok
    }
}

fn order_not_found(a: &Answer) -> bool {
    a.status == 404 && a.json() == Some(json!({"message": "Order not found", "type": "NotFound"}))
}

pub fn order_path(customer: &str, slot: usize) -> String {
    format!(
        "/customers/{}/orders/{}",
        enc(customer),
        enc(&Config::order_id(slot))
    )
}

fn random_note(rng: &mut StdRng) -> String {
    format!(
        "{} {}",
        TRICKY[rng.random_range(0..TRICKY.len())],
        rng.random_range(0..1000)
    )
}

/// The whole of one customer's orders, page by page, in the API's order. `None` when a page was
/// wrong (already counted).
async fn query_all(
    http: &Http,
    log: &ErrorLog,
    stats: &mut Stats,
    customer: &str,
    limit: u32,
) -> Option<Vec<Value>> {
    let mut orders = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..100_000 {
        let mut path = format!("/customers/{}/orders?limit={limit}", enc(customer));
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", enc(c)));
        }
        let a = match http.send(stats, Kind::List, "GET", &path, None).await {
            Ok(a) => a,
            Err(e) => {
                log.report(stats, "orders", format!("GET {path}: {e}"));
                return None;
            }
        };
        let page = a.json();
        let shape_ok = a.status == 200
            && page.as_ref().and_then(Value::as_object).is_some_and(|p| {
                p.keys().all(|k| k == "orders" || k == "nextCursor")
                    && p.get("orders")
                        .and_then(Value::as_array)
                        .is_some_and(|os| os.len() <= limit as usize)
                    && p.get("nextCursor").is_none_or(Value::is_string)
            });
        if !shape_ok {
            log.report(
                stats,
                "orders",
                format!(
                    "GET {path}: expected 200 and an OrderPage, got {} {}",
                    a.status,
                    a.text()
                ),
            );
            return None;
        }
        let mut page = page.unwrap_or_default();
        if let Some(Value::Array(os)) = page.get_mut("orders").map(Value::take) {
            orders.extend(os);
        }
        match page.get("nextCursor").and_then(Value::as_str) {
            Some(c) => cursor = Some(c.to_string()),
            None => return Some(orders),
        }
    }
    log.report(
        stats,
        "orders",
        format!("the Query of {customer:?} still had a nextCursor after 100000 pages"),
    );
    None
}

/// Lost, phantom and wrong orders of one customer's list against its model (clocks learnt).
fn compare_orders(
    listed: &[Value],
    model: &mut OrderModel,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut lost, mut phantom, mut wrong) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen = HashSet::new();
    let mut last_id = String::new();
    for o in listed {
        let id = o["orderId"].as_str().unwrap_or_default().to_string();
        if id <= last_id {
            wrong.push(format!("{o} is out of OrderId order (after {last_id:?})"));
        }
        last_id.clone_from(&id);
        let slot = (0..model.slots.len()).find(|&s| Config::order_id(s) == id);
        match slot.map(|s| (s, &mut model.slots[s])) {
            Some((s, Slot::Present(m))) => {
                if !seen.insert(s) {
                    phantom.push(format!("{o} listed twice"));
                } else if !m.matches(o, &model.customer, &id) {
                    wrong.push(format!("{o} differs from the model's {m:?}"));
                }
            }
            Some((s, Slot::Retired)) => {
                seen.insert(s);
            }
            _ => phantom.push(format!("{o} is not in the model")),
        }
    }
    for (s, slot) in model.slots.iter().enumerate() {
        if let Slot::Present(m) = slot
            && !seen.contains(&s)
        {
            lost.push(format!("{} {m:?}", Config::order_id(s)));
        }
    }
    (lost, phantom, wrong)
}

async fn orders_worker(
    cfg: Arc<Config>,
    http: Arc<Http>,
    log: Arc<ErrorLog>,
    w: usize,
    stop: Stop,
) -> (OrderModel, Stats) {
    let mut rng = StdRng::seed_from_u64(!cfg.seed ^ (w as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
    let mut model = OrderModel {
        customer: cfg.customer(w),
        slots: vec![Slot::Absent; cfg.slots],
    };
    let customer = model.customer.clone();
    let mut stats = Stats::default();
    let mut ops = 0u64;
    while !stop.done(ops) {
        ops += 1;
        let roll = rng.random_range(0..100);
        if roll < 8 {
            // The customer's orders, page by page: exactly the model, in OrderId order.
            let limit = rng.random_range(1..=20);
            let Some(listed) = query_all(&http, &log, &mut stats, &customer, limit).await else {
                continue;
            };
            let (lost, phantom, wrong) = compare_orders(&listed, &mut model);
            for e in lost
                .iter()
                .map(|e| format!("lost {e}"))
                .chain(phantom.iter().chain(&wrong).map(|e| format!("listed {e}")))
            {
                log.report(
                    &mut stats,
                    "orders",
                    format!("Query of {customer:?} (limit {limit}): {e}"),
                );
            }
            continue;
        }
        if roll < 33 {
            // Create: an absent slot (201), sometimes a present one (409, nothing changes).
            let slot = if rng.random_bool(0.9) {
                pick(&mut rng, &live(&model.slots, Some(false)))
            } else {
                None
            }
            .or_else(|| pick(&mut rng, &live(&model.slots, None)));
            let Some(slot) = slot else { continue };
            let path = order_path(&customer, slot);
            let note = rng.random_bool(0.5).then(|| random_note(&mut rng));
            let order = Order {
                status: STATUSES[rng.random_range(0..STATUSES.len())],
                total_cents: rng.random_range(0..=100_000_000),
                quantity: rng.random_range(1..=10_000),
                gift: rng.random_bool(0.3),
                note,
                created: Clock::Known(0),
                updated: None,
            };
            let mut body = json!({
                "status": order.status,
                "total": total_json(order.total_cents),
                "quantity": order.quantity,
                "gift": order.gift,
            });
            if let Some(n) = &order.note {
                body["note"] = json!(n);
            }
            let before = now_ms();
            let r = http
                .send(&mut stats, Kind::Create, "PUT", &path, Some(&body))
                .await;
            let after = now_ms() + 1;
            let ok = match (&r, &model.slots[slot]) {
                (Ok(a), Slot::Absent) => {
                    a.status == 201
                        && a.json()
                            == Some(
                                json!({"customerId": customer, "orderId": Config::order_id(slot)}),
                            )
                }
                (Ok(a), _) => {
                    stats.absent += 1;
                    a.status == 409
                        && a.json()
                            == Some(
                                json!({"message": "The customer already has an order with this id", "type": "Conflict"}),
                            )
                }
                (Err(_), _) => false,
            };
            if !ok {
                let got = match r {
                    Ok(a) => format!("{} {}", a.status, a.text()),
                    Err(e) => e,
                };
                log.report(
                    &mut stats,
                    "orders",
                    format!(
                        "{}: expected {}, got {got}",
                        describe("PUT", &path, Some(&body)),
                        if matches!(model.slots[slot], Slot::Absent) {
                            "201"
                        } else {
                            "409"
                        }
                    ),
                );
                model.slots[slot] = Slot::Retired;
            } else if matches!(model.slots[slot], Slot::Absent) {
                model.slots[slot] = Slot::Present(Order {
                    created: Clock::Between(before, after),
                    ..order
                });
            }
            continue;
        }
        if roll < 58 {
            // Read: any slot; the order exactly as modelled, or 404.
            let Some(slot) = pick(&mut rng, &live(&model.slots, None)) else {
                continue;
            };
            let path = order_path(&customer, slot);
            let r = http.send(&mut stats, Kind::Read, "GET", &path, None).await;
            let id = Config::order_id(slot);
            let ok = match (&r, &mut model.slots[slot]) {
                (Ok(a), Slot::Present(m)) => {
                    a.status == 200 && a.json().is_some_and(|v| m.matches(&v, &customer, &id))
                }
                (Ok(a), _) => {
                    stats.absent += 1;
                    order_not_found(a)
                }
                (Err(_), _) => false,
            };
            if !ok {
                let got = match r {
                    Ok(a) => format!("{} {}", a.status, a.text()),
                    Err(e) => e,
                };
                log.report(
                    &mut stats,
                    "orders",
                    format!("GET {path}: expected {:?}, got {got}", model.slots[slot]),
                );
            }
            continue;
        }
        if roll < 83 {
            // Update (UpdateItem): mostly a present order; sometimes any, for the 404.
            let slot = if rng.random_bool(0.85) {
                pick(&mut rng, &live(&model.slots, Some(true)))
            } else {
                None
            }
            .or_else(|| pick(&mut rng, &live(&model.slots, None)));
            let Some(slot) = slot else { continue };
            let path = order_path(&customer, slot);
            let mut change = serde_json::Map::new();
            if rng.random_bool(0.5) {
                change.insert(
                    "status".into(),
                    json!(STATUSES[rng.random_range(0..STATUSES.len())]),
                );
            }
            if rng.random_bool(0.4) {
                change.insert(
                    "total".into(),
                    total_json(rng.random_range(0..=100_000_000)),
                );
            }
            if rng.random_bool(0.3) {
                change.insert("gift".into(), json!(rng.random_bool(0.5)));
            }
            if rng.random_bool(0.4) {
                change.insert("addQuantity".into(), json!(rng.random_range(1..=50)));
            }
            // `note` and `removeNote: true` together are refused: one or the other.
            match rng.random_range(0..4) {
                0 => {
                    change.insert("note".into(), json!(random_note(&mut rng)));
                }
                1 => {
                    change.insert("removeNote".into(), json!(true));
                }
                _ => {}
            }
            if change.is_empty() {
                change.insert("removeNote".into(), json!(false));
            }
            let body = Value::Object(change);
            let before = now_ms();
            let r = http
                .send(&mut stats, Kind::Update, "PATCH", &path, Some(&body))
                .await;
            let after = now_ms() + 1;
            let id = Config::order_id(slot);
            let ok = match (&r, &mut model.slots[slot]) {
                (Ok(a), Slot::Present(m)) => {
                    let mut next = m.clone();
                    if let Some(s) = body.get("status").and_then(Value::as_str) {
                        next.status = STATUSES.iter().find(|x| **x == s).copied().unwrap_or("?");
                    }
                    if let Some(t) = body.get("total").and_then(Value::as_f64) {
                        next.total_cents = (t * 100.0).round() as u64;
                    }
                    if let Some(g) = body.get("gift").and_then(Value::as_bool) {
                        next.gift = g;
                    }
                    if let Some(q) = body.get("addQuantity").and_then(Value::as_u64) {
                        next.quantity += q;
                    }
                    if let Some(n) = body.get("note").and_then(Value::as_str) {
                        next.note = Some(n.to_string());
                    }
                    if body.get("removeNote") == Some(&json!(true)) {
                        next.note = None;
                    }
                    next.updated = Some(Clock::Between(before, after));
                    let matched = a.status == 200
                        && a.json().is_some_and(|v| next.matches(&v, &customer, &id));
                    if matched {
                        *m = next;
                    }
                    matched
                }
                (Ok(a), _) => {
                    stats.absent += 1;
                    order_not_found(a)
                }
                (Err(_), _) => false,
            };
            if !ok {
                let got = match r {
                    Ok(a) => format!("{} {}", a.status, a.text()),
                    Err(e) => e,
                };
                log.report(
                    &mut stats,
                    "orders",
                    format!(
                        "{}: expected the change applied to {:?}, got {got}",
                        describe("PATCH", &path, Some(&body)),
                        model.slots[slot]
                    ),
                );
                model.slots[slot] = Slot::Retired;
            }
            continue;
        }
        // Delete: mostly a present order; sometimes any, for the 404.
        let slot = if rng.random_bool(0.8) {
            pick(&mut rng, &live(&model.slots, Some(true)))
        } else {
            None
        }
        .or_else(|| pick(&mut rng, &live(&model.slots, None)));
        let Some(slot) = slot else { continue };
        let path = order_path(&customer, slot);
        let r = http
            .send(&mut stats, Kind::Delete, "DELETE", &path, None)
            .await;
        let ok = match (&r, &model.slots[slot]) {
            (Ok(a), Slot::Present(_)) => a.status == 204 && a.body.is_empty(),
            (Ok(a), _) => {
                stats.absent += 1;
                order_not_found(a)
            }
            (Err(_), _) => false,
        };
        if ok {
            model.slots[slot] = Slot::Absent;
        } else {
            let got = match r {
                Ok(a) => format!("{} {}", a.status, a.text()),
                Err(e) => e,
            };
            log.report(
                &mut stats,
                "orders",
                format!("DELETE {path}: expected {:?}, got {got}", model.slots[slot]),
            );
            model.slots[slot] = Slot::Retired;
        }
    }
    (model, stats)
}

// ------------------------------------------------------------------------------------------
// Memory
// ------------------------------------------------------------------------------------------

/// VmRSS of a process in kB, from /proc/PID/status.
pub fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// One process's VmRSS over the run: (seconds since the start, kB).
#[derive(Clone, Debug, Default)]
pub struct RssSeries {
    pub name: String,
    pub samples: Vec<(f64, u64)>,
}

impl RssSeries {
    /// The first sample at or after 20% of the run: the store has reached its size by then (the
    /// key space is bounded), so growth after it is what a leak would show.
    pub fn warm(&self) -> Option<u64> {
        let end = self.samples.last()?.0;
        self.samples
            .iter()
            .find(|(t, _)| *t >= end * 0.2)
            .map(|s| s.1)
    }

    pub fn end(&self) -> Option<u64> {
        self.samples.last().map(|s| s.1)
    }

    pub fn peak(&self) -> Option<u64> {
        self.samples.iter().map(|s| s.1).max()
    }

    /// Flat after warm-up: the end is within 10% (and at least 8 MB, allocator noise) of the
    /// warm value. A per-request leak fails it in a minute; a bounded store does not.
    pub fn flat(&self) -> Option<bool> {
        let (warm, end) = (self.warm()?, self.end()?);
        Some(end <= warm + (warm / 10).max(8 * 1024))
    }
}

// ------------------------------------------------------------------------------------------
// Running and checking
// ------------------------------------------------------------------------------------------

/// What the workload left: the models of every worker, the counters, the memory series.
pub struct Load {
    pub albums: Vec<AlbumModel>,
    pub orders: Vec<OrderModel>,
    pub album_stats: Stats,
    pub order_stats: Stats,
    pub elapsed: Duration,
    pub rss: Vec<RssSeries>,
}

/// The final comparison of one API's full list with the union of its models.
#[derive(Clone, Debug, Default)]
pub struct Check {
    /// Items of this run the list returned.
    pub listed: u64,
    /// Items the models hold.
    pub expected: u64,
    pub lost: u64,
    pub phantom: u64,
    /// Listed and modelled, but different (or the list itself failed).
    pub wrong: u64,
    /// The final list's own requests.
    pub stats: Stats,
}

pub struct Report {
    pub load: Load,
    pub albums: Check,
    pub orders: Check,
}

pub async fn load(cfg: &Config) -> Load {
    assert!(
        cfg.duration.is_some() || cfg.ops_per_worker.is_some(),
        "the soak needs a duration or an operation count"
    );
    let cfg = Arc::new(cfg.clone());
    let log = Arc::new(ErrorLog {
        printed: AtomicU64::new(0),
        limit: cfg.print_errors,
    });
    let albums_http = Arc::new(Http::new(&cfg.albums, cfg.album_workers()));
    let orders_http = Arc::new(Http::new(&cfg.orders, cfg.order_workers()));
    let started = Instant::now();
    let stop = Stop {
        deadline: cfg.duration.map(|d| started + d),
        ops: cfg.ops_per_worker,
    };

    let (done_tx, mut done_rx) = tokio::sync::watch::channel(false);
    let watch = cfg.watch.clone();
    let every = cfg.sample_every;
    let sampler = tokio::spawn(async move {
        let mut series: Vec<RssSeries> = watch
            .iter()
            .map(|(n, _)| RssSeries {
                name: n.clone(),
                samples: Vec::new(),
            })
            .collect();
        loop {
            let t = started.elapsed().as_secs_f64();
            for (s, (_, pid)) in series.iter_mut().zip(&watch) {
                if let Some(kb) = rss_kb(*pid) {
                    s.samples.push((t, kb));
                }
            }
            if *done_rx.borrow() {
                return series;
            }
            let _ = tokio::time::timeout(every, done_rx.changed()).await;
        }
    });

    let mut album_tasks = Vec::new();
    for w in 0..cfg.album_workers() {
        album_tasks.push(tokio::spawn(albums_worker(
            cfg.clone(),
            albums_http.clone(),
            log.clone(),
            w,
            stop,
        )));
    }
    let mut order_tasks = Vec::new();
    for w in 0..cfg.order_workers() {
        order_tasks.push(tokio::spawn(orders_worker(
            cfg.clone(),
            orders_http.clone(),
            log.clone(),
            w,
            stop,
        )));
    }
    let mut album_stats = Stats::default();
    let mut albums = Vec::new();
    for t in album_tasks {
        let (m, s) = t.await.expect("an albums worker panicked");
        album_stats.merge(&s);
        albums.push(m);
    }
    let mut order_stats = Stats::default();
    let mut orders = Vec::new();
    for t in order_tasks {
        let (m, s) = t.await.expect("an orders worker panicked");
        order_stats.merge(&s);
        orders.push(m);
    }
    let elapsed = started.elapsed();
    let _ = done_tx.send(true);
    let rss = sampler.await.expect("the memory sampler panicked");
    Load {
        albums,
        orders,
        album_stats,
        order_stats,
        elapsed,
        rss,
    }
}

/// The full paged lists after the load against the union of the models: zero lost, zero
/// phantom is the goal. Clocks of the orders are learnt on the way.
pub async fn verify(cfg: &Config, load: &mut Load) -> (Check, Check) {
    let log = ErrorLog {
        printed: AtomicU64::new(0),
        limit: cfg.print_errors,
    };

    // Albums: one Scan of the whole table; only this run's artists are compared.
    let http = Http::new(&cfg.albums, 1);
    let mut albums = Check::default();
    let mut union: HashMap<(String, String), &Value> = HashMap::new();
    let mut retired: HashSet<(String, String)> = HashSet::new();
    for m in &load.albums {
        for (s, slot) in m.slots.iter().enumerate() {
            let key = (m.artist.clone(), Config::album_title(s));
            match slot {
                Slot::Present(a) => {
                    union.insert(key, a);
                }
                Slot::Retired => {
                    retired.insert(key);
                }
                Slot::Absent => {}
            }
        }
    }
    albums.expected = union.len() as u64;
    let limit = (cfg.slots * cfg.album_workers())
        .div_ceil(10)
        .clamp(1, 1000) as u32;
    match scan_all(&http, &log, &mut albums.stats, limit).await {
        None => albums.wrong += 1,
        Some(items) => {
            let mut seen = HashSet::new();
            for item in items {
                let artist = item["artist"].as_str().unwrap_or_default().to_string();
                if !artist.starts_with(&cfg.prefix) {
                    continue;
                }
                albums.listed += 1;
                let key = (
                    artist,
                    item["album"].as_str().unwrap_or_default().to_string(),
                );
                if retired.contains(&key) {
                    continue;
                }
                match union.get(&key) {
                    Some(_) if !seen.insert(key.clone()) => {
                        albums.phantom += 1;
                        eprintln!("soak final [albums]: listed twice: {item}");
                    }
                    Some(m) if **m == item => {}
                    Some(m) => {
                        albums.wrong += 1;
                        eprintln!("soak final [albums]: {item} differs from the model's {m}");
                    }
                    None => {
                        albums.phantom += 1;
                        eprintln!("soak final [albums]: phantom {item}");
                    }
                }
            }
            for (key, a) in &union {
                if !seen.contains(key) {
                    albums.lost += 1;
                    eprintln!("soak final [albums]: lost {a}");
                }
            }
        }
    }

    // Orders: every customer's Query, page by page, against its model.
    let http = Http::new(&cfg.orders, 1);
    let mut orders = Check::default();
    for m in &mut load.orders {
        orders.expected += live(&m.slots, Some(true)).len() as u64;
        match query_all(&http, &log, &mut orders.stats, &m.customer.clone(), 25).await {
            None => orders.wrong += 1,
            Some(listed) => {
                orders.listed += listed.len() as u64;
                let (lost, phantom, wrong) = compare_orders(&listed, m);
                for e in &lost {
                    eprintln!("soak final [orders] {:?}: lost {e}", m.customer);
                }
                for e in phantom.iter().chain(&wrong) {
                    eprintln!("soak final [orders] {:?}: listed {e}", m.customer);
                }
                orders.lost += lost.len() as u64;
                orders.phantom += phantom.len() as u64;
                orders.wrong += wrong.len() as u64;
            }
        }
    }
    albums.wrong += albums.stats.errors;
    orders.wrong += orders.stats.errors;
    (albums, orders)
}

/// The load, then the final check.
pub async fn run(cfg: &Config) -> Report {
    let mut load = load(cfg).await;
    let (albums, orders) = verify(cfg, &mut load).await;
    Report {
        load,
        albums,
        orders,
    }
}

impl Report {
    pub fn errors(&self) -> u64 {
        self.load.album_stats.errors + self.load.order_stats.errors
    }

    /// Zero errors, zero lost, zero phantom, zero wrong.
    pub fn clean(&self) -> bool {
        self.errors() == 0
            && [&self.albums, &self.orders]
                .iter()
                .all(|c| c.lost == 0 && c.phantom == 0 && c.wrong == 0)
    }

    /// The memory of every watched gateway (`albums`, `orders`) is flat after warm-up; other
    /// processes (dynalite) are shown, not judged.
    pub fn memory_flat(&self) -> bool {
        ["albums", "orders"]
            .iter()
            .filter_map(|n| self.rss_of(n))
            .all(|s| s.flat() != Some(false))
    }

    fn rss_of(&self, name: &str) -> Option<&RssSeries> {
        self.load.rss.iter().find(|s| s.name == name)
    }

    /// One tab-separated row per API: label, api, requests, create, read, update, delete, list,
    /// absent, errors, lost, phantom, wrong, req/s, p50 ms, p99 ms, rss warm MB, rss end MB,
    /// memory flat (yes/no/-).
    /// `scripts/soak` tables these rows of every backend.
    pub fn rows(&self, label: &str) -> Vec<String> {
        let secs = self.load.elapsed.as_secs_f64().max(1e-9);
        let mb =
            |kb: Option<u64>| kb.map_or("-".to_string(), |k| format!("{:.1}", k as f64 / 1024.0));
        [
            ("albums", &self.load.album_stats, &self.albums),
            ("orders", &self.load.order_stats, &self.orders),
        ]
        .into_iter()
        .map(|(api, s, c)| {
            let rss = self.rss_of(api);
            format!(
                "{label}\t{api}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:.0}\t{:.2}\t{:.2}\t{}\t{}\t{}",
                s.requests(),
                s.count(Kind::Create),
                s.count(Kind::Read),
                s.count(Kind::Update),
                s.count(Kind::Delete),
                s.count(Kind::List),
                s.absent,
                s.errors,
                c.lost,
                c.phantom,
                c.wrong,
                s.requests() as f64 / secs,
                s.latency.quantile(0.50).as_secs_f64() * 1e3,
                s.latency.quantile(0.99).as_secs_f64() * 1e3,
                mb(rss.and_then(RssSeries::warm)),
                mb(rss.and_then(RssSeries::end)),
                match rss.and_then(RssSeries::flat) {
                    Some(true) => "yes",
                    Some(false) => "NO",
                    None => "-",
                },
            )
        })
        .collect()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let l = &self.load;
        writeln!(
            f,
            "soak: {:.1} s, {} albums and {} orders workers",
            l.elapsed.as_secs_f64(),
            l.albums.len(),
            l.orders.len()
        )?;
        for s in &l.rss {
            let series: Vec<String> = s
                .samples
                .iter()
                .map(|(t, kb)| format!("{t:.0}s:{:.1}", *kb as f64 / 1024.0))
                .collect();
            writeln!(f, "rss MB of {}: {}", s.name, series.join(" "))?;
            writeln!(
                f,
                "rss MB of {}: warm (20% of the run) {:.1}, end {:.1}, peak {:.1}{}",
                s.name,
                s.warm().unwrap_or_default() as f64 / 1024.0,
                s.end().unwrap_or_default() as f64 / 1024.0,
                s.peak().unwrap_or_default() as f64 / 1024.0,
                if s.flat() == Some(false) {
                    ": NOT flat after warm-up"
                } else {
                    ""
                }
            )?;
        }
        for (api, s, c) in [
            ("albums", &l.album_stats, &self.albums),
            ("orders", &l.order_stats, &self.orders),
        ] {
            let kinds: Vec<String> = KINDS
                .iter()
                .map(|k| format!("{} {}", k.name(), s.count(*k)))
                .collect();
            writeln!(
                f,
                "{api}: {} requests ({}; {} rightly not found), {} errors, p50 {:?}, p99 {:?}; final list: {} of this run listed, {} modelled, {} lost, {} phantom, {} wrong",
                s.requests(),
                kinds.join(", "),
                s.absent,
                s.errors,
                s.latency.quantile(0.50),
                s.latency.quantile(0.99),
                c.listed,
                c.expected,
                c.lost,
                c.phantom,
                c.wrong
            )?;
        }
        write!(
            f,
            "verdict: {}; gateway memory {}",
            if self.clean() { "clean" } else { "FAILED" },
            if self.memory_flat() {
                "flat after warm-up"
            } else {
                "NOT flat after warm-up"
            }
        )
    }
}
