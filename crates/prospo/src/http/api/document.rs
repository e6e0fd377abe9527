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
                        .content("application/json", utoipa::openapi::Content::new(Some(Ref::from_schema_name("ErrorBody"))))
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
