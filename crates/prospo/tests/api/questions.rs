//! Booking questions (product.md §10): event types ask them, bookings answer them, the host reads
//! the answers on the meeting and in their mail; refused answers write nothing.

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::scheduling::{host, next_week, slots};
use crate::support::TestApp;

const MEETINGS: &str = "SELECT COUNT(*) FROM meetings";
const MAILS: &str = "SELECT COUNT(*) FROM outbox";

async fn event_type_id(app: &TestApp, token: &str) -> String {
    let (status, body) = app.get_json("/api/v1/event-types", Some(token)).await;
    assert_eq!(status, 200, "{body}");
    body["event_types"][0]["id"].as_str().unwrap().to_owned()
}

fn four_questions() -> Value {
    json!([
        {"label": "Company", "kind": "text", "required": true},
        {"label": "What should we cover?", "kind": "long_text", "required": false},
        {"label": "Team size", "kind": "choice", "required": true, "options": ["1-10", "11-50", "51+"]},
        {"label": "I agree to be recorded", "kind": "checkbox", "required": true}
    ])
}

async fn book_with(app: &TestApp, start: &str, answers: Value) -> (u16, Value) {
    let body = json!({"start": start, "name": "Sam Okafor", "email": "sam@example.com", "timezone": "UTC", "answers": answers});
    app.post_json("/api/v1/public/ada/intro/bookings", &body, None).await
}

on_both_backends! {
    async fn questions_are_validated_with_the_field_refused(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (token, _) = host(&app, "ada").await;
        let id = event_type_id(&app, &token).await;
        let path = format!("/api/v1/event-types/{id}");
        let text = |label: &str| json!({"label": label, "kind": "text", "required": false});
        let eleven: Vec<Value> = (0..11).map(|i| text(&format!("Q{i}"))).collect();
        for (questions, field) in [
            (json!([text("")]), "questions.0.label"),
            (json!([text("ok"), text(&"x".repeat(201))]), "questions.1.label"),
            (json!([{"label": "Size", "kind": "choice", "required": true}]), "questions.0.options"),
            (json!([{"label": "Size", "kind": "choice", "required": true, "options": ["one"]}]), "questions.0.options"),
            (json!([{"label": "Size", "kind": "choice", "required": true, "options": ["a", "a"]}]), "questions.0.options"),
            (json!([{"label": "Size", "kind": "choice", "required": true, "options": ["a", " "]}]), "questions.0.options"),
            (json!([{"label": "Name", "kind": "text", "required": true, "options": ["a", "b"]}]), "questions.0.options"),
            (json!([{"id": "same", "label": "A", "kind": "text"}, {"id": "same", "label": "B", "kind": "text"}]), "questions.1.id"),
            (json!([{"id": "no spaces", "label": "A", "kind": "text"}]), "questions.0.id"),
            (json!(eleven), "questions"),
        ] {
            let (status, body) = app.patch_json(&path, &json!({"questions": questions}), Some(&token)).await;
            assert_eq!(status, 422, "{questions} → {body}");
            assert_eq!(body["error"]["field"], field, "{questions} → {body}");
            assert!(!body["error"]["message"].as_str().unwrap().is_empty());
        }
        let (status, body) = app.patch_json(&path, &json!({"questions": [{"label": "A", "kind": "dropdown"}]}), Some(&token)).await;
        assert_eq!(status, 422, "an unknown kind: {body}");
        let (_, unchanged) = app.get_json(&path, Some(&token)).await;
        assert_eq!(unchanged["questions"], json!([]), "nothing refused was saved");

        let (status, saved) = app.patch_json(&path, &json!({"questions": four_questions()}), Some(&token)).await;
        assert_eq!(status, 200, "{saved}");
        let questions = saved["questions"].as_array().unwrap();
        let kinds: Vec<&str> = questions.iter().map(|q| q["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["text", "long_text", "choice", "checkbox"]);
        let ids: std::collections::HashSet<&str> = questions.iter().map(|q| q["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 4, "each question gets an id of its own: {saved}");
        assert_eq!(questions[2]["options"], json!(["1-10", "11-50", "51+"]));
        assert!(questions[0].get("options").is_none(), "options only for a choice");
        assert_eq!(questions[1]["required"], false);

        // The API document describes every new field.
        let (_, doc) = app.get_json("/api/openapi.json", None).await;
        let schemas = &doc["components"]["schemas"];
        for (schema, field) in [("EventTypeInput", "questions"), ("EventTypeView", "questions"), ("BookingRequest", "answers"),
            ("MeetingView", "answers"), ("QuestionInput", "kind"), ("QuestionInput", "options"), ("Question", "id"), ("Answer", "value")] {
            assert!(schemas[schema]["properties"].get(field).is_some(), "{schema}.{field} in {}", schemas[schema]);
        }

        // A new event type takes questions too, and keeps ids it is given.
        let body = json!({"title": "Demo", "slug": "demo", "duration_minutes": 30, "location": "phone",
            "questions": [{"id": "company", "label": "Company", "kind": "text", "required": true}]});
        let (status, created) = app.post_json("/api/v1/event-types", &body, Some(&token)).await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["questions"][0]["id"], "company");
    }
}

on_both_backends! {
    async fn answers_are_checked_before_anything_is_written_and_reach_the_host(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (token, _) = host(&app, "ada").await;
        let id = event_type_id(&app, &token).await;
        let path = format!("/api/v1/event-types/{id}");
        let (status, saved) = app.patch_json(&path, &json!({"questions": four_questions()}), Some(&token)).await;
        assert_eq!(status, 200, "{saved}");
        let q: Vec<String> = saved["questions"].as_array().unwrap().iter().map(|q| q["id"].as_str().unwrap().to_owned()).collect();
        let start = slots(&app, "ada", &next_week(), "UTC").await[0].clone();
        let valid = || {
            let mut answers = serde_json::Map::new();
            answers.insert(q[0].clone(), json!("Acme Ltd"));
            answers.insert(q[1].clone(), json!("Pricing\nand the roadmap"));
            answers.insert(q[2].clone(), json!("11-50"));
            answers.insert(q[3].clone(), json!(true));
            answers
        };

        let (meetings, mails) = (app.count(MEETINGS).await, app.count(MAILS).await);
        let refused = |edit: &dyn Fn(&mut serde_json::Map<String, Value>), code: &'static str, field: String| {
            let mut answers = valid();
            edit(&mut answers);
            (Value::Object(answers), code, field)
        };
        for (answers, code, field) in [
            refused(&|a| { a.remove(&q[0]); }, "answer_required", format!("answers.{}", q[0])),
            refused(&|a| { a.insert(q[0].clone(), json!("   ")); }, "answer_required", format!("answers.{}", q[0])),
            refused(&|a| { a.insert(q[3].clone(), json!(false)); }, "answer_required", format!("answers.{}", q[3])),
            refused(&|a| { a.remove(&q[2]); }, "answer_required", format!("answers.{}", q[2])),
            refused(&|a| { a.insert(q[0].clone(), json!(42)); }, "invalid_answer", format!("answers.{}", q[0])),
            refused(&|a| { a.insert(q[3].clone(), json!("yes")); }, "invalid_answer", format!("answers.{}", q[3])),
            refused(&|a| { a.insert(q[2].clone(), json!("a thousand")); }, "invalid_answer", format!("answers.{}", q[2])),
            refused(&|a| { a.insert(q[0].clone(), json!("x".repeat(1001))); }, "invalid_answer", format!("answers.{}", q[0])),
            refused(&|a| { a.insert(q[1].clone(), json!("x".repeat(5001))); }, "invalid_answer", format!("answers.{}", q[1])),
            refused(&|a| { a.insert("nope".into(), json!("hi")); }, "invalid_answer", "answers.nope".to_owned()),
        ] {
            let (status, body) = book_with(&app, &start, answers.clone()).await;
            assert_eq!(status, 422, "{answers} → {body}");
            assert_eq!(body["error"]["code"], code, "{answers} → {body}");
            assert_eq!(body["error"]["field"], field.as_str(), "{answers} → {body}");
        }
        let (status, body) = app
            .post_json("/api/v1/public/ada/intro/bookings", &json!({"start": start, "name": "Sam", "email": "sam@example.com", "timezone": "UTC"}), None)
            .await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("answer_required")), "no answers at all: {body}");
        assert_eq!(app.count(MEETINGS).await, meetings, "a refused answer books nothing");
        assert_eq!(app.count(MAILS).await, mails, "and mails nobody");

        let (status, booked) = book_with(&app, &start, Value::Object(valid())).await;
        assert_eq!(status, 201, "{booked}");
        let expected = json!([
            {"question_id": q[0], "label": "Company", "value": "Acme Ltd"},
            {"question_id": q[1], "label": "What should we cover?", "value": "Pricing\nand the roadmap"},
            {"question_id": q[2], "label": "Team size", "value": "11-50"},
            {"question_id": q[3], "label": "I agree to be recorded", "value": true}
        ]);
        assert_eq!(booked["meeting"]["answers"], expected, "the invitee's own view carries their answers");
        let meeting_id = booked["meeting"]["id"].as_str().unwrap().to_owned();
        let (status, seen) = app.get_json(&format!("/api/v1/meetings/{meeting_id}"), Some(&token)).await;
        assert_eq!(status, 200, "{seen}");
        assert_eq!(seen["answers"], expected);

        // The host's mail carries the answers; the invitee's carries none of them.
        let booked_mails = app.queued_mails("booked").await;
        let to_host = booked_mails.iter().find(|m| m.recipient == "ada@example.com").expect("the host's mail");
        let to_sam = booked_mails.iter().find(|m| m.recipient == "sam@example.com").expect("the invitee's mail");
        for line in ["Company: Acme Ltd", "What should we cover?: Pricing\nand the roadmap", "Team size: 11-50", "I agree to be recorded: Yes"] {
            assert!(to_host.text_body.contains(line), "{line:?} in the host's mail: {}", to_host.text_body);
        }
        for leak in ["Acme", "Team size", "recorded", "roadmap"] {
            assert!(!to_sam.text_body.contains(leak), "{leak:?} in the invitee's mail: {}", to_sam.text_body);
        }

        // Later edits of the questions leave old answers as they were.
        let mut edited = saved["questions"].clone();
        edited[0]["label"] = json!("Company name");
        let edited = json!([edited[0], edited[2]]);
        let (status, body) = app.patch_json(&path, &json!({"questions": edited}), Some(&token)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["questions"][0]["id"], q[0].as_str(), "a kept question keeps its id");
        let (_, seen) = app.get_json(&format!("/api/v1/meetings/{meeting_id}"), Some(&token)).await;
        assert_eq!(seen["answers"], expected, "labels as they read when booked");

        // An event type without questions books as before, with no answers in MEETING.
        let (status, body) = app.patch_json(&path, &json!({"questions": []}), Some(&token)).await;
        assert_eq!(status, 200, "{body}");
        let start = slots(&app, "ada", &next_week(), "UTC").await[0].clone();
        let (status, plain) = app
            .post_json("/api/v1/public/ada/intro/bookings", &json!({"start": start, "name": "Lee", "email": "lee@example.com", "timezone": "UTC"}), None)
            .await;
        assert_eq!(status, 201, "{plain}");
        assert!(plain["meeting"].get("answers").is_none(), "{plain}");
    }
}
