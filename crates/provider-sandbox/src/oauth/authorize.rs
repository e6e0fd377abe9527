//! The authorization endpoint: parameter checks, the consent page, and the redirect with a code
//! (or with `error=access_denied` when the user denies).
//!
//! Parameters are read from the query string, and for a POST also from the form body (the body
//! wins), as every provider accepts. Anything wrong before the redirect URI is known to be good is
//! an HTML error page (400), never a redirect; the sandbox also shows that page for the other
//! request errors, as the providers do for most of them.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};

use super::consent::Consent;
use super::errors::AuthorizeError;
use super::{AuthServer, Code, Flavour, UserEvent};
use crate::ids;

type Pairs = Vec<(String, String)>;

fn parse(raw: &[u8]) -> Pairs {
    serde_urlencoded::from_bytes(raw).unwrap_or_default()
}

fn find<'a>(pairs: &'a Pairs, name: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A checked authorization request.
struct AuthRequest {
    client_id: String,
    redirect_uri: String,
    /// What the consent page lists: the request's scopes, or the client's own (Zoom).
    scopes: Vec<String>,
    state: Option<String>,
    /// The PKCE S256 challenge; only Zoom's requests may go without.
    code_challenge: Option<String>,
    /// A plausible email, trimmed, as given.
    login_hint: Option<String>,
    /// Google `access_type=offline`.
    offline: bool,
    /// Google `prompt=consent` (among the space-separated prompts).
    prompt_consent: bool,
}

impl AuthServer {
    /// Answers one authorization request: the consent page, a redirect, or an error page. Also
    /// says what the host should know of the user (named by `login_hint`, or consented).
    pub(super) fn authorize(
        &mut self,
        now: Timestamp,
        query: &str,
        body: Option<&[u8]>,
    ) -> (Response, Option<UserEvent>) {
        let flavour = self.flavour;
        let query_pairs = parse(query.as_bytes());
        let body_pairs = body.map(parse).unwrap_or_default();
        let get = |name: &str| find(&body_pairs, name).or_else(|| find(&query_pairs, name)).map(str::to_string);
        let req = match self.check(&get) {
            Ok(req) => req,
            Err(problem) => return (problem.page(flavour).render(flavour), None),
        };
        let action = format!("{}?{query}", flavour.authorize_path());
        let consent = |problem| Consent {
            client_id: &req.client_id,
            login_hint: req.login_hint.as_deref(),
            scopes: &req.scopes,
            action: &action,
            problem,
        };
        let is_post = body.is_some();
        if is_post && get("deny").is_some() {
            return (self.deny(&req), None);
        }
        if !(is_post && get("allow").is_some()) {
            let named = req.login_hint.clone().map(UserEvent::Named);
            return (consent(None).render(flavour, StatusCode::OK), named);
        }
        let typed = get("email").or_else(|| req.login_hint.clone()).unwrap_or_default().trim().to_string();
        if !plausible_email(&typed) {
            let page = consent(Some(Consent::email_problem(flavour))).render(flavour, StatusCode::BAD_REQUEST);
            return (page, None);
        }
        let email = typed.to_ascii_lowercase();
        let scopes = if find(&body_pairs, "granular").is_some() {
            let ticked: Vec<&str> = body_pairs.iter().filter(|(k, _)| k == "grant").map(|(_, v)| v.as_str()).collect();
            req.scopes.iter().filter(|s| ticked.contains(&s.as_str())).cloned().collect()
        } else {
            req.scopes.clone()
        };
        let code = flavour.new_code();
        let offline = match flavour {
            Flavour::Google => {
                let known = self.offline_grants.contains(&(req.client_id.clone(), email.clone()));
                req.offline && (req.prompt_consent || !known)
            }
            Flavour::Microsoft => scopes.iter().any(|s| s.eq_ignore_ascii_case("offline_access")),
            Flavour::Zoom => true,
        };
        self.codes.insert(
            code.clone(),
            Code {
                client_id: req.client_id.clone(),
                redirect_uri: req.redirect_uri.clone(),
                email,
                scopes: scopes.clone(),
                code_challenge: req.code_challenge.clone(),
                offline,
                expires_at: now + SignedDuration::from_secs(flavour.code_seconds()),
                used: false,
            },
        );
        let mut params = vec![("code", code)];
        if let Some(state) = &req.state {
            params.push(("state", state.clone()));
        }
        match flavour {
            Flavour::Google => {
                params.push(("scope", scopes.join(" ")));
                params.push(("authuser", "0".into()));
                params.push(("prompt", "consent".into()));
            }
            Flavour::Microsoft => params.push(("session_state", ids::guid())),
            Flavour::Zoom => {}
        }
        (redirect(&req.redirect_uri, &params), Some(UserEvent::Consented(typed)))
    }

    fn deny(&self, req: &AuthRequest) -> Response {
        let mut params = vec![("error", "access_denied".to_string())];
        if self.flavour == Flavour::Microsoft {
            params.push(("error_description", "AADSTS65004: User declined to consent to access the app.".to_string()));
        }
        if let Some(state) = &req.state {
            params.push(("state", state.clone()));
        }
        redirect(&req.redirect_uri, &params)
    }

    /// Checks the request in the providers' order: the client, the redirect URI, then what is
    /// asked.
    fn check(&self, get: &dyn Fn(&str) -> Option<String>) -> Result<AuthRequest, AuthorizeError> {
        let flavour = self.flavour;
        let required = |name: &'static str| get(name).filter(|v| !v.is_empty()).ok_or(AuthorizeError::Missing(name));
        let client_id = required("client_id")?;
        let client = self.clients.get(&client_id).ok_or_else(|| AuthorizeError::UnknownClient(client_id.clone()))?;
        if client.disabled {
            return Err(AuthorizeError::DisabledClient(client_id));
        }
        let redirect_uri = required("redirect_uri")?;
        if !acceptable_redirect(&redirect_uri, &client.redirect_uris) {
            return Err(AuthorizeError::BadRedirect { client_id, redirect_uri });
        }
        let response_type = get("response_type").ok_or(AuthorizeError::Missing("response_type"))?;
        if response_type != "code" {
            return Err(AuthorizeError::UnsupportedResponseType(response_type));
        }
        if flavour == Flavour::Microsoft
            && let Some(mode) = get("response_mode")
            && mode != "query"
        {
            return Err(AuthorizeError::UnsupportedResponseMode(mode));
        }
        let scopes = if flavour.scopes_from_client() {
            client.scopes.clone()
        } else {
            let scope = get("scope").filter(|s| !s.trim().is_empty()).ok_or(AuthorizeError::Missing("scope"))?;
            let scopes: Vec<String> = scope.split_whitespace().map(|s| normalise_scope(flavour, s)).collect();
            if let Some(bad) = scopes.iter().find(|s| !valid_scope(flavour, s)) {
                return Err(AuthorizeError::InvalidScope(bad.clone()));
            }
            scopes
        };
        let code_challenge = match get("code_challenge") {
            None if flavour.requires_pkce() => return Err(AuthorizeError::Missing("code_challenge")),
            None => None,
            Some(challenge) if challenge.is_empty() && !flavour.requires_pkce() => None,
            Some(challenge) => {
                if !(43..=128).contains(&challenge.len()) || !challenge.bytes().all(unreserved) {
                    return Err(AuthorizeError::BadChallenge);
                }
                if get("code_challenge_method").as_deref() != Some("S256") {
                    return Err(AuthorizeError::ChallengeMethodNotS256);
                }
                Some(challenge)
            }
        };
        Ok(AuthRequest {
            client_id,
            redirect_uri,
            scopes,
            state: get("state"),
            code_challenge,
            login_hint: get("login_hint").map(|h| h.trim().to_string()).filter(|h| plausible_email(h)),
            offline: get("access_type").as_deref() == Some("offline"),
            prompt_consent: get("prompt").is_some_and(|p| p.split_whitespace().any(|p| p == "consent")),
        })
    }
}

/// RFC 7636's unreserved characters, of which challenges and verifiers are made.
pub(super) fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

/// Graph scopes may be written with their resource (`https://graph.microsoft.com/Calendars.Read`);
/// tokens list them without it, as Microsoft's token responses do.
fn normalise_scope(flavour: Flavour, scope: &str) -> String {
    match flavour {
        Flavour::Microsoft => scope.strip_prefix("https://graph.microsoft.com/").unwrap_or(scope).to_string(),
        Flavour::Google | Flavour::Zoom => scope.to_string(),
    }
}

fn valid_scope(flavour: Flavour, scope: &str) -> bool {
    match flavour {
        Flavour::Google => {
            matches!(scope, "openid" | "email" | "profile")
                || scope.strip_prefix("https://www.googleapis.com/auth/").is_some_and(|rest| !rest.is_empty())
        }
        Flavour::Microsoft => {
            ["openid", "profile", "email", "offline_access"].iter().any(|s| s.eq_ignore_ascii_case(scope))
                || (scope.contains('.')
                    && scope.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric())))
        }
        // Zoom's scopes are the app's (see `Flavour::scopes_from_client`); any word is one.
        Flavour::Zoom => !scope.is_empty(),
    }
}

fn acceptable_redirect(uri: &str, registered: &[String]) -> bool {
    let Ok(url) = url::Url::parse(uri) else { return false };
    let well_formed = matches!(url.scheme(), "http" | "https") && url.host().is_some() && url.fragment().is_none();
    well_formed && (registered.is_empty() || registered.iter().any(|r| r == uri))
}

fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
}

fn redirect(base: &str, params: &[(&str, String)]) -> Response {
    let mut url = url::Url::parse(base).expect("redirect URIs are checked before use");
    {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in params {
            pairs.append_pair(k, v);
        }
    }
    (StatusCode::FOUND, [(header::LOCATION, url.to_string()), (header::CACHE_CONTROL, "no-store".into())])
        .into_response()
}
