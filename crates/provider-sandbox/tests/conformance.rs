//! The sandboxes' answers checked against the vendored descriptions (spec/README.md): Google's
//! Calendar v3 discovery document and the Graph v1.0 OpenAPI extract. Also: every query
//! parameter the sandbox reads is declared there, and Google's per-method scopes are the ones
//! the discovery document lists.
//!
//! The checker is small and strict: `$ref` (discovery: a schema name; OpenAPI: a JSON pointer),
//! `allOf`/`anyOf`/`oneOf`, `required`, the JSON type of every value, string enums, Google's
//! `date-time` and `date` formats, items and `additionalProperties`, nulls only where the
//! OpenAPI schema is nullable (Google never answers null), and no property the schema does not
//! declare (OData annotations such as `@odata.context` aside). The converter's nullable branch
//! `anyOf: [{$ref}, {type: object, nullable: true}]` matches null only.
//!
//! The Graph extract is generated from Microsoft's CSDL by `spec/graph_from_csdl.py`; where it is
//! absent, the Graph checks say so and are skipped.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{Env, start};
use provider_sandbox::{Provider, served_parameters};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const GOOGLE_SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/google-calendar-v3.discovery.json");
const GRAPH_SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/graph-v1.0-calendar.openapi.json");

fn read(path: &str) -> Option<Value> {
    std::fs::read(Path::new(path)).ok().map(|b| serde_json::from_slice(&b).expect("a JSON description"))
}

fn google_spec() -> Value {
    read(GOOGLE_SPEC).expect("the Google discovery document is vendored")
}

fn graph_spec() -> Value {
    read(GRAPH_SPEC).expect("the Graph OpenAPI extract is vendored")
}

#[derive(Clone, Copy, PartialEq)]
enum Dialect {
    Discovery,
    OpenApi,
}

struct Checker<'a> {
    root: &'a Value,
    dialect: Dialect,
    errors: Vec<String>,
}

impl<'a> Checker<'a> {
    fn new(root: &'a Value, dialect: Dialect) -> Checker<'a> {
        Checker { root, dialect, errors: Vec::new() }
    }

    fn resolve(&self, schema: &'a Value) -> &'a Value {
        let Some(r) = schema.get("$ref").and_then(Value::as_str) else { return schema };
        match self.dialect {
            Dialect::Discovery => &self.root["schemas"][r],
            Dialect::OpenApi => r.trim_start_matches("#/").split('/').fold(self.root, |node, part| &node[part]),
        }
    }

    /// The converter's `{type: object, nullable: true}` branch: it stands for null.
    fn null_branch(schema: &Value) -> bool {
        schema.get("nullable") == Some(&json!(true))
            && schema.get("properties").is_none()
            && schema.get("$ref").is_none()
    }

    /// Names a schema declares (through `$ref`, `allOf`, `anyOf`); `None` when it is open.
    fn declared(&self, schema: &'a Value, names: &mut BTreeSet<String>) -> bool {
        let schema = self.resolve(schema);
        let mut closed = false;
        for key in ["allOf", "anyOf", "oneOf"] {
            for branch in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
                if !Self::null_branch(branch) {
                    closed |= self.declared(branch, names);
                }
            }
        }
        if schema.get("additionalProperties").is_some() {
            return false;
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            names.extend(props.keys().cloned());
            closed = true;
        }
        closed
    }

    fn strict_keys(&mut self, schema: &'a Value, value: &Value, at: &str) {
        let Some(obj) = value.as_object() else { return };
        let mut names = BTreeSet::new();
        if !self.declared(schema, &mut names) {
            return;
        }
        for key in obj.keys() {
            let annotation = self.dialect == Dialect::OpenApi && key.starts_with('@');
            if !annotation && !names.contains(key) {
                self.errors.push(format!("{at}: {key} is not declared"));
            }
        }
    }

    fn passes(&self, schema: &'a Value, value: &Value, at: &str) -> bool {
        let mut sub = Checker::new(self.root, self.dialect);
        sub.check(schema, value, at);
        sub.errors.is_empty()
    }

    fn check(&mut self, schema: &'a Value, value: &Value, at: &str) {
        let schema = self.resolve(schema);
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for branch in all {
                let mut sub = Checker::new(self.root, self.dialect);
                sub.check_shallow(branch, value, at);
                self.errors.extend(sub.errors);
            }
            self.strict_keys(schema, value, at);
            return;
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let ok = options
                    .iter()
                    .any(|o| if Self::null_branch(o) { value.is_null() } else { self.passes(o, value, at) });
                if !ok {
                    self.errors.push(format!("{at}: {value} matches none of {key}"));
                }
                return;
            }
        }
        self.check_shallow(schema, value, at);
        if schema.get("properties").is_some() {
            self.strict_keys(schema, value, at);
        }
    }

    /// Everything but the undeclared-property rule (which `allOf` applies to the union).
    fn check_shallow(&mut self, schema: &'a Value, value: &Value, at: &str) {
        let schema = self.resolve(schema);
        if schema.get("allOf").is_some() || schema.get("anyOf").is_some() || schema.get("oneOf").is_some() {
            let mut sub = Checker::new(self.root, self.dialect);
            sub.check(schema, value, at);
            self.errors.extend(sub.errors.into_iter().filter(|e| !e.ends_with("is not declared")));
            return;
        }
        if value.is_null() {
            if self.dialect == Dialect::Discovery || schema.get("nullable") != Some(&json!(true)) {
                self.errors.push(format!("{at}: null where the schema is not nullable"));
            }
            return;
        }
        let ty = schema.get("type").and_then(Value::as_str);
        let ok = match ty {
            None | Some("any") => true,
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            Some(other) => {
                self.errors.push(format!("{at}: unknown schema type {other}"));
                true
            }
        };
        if !ok {
            self.errors.push(format!("{at}: expected {}, got {value}", ty.unwrap_or("?")));
            return;
        }
        if let (Some(allowed), Some(s)) = (schema.get("enum").and_then(Value::as_array), value.as_str())
            && !allowed.iter().any(|a| a.as_str() == Some(s))
        {
            self.errors.push(format!("{at}: {s:?} is not one of {allowed:?}"));
        }
        if self.dialect == Dialect::Discovery
            && let Some(s) = value.as_str()
        {
            match schema.get("format").and_then(Value::as_str) {
                Some("date-time") if s.parse::<jiff::Timestamp>().is_err() => {
                    self.errors.push(format!("{at}: {s:?} is not an RFC 3339 date-time"));
                }
                Some("date") if s.parse::<jiff::civil::Date>().is_err() => {
                    self.errors.push(format!("{at}: {s:?} is not a date"));
                }
                _ => {}
            }
        }
        if let Some(obj) = value.as_object() {
            for req in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
                let name = req.as_str().unwrap_or_default();
                if !obj.contains_key(name) {
                    self.errors.push(format!("{at}: required {name} missing"));
                }
            }
            let props = schema.get("properties").and_then(Value::as_object);
            for (name, v) in obj {
                match props.and_then(|p| p.get(name)) {
                    Some(sub) => self.check(sub, v, &format!("{at}.{name}")),
                    None => {
                        if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                            self.check(extra, v, &format!("{at}.{name}"));
                        }
                    }
                }
            }
        }
        if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
            for (i, v) in arr.iter().enumerate() {
                self.check(items, v, &format!("{at}[{i}]"));
            }
        }
    }
}

fn google_method<'a>(spec: &'a Value, id: &str) -> &'a Value {
    spec["resources"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|r| r["methods"].as_object().unwrap().values())
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not in the discovery document"))
}

fn assert_google(spec: &Value, method: &str, value: &Value) {
    let schema = &google_method(spec, method)["response"];
    assert!(schema.is_object(), "{method} has no response schema");
    let mut checker = Checker::new(spec, Dialect::Discovery);
    checker.check(schema, value, "$");
    assert!(checker.errors.is_empty(), "{method}: {:#?}\n{value:#}", checker.errors);
}

fn graph_response_schema<'a>(spec: &'a Value, key: &str, status: &str) -> &'a Value {
    let (method, path) = key.split_once(' ').unwrap();
    let mut response = &spec["paths"][path][method]["responses"][status];
    if let Some(r) = response.get("$ref").and_then(Value::as_str) {
        response = r.trim_start_matches("#/").split('/').fold(spec, |node, part| &node[part]);
    }
    &response["content"]["application/json"]["schema"]
}

fn assert_graph(spec: &Value, key: &str, status: &str, value: &Value) {
    let schema = graph_response_schema(spec, key, status);
    assert!(schema.is_object(), "no schema for {key} {status}");
    let mut checker = Checker::new(spec, Dialect::OpenApi);
    checker.check(schema, value, "$");
    assert!(checker.errors.is_empty(), "{key} {status}: {:#?}\n{value:#}", checker.errors);
}

#[test]
fn every_parameter_read_is_declared() {
    let google = google_spec();
    let graph = graph_spec();
    for op in served_parameters() {
        match op.provider {
            Provider::Google => {
                let method = google_method(&google, op.operation);
                for p in op.parameters {
                    let declared = method["parameters"].get(*p).is_some() || google["parameters"].get(*p).is_some();
                    assert!(declared, "{} reads {p}, which the discovery document does not declare", op.operation);
                }
            }
            Provider::Microsoft => {
                let spec = &graph;
                let (method, path) = op.operation.split_once(' ').unwrap();
                let operation = &spec["paths"][path][method];
                assert!(operation.is_object(), "{} is not in the Graph extract", op.operation);
                let names: Vec<&str> = operation["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| match p.get("$ref").and_then(Value::as_str) {
                        Some(r) => r.trim_start_matches("#/").split('/').fold(spec, |n, part| &n[part])["name"]
                            .as_str()
                            .unwrap(),
                        None => p["name"].as_str().unwrap(),
                    })
                    .collect();
                for p in op.parameters {
                    // Graph's links carry these two; its OpenAPI description does not list them.
                    let in_links = matches!(*p, "$skiptoken" | "$deltatoken") && path.ends_with("delta()");
                    assert!(
                        in_links || names.contains(p),
                        "{} reads {p}, which the extract does not declare",
                        op.operation
                    );
                }
            }
        }
    }
}

async fn google_call(env: &Env, token: &str, method: Method, path: &str, body: Option<Value>) -> Value {
    let (status, v) = env.api(token, method, path, body).await;
    assert!(status.is_success(), "{path}: {status} {v}");
    v
}

#[tokio::test]
async fn google_answers_match_the_discovery_document() {
    let spec = google_spec();
    let env = start(Provider::Google).await;
    let email = "grace@example.com";
    for n in 0..3 {
        env.control(Method::POST, &format!("/users/{email}/calendars"), json!({"name": format!("Team {n}")})).await;
    }
    let t = env.login(email).await;

    let first = google_call(&env, &t.access, Method::GET, "/users/me/calendarList?maxResults=2", None).await;
    assert_google(&spec, "calendar.calendarList.list", &first);
    let token = first["nextPageToken"].as_str().unwrap();
    let second = google_call(
        &env,
        &t.access,
        Method::GET,
        &format!("/users/me/calendarList?maxResults=2&pageToken={token}"),
        None,
    )
    .await;
    assert_google(&spec, "calendar.calendarList.list", &second);
    assert!(second["nextSyncToken"].is_string());

    let full = json!({
        "summary": "Intro call",
        "description": "Booked with Prospo",
        "location": "https://zoom.us/j/1",
        "start": {"dateTime": "2030-03-04T10:00:00", "timeZone": "America/New_York"},
        "end": {"dateTime": "2030-03-04T10:30:00", "timeZone": "America/New_York"},
        "attendees": [{"email": "guest@example.org", "displayName": "Guest"}],
        "reminders": {"useDefault": false, "overrides": [{"method": "email", "minutes": 30}]},
        "extendedProperties": {"private": {"prospoBooking": "42"}},
        "transparency": "opaque",
        "visibility": "private",
        "iCalUID": "booking-42@prospo.example",
    });
    let inserted = google_call(&env, &t.access, Method::POST, "/calendars/primary/events", Some(full)).await;
    assert_google(&spec, "calendar.events.insert", &inserted);
    let id = inserted["id"].as_str().unwrap();
    let all_day = json!({"summary": "Off", "start": {"date": "2030-03-05"}, "end": {"date": "2030-03-06"}, "transparency": "transparent"});
    assert_google(
        &spec,
        "calendar.events.insert",
        &google_call(&env, &t.access, Method::POST, "/calendars/primary/events", Some(all_day)).await,
    );
    env.seed(email, "2030-03-04T15:00:00Z", "2030-03-04T16:00:00Z", "Seeded").await;

    let got = google_call(
        &env,
        &t.access,
        Method::GET,
        &format!("/calendars/primary/events/{id}?timeZone=Europe/Paris"),
        None,
    )
    .await;
    assert_google(&spec, "calendar.events.get", &got);
    let patched = google_call(
        &env,
        &t.access,
        Method::PATCH,
        &format!("/calendars/primary/events/{id}"),
        Some(json!({"summary": "Renamed"})),
    )
    .await;
    assert_google(&spec, "calendar.events.patch", &patched);

    let listed = google_call(
        &env,
        &t.access,
        Method::GET,
        "/calendars/primary/events?timeMin=2030-03-01T00:00:00Z&timeMax=2030-04-01T00:00:00Z&singleEvents=true&orderBy=startTime&maxResults=2&timeZone=Asia/Tokyo",
        None,
    )
    .await;
    assert_google(&spec, "calendar.events.list", &listed);
    let sync = {
        let page = listed["nextPageToken"].as_str().unwrap();
        let rest =
            google_call(&env, &t.access, Method::GET, &format!("/calendars/primary/events?pageToken={page}"), None)
                .await;
        assert_google(&spec, "calendar.events.list", &rest);
        rest["nextSyncToken"].as_str().unwrap().to_string()
    };
    let (status, _) = env.api(&t.access, Method::DELETE, &format!("/calendars/primary/events/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let changes =
        google_call(&env, &t.access, Method::GET, &format!("/calendars/primary/events?syncToken={sync}"), None).await;
    assert_eq!(changes["items"][0]["status"], "cancelled");
    assert_google(&spec, "calendar.events.list", &changes);

    let mut items: Vec<Value> = (0..52).map(|i| json!({"id": format!("cal-{i}@example.com")})).collect();
    items[0] = json!({"id": "primary"});
    let fb = google_call(
        &env,
        &t.access,
        Method::POST,
        "/freeBusy",
        Some(json!({"timeMin": "2030-03-04T00:00:00Z", "timeMax": "2030-03-05T00:00:00Z", "timeZone": "Europe/Paris", "items": items})),
    )
    .await;
    assert_eq!(fb["calendars"]["cal-51@example.com"]["errors"][0]["reason"], "tooManyCalendarsRequested");
    assert_eq!(fb["calendars"]["cal-1@example.com"]["errors"][0]["reason"], "notFound");
    assert_google(&spec, "calendar.freebusy.query", &fb);
}

/// Each method accepts exactly the scopes its discovery entry lists.
#[tokio::test]
async fn google_scopes_are_the_discovery_documents() {
    let spec = google_spec();
    let env = start(Provider::Google).await;
    let email = "scopes@example.com";
    let event = env.seed(email, "2030-03-04T15:00:00Z", "2030-03-04T16:00:00Z", "Seeded").await;
    let body = json!({"start": {"dateTime": "2030-03-04T10:00:00Z"}, "end": {"dateTime": "2030-03-04T11:00:00Z"}});
    let fb =
        json!({"timeMin": "2030-03-04T00:00:00Z", "timeMax": "2030-03-05T00:00:00Z", "items": [{"id": "primary"}]});
    let calls: Vec<(&str, Method, String, Option<Value>)> = vec![
        ("calendar.calendarList.list", Method::GET, "/users/me/calendarList".into(), None),
        ("calendar.events.list", Method::GET, "/calendars/primary/events".into(), None),
        ("calendar.events.get", Method::GET, format!("/calendars/primary/events/{event}"), None),
        ("calendar.events.insert", Method::POST, "/calendars/primary/events".into(), Some(body)),
        ("calendar.events.patch", Method::PATCH, format!("/calendars/primary/events/{event}"), Some(json!({}))),
        ("calendar.freebusy.query", Method::POST, "/freeBusy".into(), Some(fb)),
    ];
    let scopes: Vec<String> = spec["auth"]["oauth2"]["scopes"].as_object().unwrap().keys().cloned().collect();
    for scope in &scopes {
        let t = env.login_with(email, scope).await;
        for (id, method, path, body) in &calls {
            let listed = google_method(&spec, id)["scopes"].as_array().unwrap().iter().any(|s| s == scope.as_str());
            let (status, v) = env.api(&t.access, method.clone(), path, body.clone()).await;
            if listed {
                assert!(status.is_success(), "{id} with {scope}: {status} {v}");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{id} with {scope}: {v}");
                assert_eq!(v["error"]["errors"][0]["reason"], "insufficientPermissions");
            }
        }
    }
}

#[tokio::test]
async fn graph_answers_match_the_openapi_extract() {
    let spec = graph_spec();
    let env = start(Provider::Microsoft).await;
    let email = "alan@example.com";
    for n in 0..11 {
        env.control(Method::POST, &format!("/users/{email}/calendars"), json!({"name": format!("Team {n}")})).await;
    }
    let t = env.login(email).await;
    let call = |method: Method, path: String, body: Option<Value>| {
        let env = &env;
        let token = t.access.clone();
        async move {
            let (status, headers, v) = env
                .api_with(&token, method, &path, body, &[("Prefer", "outlook.timezone=\"Pacific Standard Time\"")])
                .await;
            assert!(status.is_success(), "{path}: {status} {v}");
            (headers, v)
        }
    };

    assert_graph(&spec, "get /me", "2XX", &call(Method::GET, "/me".into(), None).await.1);
    assert_graph(&spec, "get /me", "2XX", &call(Method::GET, "/me?$select=mail,displayName".into(), None).await.1);
    let (_, calendars) = call(Method::GET, "/me/calendars".into(), None).await;
    assert_graph(&spec, "get /me/calendars", "2XX", &calendars);
    let next = calendars["@odata.nextLink"].as_str().expect("a second page").to_string();
    assert_graph(&spec, "get /me/calendars", "2XX", &call(Method::GET, next, None).await.1);
    let cal = calendars["value"][0]["id"].as_str().unwrap().to_string();
    assert_graph(
        &spec,
        "get /me/calendars/{calendar-id}",
        "2XX",
        &call(Method::GET, format!("/me/calendars/{cal}"), None).await.1,
    );

    let full = json!({
        "subject": "Intro call",
        "body": {"contentType": "HTML", "content": "<p>Booked with Prospo</p>"},
        "start": {"dateTime": "2030-03-04T10:00:00", "timeZone": "Europe/Paris"},
        "end": {"dateTime": "2030-03-04T10:30:00", "timeZone": "Europe/Paris"},
        "location": {"displayName": "Zoom"},
        "attendees": [{"emailAddress": {"address": "guest@example.org", "name": "Guest"}, "type": "required"}],
        "showAs": "busy",
        "transactionId": "booking-42",
        "isReminderOn": false,
        "categories": ["Prospo"],
    });
    let (_, created) = call(Method::POST, format!("/me/calendars/{cal}/events"), Some(full)).await;
    assert_graph(&spec, "post /me/calendars/{calendar-id}/events", "2XX", &created);
    let id = created["id"].as_str().unwrap().to_string();
    let all_day = json!({"subject": "Off", "isAllDay": true, "showAs": "oof",
                         "start": {"dateTime": "2030-03-05T00:00:00", "timeZone": "UTC"},
                         "end": {"dateTime": "2030-03-06T00:00:00", "timeZone": "UTC"}});
    assert_graph(&spec, "post /me/events", "2XX", &call(Method::POST, "/me/events".into(), Some(all_day)).await.1);
    for n in 0..10 {
        env.seed(
            email,
            &format!("2030-03-04T{:02}:00:00Z", 12 + n),
            &format!("2030-03-04T{:02}:30:00Z", 12 + n),
            "Seeded",
        )
        .await;
    }

    assert_graph(
        &spec,
        "get /me/events/{event-id}",
        "2XX",
        &call(Method::GET, format!("/me/events/{id}"), None).await.1,
    );
    let (_, selected) = call(Method::GET, format!("/me/events/{id}?$select=subject,start"), None).await;
    assert_graph(&spec, "get /me/events/{event-id}", "2XX", &selected);
    let (_, patched) =
        call(Method::PATCH, format!("/me/events/{id}"), Some(json!({"subject": "Renamed", "showAs": "tentative"})))
            .await;
    assert_graph(&spec, "patch /me/events/{event-id}", "2XX", &patched);

    let window = "startDateTime=2030-03-01T00:00:00Z&endDateTime=2030-04-01T00:00:00Z";
    let (headers, view) = call(Method::GET, format!("/me/calendars/{cal}/calendarView?{window}"), None).await;
    assert_eq!(headers["preference-applied"], "outlook.timezone=\"Pacific Standard Time\"");
    assert_graph(&spec, "get /me/calendars/{calendar-id}/calendarView", "2XX", &view);
    let next = view["@odata.nextLink"].as_str().expect("a second page").to_string();
    assert_graph(&spec, "get /me/calendars/{calendar-id}/calendarView", "2XX", &call(Method::GET, next, None).await.1);
    assert_graph(
        &spec,
        "get /me/calendarView",
        "2XX",
        &call(Method::GET, format!("/me/calendarView?{window}&$top=3&$select=subject"), None).await.1,
    );

    let delta_key = "get /me/calendars/{calendar-id}/calendarView/microsoft.graph.delta()";
    let mut link = format!("/me/calendars/{cal}/calendarView/delta?{window}");
    let delta_link = loop {
        let (_, page) = call(Method::GET, link.clone(), None).await;
        assert_graph(&spec, delta_key, "2XX", &page);
        match page["@odata.nextLink"].as_str() {
            Some(next) => link = next.to_string(),
            None => break page["@odata.deltaLink"].as_str().unwrap().to_string(),
        }
    };
    let (status, _) = env.api(&t.access, Method::DELETE, &format!("/me/events/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, changes) = call(Method::GET, delta_link, None).await;
    assert_eq!(changes["value"][0]["@removed"]["reason"], "deleted");
    assert_graph(&spec, delta_key, "2XX", &changes);
    assert_graph(
        &spec,
        "get /me/calendarView/microsoft.graph.delta()",
        "2XX",
        &call(Method::GET, format!("/me/calendarView/delta?{window}"), None).await.1,
    );

    let errors = [
        env.api(&t.access, Method::GET, "/me/events/unknown", None).await,
        env.api(&t.access, Method::GET, &format!("/me/calendars/{cal}/calendarView"), None).await,
        env.api("not-a-token", Method::GET, "/me", None).await,
    ];
    for (status, body) in errors {
        assert!(status.is_client_error(), "{status}");
        assert_graph(&spec, "get /me/events/{event-id}", "default", &body);
    }
}

/// The checker finds what it is meant to find.
#[test]
fn checker_flags_wrong_types_undeclared_fields_nulls_and_bad_formats() {
    let spec = google_spec();
    let schema = &google_method(&spec, "calendar.events.get")["response"];
    let mut checker = Checker::new(&spec, Dialect::Discovery);
    let bad = json!({"id": 5, "summary": null, "surprise": true, "start": {"dateTime": "tomorrow"}, "attendees": [{"email": 1}]});
    checker.check(schema, &bad, "$");
    assert_eq!(checker.errors.len(), 5, "{:#?}", checker.errors);

    let graph = graph_spec();
    let schema = graph_response_schema(&graph, "get /me/events/{event-id}", "2XX");
    let mut checker = Checker::new(&graph, Dialect::OpenApi);
    let bad = json!({"id": "x", "showAs": "away", "isAllDay": "no", "body": {"contentType": "html", "extra": 1}, "subject": null, "start": 3});
    checker.check(schema, &bad, "$");
    assert_eq!(checker.errors.len(), 4, "{:#?}", checker.errors);
}
