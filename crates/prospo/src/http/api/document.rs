//! Completing the OpenAPI document from what every route shares, so that it cannot drift from the
//! code: the answers the extractors and middleware give (401 from [`ApiUser`], 413/415/422 from
//! [`ApiJson`], 422 from [`ApiQuery`], 404 for an unknown id) are added to each operation from its
//! own shape, beside the statuses its handler declares.
//!
//! [`ApiUser`]: crate::http::extract::ApiUser
//! [`ApiJson`]: crate::http::extract::ApiJson
//! [`ApiQuery`]: crate::http::extract::ApiQuery

use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{OpenApi, Ref, RefOr, ResponseBuilder};

pub struct SharedStatuses;

impl Modify for SharedStatuses {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                for (status, description) in shared_statuses(operation) {
                    let response = ResponseBuilder::new()
                        .description(description)
                        .content(
                            "application/json",
                            utoipa::openapi::Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                        )
                        .build();
                    operation.responses.responses.entry(status.to_string()).or_insert(RefOr::T(response));
                }
            }
        }
    }
}

/// The statuses an operation answers by its shape alone.
fn shared_statuses(operation: &Operation) -> Vec<(u16, &'static str)> {
    let mut statuses = Vec::new();
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    if secured {
        statuses.push((401, "`unauthorized` or `invalid_token`: no session, or a token that is not valid."));
    }
    let parameters = operation.parameters.iter().flatten().filter_map(|p| match p {
        RefOr::T(p) => Some(&p.parameter_in),
        RefOr::Ref(_) => None,
    });
    let (mut in_path, mut in_query) = (false, false);
    for place in parameters {
        in_path |= matches!(place, ParameterIn::Path);
        in_query |= matches!(place, ParameterIn::Query);
    }
    if in_path {
        statuses.push((404, "`not_found`: nothing with this id or name is yours to see."));
    }
    if operation.request_body.is_some() {
        statuses.push((400, "`malformed_json`: the body is not JSON."));
        statuses.push((413, "`body_too_large`: the body is over 256 KiB."));
        statuses.push((415, "`unsupported_media_type`: the body is not sent as application/json."));
    }
    if operation.request_body.is_some() || in_query {
        statuses.push((422, "The body or query does not fit (`invalid_body`, `invalid_query`) or a field is refused (the code names it)."));
    }
    statuses
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::domain::accounts::NewPassword;
    use crate::domain::questions as q;
    use crate::scheduling::booking::MAX_INVITEES;
    use crate::scheduling::event_types as et;

    fn document() -> Value {
        serde_json::to_value(super::super::router().1).unwrap()
    }

    fn property<'a>(doc: &'a Value, schema: &str, field: &str) -> &'a Value {
        &doc["components"]["schemas"][schema]["properties"][field]
    }

    /// The document's numbers are the ones the handlers validate with.
    #[test]
    fn declared_constraints_are_the_enforced_ones() {
        let doc = document();
        let range = |r: std::ops::RangeInclusive<i64>| (json!(r.start()), json!(r.end()));
        let expected = [
            ("EventTypeInput", "duration_minutes", range(et::DURATION_MINUTES)),
            ("EventTypeInput", "slot_step_minutes", range(et::DURATION_MINUTES)),
            ("EventTypeInput", "buffer_before_minutes", range(et::BUFFER_MINUTES)),
            ("EventTypeInput", "buffer_after_minutes", range(et::BUFFER_MINUTES)),
            ("EventTypeInput", "minimum_notice_minutes", range(et::NOTICE_MINUTES)),
            ("EventTypeInput", "booking_window_days", range(et::WINDOW_DAYS)),
            ("EventTypeInput", "max_per_day", (json!(0), json!(et::MAX_PER_DAY.end()))),
            ("NewMeetingRequest", "duration_minutes", range(et::DURATION_MINUTES)),
        ];
        for (schema, field, (minimum, maximum)) in expected {
            let p = property(&doc, schema, field);
            assert_eq!((&p["minimum"], &p["maximum"]), (&minimum, &maximum), "{schema}.{field}: {p}");
        }
        assert_eq!(property(&doc, "EventTypeInput", "reminder_minutes")["maxItems"], json!(et::MAX_REMINDERS));
        assert_eq!(property(&doc, "NewMeetingRequest", "invitees")["maxItems"], json!(MAX_INVITEES));
        assert_eq!(property(&doc, "EventTypeInput", "questions")["maxItems"], json!(q::MAX_QUESTIONS));
        assert_eq!(property(&doc, "QuestionInput", "label")["maxLength"], json!(q::LABEL_MAX_CHARS));
        assert_eq!(property(&doc, "QuestionInput", "id")["maxLength"], json!(q::ID_MAX_CHARS));
        let options = property(&doc, "QuestionInput", "options");
        assert_eq!((&options["minItems"], &options["maxItems"]), (&json!(q::MIN_OPTIONS), &json!(q::MAX_OPTIONS)));
        for (schema, field) in [("SignUpRequest", "password"), ("PasswordChange", "new_password")] {
            let p = property(&doc, schema, field);
            assert_eq!(p["minLength"], json!(NewPassword::MIN_CHARS), "{schema}.{field}");
            assert_eq!(p["maxLength"], json!(NewPassword::MAX_CHARS), "{schema}.{field}");
        }
    }

    /// Every operation answers in the envelope for what its shape implies.
    #[test]
    fn shared_statuses_follow_each_operation_s_shape() {
        let doc = document();
        let operation = |path: &str, method: &str| doc["paths"][path][method].clone();
        let statuses = |op: &Value| op["responses"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        let me = statuses(&operation("/api/v1/me", "get"));
        assert!(me.contains(&"401".to_owned()) && !me.contains(&"404".to_owned()), "{me:?}");
        let patch = statuses(&operation("/api/v1/meetings/{id}", "patch"));
        for status in ["400", "401", "404", "413", "415", "422"] {
            assert!(patch.contains(&status.to_owned()), "{status} in {patch:?}");
        }
        let slots = statuses(&operation("/api/v1/public/{username}/{slug}/slots", "get"));
        assert!(slots.contains(&"422".to_owned()) && !slots.contains(&"401".to_owned()), "{slots:?}");
        let query = operation("/api/v1/meetings", "get")["parameters"][0].clone();
        assert_eq!((query["name"].as_str(), query["in"].as_str()), (Some("when"), Some("query")));
    }
}
