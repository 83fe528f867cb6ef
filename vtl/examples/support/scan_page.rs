//! The ~1 MB DynamoDB Scan page of album items that the VTL benchmarks render (shared by
//! `benches/render.rs` and `examples/scan_bench.rs`, which `scripts/bench` runs).

use std::fmt::Write as _;

/// A deterministic Scan page of about `target` bytes: albums with 10-18 tracks.
pub fn scan_page(target: usize) -> String {
    let mut items = String::new();
    let mut i = 0u64;
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    while items.len() < target {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        if i > 0 {
            items.push(',');
        }
        // 10-18 tracks: about 1.1 KB per album, so a 1 MB page stays under the 1000-iteration
        // #foreach limit, as a real 1 MB Scan page of such items does on AWS.
        let tracks = 10 + seed % 9;
        let _ = write!(
            items,
            r#"{{"Artist":{{"S":"Artist {}"}},"Album":{{"S":"Album number {} (live)"}}"#,
            seed % 500,
            i
        );
        if tracks > 0 {
            items.push_str(r#","Tracks":{"L":["#);
            for t in 0..tracks {
                if t > 0 {
                    items.push(',');
                }
                let _ = write!(
                    items,
                    r#"{{"M":{{"Title":{{"S":"Track {t} of album {i}"}},"Length":{{"S":"{}:{:02}"}}}}}}"#,
                    2 + (seed >> t) % 7,
                    (seed >> (t + 3)) % 60
                );
            }
            items.push_str("]}");
        }
        items.push('}');
        i += 1;
    }
    format!(r#"{{"Count":{i},"Items":[{items}],"ScannedCount":{i}}}"#)
}
