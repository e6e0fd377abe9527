//! The sandboxes probed over HTTP, as Prospo's clients see them.

mod common;

use common::start;
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
