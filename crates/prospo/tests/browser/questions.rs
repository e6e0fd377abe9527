//! Booking questions in the browser: the host adds two questions on the event type form, an invitee
//! answers them on the booking page (a required one left empty is refused beside its field, in the
//! page and by the server), and the host reads the answers on the meeting page.

use serde_json::json;

use crate::booking::{log_in, show_day};
use crate::harness::Browser;
use crate::support::{Backend, TestApp};

async fn type_into(browser: &Browser, css: &str, text: &str) {
    let element = browser.wait_for(css).await;
    element.clear().await.unwrap();
    element.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

async fn select(browser: &Browser, css: &str, value: &str) {
    let select = browser.wait_for(css).await;
    select.select_by_value(value).await.unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
}

/// Screenshots at both sizes, light and dark (`<name>-…` and `<name>-dark-…`).
async fn both_themes(browser: &Browser, name: &str, css: &str) {
    // No caret or focus ring in the pictures; the phone size is given a moment to paint.
    browser.js("document.activeElement?.blur();").await;
    for (dark, suffix) in [(false, ""), (true, "-dark")] {
        browser.color_scheme(dark).await;
        browser.phone().await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        browser.screenshots_at(&format!("{name}{suffix}"), css).await;
        let failures = browser.contrast_failures().await;
        assert!(failures.is_empty(), "{name} contrast (dark: {dark}): {failures:?}");
    }
    browser.color_scheme(false).await;
}

#[tokio::test]
async fn host_asks_questions_and_reads_the_answers() {
    let Some(host) = Browser::start("questions_host").await else { return };
    let Some(invitee) = Browser::start("questions_invitee").await else { return };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.sign_up("ada").await;
    let hours = json!([["09:00", "17:00"]]);
    let weekly =
        json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": hours, "sun": hours});
    let (status, body) =
        app.put_json("/api/v1/availability", &json!({"timezone": "UTC", "weekly": weekly}), Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    let event = json!({"title": "Intro call", "slug": "intro", "duration_minutes": 30, "location": "phone",
        "location_detail": "+1 555 0100", "minimum_notice_minutes": 0});
    let (status, event) = app.post_json("/api/v1/event-types", &event, Some(&token)).await;
    assert_eq!(status, 201, "{event}");
    let id = event["id"].as_str().unwrap();

    // The host adds two questions: a required short text, and an optional choice.
    log_in(&host, &app, "ada@example.com").await;
    host.goto(&app.at(&format!("/event-types/{id}"))).await;
    host.wait_for("[data-questions]").await;
    assert!(!host.exists("[data-question]").await, "with JavaScript the spare empty row gives way to + Add a question");
    host.click_button("+ Add a question").await;
    type_into(&host, "#q-0-label", "Company").await;
    assert!(!host.find("#q-0-options").await.is_displayed().await.unwrap(), "options only for a choice");
    host.click(&host.find("input[name='q.0.required']").await, "Required").await;
    host.click_button("+ Add a question").await;
    type_into(&host, "#q-1-label", "Team size").await;
    select(&host, "#q-1-kind", "choice").await;
    assert!(host.find("#q-1-options").await.is_displayed().await.unwrap(), "a choice shows its options");
    host.click_button("Save changes").await;
    // A choice without options is refused beside its row, as typed.
    host.wait_for_text("#q-1-error", "different options").await;
    assert_eq!(host.find("#q-0-label").await.prop("value").await.unwrap().as_deref(), Some("Company"));
    assert_eq!(host.focused().await, "textarea#q-1-options", "focus goes to the field in error");
    assert_eq!(host.dangling_aria_references().await, Vec::<String>::new());
    type_into(&host, "#q-1-options", "Just me\n2-10\n11 or more").await;
    both_themes(&host, "questions-editor", "[data-questions]").await;
    host.click_button("Save changes").await;
    host.wait_for_text(".flash", "“Intro call” is saved").await;
    let (_, saved) = app.get_json(&format!("/api/v1/event-types/{id}"), Some(&token)).await;
    let questions = saved["questions"].as_array().unwrap().clone();
    assert_eq!(questions.len(), 2, "{saved}");
    assert_eq!(
        (questions[0]["label"].as_str(), questions[0]["kind"].as_str(), questions[0]["required"].as_bool()),
        (Some("Company"), Some("text"), Some(true))
    );
    assert_eq!(questions[1]["options"], json!(["Just me", "2-10", "11 or more"]));
    assert_eq!(questions[1]["required"], false);
    let (company, size) = (questions[0]["id"].as_str().unwrap(), questions[1]["id"].as_str().unwrap());
    // The other two kinds through the API, so the booking page shows every kind.
    let all = json!([questions[0], questions[1],
        {"label": "Anything we should prepare?", "kind": "long_text"},
        {"label": "Send me the slides afterwards", "kind": "checkbox"}]);
    let (status, saved) =
        app.patch_json(&format!("/api/v1/event-types/{id}"), &json!({"questions": all}), Some(&token)).await;
    assert_eq!(status, 200, "{saved}");
    let (prepare, slides) =
        (saved["questions"][2]["id"].as_str().unwrap(), saved["questions"][3]["id"].as_str().unwrap());

    // The invitee picks a time; the questions come after name, email and notes.
    invitee.goto(&app.at("/ada/intro")).await;
    invitee.wait_for_text("#event-title", "Intro call").await;
    let target =
        jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date().checked_add(jiff::Span::new().days(7)).unwrap();
    let day_css = format!(".day-button[data-date='{target}']");
    show_day(&invitee, &day_css).await;
    invitee.click(&invitee.find(&day_css).await, "the day").await;
    invitee.click(&invitee.wait_for(".time-button").await, "the first time").await;
    invitee.fill("Your name", "Grace Hopper").await;
    invitee.fill("Email", "grace@example.com").await;
    let order = invitee
        .js("return [...document.querySelectorAll('#book-form input[id], #book-form textarea, #book-form select')].map(e => e.id);")
        .await;
    let ids: Vec<String> = [company, size, prepare, slides].iter().map(|q| format!("answer-{q}")).collect();
    assert_eq!(order, json!(["name", "email", "notes", ids[0], ids[1], ids[2], ids[3]]));
    type_into(&invitee, &format!("#answer-{prepare}"), "The Q3 numbers,\nand the hiring plan.").await;
    invitee.click(&invitee.find(&format!("#answer-{slides}")).await, "the slides box").await;
    both_themes(&invitee, "questions-booking", "#book-form").await;

    // Company left empty: the page says so beside the field and sends nothing.
    invitee.click_button("Confirm").await;
    let company_error = format!("#answer-{company}-error");
    invitee.wait_for_text(&company_error, "Please answer this question").await;
    assert_eq!(invitee.focused().await, format!("input#answer-{company}"));
    assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, 0);
    // The server refuses it the same way (here without the page's own check).
    invitee.js(&format!("document.getElementById('answer-{company}').removeAttribute('required');")).await;
    select(&invitee, &format!("#answer-{size}"), "2-10").await;
    invitee.click_button("Confirm").await;
    invitee.wait_for_text(&company_error, "Please answer this question").await;
    assert_eq!(invitee.value_of("Your name").await, "Grace Hopper", "typed values stay");
    assert_eq!(invitee.find(&format!("#answer-{size}")).await.prop("value").await.unwrap().as_deref(), Some("2-10"));
    assert_eq!(invitee.dangling_aria_references().await, Vec::<String>::new());
    assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, 0, "nothing booked");
    invitee.screenshots_at("questions-booking-error", "#book-form").await;
    // The picked time is still there: answer and confirm.
    assert!(invitee.find("#book-form").await.is_displayed().await.unwrap(), "the form stays open with its time");
    type_into(&invitee, &format!("#answer-{company}"), "Acme Ltd").await;
    invitee.click_button("Confirm").await;
    invitee.wait_for_text("#booking-title", "You are booked").await;

    // The host reads the answers on the meeting page, in the questions' order.
    let (_, meetings) = app.get_json("/api/v1/meetings?when=upcoming", Some(&token)).await;
    let meeting_id = meetings["meetings"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        meetings["meetings"][0]["answers"],
        json!([{"question_id": company, "label": "Company", "value": "Acme Ltd"},
               {"question_id": size, "label": "Team size", "value": "2-10"},
               {"question_id": prepare, "label": "Anything we should prepare?", "value": "The Q3 numbers,\nand the hiring plan."},
               {"question_id": slides, "label": "Send me the slides afterwards", "value": true}])
    );
    host.goto(&app.at(&format!("/meetings/{meeting_id}"))).await;
    host.wait_for_text("#answers-title", "Answers").await;
    let answers = host.text_of("[data-answers]").await;
    assert!(answers.contains("Company") && answers.contains("Acme Ltd"), "{answers}");
    let at = |s: &str| answers.find(s).unwrap_or(usize::MAX);
    assert!(at("Company") < at("Team size") && answers.contains("2-10"), "{answers}");
    assert!(answers.contains("Send me the slides afterwards\nYes"), "a ticked box reads Yes: {answers}");
    both_themes(&host, "questions-meeting", "#answers-title").await;
}
