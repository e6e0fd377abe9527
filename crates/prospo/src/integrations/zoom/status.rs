//! The Zoom card's state, as both the page and the API show it. Never holds a secret.

use zoom::Scopes;

use super::ConnectProblem;
use crate::store::zoom_connections::{ConnectionStatus, ZoomConnectionRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardState {
    NotConnected,
    Connected,
    NeedsAttention,
}

impl CardState {
    pub fn as_str(self) -> &'static str {
        match self {
            CardState::NotConnected => "not_connected",
            CardState::Connected => "connected",
            CardState::NeedsAttention => "needs_attention",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ZoomStatus {
    pub state: CardState,
    pub connection: Option<ConnectedApp>,
}

#[derive(Debug, Clone)]
pub struct ConnectedApp {
    pub connection_id: String,
    pub email: String,
    pub zoom_user_id: String,
    pub zoom_name: Option<String>,
    pub account_id: String,
    pub client_id: String,
    pub zoom_user_requested: Option<String>,
    pub connected_at: i64,
    pub last_checked_at: Option<i64>,
    pub problem: Option<ConnectProblem>,
    pub missing_recommended: Vec<&'static str>,
    pub has_webhook_secret: bool,
    /// Connected with **Connect with Zoom** (no app of the user's own).
    pub user_authorised: bool,
}

impl ZoomStatus {
    pub fn of(row: Option<&ZoomConnectionRow>) -> ZoomStatus {
        let Some(row) = row else { return ZoomStatus { state: CardState::NotConnected, connection: None } };
        let problem = match (row.status, row.error_code.as_deref()) {
            (ConnectionStatus::NeedsAttention, Some(code)) => {
                Some(ConnectProblem::from_stored(code, row.error_message.as_deref().unwrap_or_default()))
            }
            (ConnectionStatus::NeedsAttention, None) => Some(ConnectProblem::InvalidCredentials),
            (ConnectionStatus::Connected, _) => None,
        };
        let state = if problem.is_some() { CardState::NeedsAttention } else { CardState::Connected };
        let connection = ConnectedApp {
            connection_id: row.id.clone(),
            email: row.zoom_email.clone(),
            zoom_user_id: row.zoom_user_id.clone(),
            zoom_name: row.zoom_name.clone(),
            account_id: row.account_id.clone(),
            client_id: row.client_id.clone(),
            zoom_user_requested: row.zoom_user_requested.clone(),
            connected_at: row.connected_at,
            last_checked_at: row.last_checked_at,
            problem,
            missing_recommended: Scopes::parse(&row.granted_scopes).missing_recommended(),
            has_webhook_secret: row.webhook_secret_sealed.is_some(),
            user_authorised: row.kind == crate::store::zoom_connections::ZoomAuthKind::OAuth,
        };
        ZoomStatus { state, connection: Some(connection) }
    }
}
