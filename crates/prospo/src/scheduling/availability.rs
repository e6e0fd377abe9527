//! A host's availability: stored validated, with a default for hosts who never set one.

use std::collections::BTreeMap;

use crate::app::App;
use crate::domain::slots::{Availability, AvailabilityError, AvailabilityInput};
use crate::store::{Db, StoreError};

/// Until a host sets hours: Monday to Friday, 09:00–17:00 UTC, so an event type is bookable as soon
/// as it is created.
pub fn default_input() -> AvailabilityInput {
    let weekdays = ["mon", "tue", "wed", "thu", "fri"];
    AvailabilityInput {
        timezone: "UTC".into(),
        weekly: weekdays
            .iter()
            .map(|d| ((*d).to_owned(), vec![["09:00".to_owned(), "17:00".to_owned()]]))
            .collect::<BTreeMap<_, _>>(),
        overrides: Vec::new(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AvailabilityProblem {
    #[error(transparent)]
    Invalid(#[from] AvailabilityError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The host's availability as entered (or the default).
pub async fn load_input(db: &Db, user_id: &str) -> Result<AvailabilityInput, StoreError> {
    let Some(row) = db.availability_of(user_id).await? else { return Ok(default_input()) };
    let weekly = serde_json::from_str(&row.weekly).unwrap_or_default();
    let overrides = serde_json::from_str(&row.overrides).unwrap_or_default();
    Ok(AvailabilityInput { timezone: row.timezone, weekly, overrides })
}

/// The host's availability, validated.
pub async fn load(db: &Db, user_id: &str) -> Result<Availability, AvailabilityProblem> {
    Ok(Availability::parse(&load_input(db, user_id).await?)?)
}

/// Validates and stores; returns what was stored (normalised).
pub async fn save(
    app: &App,
    user_id: &str,
    input: &AvailabilityInput,
) -> Result<AvailabilityInput, AvailabilityProblem> {
    let normalised = Availability::parse(input)?.to_input();
    let weekly = serde_json::to_string(&normalised.weekly).expect("maps of strings serialise");
    let overrides = serde_json::to_string(&normalised.overrides).expect("lists of strings serialise");
    app.db.save_availability(user_id, &normalised.timezone, &weekly, &overrides, app.now_ms()).await?;
    Ok(normalised)
}
