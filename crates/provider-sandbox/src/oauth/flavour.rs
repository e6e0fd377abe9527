//! Which provider the authorization server plays, and what that decides: paths, lifetimes,
//! where a grant's scopes come from, PKCE, and what a refresh or a new grant does to the old
//! tokens.

use serde::{Deserialize, Serialize};

use super::OAuthClient;
use crate::ids;

/// Which provider the server plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flavour {
    /// `accounts.google.com` / `oauth2.googleapis.com`: refresh tokens are reusable; a code
    /// exchange answers one (with `access_type=offline`) only the first time a user authorizes a
    /// client, or again when the request had `prompt=consent`.
    Google,
    /// `login.microsoftonline.com/common`: every refresh answers a new refresh token and the used
    /// one is refused afterwards; a refresh token needs the `offline_access` scope.
    Microsoft,
    /// `zoom.us`, a General (user-managed) app (zoom/README.md, Zoom's OAuth error list):
    /// - The grant's scopes are the app's own ([`super::AuthServer::set_client_scopes`]) when a
    ///   token is issued, by a code or a refresh; the request's `scope` is not read.
    /// - PKCE is optional, S256 when given. Codes live 5 minutes and any exchange naming one
    ///   uses it up, so a wrong verifier cannot be retried with the same code.
    /// - Every exchange answers a refresh token; refresh tokens rotate on each use and live 90
    ///   days. A used one is refused (`invalid_grant`) but does not end the grant: two holders
    ///   racing to refresh lose one answer, not the connection.
    /// - A new authorization of the same user for the same app ends the earlier grant's tokens
    ///   ("the last token issued is considered valid", 4741).
    /// - Clients authenticate with HTTP Basic only; the token endpoint also reads the query
    ///   string (Zoom's older docs put the parameters there), the form body winning.
    /// - Errors are `{"reason", "error"}` with status 400.
    Zoom,
}

impl Flavour {
    /// The authorization endpoint's path (GET shows the consent page, POST answers it).
    pub fn authorize_path(self) -> &'static str {
        match self {
            Flavour::Google => "/o/oauth2/v2/auth",
            Flavour::Microsoft => "/common/oauth2/v2.0/authorize",
            Flavour::Zoom => "/oauth/authorize",
        }
    }

    /// The token endpoint's path.
    pub fn token_path(self) -> &'static str {
        match self {
            Flavour::Google => "/token",
            Flavour::Microsoft => "/common/oauth2/v2.0/token",
            Flavour::Zoom => "/oauth/token",
        }
    }

    /// Access token lifetime in seconds, as the provider announces it in `expires_in`.
    pub fn access_token_seconds(self) -> i64 {
        match self {
            Flavour::Google => 3599,
            Flavour::Microsoft | Flavour::Zoom => 3600,
        }
    }

    /// How long an authorization code may wait before it is exchanged (Zoom: "Code is
    /// expired", 4733).
    pub fn code_seconds(self) -> i64 {
        match self {
            Flavour::Google | Flavour::Microsoft => 600,
            Flavour::Zoom => 300,
        }
    }

    /// How long a refresh token lives; `None`: until it is revoked (or, rotating, used).
    pub fn refresh_token_seconds(self) -> Option<i64> {
        match self {
            Flavour::Google | Flavour::Microsoft => None,
            Flavour::Zoom => Some(90 * 86_400),
        }
    }

    /// Whether a refresh answers a new refresh token and refuses the used one afterwards.
    pub fn rotates_refresh_tokens(self) -> bool {
        matches!(self, Flavour::Microsoft | Flavour::Zoom)
    }

    /// Whether a grant carries the client's registered scopes (at the moment each token is
    /// issued) rather than those the authorization request asked for.
    pub(crate) fn scopes_from_client(self) -> bool {
        self == Flavour::Zoom
    }

    /// Whether an authorization request must carry a PKCE challenge.
    pub(crate) fn requires_pkce(self) -> bool {
        self != Flavour::Zoom
    }

    /// Whether any exchange naming a code uses it up, not only a successful one.
    pub(crate) fn spends_code_on_any_exchange(self) -> bool {
        self == Flavour::Zoom
    }

    /// Whether a new grant of a user to a client ends that pair's earlier grant.
    pub(crate) fn one_grant_per_user(self) -> bool {
        self == Flavour::Zoom
    }

    pub(crate) fn display_name(self) -> &'static str {
        match self {
            Flavour::Google => "Google",
            Flavour::Microsoft => "Microsoft",
            Flavour::Zoom => "Zoom",
        }
    }
}

/// Identifiers and tokens shaped like each provider's (opaque to clients, but a familiar shape
/// makes logs and tests easier to read).
impl Flavour {
    pub(super) fn new_client(self) -> OAuthClient {
        let (client_id, client_secret) = match self {
            Flavour::Google => (ids::google_client_id(), format!("GOCSPX-{}", ids::alnum(28))),
            Flavour::Microsoft => (ids::guid(), format!("{}~{}", ids::alnum(3), ids::client_secret())),
            Flavour::Zoom => (ids::random_b64(16), ids::alnum(32)),
        };
        OAuthClient { client_id, client_secret }
    }

    pub(super) fn new_code(self) -> String {
        match self {
            Flavour::Google => format!("4/0A{}", ids::random_b64(70)),
            Flavour::Microsoft => format!("1.AQ{}", ids::random_b64(220)),
            Flavour::Zoom => ids::random_b64(24),
        }
    }

    pub(super) fn new_access_token(self) -> String {
        match self {
            Flavour::Google => format!("ya29.a0{}", ids::random_b64(120)),
            // Shaped like a JWT (clients must not parse Graph tokens, but some check the dots).
            Flavour::Microsoft => {
                format!("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{}.{}", ids::random_b64(240), ids::random_b64(180))
            }
            Flavour::Zoom => ids::random_b64(48),
        }
    }

    pub(super) fn new_refresh_token(self) -> String {
        match self {
            Flavour::Google => format!("1//0{}", ids::random_b64(75)),
            Flavour::Microsoft => format!("1.A{}", ids::random_b64(300)),
            Flavour::Zoom => ids::random_b64(48),
        }
    }
}
