//! The sandbox's JSON answers checked against the response schemas of Zoom's OpenAPI document
//! (`shared/zoom/zoom-meeting-api.openapi.json`).
//!
//! The checker is deliberately small: `$ref`, `allOf`/`oneOf`/`anyOf`, `required`, the JSON type
//! of every present property (integers for `integer`, any number for `number`), and string
//! enums, recursing into objects and arrays. Extra properties are allowed, as in Zoom's schemas.
//! One documented exception: real Zoom answers an integer `type` in recordings where the document
//! says string (zoom/README.md §5.1), so a recording `type` may be an integer.

mod common;

use std::path::Path;

use common::start;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/zoom/zoom-meeting-api.openapi.json");

fn spec() -> Option<Value> {
    std::fs::read(Path::new(SPEC)).ok().map(|b| serde_json::from_slice(&b).unwrap())
}

fn response_schema<'a>(spec: &'a Value, path: &str, method: &str, status: &str) -> &'a Value {
    &spec["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
}

struct Checker<'a> {
    spec: &'a Value,
    /// Whether an integer `type` may stand where the document says string (recordings).
    integer_type_ok: bool,
    errors: Vec<String>,
}

impl Checker<'_> {
    fn check(&mut self, schema: &Value, value: &Value, at: &str) {
        let schema = match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let mut target = self.spec;
                for part in r.trim_start_matches("#/").split('/') {
                    target = &target[part];
                }
                target
            }
            None => schema,
        };
        for all in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            self.check(all, value, at);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(options) = schema.get(key).and_then(Value::as_array) {
                let ok = options.iter().any(|o| {
                    let mut sub = Checker { spec: self.spec, integer_type_ok: self.integer_type_ok, errors: vec![] };
                    sub.check(o, value, at);
                    sub.errors.is_empty()
                });
                if !ok {
                    self.errors.push(format!("{at}: matches none of {key}"));
                }
            }
        }
        if value.is_null() {
            return;
        }
        let ty = schema.get("type").and_then(Value::as_str);
        let type_ok = match ty {
            None => true,
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string() || (self.integer_type_ok && at.ends_with(".type") && value.is_i64()),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            Some(other) => {
                self.errors.push(format!("{at}: unknown schema type {other}"));
                true
            }
        };
        if !type_ok {
            self.errors.push(format!("{at}: expected {}, got {value}", ty.unwrap_or("?")));
            return;
        }
        if let (Some(allowed), Some(s)) = (schema.get("enum").and_then(Value::as_array), value.as_str())
            && !allowed.iter().any(|a| a.as_str() == Some(s))
        {
            self.errors.push(format!("{at}: {s:?} is not one of {allowed:?}"));
        }
        if let Some(obj) = value.as_object() {
            for req in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
                let name = req.as_str().unwrap_or_default();
                if !obj.contains_key(name) {
                    self.errors.push(format!("{at}: required {name} missing"));
                }
            }
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (name, sub) in props {
                    if let Some(v) = obj.get(name) {
                        self.check(sub, v, &format!("{at}.{name}"));
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

fn assert_conforms(spec: &Value, path: &str, method: &str, status: &str, value: &Value, integer_type_ok: bool) {
    let schema = response_schema(spec, path, method, status);
    assert!(schema.is_object(), "no schema for {method} {path} {status}");
    let mut checker = Checker { spec, integer_type_ok, errors: vec![] };
    checker.check(schema, value, "$");
    assert!(checker.errors.is_empty(), "{method} {path}: {:#?}\n{value:#}", checker.errors);
}

#[tokio::test]
async fn answers_validate_against_zoom_openapi_schemas() {
    let Some(spec) = spec() else {
        eprintln!("skipped: Zoom's OpenAPI document is not at {SPEC}");
        return;
    };
    let env = start().await;
    let app = env.app(json!({})).await;
    let token = env.token(&app).await;

    let (status, _, user) = env.api(&token, Method::GET, "/users/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_conforms(&spec, "/users/{userId}", "get", "200", &user, false);

    let created = env
        .create_meeting(
            &token,
            "me",
            json!({"topic": "Schema", "start_time": "2030-02-01T09:30:00", "timezone": "America/New_York",
                   "duration": 45, "agenda": "Check the shapes", "settings": {"waiting_room": true}}),
        )
        .await;
    assert_conforms(&spec, "/users/{userId}/meetings", "post", "201", &created, false);

    let (status, _, got) = env.api(&token, Method::GET, &format!("/meetings/{}", created["id"]), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_conforms(&spec, "/meetings/{meetingId}", "get", "200", &got, false);

    let (status, _, list) = env.api(&token, Method::GET, "/users/me/meetings", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["meetings"].as_array().unwrap().len(), 1);
    assert_conforms(&spec, "/users/{userId}/meetings", "get", "200", &list, false);

    env.control(Method::POST, &format!("/meetings/{}/recordings", created["id"]), json!({})).await;
    let (status, _, recs) =
        env.api(&token, Method::GET, "/users/me/recordings?from=2030-01-20&to=2030-02-10", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(recs["meetings"].as_array().unwrap().len(), 1);
    assert_conforms(&spec, "/users/{userId}/recordings", "get", "200", &recs, true);

    let (status, _, one) = env.api(&token, Method::GET, &format!("/meetings/{}/recordings", created["id"]), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_conforms(&spec, "/meetings/{meetingId}/recordings", "get", "200", &one, true);
}

/// The checker itself finds what it is meant to find.
#[test]
fn checker_flags_wrong_types_missing_fields_and_bad_enums() {
    let Some(spec) = spec() else { return };
    let schema = response_schema(&spec, "/users/{userId}", "get", "200");
    let mut checker = Checker { spec: &spec, integer_type_ok: false, errors: vec![] };
    checker.check(schema, &json!({"email": "a@example.com", "type": "2", "status": "gone", "pmi": 1.5}), "$");
    assert_eq!(checker.errors.len(), 3, "{:?}", checker.errors);
    let mut checker = Checker { spec: &spec, integer_type_ok: false, errors: vec![] };
    checker.check(schema, &json!({"id": "x"}), "$");
    assert_eq!(checker.errors.len(), 2, "email and type are required: {:?}", checker.errors);
}
