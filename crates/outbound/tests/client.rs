//! The guarded client against small axum servers on 127.0.0.1.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use outbound::{AllowList, GuardedClient, OutboundError, Request};
use secrecy::SecretString;
use url::Url;

fn init() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

async fn serve(router: Router) -> SocketAddr {
    init();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// A server that counts its requests and answers "hello" (and echoes on /echo).
async fn counting_server() -> (SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let router = Router::new()
        .route(
            "/",
            get(|State(h): State<Arc<AtomicUsize>>| async move {
                h.fetch_add(1, Ordering::SeqCst);
                "hello"
            }),
        )
        .route(
            "/echo",
            any(|State(h): State<Arc<AtomicUsize>>, m: Method, hd: HeaderMap, b: Bytes| async move {
                h.fetch_add(1, Ordering::SeqCst);
                echo(m, hd, b)
            }),
        )
        .with_state(hits.clone());
    (serve(router).await, hits)
}

/// "METHOD|authorization|cookie|depth|body".
fn echo(method: Method, headers: HeaderMap, body: Bytes) -> String {
    let h =
        |n: header::HeaderName| headers.get(n).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_else(|| "-".into());
    format!(
        "{method}|{}|{}|{}|{}",
        h(header::AUTHORIZATION),
        h(header::COOKIE),
        h(header::HeaderName::from_static("depth")),
        String::from_utf8_lossy(&body)
    )
}

/// The port in the request's Host header.
fn port_of(headers: &HeaderMap) -> u16 {
    let host = headers[header::HOST].to_str().unwrap();
    host.rsplit_once(':').unwrap().1.parse().unwrap()
}

fn redirect(status: StatusCode, location: String) -> Response {
    (status, [(header::LOCATION, location)]).into_response()
}

fn client(allow: &str) -> GuardedClient {
    GuardedClient::new(allow.parse::<AllowList>().unwrap(), "outbound-test")
}

fn url(s: &str) -> Url {
    s.parse().unwrap()
}

fn text(r: &outbound::Response) -> &str {
    std::str::from_utf8(&r.body).unwrap()
}

#[tokio::test]
async fn refused_without_allow_list() {
    let (addr, hits) = counting_server().await;
    let c = GuardedClient::new(AllowList::none(), "outbound-test");
    let port = addr.port();
    for u in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://localhost:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://127.1:{port}/"),
        format!("http://2130706433:{port}/"),
    ] {
        let err = c.send(Request::get(url(&u))).await.unwrap_err();
        assert!(matches!(err, OutboundError::NotAllowed), "{u}: {err:?}");
        let err = c.check_url(&url(&u)).await.unwrap_err();
        assert!(matches!(err, OutboundError::NotAllowed), "{u}: {err:?}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn allowed_by_ip_entry_with_or_without_port() {
    let (addr, hits) = counting_server().await;
    let (other, other_hits) = counting_server().await;
    let target = url(&format!("http://127.0.0.1:{}/", addr.port()));

    let r = client("127.0.0.1").send(Request::get(target.clone())).await.unwrap();
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(text(&r), "hello");
    assert_eq!(r.url, target);

    let c = client(&format!("127.0.0.1:{}", addr.port()));
    c.check_url(&target).await.unwrap();
    let r = c.send(Request::get(target)).await.unwrap();
    assert_eq!(text(&r), "hello");
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    let elsewhere = url(&format!("http://127.0.0.1:{}/", other.port()));
    let err = c.send(Request::get(elsewhere.clone())).await.unwrap_err();
    assert!(matches!(err, OutboundError::NotAllowed), "{err:?}");
    assert!(matches!(c.check_url(&elsewhere).await, Err(OutboundError::NotAllowed)));
    assert_eq!(other_hits.load(Ordering::SeqCst), 0);

    // The entry names the address, not the name that resolves to it.
    let by_name = url(&format!("http://localhost:{}/", addr.port()));
    let err = c.send(Request::get(by_name)).await.unwrap_err();
    assert!(matches!(err, OutboundError::NotAllowed), "{err:?}");
}

#[tokio::test]
async fn localhost_goes_through_the_resolver() {
    let (addr, hits) = counting_server().await;
    let (other, _) = counting_server().await;
    let target = url(&format!("http://LocalHost:{}/", addr.port()));

    let c = client("localhost");
    c.check_url(&target).await.unwrap();
    let r = c.send(Request::get(target.clone())).await.unwrap();
    assert_eq!(text(&r), "hello");

    let c = client(&format!("localhost:{}", addr.port()));
    assert_eq!(text(&c.send(Request::get(target.clone())).await.unwrap()), "hello");
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    let c = client(&format!("localhost:{}", other.port()));
    let err = c.send(Request::get(target.clone())).await.unwrap_err();
    assert!(matches!(err, OutboundError::NotAllowed), "{err:?}");
    assert!(matches!(c.check_url(&target).await, Err(OutboundError::NotAllowed)));
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn redirect_to_a_target_not_allowed_is_refused() {
    let (b, b_hits) = counting_server().await;
    let bp = b.port();
    let router = Router::new()
        .route("/to-ip", get(move || async move { redirect(StatusCode::FOUND, format!("http://127.0.0.1:{bp}/")) }))
        .route("/to-name", get(move || async move { redirect(StatusCode::FOUND, format!("http://localhost:{bp}/")) }))
        .route(
            "/to-mapped",
            get(move || async move { redirect(StatusCode::FOUND, format!("http://[::ffff:7f00:1]:{bp}/")) }),
        )
        .route("/to-ftp", get(|| async { redirect(StatusCode::FOUND, "ftp://127.0.0.1/x".into()) }))
        .route(
            "/to-userinfo",
            get(move || async move { redirect(StatusCode::FOUND, format!("http://u:p@127.0.0.1:{bp}/")) }),
        );
    let a = serve(router).await;
    let c = client(&format!("127.0.0.1:{},localhost:{}", a.port(), a.port()));
    for path in ["to-ip", "to-name", "to-mapped"] {
        let err = c.send(Request::get(url(&format!("http://127.0.0.1:{}/{path}", a.port())))).await.unwrap_err();
        assert!(matches!(err, OutboundError::NotAllowed), "{path}: {err:?}");
    }
    for path in ["to-ftp", "to-userinfo"] {
        let err = c.send(Request::get(url(&format!("http://127.0.0.1:{}/{path}", a.port())))).await.unwrap_err();
        assert!(matches!(err, OutboundError::InvalidUrl(_)), "{path}: {err:?}");
        assert!(!err.to_string().contains(":p@"), "{err}");
    }
    assert_eq!(b_hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn credentials_follow_only_the_same_origin() {
    let (b, b_hits) = counting_server().await;
    let bp = b.port();
    let router =
        Router::new()
            .route("/same", get(|| async { redirect(StatusCode::FOUND, "/echo".into()) }))
            .route(
                "/other",
                get(move || async move { redirect(StatusCode::FOUND, format!("http://127.0.0.1:{bp}/echo")) }),
            )
            .route(
                "/via-localhost",
                get(|h: HeaderMap| async move {
                    redirect(StatusCode::FOUND, format!("http://localhost:{}/back", port_of(&h)))
                }),
            )
            .route(
                "/back",
                get(|h: HeaderMap| async move {
                    redirect(StatusCode::FOUND, format!("http://127.0.0.1:{}/echo", port_of(&h)))
                }),
            )
            .route("/echo", any(|m: Method, h: HeaderMap, b: Bytes| async move { echo(m, h, b) }));
    let a = serve(router).await;
    let c = client("127.0.0.1");
    let req = |path: &str| {
        Request::get(url(&format!("http://127.0.0.1:{}/{path}", a.port())))
            .basic_auth("alice", SecretString::from("s3cret"))
            .header(header::COOKIE, "session=abc".parse().unwrap())
    };
    let expected_auth = "Basic YWxpY2U6czNjcmV0"; // alice:s3cret

    let r = c.send(req("same")).await.unwrap();
    assert_eq!(text(&r), format!("GET|{expected_auth}|session=abc|-|"));
    assert_eq!(r.url.path(), "/echo");

    let r = c.send(req("other")).await.unwrap();
    assert_eq!(text(&r), "GET|-|-|-|");
    assert_eq!(r.url.port(), Some(bp));
    assert_eq!(b_hits.load(Ordering::SeqCst), 1);

    // Another origin (localhost) and back: once dropped, they stay dropped.
    let c2 = client("127.0.0.1,localhost");
    let r = c2.send(req("via-localhost")).await.unwrap();
    assert_eq!(text(&r), "GET|-|-|-|");
    assert_eq!(r.url.as_str(), format!("http://127.0.0.1:{}/echo", a.port()));

    // No redirect: sent as given.
    let r = c.send(req("echo")).await.unwrap();
    assert_eq!(text(&r), format!("GET|{expected_auth}|session=abc|-|"));
}

#[tokio::test]
async fn methods_and_bodies_across_redirects() {
    let router = Router::new()
        .route("/moved", any(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "/echo".into()) }))
        .route("/found", any(|| async { redirect(StatusCode::FOUND, "/echo".into()) }))
        .route("/temporary", any(|| async { redirect(StatusCode::TEMPORARY_REDIRECT, "/echo".into()) }))
        .route("/permanent", any(|| async { redirect(StatusCode::PERMANENT_REDIRECT, "/echo".into()) }))
        .route("/see-other", any(|| async { redirect(StatusCode::SEE_OTHER, "/echo".into()) }))
        .route("/echo", any(|m: Method, h: HeaderMap, b: Bytes| async move { echo(m, h, b) }));
    let a = serve(router).await;
    let c = client("127.0.0.1");
    let propfind = Method::from_bytes(b"PROPFIND").unwrap();
    let body = r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:displayname/></d:prop></d:propfind>"#;
    for path in ["moved", "found", "temporary", "permanent"] {
        let r = c
            .send(
                Request::new(propfind.clone(), url(&format!("http://127.0.0.1:{}/{path}", a.port())))
                    .header(header::HeaderName::from_static("depth"), "1".parse().unwrap())
                    .header(header::CONTENT_TYPE, "application/xml".parse().unwrap())
                    .body(body),
            )
            .await
            .unwrap();
        assert_eq!(text(&r), format!("PROPFIND|-|-|1|{body}"), "{path}");
    }
    let r = c
        .send(
            Request::new(Method::POST, url(&format!("http://127.0.0.1:{}/see-other", a.port())))
                .header(header::CONTENT_TYPE, "text/plain".parse().unwrap())
                .body("payload"),
        )
        .await
        .unwrap();
    assert_eq!(text(&r), "GET|-|-|-|");
}

#[tokio::test]
async fn at_most_five_redirects() {
    let router = Router::new().route(
        "/chain/{n}",
        get(|Path(n): Path<u32>| async move {
            if n == 0 { "end".into_response() } else { redirect(StatusCode::FOUND, format!("/chain/{}", n - 1)) }
        }),
    );
    let a = serve(router).await;
    let c = client("127.0.0.1");
    let r = c.send(Request::get(url(&format!("http://127.0.0.1:{}/chain/5", a.port())))).await.unwrap();
    assert_eq!(text(&r), "end");
    assert_eq!(r.url.path(), "/chain/0");
    let err = c.send(Request::get(url(&format!("http://127.0.0.1:{}/chain/6", a.port())))).await.unwrap_err();
    assert!(matches!(err, OutboundError::TooManyRedirects), "{err:?}");
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    const LIMIT: usize = 256 * 1024;
    let router = Router::new()
        .route("/exact", get(|| async { vec![b'x'; LIMIT] }))
        .route("/big", get(|| async { vec![b'x'; LIMIT + 1] }))
        .route(
            "/endless",
            get(|| async {
                let chunk = Bytes::from(vec![b'y'; 16 * 1024]);
                Body::from_stream(futures::stream::repeat_with(move || {
                    Ok::<_, std::convert::Infallible>(chunk.clone())
                }))
            }),
        )
        .route(
            "/dripping",
            get(|| async {
                let stream = futures::stream::unfold((), |()| async {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    Some((Ok::<_, std::convert::Infallible>(Bytes::from(vec![b'z'; 64 * 1024])), ()))
                });
                Body::from_stream(stream)
            }),
        );
    let a = serve(router).await;
    let c = client("127.0.0.1");
    let get = |path: &str| {
        Request::get(url(&format!("http://127.0.0.1:{}/{path}", a.port())))
            .max_body(LIMIT)
            .timeout(Duration::from_secs(10))
    };

    let r = c.send(get("exact")).await.unwrap();
    assert_eq!(r.body.len(), LIMIT);

    let started = Instant::now();
    for path in ["big", "endless", "dripping"] {
        let err = c.send(get(path)).await.unwrap_err();
        assert!(matches!(err, OutboundError::TooLarge { limit: LIMIT }), "{path}: {err:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    init();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let c = client("127.0.0.1");
    let started = Instant::now();
    let err = c
        .send(Request::get(url(&format!("http://127.0.0.1:{}/", addr.port()))).timeout(Duration::from_millis(300)))
        .await
        .unwrap_err();
    assert!(matches!(err, OutboundError::Timeout), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[tokio::test]
async fn basic_auth_over_plain_http_needs_the_allow_list() {
    let c = client("localhost");
    let req = Request::get(url("http://caldav.example.invalid/dav/")).basic_auth("alice", SecretString::from("s3cret"));
    let err = c.send(req).await.unwrap_err();
    assert!(matches!(err, OutboundError::InsecureCredentials), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("s3cret"));

    // Allow-listed for another port only: still refused.
    let c = client("caldav.example.invalid:8080");
    let req = Request::get(url("http://caldav.example.invalid/dav/")).basic_auth("alice", SecretString::from("s3cret"));
    assert!(matches!(c.send(req).await, Err(OutboundError::InsecureCredentials)));
}

#[tokio::test]
async fn unreachable_errors_name_only_the_origin() {
    init();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = client("127.0.0.1");
    let err = c
        .send(Request::get(url(&format!("http://127.0.0.1:{port}/private/feed-8f3a.ics?token=s3cret"))))
        .await
        .unwrap_err();
    let OutboundError::Unreachable(msg) = &err else {
        panic!("{err:?}");
    };
    assert!(msg.starts_with(&format!("http://127.0.0.1:{port}")), "{msg}");
    let shown = format!("{err} {err:?}");
    for secret in ["private", "feed-8f3a", "token", "s3cret"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[tokio::test]
async fn check_url_rules() {
    init();
    let c = GuardedClient::new(AllowList::none(), "outbound-test");
    for bad in ["ftp://example.com/", "https://user:pw@example.com/", "file:///etc/hosts"] {
        assert!(matches!(c.check_url(&url(bad)).await, Err(OutboundError::InvalidUrl(_))), "{bad}");
    }
    // IP literals are judged without any connection.
    for refused in [
        "http://10.0.0.1/",
        "https://169.254.169.254/latest/meta-data",
        "http://[::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:192.168.1.1]/",
        "http://[64:ff9b::a00:1]/",
        "http://0.0.0.0/",
    ] {
        assert!(matches!(c.check_url(&url(refused)).await, Err(OutboundError::NotAllowed)), "{refused}");
    }
    c.check_url(&url("https://8.8.8.8/")).await.unwrap();
    c.check_url(&url("https://[2001:4860:4860::8888]/")).await.unwrap();
    assert!(matches!(c.check_url(&url("https://no-such-host.invalid/")).await, Err(OutboundError::Unresolvable)));
}

#[tokio::test]
async fn tls_failure_is_unreachable_without_the_path() {
    let (addr, _) = counting_server().await;
    let c = client("127.0.0.1");
    let err = c
        .send(Request::get(url(&format!("https://127.0.0.1:{}/calendars/alice/secret-token/", addr.port()))))
        .await
        .unwrap_err();
    let OutboundError::Unreachable(msg) = &err else {
        panic!("{err:?}");
    };
    assert!(!msg.contains("secret-token"), "{msg}");
}
