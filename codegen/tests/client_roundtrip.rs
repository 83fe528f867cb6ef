//! The generated client against the local gateway over real HTTP: `gateway::server::serve` on a
//! 127.0.0.1 listener (port 0) over a fresh embedded store. Every operation, path parameters
//! with `/`, `%`, `+`, spaces and non-ASCII, and the pager over several pages.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dynamo::Dynamo;
use generated::client::{
    DeleteAlbumResponse, GetAlbumResponse, ListAlbumsResponse, PutAlbumResponse,
};
use generated::models::{Album, Track};
use generated::{Client, Error};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A gateway for openapi.yaml on 127.0.0.1:0; the client's base URL includes the stage, as an
/// invoke URL does. The server stops when the test's runtime ends.
async fn serve() -> Client {
    let api = apidef::Api::load(root().join("openapi.yaml")).expect("openapi.yaml loads");
    let store = Arc::new(dynamo::Embedded::new());
    for table in api.tables.values() {
        let r = store
            .call(
                "CreateTable",
                table.create_table_request().to_string().as_bytes(),
            )
            .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    }
    let gateway = gateway::Gateway::builder(api, store)
        .access_log(Arc::new(|_: &str| {}))
        .build()
        .expect("gateway builds");
    let stage = gateway.stage().to_string();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(gateway::server::serve(
        listener,
        gateway,
        std::future::pending(),
    ));
    Client::new(format!("http://{addr}/{stage}/"))
}

fn album(artist: &str, title: &str, tracks: Option<Vec<Track>>) -> Album {
    Album {
        artist: artist.to_string(),
        album: title.to_string(),
        tracks,
    }
}

#[tokio::test]
async fn every_operation_round_trips_with_hostile_path_parameters() {
    let client = serve().await;
    let names = [
        ("AC/DC", "Back in Black"),
        ("100% Pure", "a+b = c"),
        ("Sigur Rós", "Ágætis byrjun"),
        ("  spaced  ", "%2F already encoded %41"),
        ("坂本龍一", "戦場のメリークリスマス 🎹"),
        ("quote \" back \\ slash", "it's ?query#frag&x=1"),
        (".", ".."),
    ];
    for (artist, title) in names {
        let a = album(
            artist,
            title,
            Some(vec![
                Track {
                    title: "One".into(),
                    length: Some("1:00".into()),
                },
                Track {
                    title: "Two".into(),
                    length: None,
                },
            ]),
        );
        match client.put_album(&a).await.expect("put") {
            PutAlbumResponse::NoContent { x_request_id } => {
                assert!(x_request_id.is_some_and(|id| !id.is_empty()));
            }
            other => panic!("put {artist:?}/{title:?}: {other:?}"),
        }
        match client.get_album(artist, title).await.expect("get") {
            GetAlbumResponse::Ok { body } => assert_eq!(body, a, "{artist:?}/{title:?}"),
            other => panic!("get {artist:?}/{title:?}: {other:?}"),
        }
        match client.delete_album(artist, title).await.expect("delete") {
            DeleteAlbumResponse::Ok { body } => assert_eq!(body, a),
            other => panic!("delete {artist:?}/{title:?}: {other:?}"),
        }
        match client.delete_album(artist, title).await.expect("delete") {
            DeleteAlbumResponse::NotFound { body } => {
                assert_eq!(body.r#type.as_deref(), Some("NotFound"));
            }
            other => panic!("second delete {artist:?}/{title:?}: {other:?}"),
        }
        match client.get_album(artist, title).await.expect("get") {
            GetAlbumResponse::NotFound { .. } => {}
            other => panic!("get after delete {artist:?}/{title:?}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn documented_errors_are_typed() {
    let client = serve().await;
    // An empty artist breaks minLength: the validator answers 400 with the Error shape.
    match client.put_album(&album("", "x", None)).await.expect("put") {
        PutAlbumResponse::BadRequest { body } => {
            assert_eq!(body.r#type.as_deref(), Some("BAD_REQUEST_BODY"));
        }
        other => panic!("{other:?}"),
    }
    match client.list_albums(Some(0), None).await.expect("list") {
        ListAlbumsResponse::BadRequest { body } => assert!(!body.message.is_empty()),
        other => panic!("{other:?}"),
    }
    match client
        .list_albums(None, Some("not a cursor"))
        .await
        .expect("list")
    {
        ListAlbumsResponse::BadRequest { .. } => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        client
            .list_albums(Some(0), None)
            .await
            .map(|r| r.status())
            .ok(),
        Some(400)
    );
}

#[tokio::test]
async fn the_pager_follows_the_cursor_to_the_end() {
    let client = serve().await;
    let mut stored = Vec::new();
    for i in 0..23 {
        let a = album(
            &format!("Artist {}/{}", i % 4, i),
            &format!("Album +{i}%"),
            None,
        );
        match client.put_album(&a).await.expect("put") {
            PutAlbumResponse::NoContent { .. } => stored.push(a),
            other => panic!("{other:?}"),
        }
    }
    // One page of 5 carries a cursor; the pager walks all 5 pages.
    match client.list_albums(Some(5), None).await.expect("list") {
        ListAlbumsResponse::Ok {
            body,
            x_next_cursor,
        } => {
            assert_eq!(body.0.len(), 5);
            assert!(x_next_cursor.is_some());
        }
        other => panic!("{other:?}"),
    }
    for limit in [Some(5), Some(1), Some(23), Some(1000), None] {
        let mut all = client.list_albums_all(limit).await.expect("pager");
        let key = |a: &Album| (a.artist.clone(), a.album.clone());
        all.sort_by_key(key);
        let mut expected = stored.clone();
        expected.sort_by_key(key);
        assert_eq!(all, expected, "limit {limit:?}");
    }
    // A page that is an error ends the pager with that status.
    match client.list_albums_all(Some(0)).await {
        Err(Error::Page { status: 400, .. }) => {}
        other => panic!("{other:?}"),
    }
}

/// `https://` goes through TLS: against the plain-HTTP gateway the handshake fails (a
/// transport error), where a cleartext request would have been answered.
#[tokio::test]
async fn https_speaks_tls_and_other_schemes_are_refused() {
    let plain = serve().await;
    let https = Client::new(plain.base_url().replacen("http://", "https://", 1));
    match https.get_album("a", "b").await {
        Err(Error::Transport(message)) => assert!(!message.is_empty()),
        other => panic!("{other:?}"),
    }
    let ftp = Client::new("ftp://127.0.0.1/prod");
    match ftp.get_album("a", "b").await {
        Err(Error::InvalidUrl { message, .. }) => assert!(message.contains("scheme")),
        other => panic!("{other:?}"),
    }
}
