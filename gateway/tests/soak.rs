//! The short version of the mixed soak (the long one is `scripts/soak`): two `gateway serve`
//! processes (the albums API and the orders example) driven at 16 connections by the workload of
//! `support/soak.rs`, every answer checked against the model of what must be stored, then a full
//! paged list compared with the union of the models.
//!
//! The runs are bounded by operation count with a fixed seed, not by time, so what they assert
//! does not depend on the machine's speed.

mod common;
#[path = "support/soak.rs"]
mod soak;

use common::Server;
use serde_json::json;

fn orders_spec() -> String {
    format!(
        "{}/../examples/orders/openapi.yaml",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// The albums and the orders gateways, each with `extra` arguments.
fn start_pair(albums_extra: &[&str], orders_extra: &[&str]) -> (Server, Server) {
    let quiet = ["--access-log", "/dev/null"];
    let albums = Server::start(&[&quiet[..], albums_extra].concat());
    let orders = Server::start_spec(&orders_spec(), &[&quiet[..], orders_extra].concat());
    (albums, orders)
}

fn short_config(albums: &Server, orders: &Server) -> soak::Config {
    let mut cfg = soak::Config::new(
        &format!("http://{}", albums.addr),
        &format!("http://{}", orders.addr),
    );
    cfg.connections = 16;
    cfg.duration = None;
    cfg.ops_per_worker = Some(600);
    cfg.slots = 12;
    // Fixed: the same mix on every run (the prefix still makes the keys unique).
    cfg.seed = 16;
    cfg.watch = vec![
        ("albums".into(), albums.pid()),
        ("orders".into(), orders.pid()),
    ];
    cfg.sample_every = std::time::Duration::from_millis(250);
    cfg
}

/// Zero errors, zero lost, zero phantom; and the run was not vacuous: every kind of request ran
/// on both APIs, both branches of the model (stored, not stored) were taken, and the final check
/// compared items.
fn assert_clean(report: &soak::Report) {
    println!("{report}");
    assert!(report.clean(), "the soak found problems:\n{report}");
    for (api, stats, check) in [
        ("albums", &report.load.album_stats, &report.albums),
        ("orders", &report.load.order_stats, &report.orders),
    ] {
        for kind in soak::KINDS {
            assert!(
                stats.count(kind) > 0,
                "{api}: no {} request ran:\n{report}",
                kind.name()
            );
        }
        assert!(stats.absent > 0, "{api}: no not-found answer:\n{report}");
        assert!(
            check.expected > 0,
            "{api}: nothing stored at the end:\n{report}"
        );
        assert_eq!(check.listed, check.expected, "{api}:\n{report}");
    }
    for s in &report.load.rss {
        assert!(!s.samples.is_empty(), "no VmRSS sample of {}", s.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_soak_on_the_embedded_store_loses_nothing() {
    let (albums, orders) = start_pair(&[], &[]);
    let cfg = short_config(&albums, &orders);
    let report = soak::run(&cfg).await;
    assert_clean(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs dynalite: run scripts/test-all"]
async fn mixed_soak_on_dynalite_loses_nothing() {
    let endpoint = std::env::var("DYNALITE_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "DYNALITE_ENDPOINT is not set: this test needs a running dynalite \
             (scripts/test-all starts one and sets it)"
        )
    });
    // Tables of their own, so that runs sharing one dynalite never see each other's items.
    let nonce = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default()
    );
    let albums_table = format!("TableName=soak-albums-{nonce}");
    let orders_table = format!("OrdersTableName=soak-orders-{nonce}");
    let (albums, orders) = start_pair(
        &["--dynamodb-endpoint", &endpoint, "--param", &albums_table],
        &["--dynamodb-endpoint", &endpoint, "--param", &orders_table],
    );
    let cfg = short_config(&albums, &orders);
    let report = soak::run(&cfg).await;
    assert_clean(&report);
}

/// The final check itself: items removed, changed and added behind the models' back are found
/// as exactly that many lost, wrong and phantom items on each API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_final_check_finds_lost_wrong_and_phantom_items() {
    let (albums, orders) = start_pair(&[], &[]);
    let mut cfg = short_config(&albums, &orders);
    cfg.connections = 4;
    cfg.ops_per_worker = Some(80);
    let mut load = soak::load(&cfg).await;
    assert_eq!(
        load.album_stats.errors + load.order_stats.errors,
        0,
        "the load itself failed"
    );

    // Albums: delete one stored album, overwrite another, store one of no worker.
    let stored: Vec<(String, usize)> = load
        .albums
        .iter()
        .flat_map(|m| {
            m.slots
                .iter()
                .enumerate()
                .filter(|(_, slot)| matches!(slot, soak::Slot::Present(_)))
                .map(|(s, _)| (m.artist.clone(), s))
        })
        .collect();
    assert!(stored.len() >= 2, "the load stored fewer than 2 albums");
    let (artist, slot) = &stored[0];
    let r = common::request(
        &albums.addr,
        "DELETE",
        &soak::album_path(artist, *slot),
        &[],
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let (artist, slot) = &stored[1];
    let changed = json!({"artist": artist, "album": soak::Config::album_title(*slot), "tracks": [{"title": "not in the model"}]});
    let phantom = json!({"artist": format!("{} phantom", cfg.prefix), "album": "nobody's"});
    for body in [changed, phantom] {
        let r = common::request(
            &albums.addr,
            "POST",
            "/album",
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
        .await;
        assert_eq!(r.status, 204, "{}", r.text());
    }

    // Orders: delete one stored order, change another, create one no slot names.
    let stored: Vec<(String, usize)> = load
        .orders
        .iter()
        .flat_map(|m| {
            m.slots
                .iter()
                .enumerate()
                .filter(|(_, slot)| matches!(slot, soak::Slot::Present(_)))
                .map(|(s, _)| (m.customer.clone(), s))
        })
        .collect();
    assert!(stored.len() >= 2, "the load stored fewer than 2 orders");
    let (customer, slot) = &stored[0];
    let r = common::request(
        &orders.addr,
        "DELETE",
        &soak::order_path(customer, *slot),
        &[],
        b"",
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let (customer, slot) = &stored[1];
    let r = common::request(
        &orders.addr,
        "PATCH",
        &soak::order_path(customer, *slot),
        &[("Content-Type", "application/json")],
        br#"{"addQuantity": 1}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = common::request(
        &orders.addr,
        "PUT",
        &format!("/customers/{}/orders/phantom", common::enc(customer)),
        &[("Content-Type", "application/json")],
        br#"{"status": "pending", "total": 1, "quantity": 1, "gift": false}"#,
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());

    let (a, o) = soak::verify(&cfg, &mut load).await;
    assert_eq!((a.lost, a.wrong, a.phantom), (1, 1, 1), "albums: {a:?}");
    assert_eq!((o.lost, o.wrong, o.phantom), (1, 1, 1), "orders: {o:?}");
}
