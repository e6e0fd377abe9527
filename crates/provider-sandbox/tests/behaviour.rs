//! The sandboxes probed over HTTP, as Prospo's clients see them.

mod common;

use common::{GOOGLE_SCOPES, GRAPH_SCOPES, REDIRECT, challenge, location_params, param, start, verifier};
use provider_sandbox::Provider;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ADA: &str = "ada@example.com";

fn ids(items: &Value) -> Vec<String> {
    items.as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn google_smoke_every_endpoint() {
    let env = start(Provider::Google).await;
    let t = env.login(ADA).await;
    assert!(t.refresh.is_some());

    let (status, list) = env.api(&t.access, Method::GET, "/users/me/calendarList", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["items"][0]["id"], ADA);
    assert_eq!(list["items"][0]["primary"], true);

    let (status, ev) = env
        .api(
            &t.access,
            Method::POST,
            "/calendars/primary/events",
            Some(json!({"summary": "Intro", "start": {"dateTime": "2030-01-07T10:00:00+01:00", "timeZone": "Europe/Paris"},
                        "end": {"dateTime": "2030-01-07T10:30:00+01:00", "timeZone": "Europe/Paris"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{ev}");
    let id = ev["id"].as_str().unwrap().to_string();

    let (status, fb) = env
        .api(
            &t.access,
            Method::POST,
            "/freeBusy",
            Some(json!({"timeMin": "2030-01-07T00:00:00Z", "timeMax": "2030-01-08T00:00:00Z", "items": [{"id": "primary"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{fb}");
    assert_eq!(
        fb["calendars"]["primary"]["busy"],
        json!([{"start": "2030-01-07T09:00:00Z", "end": "2030-01-07T09:30:00Z"}])
    );

    let (status, events) =
        env.api(&t.access, Method::GET, "/calendars/primary/events?timeMin=2030-01-01T00:00:00Z", None).await;
    assert_eq!(status, StatusCode::OK, "{events}");
    assert_eq!(ids(&events["items"]), vec![id.clone()]);

    let (status, patched) = env
        .api(&t.access, Method::PATCH, &format!("/calendars/primary/events/{id}"), Some(json!({"summary": "Moved"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["summary"], "Moved");

    let (status, _) = env.api(&t.access, Method::DELETE, &format!("/calendars/primary/events/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone) = env.api(&t.access, Method::DELETE, &format!("/calendars/primary/events/{id}"), None).await;
    assert_eq!(status, StatusCode::GONE, "{gone}");
    assert_eq!(gone["error"]["errors"][0]["reason"], "deleted");
}

#[tokio::test]
async fn microsoft_smoke_every_endpoint() {
    let env = start(Provider::Microsoft).await;
    let t = env.login(ADA).await;
    assert!(t.refresh.is_some());

    let (status, me) = env.api(&t.access, Method::GET, "/me", None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["mail"], ADA);

    let (status, cals) = env.api(&t.access, Method::GET, "/me/calendars", None).await;
    assert_eq!(status, StatusCode::OK, "{cals}");
    let cal = cals["value"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(cals["value"][0]["isDefaultCalendar"], true);

    let (status, ev) = env
        .api(
            &t.access,
            Method::POST,
            &format!("/me/calendars/{cal}/events"),
            Some(json!({"subject": "Intro", "start": {"dateTime": "2030-01-07T10:00:00", "timeZone": "Europe/Paris"},
                        "end": {"dateTime": "2030-01-07T10:30:00", "timeZone": "Europe/Paris"}, "transactionId": "t-1"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ev}");
    let id = ev["id"].as_str().unwrap().to_string();

    let (status, view) = env
        .api(
            &t.access,
            Method::GET,
            &format!(
                "/me/calendars/{cal}/calendarView?startDateTime=2030-01-07T00:00:00Z&endDateTime=2030-01-08T00:00:00Z"
            ),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(ids(&view["value"]), vec![id.clone()]);
    assert_eq!(view["value"][0]["start"], json!({"dateTime": "2030-01-07T09:00:00.0000000", "timeZone": "UTC"}));

    let (status, delta) = env
        .api(
            &t.access,
            Method::GET,
            &format!("/me/calendars/{cal}/calendarView/delta?startDateTime=2030-01-07T00:00:00Z&endDateTime=2030-01-08T00:00:00Z"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{delta}");
    assert!(delta["@odata.deltaLink"].is_string());

    let (status, patched) =
        env.api(&t.access, Method::PATCH, &format!("/me/events/{id}"), Some(json!({"subject": "Moved"}))).await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    let (status, _) = env.api(&t.access, Method::DELETE, &format!("/me/events/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone) = env.api(&t.access, Method::DELETE, &format!("/me/events/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(gone["error"]["code"], "ErrorItemNotFound");
}

fn error_of(v: &Value) -> &str {
    v["error"].as_str().unwrap_or_default()
}

/// Microsoft's token errors: the AADSTS code in `error_codes` and the trace fields.
fn aadsts(v: &Value) -> i64 {
    for key in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
        assert!(v[key].is_string(), "{key} missing in {v}");
    }
    let code = v["error_codes"][0].as_i64().expect("error_codes");
    assert!(v["error_description"].as_str().unwrap().starts_with(&format!("AADSTS{code}: ")), "{v}");
    code
}

#[tokio::test]
async fn pkce_code_reuse_and_redirect_mismatch_are_refused() {
    for provider in [Provider::Google, Provider::Microsoft] {
        let env = start(provider).await;
        let scopes = if provider == Provider::Google { GOOGLE_SCOPES } else { GRAPH_SCOPES };

        let (code, _) = env.code(ADA, scopes).await;
        let (status, v) = env.exchange(&code, &verifier()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(error_of(&v), "invalid_grant");
        match provider {
            Provider::Google => assert_eq!(v, json!({"error": "invalid_grant", "error_description": "Bad Request"})),
            Provider::Microsoft => assert_eq!(aadsts(&v), 501481),
        }

        let (code, good) = env.code(ADA, scopes).await;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "http://127.0.0.1:9/elsewhere"),
            ("code_verifier", good.as_str()),
            ("client_id", env.client.client_id.as_str()),
            ("client_secret", env.client.client_secret.as_str()),
        ];
        let (status, v) = env.token_request(&form).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
        match provider {
            Provider::Google => {
                assert_eq!(v, json!({"error": "redirect_uri_mismatch", "error_description": "Bad Request"}))
            }
            Provider::Microsoft => assert_eq!((error_of(&v), aadsts(&v)), ("invalid_grant", 500112)),
        }

        let (code, good) = env.code(ADA, scopes).await;
        let (status, v) = env.exchange(&code, &good).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        let (status, v) = env.exchange(&code, &good).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
        match provider {
            Provider::Google => assert_eq!(v, json!({"error": "invalid_grant", "error_description": "Bad Request"})),
            Provider::Microsoft => assert_eq!((error_of(&v), aadsts(&v)), ("invalid_grant", 54005)),
        }

        // Codes live ten minutes on the sandbox clock.
        let (code, good) = env.code(ADA, scopes).await;
        env.control(Method::PUT, "/clock", json!({"offset_seconds": 601})).await;
        let (status, v) = env.exchange(&code, &good).await;
        assert_eq!((status, error_of(&v)), (StatusCode::BAD_REQUEST, "invalid_grant"), "{v}");
    }
}

#[tokio::test]
async fn client_authentication_by_body_or_basic() {
    for provider in [Provider::Google, Provider::Microsoft] {
        let env = start(provider).await;
        let (code, verifier) =
            env.code(ADA, if provider == Provider::Google { GOOGLE_SCOPES } else { GRAPH_SCOPES }).await;
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.as_str()),
            ("client_id", env.client.client_id.as_str()),
            ("client_secret", "wrong"),
        ];
        let (status, v) = env.token_request(&form).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
        match provider {
            Provider::Google => assert_eq!(v, json!({"error": "invalid_client", "error_description": "Unauthorized"})),
            Provider::Microsoft => assert_eq!((error_of(&v), aadsts(&v)), ("invalid_client", 7000215)),
        }
        let r = env
            .http
            .post(env.url(env.flavour().token_path()))
            .basic_auth(&env.client.client_id, Some(&env.client.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", &verifier),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "HTTP Basic client authentication");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        let expected = if provider == Provider::Google { 3599 } else { 3600 };
        assert_eq!(body["expires_in"], expected);
    }
}

#[tokio::test]
async fn google_refresh_tokens_are_reusable_and_come_once() {
    let env = start(Provider::Google).await;
    let t = env.login(ADA).await;
    let refresh = t.refresh.unwrap();
    assert_eq!(t.body["scope"], GOOGLE_SCOPES);
    for _ in 0..3 {
        let (status, v) = env.refresh(&refresh).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert!(v.get("refresh_token").is_none(), "Google does not rotate: {v}");
        let (status, _) =
            env.api(v["access_token"].as_str().unwrap(), Method::GET, "/users/me/calendarList", None).await;
        assert_eq!(status, StatusCode::OK);
    }
    // Without access_type=offline there is no refresh token at all.
    let verifier = verifier();
    let query = env
        .authorize_query(Some(ADA), GOOGLE_SCOPES, &challenge(&verifier), "s")
        .replace("access_type=offline", "access_type=online");
    let r = env.consent(&query, &[("allow", "1")]).await;
    let code = param(&location_params(r.headers()), "code").unwrap().to_string();
    let (_, v) = env.exchange(&code, &verifier).await;
    assert!(v.get("refresh_token").is_none(), "{v}");
    let stats = env.stats().await;
    assert_eq!((stats["token_requests"].as_u64(), stats["refreshes"].as_u64()), (Some(5), Some(3)));
}

#[tokio::test]
async fn microsoft_refresh_tokens_rotate_and_the_used_one_is_refused() {
    let env = start(Provider::Microsoft).await;
    let t = env.login(ADA).await;
    assert_eq!(t.body["scope"], "User.Read Calendars.ReadWrite", "offline_access is not echoed");
    let first = t.refresh.unwrap();
    let (status, v) = env.refresh(&first).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let second = v["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    let (status, v) = env.refresh(&first).await;
    assert_eq!((status, error_of(&v), aadsts(&v)), (StatusCode::BAD_REQUEST, "invalid_grant", 70000));
    let (status, v) = env.refresh(&second).await;
    assert_eq!(status, StatusCode::OK, "the new one works: {v}");
    let (status, _) = env.api(v["access_token"].as_str().unwrap(), Method::GET, "/me", None).await;
    assert_eq!(status, StatusCode::OK);

    // No offline_access, no refresh token.
    let t = env.login_with("bob@example.com", "User.Read Calendars.Read").await;
    assert!(t.refresh.is_none(), "{}", t.body);
}

#[tokio::test]
async fn revoked_and_expired_tokens_answer_the_providers_401() {
    for provider in [Provider::Google, Provider::Microsoft] {
        let env = start(provider).await;
        let path = if provider == Provider::Google { "/users/me/calendarList" } else { "/me" };
        let t = env.login(ADA).await;
        let other = env.login("bob@example.com").await;

        let (status, v) = env.api("garbage", Method::GET, path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{v}");
        match provider {
            Provider::Google => {
                assert_eq!(v["error"]["status"], "UNAUTHENTICATED");
                assert_eq!(v["error"]["errors"][0]["reason"], "authError");
            }
            Provider::Microsoft => assert_eq!(v["error"]["code"], "InvalidAuthenticationToken"),
        }

        let (status, _) = env.control(Method::POST, &format!("/users/{ADA}/revoke"), json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = env.api(&t.access, Method::GET, path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, v) = env.refresh(t.refresh.as_deref().unwrap()).await;
        assert_eq!((status, error_of(&v)), (StatusCode::BAD_REQUEST, "invalid_grant"), "{v}");
        if provider == Provider::Google {
            assert_eq!(v["error_description"], "Token has been expired or revoked.");
        }
        let (status, _) = env.api(&other.access, Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "another user's tokens still work");

        env.control(Method::PUT, "/clock", json!({"offset_seconds": 3600})).await;
        let (status, v) = env.api(&other.access, Method::GET, path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "expired: {v}");
        let (status, v) = env.refresh(other.refresh.as_deref().unwrap()).await;
        assert_eq!(status, StatusCode::OK, "a refresh after expiry works: {v}");
    }
}

#[tokio::test]
async fn consent_page_allow_and_deny() {
    for provider in [Provider::Google, Provider::Microsoft] {
        let env = start(provider).await;
        let scopes = if provider == Provider::Google { GOOGLE_SCOPES } else { GRAPH_SCOPES };
        let verifier = verifier();
        let query = env.authorize_query(Some("new.person@example.com"), scopes, &challenge(&verifier), "xyz");
        let page = env.http.get(env.authorize_url(&query)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("new.person@example.com"), "{html}");
        for scope in scopes.split(' ') {
            assert!(html.contains(scope), "lists {scope}");
        }
        assert!(html.contains(">Allow</button>") && html.contains(">Deny</button>"));
        assert!(html.contains("name=\"allow\" value=\"1\"") && html.contains("<html lang=\"en\">"));

        let r = env.consent(&query, &[("deny", "1")]).await;
        assert_eq!(r.status(), StatusCode::FOUND);
        let params = location_params(r.headers());
        assert_eq!(param(&params, "error"), Some("access_denied"));
        assert_eq!(param(&params, "state"), Some("xyz"));
        assert!(param(&params, "code").is_none());
        assert!(r.headers()["location"].to_str().unwrap().starts_with(REDIRECT));

        // Without login_hint the page asks for the email; Allow without one is refused.
        let query = env.authorize_query(None, scopes, &challenge(&verifier), "xyz");
        let html = env.http.get(env.authorize_url(&query)).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("type=\"email\"") && html.contains("<label for=\"email\">"));
        let r = env.consent(&query, &[("allow", "1")]).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = env.consent(&query, &[("allow", "1"), ("email", "typed@example.com")]).await;
        assert_eq!(r.status(), StatusCode::FOUND);
        let code = param(&location_params(r.headers()), "code").unwrap().to_string();
        let (status, v) = env.exchange(&code, &verifier).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        if provider == Provider::Microsoft {
            let (_, me) = env.api(v["access_token"].as_str().unwrap(), Method::GET, "/me", None).await;
            assert_eq!(me["mail"], "typed@example.com");
        }
    }
}

#[tokio::test]
async fn bad_authorization_requests_get_an_error_page_never_a_redirect() {
    for provider in [Provider::Google, Provider::Microsoft] {
        let env = start(provider).await;
        let good = env.authorize_query(Some(ADA), "openid", &challenge(&verifier()), "s");
        let cases = [
            good.replace(&env.client.client_id, "unknown-client"),
            good.replace("redirect_uri=http", "redirect_uri=ftp"),
            good.replace("response_type=code", "response_type=token"),
            good.replace("code_challenge_method=S256", "code_challenge_method=plain"),
            good.split('&').filter(|p| !p.starts_with("code_challenge=")).collect::<Vec<_>>().join("&"),
        ];
        for query in cases {
            for r in [
                env.http.get(env.authorize_url(&query)).send().await.unwrap(),
                env.consent(&query, &[("allow", "1")]).await,
            ] {
                assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
                assert!(r.headers().get("location").is_none());
                assert!(r.text().await.unwrap().contains("role=\"alert\""));
            }
        }
    }
}

#[tokio::test]
async fn google_scopes_are_enforced_and_consent_is_granular() {
    let env = start(Provider::Google).await;
    let verifier = verifier();
    let query = env.authorize_query(Some(ADA), GOOGLE_SCOPES, &challenge(&verifier), "s");
    let freebusy = "https://www.googleapis.com/auth/calendar.freebusy";
    let r = env.consent(&query, &[("allow", "1"), ("granular", "1"), ("grant", freebusy)]).await;
    let params = location_params(r.headers());
    assert_eq!(param(&params, "scope"), Some(freebusy));
    let (_, v) = env.exchange(param(&params, "code").unwrap(), &verifier).await;
    assert_eq!(v["scope"], freebusy);
    let token = v["access_token"].as_str().unwrap();
    let body = json!({"start": {"dateTime": "2030-01-07T10:00:00Z"}, "end": {"dateTime": "2030-01-07T11:00:00Z"}});
    let (status, v) = env.api(token, Method::POST, "/calendars/primary/events", Some(body)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["status"], "PERMISSION_DENIED");
    assert_eq!(v["error"]["details"][0]["reason"], "ACCESS_TOKEN_SCOPE_INSUFFICIENT");
    let fb =
        json!({"timeMin": "2030-01-07T00:00:00Z", "timeMax": "2030-01-08T00:00:00Z", "items": [{"id": "primary"}]});
    let (status, _) = env.api(token, Method::POST, "/freeBusy", Some(fb)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn graph_permissions_are_enforced() {
    let env = start(Provider::Microsoft).await;
    let user_only = env.login_with(ADA, "User.Read").await.access;
    let (status, _) = env.api(&user_only, Method::GET, "/me", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = env.api(&user_only, Method::GET, "/me/calendars", None).await;
    assert_eq!((status, v["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("ErrorAccessDenied")));

    let read_only = env.login_with(ADA, "Calendars.Read").await.access;
    let (status, v) = env.api(&read_only, Method::GET, "/me", None).await;
    assert_eq!((status, v["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("Authorization_RequestDenied")));
    let (status, _) = env
        .api(
            &read_only,
            Method::GET,
            "/me/calendarView?startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-01-02T00:00:00Z",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let body = json!({"subject": "x", "start": {"dateTime": "2030-01-07T10:00:00", "timeZone": "UTC"},
                      "end": {"dateTime": "2030-01-07T11:00:00", "timeZone": "UTC"}});
    let (status, v) = env.api(&read_only, Method::POST, "/me/events", Some(body)).await;
    assert_eq!((status, v["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("ErrorAccessDenied")));
}

fn event_body(start: &str, end: &str) -> Value {
    json!({"summary": "Booking", "start": {"dateTime": start}, "end": {"dateTime": end}})
}

#[tokio::test]
async fn google_sync_tokens_report_only_changes() {
    let env = start(Provider::Google).await;
    let t = env.login(ADA).await;
    let a = env.seed(ADA, "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z", "A").await;
    let b = env.seed(ADA, "2030-01-08T09:00:00Z", "2030-01-08T10:00:00Z", "B").await;
    let (_, full) = env.api(&t.access, Method::GET, "/calendars/primary/events", None).await;
    assert_eq!(ids(&full["items"]).len(), 2);
    let sync = full["nextSyncToken"].as_str().unwrap().to_string();

    let (_, nothing) =
        env.api(&t.access, Method::GET, &format!("/calendars/primary/events?syncToken={sync}"), None).await;
    assert_eq!(nothing["items"], json!([]));

    let (_, c) = env
        .api(
            &t.access,
            Method::POST,
            "/calendars/primary/events",
            Some(event_body("2030-01-09T09:00:00Z", "2030-01-09T10:00:00Z")),
        )
        .await;
    let c = c["id"].as_str().unwrap().to_string();
    env.api(&t.access, Method::PATCH, &format!("/calendars/primary/events/{a}"), Some(json!({"summary": "A2"}))).await;
    env.api(&t.access, Method::DELETE, &format!("/calendars/primary/events/{b}"), None).await;
    let (_, changes) =
        env.api(&t.access, Method::GET, &format!("/calendars/primary/events?syncToken={sync}"), None).await;
    let mut changed = ids(&changes["items"]);
    changed.sort();
    let mut expected = vec![a.clone(), b.clone(), c.clone()];
    expected.sort();
    assert_eq!(changed, expected);
    let cancelled: Vec<&Value> =
        changes["items"].as_array().unwrap().iter().filter(|e| e["status"] == "cancelled").collect();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0]["id"], b.as_str());

    // Without showDeleted a full listing leaves the deleted one out; with it, it is there.
    let (_, listed) = env.api(&t.access, Method::GET, "/calendars/primary/events", None).await;
    assert!(!ids(&listed["items"]).contains(&b));
    let (_, listed) = env.api(&t.access, Method::GET, "/calendars/primary/events?showDeleted=true", None).await;
    assert!(ids(&listed["items"]).contains(&b));

    let (status, v) = env
        .api(
            &t.access,
            Method::GET,
            &format!("/calendars/primary/events?syncToken={sync}&timeMin=2030-01-01T00:00:00Z"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    for token in ["garbage", sync.as_str()] {
        if token == sync {
            env.control(Method::POST, &format!("/calendars/{ADA}/sync-reset"), json!({})).await;
        }
        let (status, v) =
            env.api(&t.access, Method::GET, &format!("/calendars/primary/events?syncToken={token}"), None).await;
        assert_eq!(status, StatusCode::GONE, "{v}");
        assert_eq!(v["error"]["errors"][0]["reason"], "fullSyncRequired");
    }
}

#[tokio::test]
async fn graph_delta_links_report_only_changes() {
    let env = start(Provider::Microsoft).await;
    let t = env.login(ADA).await;
    let mut seeded = Vec::new();
    for day in 1..=5 {
        seeded
            .push(env.seed(ADA, &format!("2030-01-0{day}T09:00:00Z"), &format!("2030-01-0{day}T10:00:00Z"), "x").await);
    }
    let outside = env.seed(ADA, "2030-02-01T09:00:00Z", "2030-02-01T10:00:00Z", "outside").await;
    let page2 = [("Prefer", "odata.maxpagesize=2")];
    let mut link =
        "/me/calendarView/delta?startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-01-10T00:00:00Z".to_string();
    let mut seen = Vec::new();
    let delta_link = loop {
        let (status, headers, page) = env.api_with(&t.access, Method::GET, &link, None, &page2).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(headers["preference-applied"], "odata.maxpagesize=2");
        assert!(page["value"].as_array().unwrap().len() <= 2);
        seen.extend(ids(&page["value"]));
        match page["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.contains("$skiptoken="));
                link = next.to_string();
            }
            None => break page["@odata.deltaLink"].as_str().unwrap().to_string(),
        }
    };
    assert!(delta_link.contains("$deltatoken="));
    assert_eq!(seen, seeded);
    assert!(!seen.contains(&outside));

    let (_, nothing) = env.api(&t.access, Method::GET, &delta_link, None).await;
    assert_eq!(nothing["value"], json!([]));

    let moved = &seeded[0];
    env.api(&t.access, Method::PATCH, &format!("/me/events/{moved}"), Some(json!({
        "start": {"dateTime": "2030-03-01T09:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2030-03-01T10:00:00", "timeZone": "UTC"}}))).await;
    env.api(&t.access, Method::PATCH, &format!("/me/events/{}", seeded[1]), Some(json!({"subject": "renamed"}))).await;
    env.api(&t.access, Method::DELETE, &format!("/me/events/{}", seeded[2]), None).await;
    let (_, changes) = env.api(&t.access, Method::GET, &delta_link, None).await;
    let value = changes["value"].as_array().unwrap();
    assert_eq!(value.len(), 3, "{changes}");
    let removed: Vec<&str> =
        value.iter().filter(|e| e["@removed"]["reason"] == "deleted").map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(removed, vec![moved.as_str(), seeded[2].as_str()], "moved out of the window, and deleted");
    assert!(value.iter().any(|e| e["id"] == seeded[1].as_str() && e["subject"] == "renamed"));

    env.control(Method::POST, &format!("/calendars/{ADA}/sync-reset"), json!({})).await;
    let (status, v) = env.api(&t.access, Method::GET, &delta_link, None).await;
    assert_eq!(status, StatusCode::GONE, "{v}");
    let (status, v) = env.api(&t.access, Method::GET, "/me/calendarView/delta?$deltatoken=garbage", None).await;
    assert_eq!(status, StatusCode::GONE, "{v}");
}

#[tokio::test]
async fn pages_follow_on_both_providers() {
    let env = start(Provider::Google).await;
    let t = env.login(ADA).await;
    for day in 1..=5 {
        env.seed(ADA, &format!("2030-01-0{day}T09:00:00Z"), &format!("2030-01-0{day}T10:00:00Z"), "x").await;
    }
    let mut path = "/calendars/primary/events?maxResults=2&singleEvents=true&orderBy=startTime".to_string();
    let mut pages = Vec::new();
    loop {
        let (status, page) = env.api(&t.access, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages.push(ids(&page["items"]).len());
        match page["nextPageToken"].as_str() {
            Some(token) => {
                path = format!(
                    "/calendars/primary/events?maxResults=2&singleEvents=true&orderBy=startTime&pageToken={token}"
                )
            }
            None => {
                assert!(page["nextSyncToken"].is_string());
                break;
            }
        }
    }
    assert_eq!(pages, vec![2, 2, 1]);
    let (status, v) = env.api(&t.access, Method::GET, "/calendars/primary/events?orderBy=startTime", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "startTime ordering needs singleEvents: {v}");

    let env = start(Provider::Microsoft).await;
    let t = env.login(ADA).await;
    for day in 1..=5 {
        env.seed(ADA, &format!("2030-01-0{day}T09:00:00Z"), &format!("2030-01-0{day}T10:00:00Z"), "x").await;
    }
    let mut link =
        "/me/calendarView?startDateTime=2030-01-01T00:00:00Z&endDateTime=2030-02-01T00:00:00Z&$top=2".to_string();
    let mut pages = Vec::new();
    loop {
        let (status, page) = env.api(&t.access, Method::GET, &link, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        pages.push(ids(&page["value"]).len());
        match page["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(next.contains("$skip="), "{next}");
                link = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(pages, vec![2, 2, 1]);
    let (status, v) =
        env.api(&t.access, Method::GET, "/me/calendarView?startDateTime=2030-01-01T00:00:00Z", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "ErrorInvalidParameter");
    assert!(v["error"]["innerError"]["request-id"].is_string());
}

#[tokio::test]
async fn time_zones_are_honoured() {
    let env = start(Provider::Google).await;
    let t = env.login(ADA).await;
    let body = json!({"start": {"dateTime": "2030-07-01T09:00:00", "timeZone": "Europe/Paris"},
                      "end": {"dateTime": "2030-07-01T10:00:00", "timeZone": "Europe/Paris"}});
    let (_, ev) = env.api(&t.access, Method::POST, "/calendars/primary/events", Some(body)).await;
    assert_eq!(
        ev["start"],
        json!({"dateTime": "2030-07-01T07:00:00Z", "timeZone": "Europe/Paris"}),
        "calendar zone UTC"
    );
    let id = ev["id"].as_str().unwrap();
    let (_, ev) = env
        .api(&t.access, Method::GET, &format!("/calendars/primary/events/{id}?timeZone=America/New_York"), None)
        .await;
    assert_eq!(ev["start"]["dateTime"], "2030-07-01T03:00:00-04:00");
    let (status, v) = env
        .api(
            &t.access,
            Method::POST,
            "/calendars/primary/events",
            Some(json!({"start": {"dateTime": "2030-07-01T09:00:00"}, "end": {"dateTime": "2030-07-01T10:00:00"}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["message"], "Missing time zone definition for start time.");
    let (_, all_day) = env
        .api(
            &t.access,
            Method::POST,
            "/calendars/primary/events",
            Some(json!({"start": {"date": "2030-07-02"}, "end": {"date": "2030-07-03"}})),
        )
        .await;
    assert_eq!(all_day["start"], json!({"date": "2030-07-02"}));
    let fb = json!({"timeMin": "2030-07-01T00:00:00Z", "timeMax": "2030-07-02T00:00:00Z", "timeZone": "Asia/Tokyo", "items": [{"id": "primary"}]});
    let (_, fb) = env.api(&t.access, Method::POST, "/freeBusy", Some(fb)).await;
    assert_eq!(
        fb["calendars"]["primary"]["busy"],
        json!([{"start": "2030-07-01T16:00:00+09:00", "end": "2030-07-01T17:00:00+09:00"}])
    );

    let env = start(Provider::Microsoft).await;
    let t = env.login(ADA).await;
    let body = json!({"subject": "x", "start": {"dateTime": "2030-07-01T09:00:00", "timeZone": "Europe/Paris"},
                      "end": {"dateTime": "2030-07-01T10:00:00", "timeZone": "Europe/Paris"}});
    let (status, ev) = env.api(&t.access, Method::POST, "/me/events", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{ev}");
    assert_eq!(ev["start"], json!({"dateTime": "2030-07-01T07:00:00.0000000", "timeZone": "UTC"}));
    assert_eq!(ev["originalStartTimeZone"], "Europe/Paris");
    let view = "/me/calendarView?startDateTime=2030-07-01T00:00:00Z&endDateTime=2030-07-02T00:00:00Z";
    let (_, headers, v) = env
        .api_with(&t.access, Method::GET, view, None, &[("Prefer", "outlook.timezone=\"Pacific Standard Time\"")])
        .await;
    assert_eq!(
        v["value"][0]["start"],
        json!({"dateTime": "2030-07-01T00:00:00.0000000", "timeZone": "Pacific Standard Time"})
    );
    assert_eq!(headers["preference-applied"], "outlook.timezone=\"Pacific Standard Time\"");
    let (_, headers, v) =
        env.api_with(&t.access, Method::GET, view, None, &[("Prefer", "outlook.timezone=\"Asia/Kolkata\"")]).await;
    assert_eq!(v["value"][0]["end"]["dateTime"], "2030-07-01T13:30:00.0000000");
    assert!(headers.get("preference-applied").is_some());
    let (_, listed) = env.control(Method::GET, &format!("/calendars/{ADA}/events"), json!({})).await;
    assert_eq!(listed[0]["start"], "2030-07-01T07:00:00Z");
    let (status, v) = env
        .api(&t.access, Method::POST, "/me/events", Some(json!({"start": {"dateTime": "2030-07-01T09:00:00", "timeZone": "Mars/Olympus"}, "end": {"dateTime": "2030-07-01T10:00:00", "timeZone": "UTC"}})))
        .await;
    assert_eq!((status, v["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("TimeZoneNotSupportedException")));
}

#[tokio::test]
async fn google_event_ids_and_errors() {
    let env = start(Provider::Google).await;
    let t = env.login(ADA).await;
    let mut body = event_body("2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z");
    body["id"] = json!("prospo0booking42");
    body["iCalUID"] = json!("booking-42@prospo.example");
    let (status, ev) = env.api(&t.access, Method::POST, "/calendars/primary/events", Some(body.clone())).await;
    assert_eq!(status, StatusCode::OK, "{ev}");
    assert_eq!(
        (ev["id"].as_str(), ev["iCalUID"].as_str()),
        (Some("prospo0booking42"), Some("booking-42@prospo.example"))
    );
    let (status, v) = env.api(&t.access, Method::POST, "/calendars/primary/events", Some(body.clone())).await;
    assert_eq!((status, v["error"]["errors"][0]["reason"].as_str()), (StatusCode::CONFLICT, Some("duplicate")));
    body["id"] = json!("Not-Base32hex");
    let (status, v) = env.api(&t.access, Method::POST, "/calendars/primary/events", Some(body)).await;
    assert_eq!((status, v["error"]["message"].as_str()), (StatusCode::BAD_REQUEST, Some("Invalid resource id value.")));
    let (status, v) = env.api(&t.access, Method::DELETE, "/calendars/primary/events/unknown00", None).await;
    assert_eq!((status, v["error"]["errors"][0]["reason"].as_str()), (StatusCode::NOT_FOUND, Some("notFound")));
    let (status, v) = env.api(&t.access, Method::GET, "/calendars/someone-else@example.com/events", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let (status, v) = env
        .api(
            &t.access,
            Method::POST,
            "/calendars/primary/events",
            Some(event_body("2030-01-07T11:00:00Z", "2030-01-07T10:00:00Z")),
        )
        .await;
    assert_eq!((status, v["error"]["errors"][0]["reason"].as_str()), (StatusCode::BAD_REQUEST, Some("timeRangeEmpty")));
}

#[tokio::test]
async fn google_freebusy_merges_clips_and_skips_free_time() {
    let env = start(Provider::Google).await;
    let t = env.login(ADA).await;
    env.seed(ADA, "2030-01-07T08:00:00Z", "2030-01-07T09:30:00Z", "early").await;
    env.seed(ADA, "2030-01-07T09:00:00Z", "2030-01-07T10:00:00Z", "overlap").await;
    let (_, _) = env
        .control(
            Method::POST,
            &format!("/calendars/{ADA}/events"),
            json!({"start": "2030-01-07T12:00:00Z", "end": "2030-01-07T13:00:00Z", "free": true}),
        )
        .await;
    let (_, cancelled) = env
        .api(
            &t.access,
            Method::POST,
            "/calendars/primary/events",
            Some(event_body("2030-01-07T14:00:00Z", "2030-01-07T15:00:00Z")),
        )
        .await;
    env.api(
        &t.access,
        Method::PATCH,
        &format!("/calendars/primary/events/{}", cancelled["id"].as_str().unwrap()),
        Some(json!({"status": "cancelled"})),
    )
    .await;
    let query =
        |min: &str, max: &str| json!({"timeMin": min, "timeMax": max, "items": [{"id": "primary"}, {"id": ADA}]});
    let (_, fb) = env
        .api(&t.access, Method::POST, "/freeBusy", Some(query("2030-01-07T08:30:00Z", "2030-01-08T00:00:00Z")))
        .await;
    let busy = json!([{"start": "2030-01-07T08:30:00Z", "end": "2030-01-07T10:00:00Z"}]);
    assert_eq!(fb["calendars"]["primary"]["busy"], busy);
    assert_eq!(fb["calendars"][ADA]["busy"], busy);
    assert_eq!(fb["timeMin"], "2030-01-07T08:30:00.000Z");
    let (status, v) = env
        .api(&t.access, Method::POST, "/freeBusy", Some(query("2030-01-07T08:30:00Z", "2030-01-07T08:30:00Z")))
        .await;
    assert_eq!((status, v["error"]["errors"][0]["reason"].as_str()), (StatusCode::BAD_REQUEST, Some("timeRangeEmpty")));
    let (status, v) = env
        .api(&t.access, Method::POST, "/freeBusy", Some(query("2030-01-01T00:00:00Z", "2030-04-02T00:00:00Z")))
        .await;
    assert_eq!(
        (status, v["error"]["errors"][0]["reason"].as_str()),
        (StatusCode::BAD_REQUEST, Some("timeRangeTooLong"))
    );
}

#[tokio::test]
async fn graph_transaction_ids_are_idempotent() {
    let env = start(Provider::Microsoft).await;
    let t = env.login(ADA).await;
    let body = json!({"subject": "Booking", "transactionId": "prospo-booking-7",
                      "start": {"dateTime": "2030-01-07T10:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2030-01-07T11:00:00", "timeZone": "UTC"}});
    let (s1, first) = env.api(&t.access, Method::POST, "/me/events", Some(body.clone())).await;
    let (s2, second) = env.api(&t.access, Method::POST, "/me/events", Some(body)).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(first["id"], second["id"]);
    let (_, listed) = env.control(Method::GET, &format!("/calendars/{ADA}/events"), json!({})).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let (status, v) = env.api(&t.access, Method::PATCH, "/me/events/unknown", Some(json!({"subject": "x"}))).await;
    assert_eq!((status, v["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("ErrorItemNotFound")));
}

#[tokio::test]
async fn control_routes_seed_list_and_count() {
    for provider in [Provider::Google, Provider::Microsoft] {
        let env = start(provider).await;
        let seeded = env.seed("carol@example.com", "2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z", "Seeded").await;
        let t = env.login("carol@example.com").await;
        let (status, created) = match provider {
            Provider::Google => env.api(&t.access, Method::POST, "/calendars/primary/events", Some(json!({"summary": "By Prospo", "description": "Notes",
                "start": {"dateTime": "2030-01-08T10:00:00Z"}, "end": {"dateTime": "2030-01-08T11:00:00Z"}}))).await,
            Provider::Microsoft => env.api(&t.access, Method::POST, "/me/events", Some(json!({"subject": "By Prospo", "body": {"contentType": "text", "content": "Notes"},
                "start": {"dateTime": "2030-01-08T10:00:00", "timeZone": "UTC"}, "end": {"dateTime": "2030-01-08T11:00:00", "timeZone": "UTC"}}))).await,
        };
        assert!(status.is_success(), "{created}");
        let (status, listed) = env.control(Method::GET, "/calendars/carol@example.com/events", json!({})).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            listed,
            json!([
                {"id": seeded, "start": "2030-01-07T10:00:00Z", "end": "2030-01-07T11:00:00Z", "summary": "Seeded", "description": "",
                 "location": "", "free": false, "cancelled": false},
                {"id": created["id"], "start": "2030-01-08T10:00:00Z", "end": "2030-01-08T11:00:00Z", "summary": "By Prospo",
                 "description": "Notes", "location": "", "free": false, "cancelled": false},
            ])
        );
        let (status, v) = env.control(Method::POST, "/oauth-clients", json!({})).await;
        assert_eq!(status, StatusCode::CREATED);
        assert!(v["client_id"].is_string() && v["client_secret"].is_string());
        let stats = env.stats().await;
        assert_eq!(stats, json!({"token_requests": 1, "refreshes": 0, "api_requests": 1}));
    }
}

#[tokio::test]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("google.json");
    let sandbox = provider_sandbox::Sandbox::open(Provider::Google, &file).unwrap();
    let client = sandbox.create_client();
    let running = provider_sandbox::spawn(sandbox, "127.0.0.1:0").await.unwrap();
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/_sandbox/calendars/{ADA}/events", running.url))
        .json(&json!({"start": "2030-01-07T10:00:00Z", "end": "2030-01-07T11:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    running.sandbox.flush().unwrap();
    drop(running);

    let reopened = provider_sandbox::Sandbox::open(Provider::Google, &file).unwrap();
    let running = provider_sandbox::spawn(reopened, "127.0.0.1:0").await.unwrap();
    let listed: Value = http
        .get(format!("{}/_sandbox/calendars/{ADA}/events", running.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", "x"),
        ("client_id", client.client_id.as_str()),
        ("client_secret", client.client_secret.as_str()),
    ];
    let r = http.post(format!("{}/token", running.url)).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "the client is known again: a bad grant, not a bad client");
    assert!(
        provider_sandbox::Sandbox::open(Provider::Microsoft, &file).is_err(),
        "a Google state file is not a Microsoft one"
    );
}
