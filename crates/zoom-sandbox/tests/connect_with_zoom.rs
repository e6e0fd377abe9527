//! Connect with Zoom against the sandbox over HTTP: a General app's consent page, the
//! authorization-code grant with PKCE, rotating refresh tokens, revocation, and tokens that act
//! as one user.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Env, start};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zoom_sandbox::Sandbox;

const REDIRECT: &str = "https://prospo.example/oauth/zoom/callback";

struct OAuthClient {
    id: String,
    secret: String,
}

struct Grant {
    access: String,
    refresh: String,
    scope: String,
}

/// A PKCE pair: a 43-character verifier and its S256 challenge.
fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

fn code(v: &Value) -> i64 {
    v["code"].as_i64().unwrap_or(-1)
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// The query parameters of a redirect's `Location`.
fn location(response: &reqwest::Response) -> (String, Vec<(String, String)>) {
    let to = response.headers()[header::LOCATION].to_str().unwrap();
    let url = reqwest::Url::parse(to).unwrap();
    let base = format!("{}://{}{}", url.scheme(), url.host_str().unwrap(), url.path());
    (base, url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

impl OAuthClient {
    async fn create(env: &Env, body: Value) -> OAuthClient {
        let (status, v) = env.control(Method::POST, "/oauth-clients", body).await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
        assert_eq!(v.as_object().unwrap().len(), 2, "{v}");
        OAuthClient { id: v["client_id"].as_str().unwrap().into(), secret: v["client_secret"].as_str().unwrap().into() }
    }

    fn authorize_url(&self, env: &Env, challenge: &str, login_hint: Option<&str>) -> String {
        let mut url = reqwest::Url::parse(&env.url("/oauth/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.id)
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("state", "st-1")
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256");
        if let Some(hint) = login_hint {
            url.query_pairs_mut().append_pair("login_hint", hint);
        }
        url.to_string()
    }

    /// The user `email` allows the app: the code Zoom sends back.
    async fn consent(&self, env: &Env, email: &str, challenge: &str) -> String {
        let response =
            no_redirects().post(self.authorize_url(env, challenge, Some(email))).form(&[("allow", "1")]).send().await;
        let response = response.unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        let (to, params) = location(&response);
        assert_eq!(to, REDIRECT);
        assert_eq!(param(&params, "state"), Some("st-1"));
        param(&params, "code").unwrap().to_owned()
    }

    async fn token(&self, env: &Env, form: &[(&str, &str)]) -> (StatusCode, Value) {
        env.token_response(&self.id, &self.secret, form).await
    }

    async fn exchange(&self, env: &Env, code: &str, verifier: &str) -> (StatusCode, Value) {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ];
        self.token(env, &form).await
    }

    async fn refresh(&self, env: &Env, refresh_token: &str) -> (StatusCode, Value) {
        self.token(env, &[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
    }

    /// Consent and exchange in one: a fresh grant for `email`.
    async fn connect(&self, env: &Env, email: &str) -> Grant {
        let (verifier, challenge) = pkce();
        let code = self.consent(env, email, &challenge).await;
        let (status, v) = self.exchange(env, &code, &verifier).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        grant(&v)
    }

    async fn stats(&self, env: &Env) -> Value {
        env.control(Method::GET, &format!("/apps/{}/stats", self.id), json!({})).await.1
    }
}

fn grant(v: &Value) -> Grant {
    Grant {
        access: v["access_token"].as_str().unwrap().into(),
        refresh: v["refresh_token"].as_str().unwrap().into(),
        scope: v["scope"].as_str().unwrap().into(),
    }
}

#[tokio::test]
async fn the_consent_page_lists_the_scopes_and_allow_sends_a_code_for_a_new_user() {
    let env = start().await;
    let client = OAuthClient::create(&env, json!({})).await;
    let (verifier, challenge) = pkce();
    let url = client.authorize_url(&env, &challenge, Some("new.host@example.com"));
    let page = env.http.get(&url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Signed in as <strong>new.host@example.com</strong>"), "{html}");
    for scope in ["meeting:write:meeting", "user:read:user", "cloud_recording:read:list_user_recordings"] {
        assert!(html.contains(&format!("<code>{scope}</code>")), "{scope} in {html}");
    }
    assert!(html.contains("<form method=\"post\" action=\"/oauth/authorize?"), "{html}");
    assert!(html.contains(">Allow</button>") && html.contains(">Deny</button>"), "{html}");

    let code = client.consent(&env, "new.host@example.com", &challenge).await;
    let (status, v) = client.exchange(&env, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["api_url"], env.sandbox.url.as_str());
    let scope = v["scope"].as_str().unwrap();
    assert!(scope.split(' ').all(|s| !s.ends_with(":admin")), "user-level scopes: {scope}");
    let mut granted: Vec<&str> = scope.split(' ').collect();
    granted.sort_unstable();
    // What Prospo requires, and the recommended list permission, in their user-level form.
    let defaults = [
        "cloud_recording:delete:recording_file",
        "cloud_recording:read:list_recording_files",
        "cloud_recording:read:list_user_recordings",
        "meeting:delete:meeting",
        "meeting:read:list_meetings",
        "meeting:read:meeting",
        "meeting:update:meeting",
        "meeting:write:meeting",
        "user:read:user",
    ];
    assert_eq!(granted, defaults);

    let access = v["access_token"].as_str().unwrap();
    let (status, _, me) = env.api(access, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "new.host@example.com");
    assert!(env.sandbox.sandbox.apps().iter().all(|a| a.account_id != me["account_id"]), "an account of its own");
    let stats = client.stats(&env).await;
    assert_eq!((stats["token_requests"].as_u64(), stats["api_requests"].as_u64()), (Some(1), Some(1)), "{stats}");
    // A second consent by the same email is the same user.
    let again = client.connect(&env, "NEW.host@example.com").await;
    let (_, _, me_again) = env.api(&again.access, Method::GET, "/users/me", None).await;
    assert_eq!(me_again["id"], me["id"]);
}

#[tokio::test]
async fn without_login_hint_the_page_asks_for_the_email_and_deny_sends_access_denied() {
    let env = start().await;
    let client = OAuthClient::create(&env, json!({})).await;
    let (verifier, challenge) = pkce();
    let url = client.authorize_url(&env, &challenge, None);
    let html = env.http.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("name=\"email\" type=\"email\""), "{html}");
    let missing = no_redirects().post(&url).form(&[("allow", "1")]).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    assert!(missing.text().await.unwrap().contains("role=\"alert\""));

    let allowed = no_redirects().post(&url).form(&[("allow", "1"), ("email", "typed@example.com")]).send().await;
    let (_, params) = location(&allowed.unwrap());
    let (status, v) = client.exchange(&env, param(&params, "code").unwrap(), &verifier).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (_, _, me) = env.api(v["access_token"].as_str().unwrap(), Method::GET, "/users/me", None).await;
    assert_eq!(me["email"], "typed@example.com");

    let denied = no_redirects().post(&url).form(&[("deny", "1")]).send().await.unwrap();
    assert_eq!(denied.status(), StatusCode::FOUND);
    let (to, params) = location(&denied);
    assert_eq!(to, REDIRECT);
    assert_eq!(params, vec![("error".to_owned(), "access_denied".to_owned()), ("state".to_owned(), "st-1".to_owned())]);
}

#[tokio::test]
async fn bad_authorization_requests_get_an_error_page_and_no_redirect() {
    let env = start().await;
    let client = OAuthClient::create(&env, json!({"redirect_uris": [REDIRECT]})).await;
    let s2s = env.app(json!({})).await;
    let (_, challenge) = pkce();
    let good = client.authorize_url(&env, &challenge, Some("a@example.com"));
    let cases = [
        good.replace(&client.id, "no-such-client"),
        good.replace(&client.id, &s2s.client_id),
        good.replace("prospo.example", "evil.example"),
        good.replace("response_type=code", "response_type=token"),
        good.replace("S256", "plain"),
    ];
    for url in cases {
        let response = no_redirects().get(&url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{url}");
        assert!(response.headers().get(header::LOCATION).is_none());
        let posted = no_redirects().post(&url).form(&[("allow", "1")]).send().await.unwrap();
        assert_eq!(posted.status(), StatusCode::BAD_REQUEST, "{url}");
    }
    env.control(Method::PATCH, &format!("/apps/{}", client.id), json!({"activated": false})).await;
    let html = no_redirects().get(&good).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("The app has been disabled"), "{html}");
}

#[tokio::test]
async fn pkce_refuses_a_wrong_verifier_and_the_code_is_then_used_up() {
    let env = start().await;
    let client = OAuthClient::create(&env, json!({})).await;
    let (verifier, challenge) = pkce();
    let code = client.consent(&env, "pkce@example.com", &challenge).await;
    let (other_verifier, _) = pkce();
    let (status, v) = client.exchange(&env, &code, &other_verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"], "invalid_grant", "{v}");
    let (status, v) = client.exchange(&env, &code, &verifier).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v, json!({"reason": format!("Invalid authorization code {code}"), "error": "invalid_request"}));

    let code = client.consent(&env, "pkce@example.com", &challenge).await;
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", REDIRECT)];
    let (status, v) = client.token(&env, &form).await;
    assert_eq!((status, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "no verifier");
}

#[tokio::test]
async fn a_code_works_once_within_five_minutes_for_its_client_and_redirect_uri() {
    let env = start().await;
    let client = OAuthClient::create(&env, json!({})).await;
    let other = OAuthClient::create(&env, json!({})).await;
    let (verifier, challenge) = pkce();

    let code = client.consent(&env, "once@example.com", &challenge).await;
    let (status, _) = client.exchange(&env, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = client.exchange(&env, &code, &verifier).await;
    assert_eq!((status, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{v}");

    let code = client.consent(&env, "once@example.com", &challenge).await;
    let (status, v) = other.exchange(&env, &code, &verifier).await;
    assert_eq!((status, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{v}");

    let code = client.consent(&env, "once@example.com", &challenge).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "https://prospo.example/elsewhere"),
        ("code_verifier", verifier.as_str()),
    ];
    let (status, v) = client.token(&env, &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v, json!({"reason": "Redirect URI mismatch.", "error": "invalid_request"}));

    let code = client.consent(&env, "once@example.com", &challenge).await;
    env.control(Method::PUT, "/clock", json!({"offset_seconds": 301})).await;
    let (status, v) = client.exchange(&env, &code, &verifier).await;
    assert_eq!((status, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "expired: {v}");
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_used_one_is_invalid_grant() {
    let env = start().await;
    let client = OAuthClient::create(&env, json!({})).await;
    let first = client.connect(&env, "rotate@example.com").await;

    let (status, v) = client.refresh(&env, &first.refresh).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let second = grant(&v);
    assert_ne!(second.refresh, first.refresh);
    assert_ne!(second.access, first.access);
    assert_eq!(second.scope, first.scope);

    let (status, v) = client.refresh(&env, &first.refresh).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v, json!({"reason": "Invalid Token!", "error": "invalid_grant"}));
    // The refusal did not end the grant: the newest refresh token still works, and so do both
    // access tokens until they expire.
    let (status, v) = client.refresh(&env, &second.refresh).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    for access in [&first.access, &second.access] {
        let (status, _, _) = env.api(access, Method::GET, "/users/me", None).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, v) = OAuthClient::create(&env, json!({})).await.refresh(&env, &grant(&v).refresh).await;
    assert_eq!((status, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "another client");
    let (status, v) = client.token(&env, &[("grant_type", "refresh_token"), ("refresh_token", "nonsense")]).await;
    assert_eq!((status, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));

    let stats = client.stats(&env).await;
    assert_eq!(stats["refreshes"], 2, "{stats}");
    assert_eq!(stats["token_requests"], 5, "one code, four refresh requests: {stats}");

    let wrong_secret = env.token_response(&client.id, "wrong", &[("grant_type", "refresh_token")]).await;
    assert_eq!(wrong_secret.1, json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"}));
}

#[tokio::test]
async fn each_app_type_takes_only_its_own_grants() {
    let env = start().await;
    let client = OAuthClient::create(&env, json!({})).await;
    let s2s = env.app(json!({})).await;
    let unsupported = json!({"reason": "unsupported grant type", "error": "unsupported_grant_type"});
    let account = [("grant_type", "account_credentials"), ("account_id", s2s.account_id.as_str())];
    assert_eq!(client.token(&env, &account).await.1, unsupported);
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", "x")];
    assert_eq!(env.token_response(&s2s.client_id, &s2s.client_secret, &refresh).await.1, unsupported);
    let (status, _) =
        env.control(Method::POST, &format!("/apps/{}/users", client.id), json!({"email": "x@example.com"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(env.sandbox.sandbox.apps().iter().all(|a| a.client_id != client.id));
    assert_eq!(env.sandbox.sandbox.oauth_clients().len(), 1);
}

#[tokio::test]
async fn revoking_an_app_or_a_user_ends_access_and_refresh_tokens() {
    let env = start().await;
    let client = OAuthClient::create(&env, json!({})).await;
    let a = client.connect(&env, "a@example.com").await;
    let b = client.connect(&env, "b@example.com").await;
    let dead = json!({"reason": "Invalid Token!", "error": "invalid_grant"});

    let (status, _) = env.control(Method::POST, "/users/A@example.com/revoke", json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, v) = env.api(&a.access, Method::GET, "/users/me", None).await;
    assert_eq!((status, code(&v)), (StatusCode::UNAUTHORIZED, 124));
    assert_eq!(client.refresh(&env, &a.refresh).await.1, dead);
    let (status, _, _) = env.api(&b.access, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK, "another user's grant lives on");
    let (status, _) = env.control(Method::POST, "/users/nobody@example.com/revoke", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = env.control(Method::POST, &format!("/apps/{}/revoke-tokens", client.id), json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = env.api(&b.access, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(client.refresh(&env, &b.refresh).await.1, dead);

    // Authorising again starts a new grant, and ends the one before it.
    let first = client.connect(&env, "b@example.com").await;
    let second = client.connect(&env, "b@example.com").await;
    assert_eq!(client.refresh(&env, &first.refresh).await.1, dead);
    let (status, _, _) = env.api(&first.access, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = env.api(&second.access, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK);

    // Deactivating the app ends everything; its token requests are then refused as a bad client.
    env.control(Method::PATCH, &format!("/apps/{}", client.id), json!({"activated": false})).await;
    let (status, _, _) = env.api(&second.access, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(client.refresh(&env, &second.refresh).await.1["error"], "invalid_client");
}

#[tokio::test]
async fn a_users_token_acts_for_that_user_only() {
    let env = start().await;
    let s2s = env.app(json!({"email": "owner@example.com"})).await;
    let (_, member) = env
        .control(Method::POST, &format!("/apps/{}/users", s2s.client_id), json!({"email": "member@example.com"}))
        .await;
    let admin = env.token(&s2s).await;
    let owners = env.create_meeting(&admin, "me", json!({"topic": "owner's"})).await;
    let client = OAuthClient::create(&env, json!({})).await;
    let grant = client.connect(&env, "member@example.com").await;

    let (status, _, me) = env.api(&grant.access, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((&me["id"], &me["account_id"]), (&member["user_id"], &json!(s2s.account_id)));
    let (status, _, v) = env.api(&grant.access, Method::GET, "/users/member@example.com", None).await;
    assert_eq!(status, StatusCode::OK, "itself by email: {v}");

    let (status, _, v) = env.api(&grant.access, Method::GET, &format!("/users/{}", s2s.user_id), None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        v,
        json!({"code": 4711, "message": "Invalid access token, does not contain scopes:[user:read:user:admin]."})
    );
    let (status, _, v) = env.api(&grant.access, Method::GET, &format!("/meetings/{}", owners["id"]), None).await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, 4711), "{v}");
    let (status, _, v) =
        env.api(&grant.access, Method::POST, "/users/owner@example.com/meetings", Some(json!({}))).await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, 4711), "{v}");

    let mine = env.create_meeting(&grant.access, "me", json!({"topic": "member's"})).await;
    assert_eq!(mine["host_id"], member["user_id"]);
    let path = format!("/meetings/{}", mine["id"]);
    let (status, _, _) = env.api(&grant.access, Method::PATCH, &path, Some(json!({"topic": "renamed"}))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, listed) = env.api(&grant.access, Method::GET, "/users/me/meetings", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["meetings"].as_array().map(Vec::len), Some(1), "{listed}");
    let (status, recorded) =
        env.control(Method::POST, &format!("/meetings/{}/recordings", mine["id"]), json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, files) = env.api(&grant.access, Method::GET, &format!("{path}/recordings"), None).await;
    assert_eq!(status, StatusCode::OK, "{files}");
    let download = files["recording_files"][0]["download_url"].as_str().unwrap();
    let bytes = env.http.get(download).bearer_auth(&grant.access).send().await.unwrap();
    assert_eq!(bytes.status(), StatusCode::OK);
    let (status, _, v) = env.api(&grant.access, Method::GET, "/users/me/recordings", None).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["meetings"][0]["uuid"], recorded["uuid"]);

    // The account's admin still sees the member's meeting; the member's token reaches no other
    // account at all.
    let (status, _, _) = env.api(&admin, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    let stranger = env.app(json!({})).await;
    let theirs = env.create_meeting(&env.token(&stranger).await, "me", json!({})).await;
    let (status, _, v) = env.api(&grant.access, Method::GET, &format!("/meetings/{}", theirs["id"]), None).await;
    assert_eq!((status, code(&v)), (StatusCode::NOT_FOUND, 3001));
}

#[tokio::test]
async fn tokens_carry_the_apps_scopes_when_issued() {
    let env = start().await;
    let client = OAuthClient::create(&env, json!({"scopes": ["meeting:read:meeting", "user:read:user"]})).await;
    let grant = client.connect(&env, "scoped@example.com").await;
    assert_eq!(grant.scope, "meeting:read:meeting user:read:user");
    let (status, _, v) = env.api(&grant.access, Method::POST, "/users/me/meetings", Some(json!({}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        v,
        json!({"code": 4711, "message": "Invalid access token, does not contain scopes:[meeting:write:meeting, meeting:write:meeting:admin]."})
    );

    let (status, _) =
        env.control(Method::PATCH, &format!("/apps/{}", client.id), json!({"scopes": ["meeting:read:meeting"]})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = env.api(&grant.access, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK, "a token keeps the scopes it was issued with");
    let (_, v) = client.refresh(&env, &grant.refresh).await;
    assert_eq!(v["scope"], "meeting:read:meeting");
    let (status, _, v) = env.api(v["access_token"].as_str().unwrap(), Method::GET, "/users/me", None).await;
    assert_eq!((status, code(&v)), (StatusCode::BAD_REQUEST, 4711));
    let (_, challenge) = pkce();
    let html = env.http.get(client.authorize_url(&env, &challenge, None)).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("user:read:user"), "{html}");
}

#[tokio::test]
async fn an_expired_access_token_is_refused_until_a_refresh_and_refresh_tokens_live_90_days() {
    let env = start().await;
    let client = OAuthClient::create(&env, json!({})).await;
    let first = client.connect(&env, "expiry@example.com").await;
    env.control(Method::PUT, "/clock", json!({"offset_seconds": 3601})).await;
    let (status, _, v) = env.api(&first.access, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v, json!({"code": 124, "message": "Access token is expired."}));
    let (status, v) = client.refresh(&env, &first.refresh).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let renewed = grant(&v);
    let (status, _, me) = env.api(&renewed.access, Method::GET, "/users/me", None).await;
    assert_eq!((status, &me["email"]), (StatusCode::OK, &json!("expiry@example.com")));
    assert_eq!(client.stats(&env).await["refreshes"], 1);

    env.control(Method::PUT, "/clock", json!({"offset_seconds": 3601 + 90 * 86_400})).await;
    let (status, v) = client.refresh(&env, &renewed.refresh).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v, json!({"reason": "Invalid Token!", "error": "invalid_grant"}));
}

#[tokio::test]
async fn grants_survive_a_restart_and_an_older_state_file_keeps_its_general_apps() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zoom-sandbox.json");
    let serve = |sandbox: Sandbox| async move {
        Env { sandbox: zoom_sandbox::spawn(sandbox, "127.0.0.1:0").await.unwrap(), http: reqwest::Client::new() }
    };
    let (client, kept) = {
        let env = serve(Sandbox::open(&file).unwrap()).await;
        let client = OAuthClient::create(&env, json!({"scopes": ["user:read:user"]})).await;
        let kept = client.connect(&env, "kept@example.com").await;
        env.sandbox.sandbox.flush().unwrap();
        (client, kept)
    };
    {
        let env = serve(Sandbox::open(&file).unwrap()).await;
        let (status, _, me) = env.api(&kept.access, Method::GET, "/users/me", None).await;
        assert_eq!((status, &me["email"]), (StatusCode::OK, &json!("kept@example.com")));
        let (status, v) = client.refresh(&env, &kept.refresh).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        assert_eq!(v["scope"], "user:read:user");
        env.sandbox.sandbox.flush().unwrap();
    }

    // A state file from before General apps had an authorization server: the app is registered
    // again (its grants were not kept), with its scopes.
    let mut state: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let fields = state.as_object_mut().unwrap();
    assert!(fields.remove("auth").is_some() && fields.remove("oauth_users").is_some());
    std::fs::write(&file, serde_json::to_vec(&state).unwrap()).unwrap();
    let env = serve(Sandbox::open(&file).unwrap()).await;
    assert_eq!(env.sandbox.sandbox.oauth_clients().len(), 1);
    let again = client.connect(&env, "kept@example.com").await;
    assert_eq!(again.scope, "user:read:user");
    let (status, _, _) = env.api(&again.access, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK);
}
