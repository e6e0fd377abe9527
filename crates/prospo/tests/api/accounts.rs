use serde_json::json;

use crate::on_both_backends;
use crate::support::{Backend, TestApp};

on_both_backends! {
    async fn signup_then_me_with_and_without_token(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app
            .post_json("/api/v1/signup", &json!({"email": "  Ada@Example.COM ", "password": "correct horse battery", "name": "Ada Lovelace", "username": "Ada"}), None)
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["user"]["email"], "ada@example.com");
        assert_eq!(body["user"]["username"], "ada");
        let token = body["token"].as_str().unwrap();

        let (status, me) = app.get_json("/api/v1/me", Some(token)).await;
        assert_eq!(status, 200);
        assert_eq!(me["email"], "ada@example.com");
        assert_eq!(me["name"], "Ada Lovelace");
        assert!(me.get("password_hash").is_none());

        let (status, body) = app.get_json("/api/v1/me", None).await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["code"], "unauthorized");
        let (status, body) = app.get_json("/api/v1/me", Some("prospo_not-a-token")).await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["code"], "invalid_token");
    }
}

on_both_backends! {
    async fn taken_email_and_username_are_409(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        app.sign_up("ada").await;
        let (status, body) = app
            .post_json("/api/v1/signup", &json!({"email": "ADA@example.com", "password": "correct horse battery", "name": "Other", "username": "other"}), None)
            .await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("email_taken")));
        let (status, body) = app
            .post_json("/api/v1/signup", &json!({"email": "other@example.com", "password": "correct horse battery", "name": "Other", "username": "ADA"}), None)
            .await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("username_taken")));
        // A route name cannot be a username: booking links would collide with it.
        let (status, body) = app
            .post_json("/api/v1/signup", &json!({"email": "x@example.com", "password": "correct horse battery", "name": "X", "username": "settings"}), None)
            .await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("username_taken")));
    }
}

on_both_backends! {
    async fn bad_signup_input_is_422_and_writes_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let cases = [
            (json!({"email": "ada@example.com", "password": "123456789", "name": "Ada", "username": "ada"}), "weak_password"),
            (json!({"email": "not-an-email", "password": "correct horse battery", "name": "Ada", "username": "ada"}), "invalid_email"),
            (json!({"email": "ada@example.com", "password": "correct horse battery", "name": "  ", "username": "ada"}), "invalid_name"),
            (json!({"email": "ada@example.com", "password": "correct horse battery", "name": "Ada", "username": "a/b"}), "invalid_username"),
        ];
        for (body, code) in cases {
            let (status, answer) = app.post_json("/api/v1/signup", &body, None).await;
            assert_eq!((status, answer["error"]["code"].as_str()), (422, Some(code)), "{body}");
        }
        assert!(app.db.user_by_email("ada@example.com").await.unwrap().is_none());
    }
}

on_both_backends! {
    async fn login_gives_a_token_and_a_session(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        app.sign_up("ada").await;
        let (status, body) =
            app.post_json("/api/v1/login", &json!({"email": "ada@example.com", "password": "wrong password!"}), None).await;
        assert_eq!(status, 401);
        assert_eq!(body["error"]["code"], "invalid_login");
        assert_eq!(body["error"]["message"], "The email or password is not right.");
        let (status, body) =
            app.post_json("/api/v1/login", &json!({"email": "nobody@example.com", "password": "wrong password!"}), None).await;
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("invalid_login")));

        let (status, body) =
            app.post_json("/api/v1/login", &json!({"email": "ada@example.com", "password": "correct horse battery"}), None).await;
        assert_eq!(status, 200, "{body}");
        assert!(body["token"].as_str().unwrap().starts_with("prospo_"));
        // The client's cookie store now holds the session.
        let (status, me) = app.get_json("/api/v1/me", None).await;
        assert_eq!((status, me["username"].as_str()), (200, Some("ada")));
        let (status, _) = app.post_json("/api/v1/logout", &json!({}), None).await;
        assert_eq!(status, 204);
        let (status, _) = app.get_json("/api/v1/me", None).await;
        assert_eq!(status, 401);
    }
}

/// A log-in from the client at `address` (behind the trusted proxy on 127.0.0.1).
async fn log_in_from(app: &TestApp, address: &str, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.at("/api/v1/login"))
        .header("x-forwarded-for", address)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn behind_a_proxy(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| c.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await
}

on_both_backends! {
    async fn failed_logins_are_limited_per_address_and_per_account_alike_for_unknown_emails(backend: Backend) {
        let app = behind_a_proxy(backend).await;
        app.sign_up("ada").await;
        let guesser = "198.51.100.7";
        for email in ["ada@example.com", "nobody@example.com"] {
            let client = if email.starts_with("ada") { guesser } else { "198.51.100.8" };
            for _ in 0..10 {
                assert_eq!(log_in_from(&app, client, email, "wrong password!").await.status(), 401);
            }
            // The eleventh attempt waits, right password or not, known email or not: the same answer.
            let answer = log_in_from(&app, client, email, "correct horse battery").await;
            assert_eq!(answer.status(), 429, "{email}");
            let retry_after: i64 = answer.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=900).contains(&retry_after), "{retry_after}");
            let body: serde_json::Value = answer.json().await.unwrap();
            assert_eq!(body["error"]["code"], "too_many_attempts");
        }
        // The guesser cannot lock the owner out: from the owner's own address the password works.
        assert_eq!(log_in_from(&app, "203.0.113.20", "ada@example.com", "correct horse battery").await.status(), 200);
        // Nor guess other accounts from the same address.
        app.sign_up("bob").await;
        assert_eq!(log_in_from(&app, guesser, "bob@example.com", "correct horse battery").await.status(), 429);
        // After the window, the address may try again; right passwords do not count.
        app.state.clock.advance(jiff::SignedDuration::from_mins(16));
        for _ in 0..12 {
            assert_eq!(log_in_from(&app, guesser, "ada@example.com", "correct horse battery").await.status(), 200);
        }
    }
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_any_password_is_checked() {
    let app = behind_a_proxy(Backend::Sqlite).await;
    app.sign_up("ada").await;
    let guesses = (0..60).map(|i| {
        let app = &app;
        async move { log_in_from(app, "198.51.100.9", "ada@example.com", &format!("guess number {i}")).await.status() }
    });
    let answers = futures::future::join_all(guesses).await;
    let checked = answers.iter().filter(|s| s.as_u16() == 401).count();
    let refused = answers.iter().filter(|s| s.as_u16() == 429).count();
    assert_eq!((checked, refused), (10, 50), "at most ten guesses are checked: {answers:?}");
}

on_both_backends! {
    async fn tokens_are_listed_without_values_and_revocable(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let other = app.sign_up("bob").await;
        let (_, body) = app.post_json("/api/v1/login", &json!({"email": "ada@example.com", "password": "correct horse battery"}), None).await;
        let second = body["token"].as_str().unwrap().to_owned();

        let (status, list) = app.get_json("/api/v1/tokens", Some(&token)).await;
        assert_eq!(status, 200);
        let tokens = list["tokens"].as_array().unwrap();
        assert_eq!(tokens.len(), 2);
        assert!(!list.to_string().contains(&token) && !list.to_string().contains(&second), "a token value leaked");
        let current: Vec<_> = tokens.iter().filter(|t| t["current"] == true).collect();
        assert_eq!(current.len(), 1);
        assert_eq!(tokens[0]["name"], "API log-in", "newest first");
        let second_id = tokens[0]["id"].as_str().unwrap().to_owned();

        // Another user cannot revoke it.
        let (status, _) = app.delete(&format!("/api/v1/tokens/{second_id}"), Some(&other)).await;
        assert_eq!(status, 404);
        let (status, _) = app.delete(&format!("/api/v1/tokens/{second_id}"), Some(&token)).await;
        assert_eq!(status, 204);
        let (status, _) = app.get_json("/api/v1/me", Some(&second)).await;
        assert_eq!(status, 401, "a revoked token stops working");
        let (status, _) = app.get_json("/api/v1/me", Some(&token)).await;
        assert_eq!(status, 200);
    }
}

/// A new host's hours start as Monday–Friday 09:00–17:00 in the zone sign-up was given (the page
/// sends the browser's), so a New York host is not published at 04:00–12:00 local; UTC without one.
#[tokio::test]
async fn a_new_host_s_hours_start_in_their_own_zone() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = |username: &str, timezone: Option<&str>| {
        let mut body = json!({"email": format!("{username}@example.com"), "password": "correct horse battery",
                              "name": username, "username": username});
        if let Some(zone) = timezone {
            body["timezone"] = json!(zone);
        }
        body
    };
    let (status, signed_up) = app.post_json("/api/v1/signup", &body("nyc", Some("America/New_York")), None).await;
    assert_eq!(status, 201, "{signed_up}");
    let token = signed_up["token"].as_str().unwrap();
    let (_, hours) = app.get_json("/api/v1/availability", Some(token)).await;
    assert_eq!(hours["timezone"], "America/New_York");
    let nine_to_five = json!([["09:00", "17:00"]]);
    for day in ["mon", "tue", "wed", "thu", "fri"] {
        assert_eq!(hours["weekly"][day], nine_to_five, "{day}: {hours}");
    }
    assert!(hours["weekly"].get("sat").is_none() && hours["weekly"].get("sun").is_none(), "{hours}");

    let (status, signed_up) = app.post_json("/api/v1/signup", &body("utc", None), None).await;
    assert_eq!(status, 201);
    let (_, hours) = app.get_json("/api/v1/availability", Some(signed_up["token"].as_str().unwrap())).await;
    assert_eq!(hours["timezone"], "UTC");

    let (status, refused) = app.post_json("/api/v1/signup", &body("mars", Some("Mars/Olympus_Mons")), None).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (422, Some("unknown_time_zone")), "{refused}");
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE username = 'mars'").await, 0, "nothing half-written");
}
