//! Embedding (product.md §10): `/embed.js`, `?embed=1` booking and confirmation pages whose
//! `frame-ancestors` are the host's `embed_origins` (every other page `'none'`), a booking flow
//! inside the frame that needs no cookie, and `embed_origins` refusals that store nothing.

use reqwest::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, LOCATION, SET_COOKIE,
};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::scheduling::next_week;
use crate::support::TestApp;

/// The page policy every HTML page has, up to its `frame-ancestors`.
const POLICY_BEFORE_ANCESTORS: &str =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; ";
const A_AND_B: &str = "frame-ancestors https://a.example https://b.example";
const NONE: &str = "frame-ancestors 'none'";

/// A browser inside another site's frame: no cookies (third-party cookies are blocked) and the
/// redirects seen one by one.
fn framed_browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Status, `Content-Security-Policy` and body of `GET path`.
async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String, String) {
    let answer = client.get(app.at(path)).send().await.unwrap();
    let status = answer.status().as_u16();
    let policy = answer.headers().get(CONTENT_SECURITY_POLICY).map(|v| v.to_str().unwrap().to_owned());
    (status, policy.unwrap_or_default(), answer.text().await.unwrap())
}

fn ancestors(policy: &str) -> &str {
    assert!(policy.starts_with(POLICY_BEFORE_ANCESTORS), "the rest of the policy stays: {policy}");
    &policy[POLICY_BEFORE_ANCESTORS.len()..]
}

async fn set_origins(app: &TestApp, token: &str, origins: Value) -> (u16, Value) {
    app.patch_json("/api/v1/me", &json!({ "embed_origins": origins }), Some(token)).await
}

async fn stored_origins(app: &TestApp, token: &str) -> Value {
    app.get_json("/api/v1/me", Some(token)).await.1["embed_origins"].clone()
}

async fn first_slot(app: &TestApp, path: &str) -> String {
    let date = next_week();
    let (status, body) =
        app.get_json(&format!("/api/v1/public/{path}/slots?from={date}&to={date}&timezone=UTC"), None).await;
    assert_eq!(status, 200, "{body}");
    body["slots"][0].as_str().expect("a free time").to_owned()
}

on_both_backends! {
    async fn embedded_booking_pages_are_framed_only_by_their_hosts_sites(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ada = app.bookable_host("ada", "Intro call", "intro").await;
        let (status, body) = set_origins(&app, &ada, json!(["https://a.example", "https://b.example"])).await;
        assert_eq!(status, 200, "{body}");
        app.bookable_host("bob", "Intro call", "intro").await;
        let browser = framed_browser();

        let (status, policy, html) = page(&browser, &app, "/ada/intro?embed=1&embed_origin=https://a.example").await;
        assert_eq!(status, 200);
        assert_eq!(ancestors(&policy), A_AND_B);
        assert!(!html.contains("data-prospo-nav"), "no Prospo navigation inside the frame");
        assert!(html.contains(r#"data-parent-origin="https://a.example""#), "messages go to the listed parent");
        assert!(html.contains("/static/embedded.js"), "{html}");

        // Not embedded, the same page cannot be framed and has its brand.
        let (_, policy, html) = page(&browser, &app, "/ada/intro").await;
        assert_eq!(ancestors(&policy), NONE);
        assert!(html.contains("data-prospo-nav") && !html.contains("embedded.js"), "{html}");

        // A parent the host does not list: the browser refuses the frame; the page talks to nobody.
        let (_, policy, html) = page(&browser, &app, "/ada/intro?embed=1&embed_origin=https://evil.example").await;
        assert_eq!(ancestors(&policy), A_AND_B);
        assert!(!html.contains("data-parent-origin"), "{html}");

        // A host without sites, and every other page, stay unframeable.
        for path in ["/bob/intro?embed=1&embed_origin=https://a.example", "/ada?embed=1", "/login?embed=1"] {
            let (status, policy, _) = page(&browser, &app, path).await;
            assert_eq!((status, ancestors(&policy)), (200, NONE), "{path}");
        }
    }
}

on_both_backends! {
    async fn booking_inside_the_frame_needs_no_cookie_and_stays_embedded(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ada = app.bookable_host("ada", "Intro call", "intro").await;
        assert_eq!(set_origins(&app, &ada, json!(["https://a.example", "https://b.example"])).await.0, 200);
        let browser = framed_browser();
        let options = "embed=1&embed_origin=https%3A%2F%2Fa.example&theme=dark&hide_details=1";
        let start = first_slot(&app, "ada/intro").await;

        // A refusal comes back embedded, its form still posting with the options.
        let refused = browser
            .post(app.at(&format!("/ada/intro?{options}")))
            .form(&[("start", start.as_str()), ("timezone", "UTC"), ("name", ""), ("email", "sam@example.com")])
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 422);
        let policy = refused.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
        assert_eq!(ancestors(&policy), A_AND_B);
        let html = refused.text().await.unwrap();
        let action = format!(r#"action="/ada/intro?{}""#, options.replace('&', "&#38;"));
        assert!(html.contains(&action), "the form posts with the options: {html}");
        assert!(html.contains("embedded theme-dark hide-details") && !html.contains("data-prospo-nav"), "{html}");
        assert!(html.contains(r#"value="sam@example.com""#), "typed values stay");

        let booked = browser
            .post(app.at(&format!("/ada/intro?{options}")))
            .form(&[("start", start.as_str()), ("timezone", "UTC"), ("name", "Sam"), ("email", "sam@example.com")])
            .send()
            .await
            .unwrap();
        assert_eq!(booked.status(), 303, "{}", booked.text().await.unwrap());
        assert!(booked.headers().get(SET_COOKIE).is_none(), "the embedded flow sets no cookie");
        let location = booked.headers()[LOCATION].to_str().unwrap().to_owned();
        let token = location.strip_prefix("/booking/").unwrap().split('?').next().unwrap().to_owned();
        assert_eq!(location, format!("/booking/{token}?booked=1&{options}"));

        let (status, policy, html) = page(&browser, &app, &location).await;
        assert_eq!(status, 200);
        assert_eq!(ancestors(&policy), A_AND_B, "the confirmation is framed like the booking page");
        assert!(!html.contains("data-prospo-nav"), "{html}");
        assert!(html.contains(r#"data-parent-origin="https://a.example""#), "{html}");
        let start_at: jiff::Timestamp = start.parse().unwrap();
        let posted = html.split(r#"data-booked-start=""#).nth(1).and_then(|rest| rest.split('"').next()).unwrap();
        assert_eq!(posted.parse::<jiff::Timestamp>().unwrap(), start_at, "prospo:booked carries the start");
        assert!(html.contains(&format!("data-booked-manage-url=\"{}", app.state.manage_url(&token))), "{html}");

        // Opened on its own (the manage link from the mail), the page is not framed.
        let (_, policy, html) = page(&browser, &app, &format!("/booking/{token}")).await;
        assert_eq!(ancestors(&policy), NONE);
        assert!(!html.contains("data-booked-start"), "{html}");
        // Later visits in the frame say nothing about a booking.
        let (_, policy, html) = page(&browser, &app, &format!("/booking/{token}?{options}")).await;
        assert_eq!(ancestors(&policy), A_AND_B);
        assert!(!html.contains("data-booked-start"), "{html}");
    }
}

on_both_backends! {
    async fn team_pages_are_framed_by_their_owners_sites(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ada = app.bookable_host("ada", "Intro call", "intro").await;
        let bob = app.bookable_host("bob", "Intro call", "intro").await;
        assert_eq!(set_origins(&app, &ada, json!(["https://ada.example"])).await.0, 200);
        assert_eq!(set_origins(&app, &bob, json!(["https://bob.example"])).await.0, 200);
        let (status, team) = app.post_json("/api/v1/teams", &json!({"name": "Sales", "slug": "sales"}), Some(&ada)).await;
        assert_eq!(status, 201, "{team}");
        let team_id = team["id"].as_str().unwrap();
        let (status, body) =
            app.post_json(&format!("/api/v1/teams/{team_id}/members"), &json!({"email": "bob@example.com"}), Some(&ada)).await;
        assert_eq!(status, 201, "{body}");
        let event = json!({"title": "Demo", "slug": "demo", "duration_minutes": 30, "location": "zoom",
                           "minimum_notice_minutes": 0, "scheduling": "round_robin"});
        let (status, body) = app.post_json(&format!("/api/v1/teams/{team_id}/event-types"), &event, Some(&ada)).await;
        assert_eq!(status, 201, "{body}");

        let browser = framed_browser();
        let (status, policy, html) =
            page(&browser, &app, "/team/sales/demo?embed=1&embed_origin=https://bob.example").await;
        assert_eq!(status, 200);
        assert_eq!(ancestors(&policy), "frame-ancestors https://ada.example", "the owner's sites, not a member's");
        assert!(!html.contains("data-parent-origin"), "{html}");
        let (_, policy, _) = page(&browser, &app, "/team/sales/demo").await;
        assert_eq!(ancestors(&policy), NONE);

        let start = first_slot(&app, "team/sales/demo").await;
        let booked = browser
            .post(app.at("/team/sales/demo?embed=1&embed_origin=https%3A%2F%2Fada.example"))
            .form(&[("start", start.as_str()), ("timezone", "UTC"), ("name", "Sam"), ("email", "sam@example.com")])
            .send()
            .await
            .unwrap();
        assert_eq!(booked.status(), 303);
        let location = booked.headers()[LOCATION].to_str().unwrap().to_owned();
        let (_, policy, html) = page(&browser, &app, &location).await;
        assert_eq!(ancestors(&policy), "frame-ancestors https://ada.example");
        assert!(html.contains(r#"data-parent-origin="https://ada.example""#) && html.contains("data-booked-start"), "{html}");
    }
}

on_both_backends! {
    async fn refused_embed_origins_store_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ada = app.bookable_host("ada", "Intro call", "intro").await;
        assert_eq!(set_origins(&app, &ada, json!(["https://a.example"])).await.0, 200);
        for refused in [
            json!(["https://b.example", "https://c.example/path"]),
            json!(["https://b.example", "https://*.example"]),
            json!(["https://b.example; script-src *"]),
            json!(["http://b.example"]),
            json!(["http://localhost:8080"]),
        ] {
            let (status, body) = set_origins(&app, &ada, refused.clone()).await;
            assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_embed_origin")), "{refused}: {body}");
            assert_eq!(stored_origins(&app, &ada).await, json!(["https://a.example"]), "{refused} stored nothing");
        }
        // Plain http only for the hosts of --allow-private-targets (the tests allow 127.0.0.1).
        let (status, body) = set_origins(&app, &ada, json!(["http://127.0.0.1:8080", "https://a.example"])).await;
        assert_eq!((status, body["embed_origins"].clone()), (200, json!(["http://127.0.0.1:8080", "https://a.example"])));

        // Settings → Profile → Embed: the same rules, a refusal beside the field with the text kept.
        let login = json!({"email": "ada@example.com", "password": "correct horse battery"});
        assert_eq!(app.post_json("/api/v1/login", &login, None).await.0, 200);
        let typed = "https://a.example\nhttps://x.example/page";
        let refused = app.client.post(app.at("/settings/profile/embed")).form(&[("embed_origins", typed)]).send().await.unwrap();
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(html.contains(r#"id="embed_origins-error""#) && html.contains("no path"), "{html}");
        assert!(html.contains(">https://a.example\nhttps://x.example/page</textarea>"), "the typed text stays: {html}");
        assert_eq!(stored_origins(&app, &ada).await, json!(["http://127.0.0.1:8080", "https://a.example"]));

        let saved = app
            .client
            .post(app.at("/settings/profile/embed"))
            .form(&[("embed_origins", " https://shop.example\r\n\r\nhttps://Shop.example:443\nhttps://b.example:8443 ")])
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 200);
        let html = saved.text().await.unwrap();
        assert_eq!(stored_origins(&app, &ada).await, json!(["https://shop.example", "https://b.example:8443"]));
        assert!(html.contains(">https://shop.example\nhttps://b.example:8443</textarea>"), "{html}");
        assert!(html.contains("Embedding sites saved."), "{html}");
        // The snippet to copy, for the host's event type at the public address.
        let page_url = format!("{}/ada/intro", app.state.public_url.as_str().trim_end_matches('/'));
        assert!(html.contains(&format!("data-prospo-inline data-prospo-url=\"{page_url}\"")), "{html}");
        assert!(html.contains(&format!("data-prospo-popup data-prospo-url=\"{page_url}\"")), "{html}");
        assert!(html.contains("/embed.js\" defer&gt;"), "{html}");
    }
}

#[tokio::test]
async fn embed_js_is_a_cacheable_script() {
    let app = TestApp::spawn(crate::support::Backend::Sqlite).await;
    let answer = app.client.get(app.at("/embed.js")).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()[CONTENT_TYPE], "text/javascript; charset=utf-8");
    assert!(answer.headers()[CACHE_CONTROL].to_str().unwrap().contains("max-age="), "{:?}", answer.headers());
    assert_eq!(answer.headers()["cross-origin-resource-policy"], "cross-origin", "any site may load it");
    let etag = answer.headers()[ETAG].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() > 4, "{etag}");
    let script = answer.text().await.unwrap();
    assert!(script.contains("prospo:booked") && script.contains("data-prospo-inline"), "the embed script");
    assert!(script.len() < 16 * 1024, "small: {} bytes", script.len());

    let again = app.client.get(app.at("/embed.js")).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.text().await.unwrap().is_empty());
}
