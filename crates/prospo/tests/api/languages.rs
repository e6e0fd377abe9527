//! The public flow in five languages (product.md §10): the language comes from `?lang=`, then the
//! booking's own, then the host's choice, then `Accept-Language` by its weights; pages say which in
//! `<html lang>`; a booking made in a language keeps it in its mails, invitation and pages.

use reqwest::header::{ACCEPT_LANGUAGE, LOCATION};
use serde_json::json;

use crate::notifications::{drain_outbox, header, part};
use crate::on_both_backends;
use crate::scheduling::{drain_zoom_jobs, host, next_week, slots};
use crate::support::smtp_sink::SmtpSink;
use crate::support::{Backend, TestApp, message};

const LANGUAGES: [&str; 5] = ["en", "de", "fr", "es", "pt"];

/// The page as HTML escapes it (apostrophes are the only such letters in the messages).
fn escaped(text: &str) -> String {
    text.replace('\'', "&#x27;").replace('"', "&quot;")
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn page(app: &TestApp, path: &str, accept: Option<&str>) -> String {
    let mut request = no_redirects().get(app.at(path));
    if let Some(accept) = accept {
        request = request.header(ACCEPT_LANGUAGE, accept);
    }
    let answer = request.send().await.unwrap();
    assert_eq!(answer.status(), 200, "{path}");
    answer.text().await.unwrap()
}

fn html_lang(html: &str) -> &str {
    let at = html.find("<html lang=\"").expect("<html lang>") + 12;
    &html[at..at + html[at..].find('"').unwrap()]
}

on_both_backends! {
    async fn each_public_page_speaks_the_asked_language(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        host(&app, "ada").await;
        for lang in LANGUAGES {
            let booking = page(&app, &format!("/ada/intro?lang={lang}"), Some("en")).await;
            assert_eq!(html_lang(&booking), lang);
            for key in ["book-pick", "book-confirm", "book-your-name", "picker-times-shown-in", "fact-duration"] {
                let text = escaped(&message(lang, key));
                assert!(booking.contains(&text), "{lang}: the booking page says {key} = {text}");
            }
            assert!(booking.contains(&format!(r#"<input type="hidden" name="lang" value="{lang}">"#)), "{lang}: the form keeps the language");
            let profile = page(&app, &format!("/ada?lang={lang}"), None).await;
            assert_eq!(html_lang(&profile), lang);
            assert!(profile.contains(&escaped(&message(lang, "profile-book-a-time"))), "{lang}: {profile}");
            // The profile's links keep the language.
            assert!(profile.contains(&format!("/ada/intro?lang={lang}")), "{lang}");
            // Every page links to itself in the other languages, each named in its own.
            for other in LANGUAGES {
                assert!(booking.contains(&format!(r#"href="/ada/intro?lang={other}" lang="{other}""#)), "{lang} → {other}");
            }
        }
    }
}

on_both_backends! {
    async fn the_browser_language_counts_by_its_weights_unless_the_host_chose_one(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (token, _) = host(&app, "ada").await;
        assert_eq!(html_lang(&page(&app, "/ada/intro", Some("en;q=0.3, fr-CA;q=0.8, de;q=0.5")).await), "fr");
        assert_eq!(html_lang(&page(&app, "/ada/intro", Some("pt-BR,pt;q=0.9")).await), "pt");
        assert_eq!(html_lang(&page(&app, "/ada/intro", Some("es;q=0, it")).await), "en", "nothing Prospo has: English");
        assert_eq!(html_lang(&page(&app, "/ada/intro", None).await), "en");
        // An unknown code in the URL is ignored, not refused.
        assert_eq!(html_lang(&page(&app, "/ada/intro?lang=xx", Some("fr")).await), "fr");
        // A host who chose a language for invitees: their pages start in it, whatever the browser.
        let (status, body) = app.patch_json("/api/v1/me", &json!({"locale": "de"}), Some(&token)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(html_lang(&page(&app, "/ada/intro", Some("es")).await), "de");
        assert_eq!(html_lang(&page(&app, "/ada", None).await), "de");
        assert_eq!(html_lang(&page(&app, "/ada/intro?lang=en", Some("es")).await), "en", "the URL first");
        // So do the mails of a booking made through the API without a locale.
        let offered = slots(&app, "ada", &next_week(), "UTC").await;
        let booking = json!({"start": offered[0], "name": "Sam", "email": "sam@example.com", "timezone": "UTC"});
        let (status, answer) = app.post_json("/api/v1/public/ada/intro/bookings", &booking, None).await;
        assert_eq!(status, 201, "{answer}");
        assert_eq!(answer["meeting"]["invitees"][0]["locale"], "de");
        // "Their browser's language" again: the browser decides.
        let (status, body) = app.patch_json("/api/v1/me", &json!({"locale": null}), Some(&token)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(html_lang(&page(&app, "/ada/intro", Some("es")).await), "es");
    }
}

on_both_backends! {
    async fn a_booking_made_in_german_mails_german_and_keeps_its_language(backend: Backend) {
        let sink = SmtpSink::start().await;
        let smtp = sink.url();
        let app = TestApp::spawn_with(backend, |config| config.smtp_url = Some(smtp)).await;
        host(&app, "ada").await;
        let offered = slots(&app, "ada", &next_week(), "Europe/Berlin").await;
        let booked = no_redirects()
            .post(app.at("/ada/intro"))
            .form(&[
                ("start", offered[0].as_str()),
                ("timezone", "Europe/Berlin"),
                ("name", "Sam Okafor"),
                ("email", "sam@example.com"),
                ("lang", "de"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(booked.status(), 303);
        let confirmation = booked.headers()[LOCATION].to_str().unwrap().to_owned();
        let token = confirmation.trim_start_matches("/booking/").split('?').next().unwrap().to_owned();
        // The booking keeps its language: its pages are German even for an English browser.
        let manage = page(&app, &confirmation, Some("en")).await;
        assert_eq!(html_lang(&manage), "de");
        assert!(manage.contains(&escaped(&message("de", "manage-title-booked"))), "{manage}");
        assert!(manage.contains(" Uhr ("), "German times: {manage}");
        let (_, view) = app.get_json(&format!("/api/v1/bookings/{token}"), None).await;
        assert_eq!(view["meeting"]["invitees"][0]["locale"], "de", "{view}");

        drain_zoom_jobs(&app).await;
        drain_outbox(&app).await;
        let mails = sink.wait_for(3).await;
        let to_sam = mails.iter().find(|m| m.recipients == ["sam@example.com"]).expect("the invitee's mail");
        let subject = header(&to_sam.raw, "Subject").unwrap();
        assert!(subject.starts_with("Gebucht: Intro call mit ada am "), "{subject}");
        let text = part(&to_sam.raw, "text/plain").unwrap();
        assert!(text.starts_with(&message("de", "mail-booked")), "{text}");
        for german in ["Wann: ", "Gastgeber: ada", "Zoom-Meeting beitreten", "Meeting-ID: ", "Uhr (Mitteleuropäische Zeit)"] {
            assert!(text.contains(german), "{german}: {text}");
        }
        assert!(!text.contains("When:") && !text.contains("Reschedule or cancel"), "no English: {text}");
        assert!(part(&to_sam.raw, "text/html").unwrap().contains(r#"<html lang="de">"#));
        let ics = part(&to_sam.raw, "text/calendar").unwrap().replace("\r\n ", "");
        assert!(ics.contains("SUMMARY:Intro call mit ada"), "{ics}");
        assert!(ics.contains("Zoom-Meeting beitreten"), "{ics}");
        // The host reads English.
        let host_subjects: Vec<String> = mails
            .iter()
            .filter(|m| m.recipients == ["ada@example.com"])
            .filter_map(|m| header(&m.raw, "Subject"))
            .collect();
        assert!(host_subjects.iter().any(|s| s.starts_with("Booked: Intro call with Sam Okafor")), "{host_subjects:?}");
        // The .ics download speaks German too.
        let file = page(&app, &format!("/booking/{token}/calendar.ics"), None).await.replace("\r\n ", "");
        let manage_line = message("de", "ics-manage").replace("{ $url }", "");
        assert!(file.contains("SUMMARY:Intro call mit ada") && file.contains(&manage_line), "{file}");
    }
}

on_both_backends! {
    async fn an_unknown_locale_is_refused_and_books_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        host(&app, "ada").await;
        let offered = slots(&app, "ada", &next_week(), "UTC").await;
        let body = json!({"start": offered[0], "name": "Sam", "email": "sam@example.com", "timezone": "UTC", "locale": "it"});
        let (status, answer) = app.post_json("/api/v1/public/ada/intro/bookings", &body, None).await;
        assert_eq!(status, 422, "{answer}");
        assert_eq!(answer["error"]["code"], "invalid_locale");
        assert_eq!(answer["error"]["field"], "locale");
        assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, 0);
        let body = json!({"start": offered[0], "name": "Sam", "email": "sam@example.com", "timezone": "UTC", "locale": "es"});
        let (status, answer) = app.post_json("/api/v1/public/ada/intro/bookings", &body, None).await;
        assert_eq!(status, 201, "{answer}");
        assert_eq!(answer["meeting"]["invitees"][0]["locale"], "es");
    }
}

on_both_backends! {
    async fn a_language_picked_on_the_manage_page_is_remembered_when_the_invitee_acts(backend: Backend) {
        let sink = SmtpSink::start().await;
        let smtp = sink.url();
        let app = TestApp::spawn_with(backend, |config| config.smtp_url = Some(smtp)).await;
        host(&app, "ada").await;
        let offered = slots(&app, "ada", &next_week(), "Europe/Paris").await;
        let booking = json!({"start": offered[0], "name": "Sam", "email": "sam@example.com",
                             "timezone": "Europe/Paris", "locale": "de"});
        let (status, booked) = app.post_json("/api/v1/public/ada/intro/bookings", &booking, None).await;
        assert_eq!(status, 201, "{booked}");
        let token = booked["manage_token"].as_str().unwrap().to_owned();
        drain_zoom_jobs(&app).await;
        drain_outbox(&app).await;

        // The invitee switches the manage page to French and moves the booking there.
        let manage = page(&app, &format!("/booking/{token}?lang=fr"), None).await;
        assert_eq!(html_lang(&manage), "fr");
        assert!(manage.contains(r#"<input type="hidden" name="lang" value="fr">"#), "the forms carry it");
        let moved = no_redirects()
            .post(app.at(&format!("/booking/{token}/reschedule")))
            .form(&[("start", offered[2].as_str()), ("timezone", "Europe/Paris"), ("lang", "fr")])
            .send()
            .await
            .unwrap();
        assert_eq!(moved.status(), 303);
        assert!(moved.headers()[LOCATION].to_str().unwrap().ends_with("&lang=fr"), "the answer stays French");
        let (_, view) = app.get_json(&format!("/api/v1/bookings/{token}"), None).await;
        assert_eq!(view["meeting"]["invitees"][0]["locale"], "fr", "{view}");
        drain_zoom_jobs(&app).await;
        drain_outbox(&app).await;
        let subjects: Vec<String> = sink
            .received()
            .iter()
            .filter(|m| m.recipients == ["sam@example.com"])
            .filter_map(|m| header(&m.raw, "Subject"))
            .collect();
        let booked_de = message("de", "mail-booked-subject");
        let moved_fr = message("fr", "mail-rescheduled-subject");
        let prefix = |text: &str| text.split("{ $topic }").next().unwrap().to_owned();
        assert!(subjects.iter().any(|s| s.starts_with(&prefix(&booked_de))), "booked in German: {subjects:?}");
        assert!(subjects.iter().any(|s| s.starts_with(&prefix(&moved_fr))), "moved in French: {subjects:?}");
        // Without `?lang=`, the page now opens in French.
        assert_eq!(html_lang(&page(&app, &format!("/booking/{token}"), Some("de")).await), "fr");
    }
}

#[tokio::test]
async fn a_missing_page_says_so_in_the_visitors_language() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for (path, accept, lang) in [
        ("/nobody/intro", Some("de-DE,de;q=0.9"), "de"),
        ("/booking/not-a-token?lang=pt", Some("fr"), "pt"),
        ("/x/y/z", None, "en"),
    ] {
        let mut request = no_redirects().get(app.at(path));
        if let Some(accept) = accept {
            request = request.header(ACCEPT_LANGUAGE, accept);
        }
        let answer = request.send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
        let html = answer.text().await.unwrap();
        assert_eq!(html_lang(&html), lang, "{path}");
        assert!(html.contains(&escaped(&message(lang, "error-page-not-found"))), "{path}: {html}");
        assert!(html.contains(&escaped(&message(lang, "error-page-home"))), "{path}");
    }
}
