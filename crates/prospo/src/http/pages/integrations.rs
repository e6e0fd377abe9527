//! Settings → Integrations: the Zoom card under Meeting Tools, Set up / Save & Connect, Check now,
//! Update credentials, Disconnect, and the webhook secret. Texts follow the help page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use secrecy::SecretString;
use serde::Deserialize;
use zoom::RequiredScope;

use super::{Frame, Moment, PageResult, flash};
use crate::http::AppState;
use crate::http::pages::PageUser;
use crate::integrations::zoom as integration;
use crate::integrations::zoom::status::{CardState, ConnectedApp, ZoomStatus};
use crate::integrations::zoom::{ConnectError, ConnectInput, ConnectProblem};
use crate::store::accounts::UserRow;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings", get(|| async { Redirect::to("/settings/integrations") }))
        .route("/settings/integrations", get(integrations_page))
        .route("/settings/integrations/zoom", post(connect))
        .route("/settings/integrations/zoom/check", post(check_now))
        .route("/settings/integrations/zoom/disconnect", post(disconnect))
        .route("/settings/integrations/zoom/webhook", post(set_webhook_secret))
}

/// The form's values as typed (never the secret) and where a problem shows.
#[derive(Default)]
struct FormState {
    account_id: String,
    client_id: String,
    zoom_user: String,
    problem: Option<ConnectProblem>,
    unavailable: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "integrations.html")]
struct IntegrationsPage {
    frame: Frame,
    state: CardState,
    app: Option<ConnectedApp>,
    /// Show the Set up / Update credentials form.
    show_form: bool,
    form: FormState,
    webhook_url: String,
    /// When the connection was made and last checked, in the user's zone.
    connected_at: Option<Moment>,
    last_checked_at: Option<Moment>,
    required_scopes: Vec<&'static str>,
    recommended_scopes: Vec<&'static str>,
    /// Came from the welcome page: Save & Connect goes back there.
    from_welcome: bool,
    /// The operator set up a Zoom General app: **Connect with Zoom** is offered.
    connect_with_zoom: bool,
}

impl IntegrationsPage {
    /// The field a problem is about (marked red), if it is about one field.
    fn problem_field(&self) -> &'static str {
        match &self.form.problem {
            Some(ConnectProblem::InvalidAccountId) => "account_id",
            Some(ConnectProblem::ZoomUserRequired | ConnectProblem::ZoomUserNotFound(_)) => "zoom_user",
            Some(_) | None => "",
        }
    }

    /// The field that gets focus after a problem: the one in error, else the secret, which must be
    /// typed again (it never comes back).
    fn focus_field(&self) -> &'static str {
        match (&self.form.problem, &self.form.unavailable) {
            (None, None) => "",
            _ => match self.problem_field() {
                "" => "client_secret",
                field => field,
            },
        }
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    setup: Option<String>,
    /// `welcome`: Save & Connect returns to the welcome page (the only place it returns to).
    next: Option<String>,
}

async fn page(
    state: &AppState,
    user: &UserRow,
    frame: Frame,
    show_form: bool,
    form: Option<FormState>,
) -> PageResult<IntegrationsPage> {
    let row = state.db.zoom_connection_of(&user.id).await?;
    let status = ZoomStatus::of(row.as_ref());
    let form = form.unwrap_or_else(|| match &status.connection {
        // Update credentials and Reconnect start from what is stored (never the secret).
        Some(app) => FormState {
            account_id: app.account_id.clone(),
            client_id: app.client_id.clone(),
            zoom_user: app.zoom_user_requested.clone().unwrap_or_default(),
            ..FormState::default()
        },
        None => FormState::default(),
    });
    let webhook_url = status.connection.as_ref().map(|a| state.webhook_url(&a.connection_id)).unwrap_or_default();
    let connected_at = status.connection.as_ref().map(|a| Moment::of(a.connected_at, user));
    let last_checked_at = status.connection.as_ref().and_then(|a| a.last_checked_at).map(|ms| Moment::of(ms, user));
    Ok(IntegrationsPage {
        frame,
        state: status.state,
        app: status.connection,
        show_form: show_form || status.state == CardState::NotConnected && form.problem.is_some(),
        form,
        webhook_url,
        connected_at,
        last_checked_at,
        required_scopes: RequiredScope::REQUIRED.iter().map(|s| s.name()).collect(),
        recommended_scopes: RequiredScope::RECOMMENDED.iter().map(|s| s.name()).collect(),
        from_welcome: false,
        connect_with_zoom: state.oauth.offers(crate::integrations::oauth::OAuthProvider::Zoom),
    })
}

async fn integrations_page(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Query(query): Query<PageQuery>,
) -> PageResult<Response> {
    let (jar, flash) = flash::take(jar);
    let frame = Frame::for_user("Integrations", "settings", &user, flash);
    let show_form = query.setup.as_deref() == Some("zoom");
    let mut page = page(&state, &user, frame, show_form, None).await?;
    page.from_welcome = query.next.as_deref() == Some("welcome");
    Ok((jar, page).into_response())
}

#[derive(Deserialize)]
pub struct ConnectForm {
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    zoom_user: String,
    #[serde(default)]
    next: String,
}

async fn connect(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Form(form): Form<ConnectForm>,
) -> PageResult<Response> {
    let input = ConnectInput {
        account_id: form.account_id.clone(),
        client_id: form.client_id.clone(),
        client_secret: SecretString::from(form.client_secret),
        zoom_user: Some(form.zoom_user.clone()),
    };
    let (status, failed) = match integration::connect(&state, &user.id, input).await {
        Ok(row) => {
            let jar = flash::set(jar, "success", &format!("Zoom is connected as {}.", row.zoom_email));
            let to = if form.next == "welcome" { "/welcome#step-event" } else { "/settings/integrations" };
            return Ok((jar, Redirect::to(to)).into_response());
        }
        Err(ConnectError::Problem(problem)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, FormState { problem: Some(problem), ..FormState::default() })
        }
        Err(e @ ConnectError::ZoomUnavailable) => {
            (StatusCode::SERVICE_UNAVAILABLE, FormState { unavailable: Some(e.to_string()), ..FormState::default() })
        }
        Err(ConnectError::Internal(e)) => return Err(e.into()),
    };
    // Keep what was typed, except the secret.
    let from_welcome = form.next == "welcome";
    let form =
        FormState { account_id: form.account_id, client_id: form.client_id, zoom_user: form.zoom_user, ..failed };
    let frame = Frame::for_user("Integrations", "settings", &user, None);
    let mut page = page(&state, &user, frame, true, Some(form)).await?;
    page.from_welcome = from_welcome;
    Ok((status, page).into_response())
}

async fn check_now(State(state): State<AppState>, PageUser(user): PageUser, jar: CookieJar) -> PageResult<Response> {
    let jar = match state.db.zoom_connection_of(&user.id).await? {
        Some(row) => {
            use crate::integrations::zoom::health::CheckOutcome;
            match integration::health::check_now(&state, &row).await? {
                CheckOutcome::Healthy => flash::set(jar, "success", "Checked just now: Zoom is connected and working."),
                CheckOutcome::NeedsAttention(_) => {
                    flash::set(jar, "error", "The check failed: Zoom needs your attention.")
                }
                CheckOutcome::Inconclusive => {
                    flash::set(jar, "error", "Zoom did not answer. Nothing changed; please try again in a moment.")
                }
            }
        }
        None => flash::set(jar, "error", "Zoom is not connected."),
    };
    Ok((jar, Redirect::to("/settings/integrations")).into_response())
}

#[derive(Deserialize)]
pub struct DisconnectForm {
    delete_upcoming: Option<String>,
}

async fn disconnect(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Form(form): Form<DisconnectForm>,
) -> PageResult<Response> {
    let jar = if integration::disconnect(&state, &user.id, form.delete_upcoming.is_some()).await? {
        flash::set(jar, "success", "Zoom is disconnected. Prospo no longer holds your app's credentials.")
    } else {
        jar
    };
    Ok((jar, Redirect::to("/settings/integrations")).into_response())
}

#[derive(Deserialize)]
pub struct WebhookForm {
    #[serde(default)]
    webhook_secret: String,
}

async fn set_webhook_secret(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    jar: CookieJar,
    Form(form): Form<WebhookForm>,
) -> PageResult<Response> {
    let jar = match state.db.zoom_connection_of(&user.id).await? {
        Some(row) => {
            integration::set_webhook_secret(&state, &row, &form.webhook_secret).await?;
            let message = if form.webhook_secret.trim().is_empty() {
                "Webhook secret token removed."
            } else {
                "Webhook secret token saved."
            };
            flash::set(jar, "success", message)
        }
        None => flash::set(jar, "error", "Zoom is not connected."),
    };
    Ok((jar, Redirect::to("/settings/integrations")).into_response())
}
