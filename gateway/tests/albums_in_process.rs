//! The seed scenario against /work/main/openapi.yaml, in process with the embedded store.

use std::sync::Arc;

use gateway::{Gateway, Request};
use serde_json::{Value, json};

fn spec_path() -> String {
    format!("{}/../openapi.yaml", env!("CARGO_MANIFEST_DIR"))
}

async fn gateway() -> Gateway {
    let api = apidef::Api::load(spec_path()).expect("openapi.yaml loads");
    let gw = Gateway::new(api, Arc::new(dynamo::Embedded::new())).expect("gateway builds");
    gw.create_tables().await.expect("tables");
    gw
}

#[tokio::test]
async fn put_get_list_delete() {
    let gw = gateway().await;
    let album = json!({"artist": "Dream Theater", "album": "Images and Words",
        "tracks": [{"title": "Pull Me Under", "length": "8:14"}, {"title": "Another Day", "length": "4:23"}]});
    let r = gw.handle(Request::new("POST", "/album").json(&album)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(r.body.len(), 0);
    let rid = r
        .header("x-amzn-RequestId")
        .expect("request id")
        .to_string();
    assert_eq!(r.header("X-Request-Id"), Some(rid.as_str()));

    let r = gw
        .handle(Request::new("GET", "/Dream%20Theater/Images%20and%20Words"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), Some(album.clone()));
    assert_eq!(r.header("content-type"), Some("application/json"));

    // With the stage prefix too.
    let r = gw
        .handle(Request::new(
            "GET",
            "/prod/Dream%20Theater/Images%20and%20Words",
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());

    let r = gw.handle(Request::new("GET", "/")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), Some(json!([album.clone()])));
    assert!(r.header("X-Next-Cursor").is_none());

    let r = gw
        .handle(Request::new(
            "DELETE",
            "/Dream%20Theater/Images%20and%20Words",
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), Some(album.clone()));
    let r = gw
        .handle(Request::new(
            "DELETE",
            "/Dream%20Theater/Images%20and%20Words",
        ))
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(
        r.json(),
        Some(json!({"message": "Album not found", "type": "NotFound"}))
    );
    let r = gw
        .handle(Request::new("GET", "/Dream%20Theater/Images%20and%20Words"))
        .await;
    assert_eq!(r.status, 404);
    let _: Option<Value> = r.json();
}

#[tokio::test]
async fn http_request_and_response_conversions() {
    let gw = gateway().await;
    let req = http::Request::builder()
        .method("POST")
        .uri("/album")
        .header("Content-Type", "application/json")
        .body(bytes::Bytes::from_static(
            br#"{"artist":"Rush","album":"2112"}"#,
        ))
        .expect("request");
    let resp = gw.handle(req.into()).await.into_http();
    assert_eq!(resp.status(), 204);
    assert!(resp.headers().contains_key("x-request-id"));
    let resp = gw
        .handle(Request::new("GET", "/Rush/2112"))
        .await
        .into_http();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        serde_json::from_slice::<Value>(resp.body()).ok(),
        Some(json!({"artist": "Rush", "album": "2112"}))
    );
}

/// A DynamoDB that answers every call with one canned error.
struct Failing(u16, &'static str);

#[async_trait::async_trait]
impl dynamo::Dynamo for Failing {
    async fn call(&self, _action: &str, _body: &[u8]) -> dynamo::DynamoResponse {
        dynamo::DynamoResponse::new(self.0, self.1.as_bytes().to_vec())
    }
}

#[tokio::test]
async fn dynamodb_errors_map_to_the_documented_statuses() {
    let cases = [
        (
            400,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#,
            429,
            json!({"message": "Too many requests, retry later", "type": "ProvisionedThroughputExceededException"}),
        ),
        (
            400,
            r#"{"__type":"com.amazon.coral.validate#ValidationException","message":"It's \"bad\""}"#,
            400,
            json!({"message": "It's \"bad\"", "type": "ValidationException"}),
        ),
        (
            400,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no table"}"#,
            500,
            json!({"message": "Internal server error", "type": "ResourceNotFoundException"}),
        ),
        (
            500,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError"}"#,
            503,
            json!({"message": "DynamoDB is unavailable, retry later", "type": "ServiceUnavailable"}),
        ),
        (
            302,
            "",
            500,
            json!({"message": "Internal server error", "type": "UnexpectedIntegrationStatus"}),
        ),
    ];
    let api = apidef::Api::load(spec_path()).expect("openapi.yaml loads");
    for (status, body, want_status, want) in cases {
        let gw = Gateway::new(api.clone(), Arc::new(Failing(status, body))).expect("gateway");
        for req in [
            Request::new("POST", "/album").json(&json!({"artist": "a", "album": "b"})),
            Request::new("GET", "/a/b"),
            Request::new("DELETE", "/a/b"),
            Request::new("GET", "/?limit=5"),
        ] {
            let label = format!("{} {} <- {status}", req.method, req.target);
            let r = gw.handle(req).await;
            assert_eq!(r.status, want_status, "{label}: {}", r.text());
            assert_eq!(r.json(), Some(want.clone()), "{label}");
        }
    }
}

/// The cursor the list returns has the documented format (two padded base64url parts joined by
/// `.`), and an empty or malformed cursor is the documented 400, never a 500.
#[tokio::test]
async fn cursor_format_and_refusals() {
    let gw = gateway().await;
    for (artist, album) in [("A", "1"), ("Björk", "Homogenic/?+"), ("C", "3")] {
        let r = gw
            .handle(Request::new("POST", "/album").json(&json!({"artist": artist, "album": album})))
            .await;
        assert_eq!(r.status, 204, "{}", r.text());
    }
    let mut cursor = None;
    let mut seen = 0;
    loop {
        let target = match &cursor {
            None => "/?limit=1".to_string(),
            Some(c) => format!("/?limit=1&cursor={c}"),
        };
        let r = gw.handle(Request::new("GET", target)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        seen += r
            .json()
            .and_then(|v| v.as_array().map(Vec::len))
            .unwrap_or(0);
        let Some(next) = r.header("X-Next-Cursor") else {
            break;
        };
        let parts: Vec<&str> = next.split('.').collect();
        assert_eq!(parts.len(), 2, "{next}");
        for p in parts {
            assert!(!p.is_empty() && p.len() % 4 == 0, "{next}");
            let body = p.trim_end_matches('=');
            assert!(p.len() - body.len() <= 2, "{next}");
            assert!(
                body.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{next}"
            );
        }
        cursor = Some(next.to_string());
        assert!(seen <= 3, "paging does not end");
    }
    assert_eq!(seen, 3);

    let refused = json!({"message": "Invalid query string: limit must be an integer from 1 to 1000 and cursor the X-Next-Cursor value of a previous page", "type": "BAD_REQUEST_PARAMETERS"});
    for target in [
        "/?cursor=",
        "/?cursor",
        "/?limit=2&cursor=",
        "/?cursor=a.b",
        "/?cursor=QQ==",
        "/?cursor=QQ==.",
        "/?cursor=QQ==.QQ==.QQ==",
    ] {
        let r = gw.handle(Request::new("GET", target)).await;
        assert_eq!(r.status, 400, "{target}: {}", r.text());
        assert_eq!(r.json(), Some(refused.clone()), "{target}");
    }
}
