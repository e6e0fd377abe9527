//! The profile: `PATCH /api/v1/me` (every field, every refusal, nothing half-written), the photo,
//! the public profile `/{username}` with hidden event types, and the settings page's forms.

use std::io::Cursor;

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::TestApp;

/// The fields GET /me answers, as a comparable value.
async fn me(app: &TestApp, token: &str) -> Value {
    let (status, me) = app.get_json("/api/v1/me", Some(token)).await;
    assert_eq!(status, 200, "{me}");
    me
}

on_both_backends! {
    async fn profile_patch_changes_every_field_and_null_clears(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let before = me(&app, &token).await;
        assert_eq!(before["embed_origins"], json!([]));
        assert!(before.get("bio").is_none() && before.get("locale").is_none(), "{before}");

        let body = json!({"name": " Ada Lovelace ", "username": "Ada-L", "timezone": "America/Argentina/Buenos_Aires",
                          "bio": "  Mathematician.\nFirst programmer. ", "locale": "de",
                          "embed_origins": ["https://Example.com:443", "https://shop.example.com:8443", "https://example.com"]});
        let (status, answer) = app.patch_json("/api/v1/me", &body, Some(&token)).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["name"], "Ada Lovelace");
        assert_eq!(answer["username"], "ada-l");
        assert_eq!(answer["timezone"], "America/Argentina/Buenos_Aires");
        assert_eq!(answer["bio"], "Mathematician.\nFirst programmer.");
        assert_eq!(answer["locale"], "de");
        // Exact origins, normalised, without repeats.
        assert_eq!(answer["embed_origins"], json!(["https://example.com", "https://shop.example.com:8443"]));
        assert_eq!(answer["email"], "ada@example.com");
        assert_eq!(answer["email_verified"], true, "an unchanged email stays confirmed");
        assert_eq!(answer, me(&app, &token).await, "200 as GET");

        // Fields not sent stay; null clears the clearable ones.
        let (status, answer) =
            app.patch_json("/api/v1/me", &json!({"bio": null, "locale": null, "timezone": null}), Some(&token)).await;
        assert_eq!(status, 200, "{answer}");
        assert!(answer.get("bio").is_none() && answer.get("locale").is_none() && answer.get("timezone").is_none(), "{answer}");
        assert_eq!(answer["name"], "Ada Lovelace");
        assert_eq!(answer["embed_origins"].as_array().unwrap().len(), 2);
        let (status, answer) = app.patch_json("/api/v1/me", &json!({"embed_origins": []}), Some(&token)).await;
        assert_eq!((status, answer["embed_origins"].clone()), (200, json!([])));

        let (status, _) = app.patch_json("/api/v1/me", &json!({"name": "X"}), None).await;
        assert_eq!(status, 401);
    }
}

on_both_backends! {
    async fn profile_patch_refusals_name_the_field_and_change_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        app.sign_up("grace").await;
        let (status, _) = app.patch_json("/api/v1/me", &json!({"bio": "Kept", "locale": "fr"}), Some(&token)).await;
        assert_eq!(status, 200);
        let before = me(&app, &token).await;
        let many: Vec<String> = (0..21).map(|i| format!("https://site{i}.example")).collect();
        let cases = [
            (json!({"name": "  "}), 422, "invalid_name", "name"),
            (json!({"name": "a".repeat(101)}), 422, "invalid_name", "name"),
            (json!({"username": "a/b"}), 422, "invalid_username", "username"),
            (json!({"username": "ab"}), 422, "invalid_username", "username"),
            (json!({"username": "settings"}), 409, "username_taken", ""),
            (json!({"username": "photos"}), 409, "username_taken", ""),
            (json!({"username": "Grace"}), 409, "username_taken", ""),
            (json!({"email": "not-an-email"}), 422, "invalid_email", "email"),
            (json!({"email": "GRACE@example.com"}), 409, "email_taken", ""),
            (json!({"timezone": "Mars/Base"}), 422, "unknown_time_zone", "timezone"),
            (json!({"bio": "b".repeat(501)}), 422, "invalid_bio", "bio"),
            (json!({"locale": "it"}), 422, "invalid_locale", "locale"),
            (json!({"locale": "DE"}), 422, "invalid_locale", "locale"),
            (json!({"embed_origins": ["example.com"]}), 422, "invalid_embed_origin", "embed_origins"),
            (json!({"embed_origins": ["https://example.com/page"]}), 422, "invalid_embed_origin", "embed_origins"),
            (json!({"embed_origins": ["https://*.example.com"]}), 422, "invalid_embed_origin", "embed_origins"),
            (json!({"embed_origins": ["https://a.example; script-src *"]}), 422, "invalid_embed_origin", "embed_origins"),
            (json!({"embed_origins": ["http://example.com"]}), 422, "invalid_embed_origin", "embed_origins"),
            (json!({"embed_origins": ["http://localhost:8000"]}), 422, "invalid_embed_origin", "embed_origins"),
            (json!({"embed_origins": many}), 422, "too_many_embed_origins", "embed_origins"),
            (json!({"embed_origins": "https://example.com"}), 422, "invalid_body", ""),
        ];
        for (refused, status, code, field) in cases {
            // Every refused field comes with valid changes to others: none of them may land.
            let mut body = json!({"name": "Changed Name", "username": "changed", "bio": "Changed", "locale": "pt",
                                  "timezone": "Asia/Tokyo", "embed_origins": ["https://changed.example"]});
            body.as_object_mut().unwrap().extend(refused.as_object().unwrap().clone());
            let (got, answer) = app.patch_json("/api/v1/me", &body, Some(&token)).await;
            assert_eq!((got, answer["error"]["code"].as_str()), (status, Some(code)), "{refused}: {answer}");
            if !field.is_empty() {
                assert_eq!(answer["error"]["field"], field, "{refused}");
            }
            assert!(answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
            assert_eq!(me(&app, &token).await, before, "{refused} changed something");
        }
        assert!(app.db.user_by_username("changed").await.unwrap().is_none());
    }
}

on_both_backends! {
    async fn profile_embed_origins_may_be_http_for_allow_listed_hosts(backend: Backend) {
        // The test app allow-lists 127.0.0.1 (`--allow-private-targets`).
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let body = json!({"embed_origins": ["http://127.0.0.1:8000", "https://127.0.0.1"]});
        let (status, answer) = app.patch_json("/api/v1/me", &body, Some(&token)).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["embed_origins"], json!(["http://127.0.0.1:8000", "https://127.0.0.1"]));
    }
}

on_both_backends! {
    async fn profile_email_change_is_unconfirmed_and_mailed_once(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let signup_link = app.queued_mails("verify_email").await.len();
        let (status, answer) = app.patch_json("/api/v1/me", &json!({"email": " Ada.New@Example.com "}), Some(&token)).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["email"], "ada.new@example.com");
        assert_eq!(answer["email_verified"], false);
        let mails = app.queued_mails("verify_email").await;
        assert_eq!(mails.len(), signup_link + 1, "one mail for the change");
        let mail = mails.last().unwrap();
        assert_eq!(mail.recipient, "ada.new@example.com");
        assert!(mail.subject.contains("new email"), "{}", mail.subject);
        // Saving the same address again sends nothing.
        let (status, _) = app.patch_json("/api/v1/me", &json!({"email": "ada.new@example.com", "bio": "x"}), Some(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(app.queued_mails("verify_email").await.len(), signup_link + 1);

        // The link confirms the new address.
        let link = mail.text_body.split_whitespace().find(|w| w.contains("/verify-email/")).unwrap();
        let path = &link[link.find("/verify-email/").unwrap()..];
        assert_eq!(app.client.get(app.at(path)).send().await.unwrap().status(), 200);
        assert_eq!(me(&app, &token).await["email_verified"], true);
        // Logging in takes the new address.
        let login = json!({"email": "ada.new@example.com", "password": "correct horse battery"});
        assert_eq!(app.post_json("/api/v1/login", &login, None).await.0, 200);
    }
}

on_both_backends! {
    async fn profile_email_changes_respect_the_mail_limit(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        // Three account mails an hour reach one address; a fourth change to it is refused whole.
        for round in 0..3 {
            for email in ["b@example.com", "c@example.com"] {
                let (status, answer) = app.patch_json("/api/v1/me", &json!({"email": email}), Some(&token)).await;
                assert_eq!(status, 200, "round {round} {email}: {answer}");
            }
        }
        let (status, answer) =
            app.patch_json("/api/v1/me", &json!({"email": "b@example.com", "name": "Not Saved"}), Some(&token)).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (429, Some("too_many_mails")), "{answer}");
        let now = me(&app, &token).await;
        assert_eq!((now["email"].as_str(), now["name"].as_str()), (Some("c@example.com"), Some("ada")));
        let to_b = app.queued_mails("verify_email").await.iter().filter(|m| m.recipient == "b@example.com").count();
        assert_eq!(to_b, 3);
    }
}

on_both_backends! {
    async fn profile_username_change_moves_booking_links(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.bookable_host("ada", "Intro call", "intro").await;
        let status = |path: &'static str| {
            let request = app.client.get(app.at(path));
            async move { request.send().await.unwrap().status().as_u16() }
        };
        assert_eq!((status("/ada/intro").await, status("/ada").await), (200, 200));
        let (code, answer) = app.patch_json("/api/v1/me", &json!({"username": "lovelace"}), Some(&token)).await;
        assert_eq!(code, 200, "{answer}");
        assert_eq!((status("/ada/intro").await, status("/ada").await), (404, 404), "the old links stop working");
        assert_eq!((status("/lovelace/intro").await, status("/lovelace").await), (200, 200));
        let (_, types) = app.get_json("/api/v1/event-types", Some(&token)).await;
        assert!(types["event_types"][0]["booking_url"].as_str().unwrap().ends_with("/lovelace/intro"));
        // The old name is free again.
        let body = json!({"email": "other@example.com", "password": "correct horse battery", "name": "Other", "username": "ada"});
        assert_eq!(app.post_json("/api/v1/signup", &body, None).await.0, 201);
    }
}

/// A `width` × `height` gradient in `format`.
fn image_bytes(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Cursor::new(Vec::new());
    picture.write_to(&mut out, format).unwrap();
    out.into_inner()
}

async fn put_photo(app: &TestApp, token: &str, content_type: Option<&str>, bytes: Vec<u8>) -> (u16, Value) {
    let mut request = app.client.put(app.at("/api/v1/me/photo")).bearer_auth(token).body(bytes);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    crate::support::read_json(request.send().await.unwrap()).await
}

/// The photo URL the public profile shows, if any.
async fn profile_photo_url(app: &TestApp, username: &str) -> Option<String> {
    let page = app.client.get(app.at(&format!("/{username}"))).send().await.unwrap().text().await.unwrap();
    let start = page.find("src=\"/photos/")? + "src=\"".len();
    let end = start + page[start..].find('"')?;
    Some(page[start..end].to_owned())
}

on_both_backends! {
    async fn profile_photo_is_stored_resized_and_served_with_cache_headers(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let page = app.client.get(app.at("/ada")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("avatar-initials") && page.contains(">A<"), "initials without a photo");
        assert!(profile_photo_url(&app, "ada").await.is_none());

        let (status, body) = put_photo(&app, &token, Some("image/png"), image_bytes(600, 400, image::ImageFormat::Png)).await;
        assert_eq!(status, 204, "{body}");
        let url = profile_photo_url(&app, "ada").await.expect("the profile shows the photo");
        let served = app.client.get(app.at(&url)).send().await.unwrap();
        assert_eq!(served.status(), 200);
        let header = |name: &str| served.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(header("content-type"), "image/jpeg");
        assert!(header("cache-control").contains("max-age=31536000"), "{}", header("cache-control"));
        assert!(header("cache-control").contains("immutable"));
        let etag = header("etag");
        assert!(etag.starts_with('"') && url.ends_with(etag.trim_matches('"')), "{etag} {url}");
        let stored = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
        assert_eq!((stored.width(), stored.height()), (256, 256), "resized to a square");
        let again = app.client.get(app.at(&url)).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304);

        // A new photo (JPEG) gets a new address at once; the old one is gone.
        let (status, body) = put_photo(&app, &token, Some("image/jpeg"), image_bytes(300, 900, image::ImageFormat::Jpeg)).await;
        assert_eq!(status, 204, "{body}");
        let newer = profile_photo_url(&app, "ada").await.unwrap();
        assert_ne!(newer, url);
        assert_eq!(app.client.get(app.at(&url)).send().await.unwrap().status(), 404);
        assert_eq!(app.client.get(app.at(&newer)).send().await.unwrap().status(), 200);

        let (status, _) = app.delete("/api/v1/me/photo", Some(&token)).await;
        assert_eq!(status, 204);
        assert!(profile_photo_url(&app, "ada").await.is_none(), "removed: initials again");
        assert_eq!(app.client.get(app.at(&newer)).send().await.unwrap().status(), 404);
        assert_eq!(app.delete("/api/v1/me/photo", Some(&token)).await.0, 204, "removing none is fine");
    }
}

on_both_backends! {
    async fn profile_photo_refusals_are_413_415_422(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        let png = || image_bytes(40, 40, image::ImageFormat::Png);
        let mut too_big = png();
        too_big.resize(2 * 1024 * 1024 + 1, 0);
        let cases = [
            (Some("image/png"), too_big, 413, "photo_too_large"),
            (Some("image/gif"), png(), 415, "unsupported_photo_type"),
            (None, png(), 415, "unsupported_photo_type"),
            (Some("application/json"), b"{}".to_vec(), 415, "unsupported_photo_type"),
            (Some("image/png"), b"not an image at all".to_vec(), 422, "invalid_photo"),
            (Some("image/jpeg"), png(), 422, "invalid_photo"),
            (Some("image/png"), image_bytes(4097, 8, image::ImageFormat::Png), 422, "photo_too_many_pixels"),
            (Some("image/png"), image_bytes(8, 4097, image::ImageFormat::Png), 422, "photo_too_many_pixels"),
        ];
        for (content_type, bytes, status, code) in cases {
            let (got, answer) = put_photo(&app, &token, content_type, bytes).await;
            assert_eq!((got, answer["error"]["code"].as_str()), (status, Some(code)), "{content_type:?}: {answer}");
            assert!(answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM profile_photos").await, 0);
        // A 4096-pixel side is still fine.
        let (status, body) = put_photo(&app, &token, Some("image/png"), image_bytes(4096, 8, image::ImageFormat::Png)).await;
        assert_eq!(status, 204, "{body}");
        let response = app.client.put(app.at("/api/v1/me/photo")).header("content-type", "image/png").body(png()).send().await.unwrap();
        assert_eq!(response.status(), 401);
    }
}

on_both_backends! {
    async fn profile_page_lists_visible_event_types_and_hidden_ones_still_book(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.bookable_host("ada", "Intro call", "intro").await;
        let (status, _) =
            app.patch_json("/api/v1/me", &json!({"name": "Ada Lovelace", "bio": "Analytical engines & <b>more</b>."}), Some(&token)).await;
        assert_eq!(status, 200);
        let description = format!("Deep dive. {}", "Lots to say about engines. ".repeat(20));
        let deep = json!({"title": "Deep dive", "slug": "deep", "duration_minutes": 60, "location": "phone",
                          "description": description, "minimum_notice_minutes": 0});
        let (status, made) = app.post_json("/api/v1/event-types", &deep, Some(&token)).await;
        assert_eq!(status, 201, "{made}");
        assert_eq!(made["hidden"], false, "visible by default");
        let secret = json!({"title": "Board only", "slug": "board", "duration_minutes": 30, "location": "zoom",
                            "minimum_notice_minutes": 0, "hidden": true});
        let (status, hidden) = app.post_json("/api/v1/event-types", &secret, Some(&token)).await;
        assert_eq!((status, hidden["hidden"].clone()), (201, json!(true)), "{hidden}");

        let page = app.client.get(app.at("/ada")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let page = page.text().await.unwrap();
        assert!(page.contains("Ada Lovelace") && page.contains(">AL<"), "name and initials");
        assert!(page.contains("Analytical engines &#38; &#60;b&#62;more&#60;/b&#62;."), "the bio, escaped: {page}");
        for shown in ["href=\"/ada/intro\"", "Intro call", "30 min · Zoom", "href=\"/ada/deep\"", "60 min · Phone call", "Deep dive. Lots to say"] {
            assert!(page.contains(shown), "{shown} missing");
        }
        assert!(page.contains('…') && !page.contains(&description), "a description excerpt, not all of it");
        assert!(!page.contains("Board only") && !page.contains("/ada/board"), "hidden event types are left off");
        // Hidden, still bookable by its link.
        assert_eq!(app.client.get(app.at("/ada/board")).send().await.unwrap().status(), 200);
        let date = (jiff::Zoned::now().date() + jiff::Span::new().days(2)).to_string();
        let (status, slots) = app.get_json(&format!("/api/v1/public/ada/board/slots?from={date}&to={date}&timezone=UTC"), None).await;
        assert_eq!(status, 200, "{slots}");
        let booking = json!({"start": slots["slots"][0], "name": "Grace", "email": "grace@example.com", "timezone": "UTC"});
        let (status, booked) = app.post_json("/api/v1/public/ada/board/bookings", &booking, None).await;
        assert_eq!(status, 201, "{booked}");

        // Shown again once not hidden.
        let id = hidden["id"].as_str().unwrap();
        let (status, changed) = app.patch_json(&format!("/api/v1/event-types/{id}"), &json!({"hidden": false}), Some(&token)).await;
        assert_eq!((status, changed["hidden"].clone()), (200, json!(false)));
        let page = app.client.get(app.at("/ada")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("/ada/board"));
    }
}

on_both_backends! {
    async fn profile_page_of_a_host_without_event_types_says_so_and_unknown_is_404(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        app.sign_up("grace").await;
        let page = app.client.get(app.at("/grace")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("No public event types yet"));
        let missing = app.client.get(app.at("/nobody-here")).send().await.unwrap();
        assert_eq!(missing.status(), 404);
        assert!(missing.text().await.unwrap().contains("Page not found"), "the existing 404 page");
    }
}

/// Logs the app's client in (a session cookie) as `email`.
async fn log_in_page(app: &TestApp, email: &str) {
    let login = [("email", email), ("password", "correct horse battery")];
    assert!(app.client.post(app.at("/login")).form(&login).send().await.unwrap().status().is_success());
}

on_both_backends! {
    async fn profile_settings_forms_save_or_answer_422_with_typed_values(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.sign_up("ada").await;
        app.sign_up("grace").await;
        log_in_page(&app, "ada@example.com").await;
        let page = app.client.get(app.at("/settings/profile")).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let page = page.text().await.unwrap();
        for tab in ["href=\"/settings/profile\" aria-current=\"page\"", "/settings/integrations", "/settings/calendars", "/settings/tokens"] {
            assert!(page.contains(tab), "{tab}");
        }
        assert!(page.contains("the old ones stop working"), "says what a username change does");

        let form = |username: &'static str, bio: &'static str| {
            [("name", "Ada L"), ("username", username), ("email", "ada@example.com"), ("bio", bio),
             ("timezone", "Europe/Berlin"), ("locale", "fr")]
        };
        let refused = app.client.post(app.at("/settings/profile")).form(&form("grace", "Typed bio")).send().await.unwrap();
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(html.contains("id=\"username-error\"") && html.contains("This username is taken or reserved. Choose another."), "error beside its field");
        assert!(html.contains("value=\"grace\"") && html.contains(">Typed bio</textarea>") && html.contains("value=\"Ada L\""), "typed values kept");
        assert_eq!(me(&app, &token).await["name"], "ada", "nothing saved");

        let saved = app.client.post(app.at("/settings/profile")).form(&form("ada", "Saved bio")).send().await.unwrap();
        assert!(saved.status().is_success(), "{}", saved.status());
        let now = me(&app, &token).await;
        assert_eq!((now["name"].as_str(), now["bio"].as_str(), now["timezone"].as_str(), now["locale"].as_str()),
                   (Some("Ada L"), Some("Saved bio"), Some("Europe/Berlin"), Some("fr")));

        // The password form: a wrong current password is refused beside it, never echoed.
        let wrong = [("current_password", "wrong password!!"), ("new_password", "a new long password")];
        let refused = app.client.post(app.at("/settings/profile/password")).form(&wrong).send().await.unwrap();
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(html.contains("id=\"current_password-error\""));
        assert!(!html.contains("wrong password!!") && !html.contains("a new long password"), "passwords never come back");
        let weak = [("current_password", "correct horse battery"), ("new_password", "short")];
        let refused = app.client.post(app.at("/settings/profile/password")).form(&weak).send().await.unwrap();
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("id=\"new_password-error\""));
        let right = [("current_password", "correct horse battery"), ("new_password", "a new long password")];
        let changed = app.client.post(app.at("/settings/profile/password")).form(&right).send().await.unwrap();
        assert!(changed.status().is_success());
        assert_eq!(app.get_json("/api/v1/me", Some(&token)).await.0, 401, "API tokens end with a password change");
        assert_eq!(app.client.get(app.at("/settings/profile")).send().await.unwrap().status(), 200, "this session stays");

        // The photo form, as a browser sends it without JavaScript.
        let part = reqwest::multipart::Part::bytes(image_bytes(64, 64, image::ImageFormat::Png))
            .file_name("me.png")
            .mime_str("image/png")
            .unwrap();
        let upload = app.client.post(app.at("/settings/profile/photo")).multipart(reqwest::multipart::Form::new().part("photo", part)).send().await.unwrap();
        assert!(upload.status().is_success(), "{}", upload.status());
        assert!(profile_photo_url(&app, "ada").await.is_some());
        let part = reqwest::multipart::Part::bytes(b"GIF89a".to_vec()).file_name("me.gif").mime_str("image/gif").unwrap();
        let refused = app.client.post(app.at("/settings/profile/photo")).multipart(reqwest::multipart::Form::new().part("photo", part)).send().await.unwrap();
        assert_eq!(refused.status(), 422);
        assert!(refused.text().await.unwrap().contains("id=\"photo-error\""));
        let removed = app.client.post(app.at("/settings/profile/photo/delete")).send().await.unwrap();
        assert!(removed.status().is_success());
        assert!(profile_photo_url(&app, "ada").await.is_none());
    }
}
