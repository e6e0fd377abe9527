//! The harness itself: a click that loads a page returns only once that page is there, even when
//! the server takes its time or a script sends the form, so a test's next step never acts on the
//! page being left.

use std::time::Duration;

use axum::Router;
use axum::response::{Html, Redirect};
use axum::routing::{get, post};

use crate::harness::Browser;

const START: &str = r#"<!doctype html><title>start</title>
<form method="post" action="/slow-logout"><button>Log out</button></form>
<form method="post" action="/slow-logout" onsubmit="event.preventDefault(); setTimeout(() => this.submit(), 300)"><button>Sent by script</button></form>
<a href="/slow-page">Slow link</a>
<form method="post" action="/slow-logout" data-confirm="Sure?"><button>Ask first</button></form>
<form method="post" action="/slow-logout"><input name="n" required><button>Needs a value</button></form>
<button type="button" onclick="this.textContent='Pressed'">In page</button>
<script>document.addEventListener("submit", e => { if (e.target.dataset.confirm && !confirm(e.target.dataset.confirm)) e.preventDefault(); });</script>"#;

async fn slow_redirect() -> Redirect {
    tokio::time::sleep(Duration::from_millis(1500)).await;
    Redirect::to("/done")
}

async fn slow_page() -> Html<&'static str> {
    tokio::time::sleep(Duration::from_millis(1500)).await;
    Html("<!doctype html><title>slow</title><p id=slow>slow page</p>")
}

async fn serve() -> String {
    let app = Router::new()
        .route("/start", get(|| async { Html(START) }))
        .route("/slow-logout", post(slow_redirect))
        .route("/slow-page", get(slow_page))
        .route("/done", get(|| async { Html("<!doctype html><title>done</title><p id=done>You are logged out.</p>") }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn a_click_returns_once_the_page_it_loads_is_there() {
    let Some(browser) = Browser::start("a_click_returns_once_the_page_it_loads_is_there").await else { return };
    let url = serve().await;

    // A form whose answer is a slow redirect: the click returns on the page redirected to.
    browser.goto(&format!("{url}/start")).await;
    browser.click_button("Log out").await;
    assert_eq!(browser.path().await, "/done");
    assert!(browser.exists("#done").await);

    // A form that a script sends a moment after the click: chromedriver's own wait after a click
    // sees no navigation yet and returns; the harness still waits for the next page.
    browser.goto(&format!("{url}/start")).await;
    browser.click_button("Sent by script").await;
    assert_eq!(browser.path().await, "/done");

    // A slow link.
    browser.goto(&format!("{url}/start")).await;
    browser.click_link("Slow link").await;
    assert_eq!(browser.path().await, "/slow-page");
    assert!(browser.exists("#slow").await);

    // A confirmation: dismissed, the page stays; accepted, the click's page loads.
    browser.goto(&format!("{url}/start")).await;
    browser.click_button("Ask first").await;
    browser.dismiss_dialog().await;
    assert_eq!(browser.path().await, "/start");
    browser.click_button("Ask first").await;
    browser.accept_dialog().await;
    assert_eq!(browser.path().await, "/done");

    // Clicks that load nothing return at once: a form the browser will not send, an in-page button.
    browser.goto(&format!("{url}/start")).await;
    browser.click_button("Needs a value").await;
    assert_eq!(browser.path().await, "/start");
    browser.click_button("In page").await;
    browser.wait_for_text("button", "Pressed").await;
}
