//! `/api/v1/availability`: weekly hours and date overrides.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::domain::slots::{AvailabilityInput, OverrideInput};
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiUser};
use crate::scheduling::availability::{self, AvailabilityProblem};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_availability, put_availability))
}

/// Weekly hours in the host's IANA time zone, plus date overrides (empty intervals: closed).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct AvailabilityBody {
    timezone: String,
    /// `mon` … `sun` → `[["09:00","17:00"], …]`; a missing key is a closed day; "23:59" may end a day.
    #[serde(default)]
    weekly: BTreeMap<String, Vec<[String; 2]>>,
    #[serde(default)]
    overrides: Vec<OverrideBody>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct OverrideBody {
    /// YYYY-MM-DD
    date: String,
    #[serde(default)]
    intervals: Vec<[String; 2]>,
}

impl From<AvailabilityInput> for AvailabilityBody {
    fn from(input: AvailabilityInput) -> Self {
        AvailabilityBody {
            timezone: input.timezone,
            weekly: input.weekly,
            overrides: input
                .overrides
                .into_iter()
                .map(|o| OverrideBody { date: o.date, intervals: o.intervals })
                .collect(),
        }
    }
}

impl From<AvailabilityProblem> for ApiError {
    fn from(e: AvailabilityProblem) -> Self {
        match e {
            AvailabilityProblem::Invalid(e) => ApiError::unprocessable(e.code(), e.to_string()),
            AvailabilityProblem::Store(e) => ApiError::internal(e),
        }
    }
}

/// The host's availability (a default of Mon–Fri 09:00–17:00 UTC until set).
#[utoipa::path(get, path = "/availability", tag = "scheduling", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AvailabilityBody)))]
async fn get_availability(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<AvailabilityBody>> {
    Ok(Json(availability::load_input(&state.db, &user.user.id).await?.into()))
}

/// Replaces the host's availability; overlapping or reversed intervals and unknown zones are 422.
#[utoipa::path(put, path = "/availability", tag = "scheduling", request_body = AvailabilityBody,
    security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = AvailabilityBody), (status = 422, body = crate::http::api::ErrorBody)))]
async fn put_availability(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<AvailabilityBody>,
) -> ApiResult<Json<AvailabilityBody>> {
    let input = AvailabilityInput {
        timezone: body.timezone,
        weekly: body.weekly,
        overrides: body.overrides.into_iter().map(|o| OverrideInput { date: o.date, intervals: o.intervals }).collect(),
    };
    Ok(Json(availability::save(&state, &user.user.id, &input).await?.into()))
}
