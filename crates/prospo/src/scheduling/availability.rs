//! A host's availability: stored validated, with a default for hosts who never set one.

use std::collections::BTreeMap;

use crate::app::App;
use crate::domain::slots::{Availability, AvailabilityError, AvailabilityInput};
use crate::store::accounts::HostRow;
use crate::store::{Db, StoreError};

/// A new host's hours: Monday to Friday, 09:00–17:00 in `timezone` (the browser's at sign-up, else
/// UTC), so an event type is bookable at sensible hours as soon as it is created.
pub fn default_input(timezone: &str) -> AvailabilityInput {
    let weekdays = ["mon", "tue", "wed", "thu", "fri"];
    AvailabilityInput {
        timezone: timezone.into(),
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
    let row = db.availability_of(user_id).await?;
    Ok(input_of(row.as_ref().map(|r| (r.timezone.as_str(), r.weekly.as_str(), r.overrides.as_str()))))
}

/// The availability as stored ((zone, weekly JSON, overrides JSON)), or the default without one.
pub fn input_of(stored: Option<(&str, &str, &str)>) -> AvailabilityInput {
    let Some((timezone, weekly, overrides)) = stored else { return default_input("UTC") };
    AvailabilityInput {
        timezone: timezone.to_owned(),
        weekly: serde_json::from_str(weekly).unwrap_or_default(),
        overrides: serde_json::from_str(overrides).unwrap_or_default(),
    }
}

/// A host's availability as read with them ([`crate::store::accounts::HostRow`]).
pub fn of_host(host: &HostRow) -> AvailabilityInput {
    let stored = host
        .availability_timezone
        .as_deref()
        .zip(host.availability_weekly.as_deref())
        .zip(host.availability_overrides.as_deref())
        .map(|((timezone, weekly), overrides)| (timezone, weekly, overrides));
    input_of(stored)
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
