//! Property: no request can make the gateway panic or hang, every answer is one this API
//! documents, and a rejected request never changes the store.

use std::sync::Arc;

use gateway::{Gateway, Request};
use proptest::prelude::*;

fn api() -> apidef::Api {
    static API: std::sync::OnceLock<apidef::Api> = std::sync::OnceLock::new();
    API.get_or_init(|| {
        apidef::Api::load(format!("{}/../openapi.yaml", env!("CARGO_MANIFEST_DIR")))
            .expect("openapi.yaml loads")
    })
    .clone()
}

async fn scan(d: &Arc<dynamo::Embedded>) -> Vec<u8> {
    use dynamo::Dynamo;
    d.call("Scan", br#"{"TableName":"albums","ConsistentRead":true}"#)
        .await
        .body
}

fn target() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/album".to_string()),
        Just("/".to_string()),
        "/[a-zA-Z0-9%' \"$#{}().-]{0,12}/[a-zA-Z0-9%' \"$#{}().-]{0,12}",
        "/\\?(limit|cursor)=[a-zA-Z0-9%._=-]{0,20}",
        "[/a-z%?&=.]{0,30}",
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(Vec::new()),
        proptest::collection::vec(any::<u8>(), 0..64),
        "\\{\"artist\":\"[a-z\"\\\\]{0,5}\",\"album\":\"[a-z]{0,5}\"(,\"tracks\":\\[\\{\"title\":\"[a-z]{0,3}\"\\}\\])?\\}"
            .prop_map(String::into_bytes),
        "[\\[\\]{}\":,a-z0-9 ]{0,40}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
    #[test]
    fn any_request_gets_a_documented_answer(
        method in prop_oneof![Just("GET".to_string()), Just("POST".to_string()), Just("DELETE".to_string()), Just("PUT".to_string()), "[A-Z]{1,7}"],
        target in target(),
        content_type in prop_oneof![Just(None), Just(Some("application/json".to_string())), "[a-z/;= -]{0,20}".prop_map(Some)],
        body in body(),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let store = Arc::new(dynamo::Embedded::new());
            let gw = Gateway::new(api(), store.clone()).expect("gateway");
            gw.create_tables().await.expect("tables");
            let seed = Request::new("POST", "/album").json(&serde_json::json!({"artist": "a", "album": "b"}));
            assert_eq!(gw.handle(seed).await.status, 204);
            let before = scan(&store).await;
            let mut req = Request::new(method.clone(), target.clone()).body(body);
            if let Some(ct) = content_type {
                req = req.header("Content-Type", ct);
            }
            let resp = gw.handle(req).await;
            assert!([200, 204, 400, 403, 404, 413, 415, 431].contains(&resp.status), "{} {target}: {} {}", method, resp.status, resp.text());
            if resp.status != 204 && resp.status != 200 {
                assert_eq!(scan(&store).await, before, "rejected request changed the store");
            }
            if resp.status >= 400 && resp.status != 431 && resp.status != 413 {
                let v = resp.json().expect("error bodies are JSON");
                assert!(v["message"].is_string() && v["type"].is_string(), "{v}");
            }
        });
    }
}
