//! Hostile inputs over HTTP against openapi.yaml: every request gets the status and body AWS
//! would give (this API's gateway responses and templates), nothing panics or hangs, and the store
//! is unchanged after every rejected request (a full Scan through `--dynamodb-port` before and
//! after each).

mod common;

use std::time::Duration;

use common::{HttpResponse, Server, enc, raw, request};
use serde_json::{Value, json};

const NOT_FOUND_ROUTE: &str =
    r#"{"message":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN"}"#;
const BAD_BODY: &str = r#"{"message":"Invalid request body","type":"BAD_REQUEST_BODY"}"#;
const UNSUPPORTED: &str = r#"{"message":"Unsupported Media Type","type":"UNSUPPORTED_MEDIA_TYPE"}"#;
const BAD_QUERY: &str = r#"{"message":"Invalid query string: limit must be an integer from 1 to 1000 and cursor the X-Next-Cursor value of a previous page","type":"BAD_REQUEST_PARAMETERS"}"#;
const ALBUM_NOT_FOUND: &str = r#"{"message":"Album not found","type":"NotFound"}"#;

/// What a case expects.
enum Expect {
    /// Status and exact JSON body.
    Json(u16, &'static str),
    /// Status only (bodies HTTP itself produces, e.g. hyper's 431 for too many headers).
    Status(u16),
    /// A DynamoDB error mapped by the 4\d{2} template: 400 with this `type`.
    DynamoDb(&'static str),
    /// 200 and a JSON list (reads that are not rejected).
    List,
}

struct Case {
    name: String,
    bytes: Vec<u8>,
    expect: Expect,
}

fn req(method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut r = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut b = r.into_bytes();
    b.extend_from_slice(body);
    b
}

fn post_json(body: &[u8]) -> Vec<u8> {
    req(
        "POST",
        "/album",
        &[("Content-Type", "application/json")],
        body,
    )
}

const INJECTIONS: &[&str] = &[
    "\"}},\"TableName\":\"other\",\"x\":{\"S\":\"",
    "' OR '1'='1",
    "$input.body",
    "#set($context.responseOverride.status = 500)",
    "${TableName}",
    "\\\"\\u0000\\",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "%00%0d%0aX-Injected: 1",
    "🎸\u{202e}\u{0007}",
];

fn cases() -> Vec<Case> {
    let mut c = Vec::new();
    let mut add = |name: &str, bytes: Vec<u8>, expect: Expect| {
        c.push(Case {
            name: name.to_string(),
            bytes,
            expect,
        })
    };
    // Malformed JSON and wrong types on POST /album.
    for (name, body) in [
        ("truncated JSON", &b"{\"artist\":"[..]),
        ("JSON list", b"[]"),
        ("JSON string", b"\"album\""),
        ("JSON null", b"null"),
        ("JSON number", b"42"),
        ("NaN", b"{\"artist\":NaN,\"album\":\"x\"}"),
        ("artist is a number", b"{\"artist\":1,\"album\":\"x\"}"),
        ("album missing", b"{\"artist\":\"x\"}"),
        ("album null", b"{\"artist\":\"x\",\"album\":null}"),
        (
            "tracks not a list",
            b"{\"artist\":\"x\",\"album\":\"y\",\"tracks\":\"t\"}",
        ),
        (
            "track without title",
            b"{\"artist\":\"x\",\"album\":\"y\",\"tracks\":[{\"length\":\"1:00\"}]}",
        ),
        (
            "track null",
            b"{\"artist\":\"x\",\"album\":\"y\",\"tracks\":[null]}",
        ),
        (
            "extra property",
            b"{\"artist\":\"x\",\"album\":\"y\",\"TableName\":\"other\"}",
        ),
        ("empty artist", b"{\"artist\":\"\",\"album\":\"y\"}"),
        ("empty body", b""),
        ("whitespace body", b"   \n"),
        (
            "invalid UTF-8",
            b"{\"artist\":\"\xff\xfe\",\"album\":\"y\"}",
        ),
        ("BOM", b"\xef\xbb\xbf{\"artist\":\"x\",\"album\":\"y\"}"),
        (
            "trailing garbage",
            b"{\"artist\":\"x\",\"album\":\"y\"} trailing",
        ),
        ("comment", b"{\"artist\":\"x\",/*c*/\"album\":\"y\"}"),
        ("single quotes", b"{'artist':'x','album':'y'}"),
    ] {
        add(name, post_json(body), Expect::Json(400, BAD_BODY));
    }
    add(
        "artist 257 chars",
        post_json(
            json!({"artist": "a".repeat(257), "album": "y"})
                .to_string()
                .as_bytes(),
        ),
        Expect::Json(400, BAD_BODY),
    );
    add(
        "101 tracks",
        post_json(
            json!({"artist": "x", "album": "y", "tracks": vec![json!({"title": "t"}); 101]})
                .to_string()
                .as_bytes(),
        ),
        Expect::Json(400, BAD_BODY),
    );
    add("length 33 chars", post_json(json!({"artist": "x", "album": "y", "tracks": [{"title": "t", "length": "1".repeat(33)}]}).to_string().as_bytes()), Expect::Json(400, BAD_BODY));
    add(
        "nesting 100000 deep",
        post_json(&[b"[".repeat(100_000), b"]".repeat(100_000)].concat()),
        Expect::Json(400, BAD_BODY),
    );
    for inj in INJECTIONS {
        // Each injection string in a wrong-typed or extra field is rejected by the model.
        add(
            &format!("injection as extra field {inj:?}"),
            post_json(
                json!({"artist": "x", "album": "y", inj.to_string(): inj})
                    .to_string()
                    .as_bytes(),
            ),
            Expect::Json(400, BAD_BODY),
        );
    }
    // Missing or wrong Content-Type.
    let valid = json!({"artist": "x", "album": "y"}).to_string();
    for ct in [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        ";;;",
        "application/json-patch+json",
        "*/*",
    ] {
        add(
            &format!("Content-Type {ct}"),
            req("POST", "/album", &[("Content-Type", ct)], valid.as_bytes()),
            Expect::Json(415, UNSUPPORTED),
        );
    }
    add(
        "no Content-Type, invalid body",
        req("POST", "/album", &[], b"{"),
        Expect::Json(400, BAD_BODY),
    );
    // Oversized body, declared and streamed.
    add(
        // Declared only: the gateway answers from Content-Length without reading the body
        // (sending the 11 MB too would turn the close after the early answer into a TCP reset
        // that can swallow it; the in-process tests cover bodies actually over the limit).
        "Content-Length of 11 MB",
        b"POST /album HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 11534336\r\n\r\n".to_vec(),
        Expect::Json(413, r#"{"message":"Request Too Long"}"#),
    );
    // Query parameters of GET /.
    for q in [
        "limit=0",
        "limit=-1",
        "limit=abc",
        "limit=1001",
        "limit=1e3",
        "limit=%00",
        "limit=1%20",
        "limit=5&limit=abc",
        "limit=99999999999999999999",
        "cursor=garbage",
        "cursor=%ZZ",
        "cursor=a.b",
        "cursor=%22%7D%7D%2C%22TableName%22%3A%22other",
        "cursor=AAAA",
        "cursor=AAAA..AAAA",
        "limit=2&cursor=$input.body",
    ] {
        add(
            &format!("GET /?{q}"),
            req("GET", &format!("/?{q}"), &[], b""),
            Expect::Json(400, BAD_QUERY),
        );
    }
    for inj in INJECTIONS {
        add(
            &format!("cursor injection {inj:?}"),
            req("GET", &format!("/?cursor={}", enc(inj)), &[], b""),
            Expect::Json(400, BAD_QUERY),
        );
        add(
            &format!("limit injection {inj:?}"),
            req("GET", &format!("/?limit={}", enc(inj)), &[], b""),
            Expect::Json(400, BAD_QUERY),
        );
    }
    add(
        "empty limit is no limit",
        req("GET", "/?limit=", &[], b""),
        Expect::List,
    );
    add(
        "stage prefix",
        req("GET", "/prod?limit=1", &[], b""),
        Expect::List,
    );
    // Path parameters: injection, bad percent-encoding, invalid UTF-8.
    for inj in INJECTIONS {
        for m in ["GET", "DELETE"] {
            add(
                &format!("{m} path injection {inj:?}"),
                req(m, &format!("/{}/{}", enc(inj), enc(inj)), &[], b""),
                Expect::Json(404, ALBUM_NOT_FOUND),
            );
        }
    }
    add(
        "bad percent-encoding",
        req("GET", "/%ZZ/%4", &[], b""),
        Expect::Json(404, ALBUM_NOT_FOUND),
    );
    add(
        "invalid UTF-8 in path",
        req("GET", "/%FF%FE/%C0%AF", &[], b""),
        Expect::Json(404, ALBUM_NOT_FOUND),
    );
    add(
        "raw invalid UTF-8 in query",
        {
            let mut b = b"GET /a/b?x=".to_vec();
            b.extend_from_slice(b"\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            b
        },
        Expect::Status(400),
    );
    add(
        "path param named in the query",
        req("DELETE", "/a/b?artist=x&album=y", &[], b""),
        Expect::Json(404, ALBUM_NOT_FOUND),
    );
    add(
        "GET with a body",
        req(
            "GET",
            "/a/b",
            &[("Content-Type", "application/json")],
            b"{\"Key\":1}",
        ),
        Expect::Json(404, ALBUM_NOT_FOUND),
    );
    add(
        "hash key over 2048 bytes",
        req("GET", &format!("/{}/x", "k".repeat(3000)), &[], b""),
        Expect::DynamoDb("ValidationException"),
    );
    // Unknown routes and methods.
    for (m, t) in [
        ("GET", "/album"),
        ("PUT", "/album"),
        ("PATCH", "/album"),
        ("DELETE", "/"),
        ("POST", "/"),
        ("OPTIONS", "/"),
        ("GET", "/a/b/c"),
        ("GET", "//x"),
        ("GET", "/album/x/y"),
        ("BREW", "/"),
        ("GET", "/.."),
        ("TRACE", "/a/b"),
    ] {
        add(
            &format!("{m} {t}"),
            req(m, t, &[], b""),
            Expect::Json(403, NOT_FOUND_ROUTE),
        );
    }
    add("HEAD /", req("HEAD", "/", &[], b""), Expect::Status(403));
    // Very long paths and headers.
    add(
        "path of 12000 bytes",
        req("GET", &format!("/{}", "p".repeat(12_000)), &[], b""),
        Expect::Json(431, r#"{"message":"Request Header Fields Too Large"}"#),
    );
    add(
        "header of 11000 bytes",
        req("GET", "/", &[("X-Long", &"h".repeat(11_000))], b""),
        Expect::Json(431, r#"{"message":"Request Header Fields Too Large"}"#),
    );
    let many: Vec<(String, String)> = (0..150)
        .map(|i| (format!("X-H{i}"), "v".to_string()))
        .collect();
    let many_refs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    add(
        "150 headers",
        req("GET", "/", &many_refs, b""),
        Expect::Status(431),
    );
    add(
        "injection in headers",
        req(
            "GET",
            "/a/b",
            &[
                ("X-Amzn-Trace-Id", "\"},{\"x\":1"),
                ("User-Agent", "$input.body"),
                ("Accept", "*/*; q=${x}"),
            ],
            b"",
        ),
        Expect::Json(404, ALBUM_NOT_FOUND),
    );
    c
}

async fn scan(dynamodb: &str) -> Vec<String> {
    let r = request(
        dynamodb,
        "POST",
        "/",
        &[
            ("X-Amz-Target", "DynamoDB_20120810.Scan"),
            ("Content-Type", "application/x-amz-json-1.0"),
        ],
        br#"{"TableName":"albums","ConsistentRead":true}"#,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v: Value = r.json();
    assert!(
        v.get("LastEvaluatedKey").is_none(),
        "store fits one Scan page"
    );
    let mut items: Vec<String> = v["Items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(Value::to_string)
        .collect();
    items.sort();
    items
}

fn check(case: &Case, r: &HttpResponse) {
    match &case.expect {
        Expect::Json(status, body) => {
            assert_eq!(r.status, *status, "{}: {}", case.name, r.text());
            let want: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            let got: Value = serde_json::from_slice(&r.body)
                .unwrap_or_else(|_| panic!("{}: not JSON: {:?}", case.name, r.text()));
            assert_eq!(got, want, "{}", case.name);
        }
        Expect::Status(status) => assert_eq!(r.status, *status, "{}: {}", case.name, r.text()),
        Expect::DynamoDb(t) => {
            assert_eq!(r.status, 400, "{}: {}", case.name, r.text());
            assert_eq!(r.json()["type"], *t, "{}", case.name);
        }
        Expect::List => {
            assert_eq!(r.status, 200, "{}: {}", case.name, r.text());
            assert!(r.json().is_array(), "{}", case.name);
        }
    }
}

#[tokio::test]
async fn hostile_inputs_get_aws_answers_and_change_nothing() {
    let server = Server::start(&["--dynamodb-port", "0", "--access-log", "/dev/null"]);
    let ddb = server
        .dynamodb_addr
        .clone()
        .expect("dynamodb endpoint printed");
    // Some data to protect.
    for a in [
        json!({"artist": "Rush", "album": "2112"}),
        json!({"artist": "Snarky Puppy", "album": "Culcha Vulcha", "tracks": [{"title": "Tarova"}]}),
    ] {
        let r = request(
            &server.addr,
            "POST",
            "/album",
            &[("Content-Type", "application/json")],
            a.to_string().as_bytes(),
        )
        .await;
        assert_eq!(r.status, 204);
    }
    let before = scan(&ddb).await;
    assert_eq!(before.len(), 2);
    let cases = cases();
    assert!(cases.len() >= 50, "{} cases", cases.len());
    for case in &cases {
        eprintln!("case: {}", case.name);
        let r = tokio::time::timeout(Duration::from_secs(60), raw(&server.addr, &case.bytes))
            .await
            .unwrap_or_else(|_| panic!("{}: no answer (hang)", case.name));
        check(case, &r);
        assert_eq!(scan(&ddb).await, before, "{}: the store changed", case.name);
    }
    // Injection strings as values are stored and read back byte for byte, never interpreted.
    for inj in INJECTIONS {
        let a = json!({"artist": inj, "album": inj, "tracks": [{"title": inj, "length": "1:00"}]});
        let r = request(
            &server.addr,
            "POST",
            "/album",
            &[("Content-Type", "application/json")],
            a.to_string().as_bytes(),
        )
        .await;
        assert_eq!(r.status, 204, "{inj:?}: {}", r.text());
        let path = format!("/{}/{}", enc(inj), enc(inj));
        let r = request(&server.addr, "GET", &path, &[], b"").await;
        assert_eq!(r.status, 200, "{inj:?}");
        assert_eq!(r.json(), a, "{inj:?}");
        let r = request(&server.addr, "DELETE", &path, &[], b"").await;
        assert_eq!(r.json(), a, "{inj:?}");
    }
    assert_eq!(scan(&ddb).await, before);
    // Still serving, and stops cleanly.
    let r = request(&server.addr, "GET", "/", &[], b"").await;
    assert_eq!(r.status, 200);
    assert!(server.stop().success());
}
