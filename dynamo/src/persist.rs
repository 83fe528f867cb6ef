//! `Persistent`: the embedded store kept in a directory across restarts (`gateway serve
//! --data-dir`), crash-safe: a write is acknowledged only once it will survive `kill -9`.
//!
//! The directory holds a write-ahead log, `writes.log`: every write action that succeeded
//! (`PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`, `TransactWriteItems`, `CreateTable`,
//! `DeleteTable`, `UpdateTable`, `UpdateTimeToLive`), as the request DynamoDB got, in the order
//! the store applied it. A record is `len: u32 LE | crc32: u32 LE | action NUL body`; it is
//! written and `fsync`ed before the reply leaves. Opening replays the log into a fresh store; a
//! record cut short or failing its CRC (the one a crash interrupted, never acknowledged) ends the
//! log and is cut off.
//!
//! TTL expiry deletes items by the store's clock without a request, so the log also keeps the
//! time: before each write record, a `@clock` record with the epoch seconds the write was applied
//! at. The write runs with the store's clock pinned to that time, and so does its replay: an
//! item that had expired (or not) for a write has expired (or not) for its replay too.
//!
//! Writes are applied and logged one at a time (the store's state sequence and the log's order
//! are then the same, so the replay rebuilds exactly the acknowledged state); reads run beside
//! them. A read may see a write whose `fsync` has not returned yet, which a crash then loses:
//! the write was never acknowledged.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::store::Clock;
use crate::{Dynamo, DynamoResponse, Embedded};

/// The record before each write: the time it was applied at (see the module comment).
const CLOCK: &str = "@clock";

/// The actions whose success changes the store.
const WRITES: &[&str] = &[
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "CreateTable",
    "DeleteTable",
    "UpdateTable",
    "UpdateTimeToLive",
];

/// Records larger than this are corrupt (DynamoDB's largest request is 16 MB, BatchWriteItem).
const MAX_RECORD: u32 = 32 * 1024 * 1024;

pub struct Persistent {
    store: Embedded,
    log: Mutex<File>,
    path: PathBuf,
    /// The clock the store reads, unpinned.
    clock: Clock,
    /// `f64` bits of the time the store's clock is pinned to (NaN: not pinned).
    pinned: Arc<AtomicU64>,
}

impl std::fmt::Debug for Persistent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Persistent")
            .field("path", &self.path)
            .finish()
    }
}

/// What opening a directory found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Writes replayed.
    pub writes: usize,
    /// Bytes of an interrupted last record cut off.
    pub cut: u64,
}

impl Persistent {
    /// Open (or create) `dir` and replay its log.
    pub fn open(dir: &Path) -> Result<(Persistent, Recovered), String> {
        Persistent::open_with_clock(dir, Clock::system())
    }

    /// [`Persistent::open`] with the store's TTL expiry reading `clock`.
    pub fn open_with_clock(dir: &Path, clock: Clock) -> Result<(Persistent, Recovered), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("data dir {}: {e}", dir.display()))?;
        let path = dir.join("writes.log");
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let pinned = Arc::new(AtomicU64::new(f64::NAN.to_bits()));
        let store = {
            let (pinned, clock) = (pinned.clone(), clock.clone());
            Embedded::with_clock(Clock::from_fn(move || {
                let p = f64::from_bits(pinned.load(Ordering::SeqCst));
                if p.is_nan() { clock.now() } else { p }
            }))
        };
        let mut at = 0usize;
        let mut writes = 0;
        while let Some((action, body, next)) = record(&bytes, at) {
            if action == CLOCK {
                // A log written before TTL had none; a bad one leaves the clock as it was.
                if let Some(t) = std::str::from_utf8(body)
                    .ok()
                    .and_then(|t| t.parse::<f64>().ok())
                {
                    pinned.store(t.to_bits(), Ordering::SeqCst);
                }
                at = next;
                continue;
            }
            let r = store.handle(action, body);
            if r.status != 200 {
                return Err(format!(
                    "{}: the write at byte {at} ({action}) fails on replay: {}",
                    path.display(),
                    String::from_utf8_lossy(&r.body)
                ));
            }
            writes += 1;
            at = next;
        }
        pinned.store(f64::NAN.to_bits(), Ordering::SeqCst);
        let cut = (bytes.len() - at) as u64;
        if cut > 0 {
            file.set_len(at as u64)
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("{}: cutting the interrupted record: {e}", path.display()))?;
        }
        Ok((
            Persistent {
                store,
                log: Mutex::new(file),
                path,
                clock,
                pinned,
            },
            Recovered { writes, cut },
        ))
    }

    /// The store itself (reads; writes through it bypass the log).
    pub fn store(&self) -> &Embedded {
        &self.store
    }
}

/// The record at `at`: (action, body, the next record's offset), or `None` at the end or at a
/// torn or corrupt record.
fn record(bytes: &[u8], at: usize) -> Option<(&str, &[u8], usize)> {
    let head = bytes.get(at..at.checked_add(8)?)?;
    let len = u32::from_le_bytes(head[..4].try_into().ok()?);
    let crc = u32::from_le_bytes(head[4..].try_into().ok()?);
    if len > MAX_RECORD {
        return None;
    }
    let end = at.checked_add(8)?.checked_add(len as usize)?;
    let payload = bytes.get(at + 8..end)?;
    if crate::util::crc32(payload) != crc {
        return None;
    }
    let nul = payload.iter().position(|b| *b == 0)?;
    let action = std::str::from_utf8(&payload[..nul]).ok()?;
    Some((action, &payload[nul + 1..], end))
}

fn encode(action: &str, body: &[u8]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(action.len() + 1 + body.len());
    payload.extend_from_slice(action.as_bytes());
    payload.push(0);
    payload.extend_from_slice(body);
    let mut out = Vec::with_capacity(payload.len() + 8);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crate::util::crc32(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

#[async_trait::async_trait]
impl Dynamo for Persistent {
    async fn call(&self, action: &str, body: &[u8]) -> DynamoResponse {
        if !WRITES.contains(&action) {
            return self.store.handle(action, body);
        }
        // Apply and log under one lock: the log's order is the order of the store's states.
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        // Reads running beside see the pinned time too: it is the current time.
        let now = self.clock.now();
        self.pinned.store(now.to_bits(), Ordering::SeqCst);
        let r = self.store.handle(action, body);
        self.pinned.store(f64::NAN.to_bits(), Ordering::SeqCst);
        if r.status == 200 {
            let mut records = encode(CLOCK, now.to_string().as_bytes());
            records.extend(encode(action, body));
            let logged = log.write_all(&records).and_then(|()| log.sync_data());
            if let Err(e) = logged {
                // Not durable: say so rather than acknowledge (the store has applied it; a
                // restart will not have it).
                let e = crate::DynamoError::Internal(format!(
                    "the write could not be made durable in {}: {e}",
                    self.path.display()
                ));
                return DynamoResponse::from_error(&e);
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("dynamo-persist-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[tokio::test]
    async fn writes_survive_a_reopen_and_a_torn_tail_is_cut() {
        let d = dir("reopen");
        let (p, r) = Persistent::open(&d).unwrap();
        assert_eq!(r, Recovered { writes: 0, cut: 0 });
        let table = r#"{"TableName":"tab","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}"#;
        let created = p.call("CreateTable", table.as_bytes()).await;
        assert_eq!(
            created.status,
            200,
            "{}",
            String::from_utf8_lossy(&created.body)
        );
        for i in 0..5 {
            let item =
                format!(r#"{{"TableName":"tab","Item":{{"k":{{"S":"k{i}"}},"n":{{"N":"{i}"}}}}}}"#);
            assert_eq!(p.call("PutItem", item.as_bytes()).await.status, 200);
        }
        let del = r#"{"TableName":"tab","Key":{"k":{"S":"k0"}}}"#;
        assert_eq!(p.call("DeleteItem", del.as_bytes()).await.status, 200);
        // A failed write is not logged.
        let bad = r#"{"TableName":"tab","Item":{"k":{"S":"k1"}},"ConditionExpression":"attribute_not_exists(k)"}"#;
        assert_eq!(p.call("PutItem", bad.as_bytes()).await.status, 400);
        drop(p);
        // A crash in the middle of a record: half of one more.
        let rec = encode(
            "PutItem",
            br#"{"TableName":"tab","Item":{"k":{"S":"torn"}}}"#,
        );
        let mut f = OpenOptions::new()
            .append(true)
            .open(d.join("writes.log"))
            .unwrap();
        f.write_all(&rec[..rec.len() / 2]).unwrap();
        drop(f);
        let (p, r) = Persistent::open(&d).unwrap();
        assert_eq!(r.writes, 7);
        assert_eq!(r.cut, (rec.len() / 2) as u64);
        let scan = p.call("Scan", br#"{"TableName":"tab"}"#).await.json_body();
        assert_eq!(scan["Count"], 4);
        // And the log goes on from the cut.
        let item = r#"{"TableName":"tab","Item":{"k":{"S":"k9"}}}"#;
        assert_eq!(p.call("PutItem", item.as_bytes()).await.status, 200);
        drop(p);
        let (p, r) = Persistent::open(&d).unwrap();
        assert_eq!(r, Recovered { writes: 8, cut: 0 });
        assert_eq!(
            p.call("Scan", br#"{"TableName":"tab"}"#).await.json_body()["Count"],
            5
        );
        let _ = std::fs::remove_dir_all(&d);
    }

    #[tokio::test]
    async fn a_replay_sees_ttl_expiry_as_the_writes_did() {
        let d = dir("ttl");
        let clock = crate::store::ManualClock::at(1_000.0);
        let (p, _) = Persistent::open_with_clock(&d, clock.clock()).unwrap();
        let table = r#"{"TableName":"tab","AttributeDefinitions":[{"AttributeName":"k","AttributeType":"S"}],"KeySchema":[{"AttributeName":"k","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}"#;
        assert_eq!(p.call("CreateTable", table.as_bytes()).await.status, 200);
        let ttl = r#"{"TableName":"tab","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"exp"}}"#;
        assert_eq!(p.call("UpdateTimeToLive", ttl.as_bytes()).await.status, 200);
        let put = r#"{"TableName":"tab","Item":{"k":{"S":"a"},"exp":{"N":"1010"}}}"#;
        assert_eq!(p.call("PutItem", put.as_bytes()).await.status, 200);
        // At 1005 the item is there, so an update that needs it succeeds.
        clock.set(1_005.0);
        let update = r#"{"TableName":"tab","Key":{"k":{"S":"a"}},"UpdateExpression":"SET n = :one","ConditionExpression":"attribute_exists(k)","ExpressionAttributeValues":{":one":{"N":"1"}}}"#;
        assert_eq!(p.call("UpdateItem", update.as_bytes()).await.status, 200);
        drop(p);
        // Replayed at 2000 (the item long expired), every write still succeeds as it did.
        clock.set(2_000.0);
        let (p, r) = Persistent::open_with_clock(&d, clock.clock()).unwrap();
        assert_eq!(r, Recovered { writes: 4, cut: 0 });
        let scan = p.call("Scan", br#"{"TableName":"tab"}"#).await.json_body();
        assert_eq!(scan["Count"], 0);
        let _ = std::fs::remove_dir_all(&d);
    }
}
