//! Adding, changing and removing calendar connections. Nothing is stored unless discovery (or the
//! first read of a feed) succeeded.

use secrecy::{ExposeSecret, SecretString};

use super::{CalendarError, SECRET_FIELD, feed_host, parse_calendar_url};
use crate::app::App;
use crate::jobs::Queue;
use crate::secrets::Binding;
use crate::store::calendars::{CalendarRow, ConnectionRow, NewCalendar, NewConnection, Provider};
use crate::store::new_id;

/// Connects a CalDAV account from whatever URL was pasted: server root, principal or one calendar.
pub async fn connect_caldav(
    app: &App,
    user_id: &str,
    raw_url: &str,
    username: &str,
    password: SecretString,
) -> Result<String, CalendarError> {
    let url = parse_calendar_url(raw_url)?;
    let username = username.trim();
    if username.is_empty() || username.chars().count() > 200 {
        return Err(CalendarError::InvalidUrl("Give the account's username.".into()));
    }
    if password.expose_secret().is_empty() {
        return Err(CalendarError::AuthFailed);
    }
    app.calendars.http.check_url(&url).await?;
    let dav = calendars::caldav::CalDav::new(app.calendars.http.clone(), username.to_owned(), password.clone());
    let found = dav.discover(&url).await?;
    let usable: Vec<_> = found.calendars.into_iter().collect();
    if usable.is_empty() {
        return Err(CalendarError::NotFound);
    }
    let id = new_id();
    let sealed = app.secrets.seal_str(password.expose_secret(), Binding { owner: user_id, field: SECRET_FIELD });
    let now = app.now_ms();
    let mut tx = app.db.begin_locked(user_id).await?;
    let found: Vec<Found> = usable
        .iter()
        .map(|c| Found {
            href: c.href.to_string(),
            name: c.name.clone(),
            color: c.color.clone(),
            writable: c.writable,
            is_default: c.is_default,
        })
        .collect();
    let calendars = new_calendars(app, &mut tx, user_id, Provider::CalDav, found).await?;
    let connection = NewConnection {
        id: &id,
        user_id,
        provider: Provider::CalDav,
        account: username,
        url: Some(url.as_str()),
        secret_sealed: Some(&sealed),
    };
    tx.insert_calendar_connection(&connection, &calendars, now).await?;
    tx.commit().await?;
    app.wake(Queue::Calendar);
    Ok(id)
}

/// A calendar discovery found.
pub struct Found {
    pub href: String,
    pub name: String,
    pub color: Option<String>,
    pub writable: bool,
    pub is_default: bool,
}

/// The calendars of a new connection with their first choices: the primary (the default, else the
/// first writable) checks conflicts on the user's first connection (and on every Google or
/// Microsoft account, which people connect to have their time blocked), and takes bookings when
/// the user has no "add bookings" calendar yet.
pub async fn new_calendars(
    app: &App,
    tx: &mut crate::store::Tx,
    user_id: &str,
    provider: Provider,
    found: Vec<Found>,
) -> Result<Vec<NewCalendar>, CalendarError> {
    let check_primary = provider.oauth().is_some() || app.db.calendar_connections_of(user_id).await?.is_empty();
    let has_write = tx.has_write_calendar(user_id).await?;
    let primary = found.iter().position(|c| c.is_default).or_else(|| found.iter().position(|c| c.writable));
    Ok(found
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let is_primary = Some(i) == primary;
            NewCalendar {
                id: new_id(),
                write_bookings: is_primary && c.writable && !has_write,
                check_conflicts: is_primary && check_primary,
                href: c.href,
                name: c.name,
                color: c.color,
                writable: c.writable,
            }
        })
        .collect())
}

/// Connects an ICS feed (read-only, conflicts only) once it was read and parsed.
pub async fn connect_ics(app: &App, user_id: &str, raw_url: &str, name: Option<&str>) -> Result<String, CalendarError> {
    let url = parse_calendar_url(raw_url)?;
    app.calendars.http.check_url(&url).await?;
    let zone = super::host_zone(app, user_id).await?;
    let span = super::cache_span(app, user_id).await?;
    let busy = super::sync::read_feed(app, &url, span, &zone).await?;
    let id = new_id();
    let sealed = app.secrets.seal_str(url.as_str(), Binding { owner: user_id, field: SECRET_FIELD });
    let name = name.map(str::trim).filter(|n| !n.is_empty()).map(|n| n.chars().take(100).collect::<String>());
    let account = feed_host(&url);
    let now = app.now_ms();
    let mut tx = app.db.begin_locked(user_id).await?;
    let connection = NewConnection {
        id: &id,
        user_id,
        provider: Provider::Ics,
        account: &account,
        url: None,
        secret_sealed: Some(&sealed),
    };
    let calendar = NewCalendar {
        id: new_id(),
        href: String::new(),
        name: name.unwrap_or_else(|| format!("Feed from {account}")),
        color: None,
        writable: false,
        // A feed is added for its conflicts.
        check_conflicts: true,
        write_bookings: false,
    };
    tx.insert_calendar_connection(&connection, std::slice::from_ref(&calendar), now).await?;
    let stored = inserted_row(&calendar, &id, user_id);
    tx.replace_calendar_busy(&stored, &super::sync::busy_read(&busy, span, None, false), now).await?;
    tx.calendar_connection_synced(&id, now).await?;
    // The next periodic read, not now: the feed was read a moment ago.
    tx.schedule_job(
        Queue::Calendar,
        &crate::store::calendars::sync_subject(&id),
        now + super::sync::SYNC_EVERY_MS,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The row a calendar just inserted has (no read needed).
fn inserted_row(new: &NewCalendar, connection_id: &str, user_id: &str) -> CalendarRow {
    CalendarRow {
        id: new.id.clone(),
        connection_id: connection_id.to_owned(),
        user_id: user_id.to_owned(),
        href: new.href.clone(),
        name: new.name.clone(),
        color: new.color.clone(),
        writable: new.writable,
        check_conflicts: new.check_conflicts,
        write_bookings: new.write_bookings,
        free_busy: false,
        change_marker: None,
        cached_from: None,
        cached_until: None,
        synced_at: None,
    }
}

/// Changes what a calendar is used for.
pub async fn set_choices(
    app: &App,
    calendar: &CalendarRow,
    check_conflicts: Option<bool>,
    write_bookings: Option<bool>,
) -> Result<(), CalendarError> {
    let check = check_conflicts.unwrap_or(calendar.check_conflicts);
    let write = write_bookings.unwrap_or(calendar.write_bookings);
    if write && !calendar.writable {
        return Err(CalendarError::NotWritable);
    }
    let now = app.now_ms();
    let mut tx = app.db.begin_locked(&calendar.user_id).await?;
    tx.set_calendar_choices(calendar, check, write).await?;
    if check && !calendar.check_conflicts {
        // Newly checked: read it now rather than at the next periodic sync.
        tx.schedule_job(Queue::Calendar, &crate::store::calendars::sync_subject(&calendar.connection_id), now, now)
            .await?;
    }
    tx.commit().await?;
    app.wake(Queue::Calendar);
    Ok(())
}

/// Removes a connection; events Prospo already wrote stay in the calendar.
pub async fn disconnect(app: &App, connection: &ConnectionRow) -> Result<(), CalendarError> {
    let mut tx = app.db.begin_locked(&connection.user_id).await?;
    tx.delete_calendar_connection(&connection.id).await?;
    tx.commit().await?;
    Ok(())
}
