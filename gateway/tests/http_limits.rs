//! `gateway serve`'s HTTP limits, each over a raw TCP connection to 127.0.0.1 with short limits
//! given as flags: a client that stalls in its headers or its body is let go, connections past
//! the bound wait, a connection carries a bounded number of requests, and a client that writes an
//! oversized body before it reads still reads its 413.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::Server;

/// Read until the peer closes or `within` passes; returns what arrived and whether it closed.
fn read_until_close(s: &mut TcpStream, within: Duration) -> (String, bool) {
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let start = Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    while start.elapsed() < within {
        match s.read(&mut buf) {
            Ok(0) => return (String::from_utf8_lossy(&out).into_owned(), true),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), true),
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), false)
}

const GET_LIST: &[u8] = b"GET /?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

#[test]
fn a_client_stalling_in_its_headers_is_disconnected_after_the_header_timeout() {
    let server = Server::start(&["--header-timeout-ms", "300"]);
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: 127.").unwrap();
    let (_, closed) = read_until_close(&mut s, Duration::from_secs(5));
    assert!(
        closed,
        "a half-sent head kept its connection past 5 s with a 300 ms header timeout"
    );
    // An idle kept-alive connection is let go the same way, after its answer.
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(GET_LIST).unwrap();
    let (got, closed) = read_until_close(&mut s, Duration::from_secs(5));
    assert!(got.starts_with("HTTP/1.1 200"), "{got}");
    assert!(
        closed,
        "an idle keep-alive connection outlived the header timeout"
    );
    server.stop();
}

#[test]
fn a_client_stalling_in_its_body_gets_408_after_the_body_timeout() {
    let server = Server::start(&["--body-timeout-ms", "300"]);
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(
        b"POST /album HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"artist\":",
    )
    .unwrap();
    let (got, closed) = read_until_close(&mut s, Duration::from_secs(5));
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(got.ends_with(r#"{"message":"Request Timeout"}"#), "{got}");
    assert!(closed, "the connection stayed open after the 408");
    server.stop();
}

#[test]
fn connections_past_the_bound_wait_until_one_closes() {
    let server = Server::start(&["--max-connections", "1"]);
    let mut first = TcpStream::connect(&server.addr).unwrap();
    first.write_all(GET_LIST).unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = first.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    // The second connection is accepted by the kernel but not served while the first is open.
    let mut second = TcpStream::connect(&server.addr).unwrap();
    second.write_all(GET_LIST).unwrap();
    second
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let waited = second.read(&mut buf);
    assert!(
        matches!(&waited, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "the connection past the bound was served at once: {waited:?}"
    );
    drop(first);
    second
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let n = second.read(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    server.stop();
}

#[test]
fn a_connection_carries_at_most_the_bounded_number_of_requests() {
    let server = Server::start(&["--max-requests-per-connection", "2"]);
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(GET_LIST).unwrap();
    s.write_all(GET_LIST).unwrap();
    let (got, closed) = read_until_close(&mut s, Duration::from_secs(5));
    assert_eq!(got.matches("HTTP/1.1 200").count(), 2, "{got}");
    assert!(
        got.to_ascii_lowercase().contains("connection: close"),
        "{got}"
    );
    assert!(
        closed,
        "the connection stayed open after its last allowed request"
    );
    server.stop();
}

/// As Python's `http.client` does: the whole 11 MB body first, then read the answer.
#[test]
fn a_client_writing_an_oversized_body_before_reading_gets_the_413() {
    let server = Server::start(&[]);
    let mut s = TcpStream::connect(&server.addr).unwrap();
    let body = vec![b'a'; 11 * 1024 * 1024];
    let head = format!(
        "POST /album HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.set_write_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&body)
        .expect("the server stopped reading the body: the client sees a broken pipe");
    let (got, _) = read_until_close(&mut s, Duration::from_secs(10));
    assert!(got.starts_with("HTTP/1.1 413"), "{got}");
    assert!(got.ends_with(r#"{"message":"Request Too Long"}"#), "{got}");
    server.stop();
}
