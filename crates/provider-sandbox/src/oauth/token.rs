//! The token endpoint: client authentication (form body or HTTP Basic; Zoom: Basic only), then
//! the `authorization_code` and `refresh_token` grants.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::authorize::unreserved;
use super::errors::TokenError;
use super::{AuthServer, Flavour};

/// One request to the token endpoint, as it arrived.
pub struct TokenRequest<'a> {
    pub headers: &'a HeaderMap,
    /// The raw query string (Zoom reads parameters there too).
    pub query: &'a str,
    pub body: &'a [u8],
}

type Params = Vec<(String, String)>;

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// Form bodies always; Google also reads a JSON object body, Zoom also the query string (after
/// the body, which wins).
fn read_params(flavour: Flavour, request: &TokenRequest) -> Params {
    let json = request
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json && flavour == Flavour::Google {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(request.body) else { return Vec::new() };
        return map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect();
    }
    let mut params: Params = serde_urlencoded::from_bytes(request.body).unwrap_or_default();
    if flavour == Flavour::Zoom {
        params.extend(serde_urlencoded::from_str::<Params>(request.query).unwrap_or_default());
    }
    params
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
    Some((unescape(id), unescape(secret)))
}

/// RFC 7636: a verifier of 43 to 128 unreserved characters with
/// `BASE64URL(SHA256(code_verifier)) == code_challenge`.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier.bytes().all(unreserved)
        && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

impl AuthServer {
    /// Answers one request to the token endpoint, as [`super::routes`] does; every request counts
    /// in `token_requests`. A host whose token endpoint also serves grants of its own (Zoom's
    /// `account_credentials`) dispatches by grant type and hands the others here. `extra` joins
    /// every successful answer (Zoom's `api_url`).
    pub fn answer_token_request(
        &mut self,
        now: Timestamp,
        request: &TokenRequest,
        extra: &[(&str, Value)],
    ) -> Response {
        self.stats.token_requests += 1;
        let params = read_params(self.flavour, request);
        if param(&params, "grant_type") == Some("refresh_token") {
            self.stats.refreshes += 1;
        }
        match self.grant(now, request.headers, &params) {
            Ok(mut body) => {
                body.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
                (StatusCode::OK, [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")], Json(body))
                    .into_response()
            }
            Err(e) => e.into_response(self.flavour, now),
        }
    }

    fn grant(
        &mut self,
        now: Timestamp,
        headers: &HeaderMap,
        params: &Params,
    ) -> Result<Map<String, Value>, TokenError> {
        let client_id = self.authenticate_client(headers, params)?;
        match param(params, "grant_type") {
            None => Err(TokenError::MissingGrantType),
            Some("authorization_code") => self.exchange_code(now, &client_id, params),
            Some("refresh_token") => self.refresh(now, &client_id, params),
            Some(other) => Err(TokenError::UnsupportedGrantType(other.to_owned())),
        }
    }

    fn authenticate_client(&self, headers: &HeaderMap, params: &Params) -> Result<String, TokenError> {
        let (id, secret) = match basic_credentials(headers) {
            Some((id, secret)) => (Some(id), Some(secret)),
            None if self.flavour == Flavour::Zoom => (None, None),
            None => {
                (param(params, "client_id").map(str::to_string), param(params, "client_secret").map(str::to_string))
            }
        };
        let id = id.ok_or(TokenError::MissingClientId)?;
        let Some(client) = self.clients.get(&id) else {
            return Err(TokenError::UnknownClient(id));
        };
        match secret {
            Some(secret) if secret == client.secret && client.disabled => Err(TokenError::DisabledClient(id)),
            Some(secret) if secret == client.secret => Ok(id),
            None => Err(TokenError::MissingSecret),
            Some(_) => Err(TokenError::WrongSecret(id)),
        }
    }

    fn exchange_code(
        &mut self,
        now: Timestamp,
        client_id: &str,
        params: &Params,
    ) -> Result<Map<String, Value>, TokenError> {
        let flavour = self.flavour;
        let value = param(params, "code").ok_or(TokenError::MissingCode)?;
        let code = self.codes.get_mut(value).ok_or_else(|| TokenError::InvalidCode(value.to_owned()))?;
        let used_before = code.used;
        if flavour.spends_code_on_any_exchange() {
            code.used = true;
        }
        if code.client_id != client_id {
            return Err(TokenError::InvalidCode(value.to_owned()));
        }
        if used_before {
            return Err(TokenError::UsedCode(value.to_owned()));
        }
        if now >= code.expires_at {
            return Err(TokenError::ExpiredCode(value.to_owned()));
        }
        let redirect_uri = param(params, "redirect_uri").unwrap_or_default();
        if redirect_uri != code.redirect_uri {
            return Err(TokenError::RedirectMismatch {
                given: redirect_uri.to_owned(),
                expected: code.redirect_uri.clone(),
            });
        }
        if let Some(challenge) = &code.code_challenge {
            let verifier = param(params, "code_verifier").ok_or(TokenError::MissingVerifier)?;
            if !pkce_matches(verifier, challenge) {
                return Err(TokenError::WrongVerifier);
            }
        }
        code.used = true;
        let (email, requested, offline) = (code.email.clone(), code.scopes.clone(), code.offline);
        let granted = self.token_scopes(client_id, &requested);
        if flavour.one_grant_per_user() {
            self.end_grant(client_id, &email);
        }
        let access = self.mint_access(now, client_id, &email, &granted);
        let refresh = offline.then(|| self.mint_refresh(now, client_id, &email, &granted));
        Ok(self.token_body(access, &granted, refresh))
    }

    fn refresh(&mut self, now: Timestamp, client_id: &str, params: &Params) -> Result<Map<String, Value>, TokenError> {
        let flavour = self.flavour;
        let value = param(params, "refresh_token").ok_or(TokenError::MissingRefreshToken)?;
        let token = self.refresh_tokens.get_mut(value).ok_or(TokenError::InvalidRefreshToken)?;
        if token.client_id != client_id {
            return Err(TokenError::OtherClientsRefreshToken);
        }
        if token.revoked {
            return Err(TokenError::RevokedRefreshToken);
        }
        if token.used {
            return Err(TokenError::InvalidRefreshToken);
        }
        if token.expires_at.is_some_and(|at| now >= at) {
            return Err(TokenError::ExpiredRefreshToken);
        }
        if flavour.rotates_refresh_tokens() {
            token.used = true;
        }
        let (email, kept) = (token.email.clone(), token.scopes.clone());
        let scopes = if flavour.scopes_from_client() { self.token_scopes(client_id, &kept) } else { kept };
        let rotated = flavour.rotates_refresh_tokens().then(|| self.mint_refresh(now, client_id, &email, &scopes));
        let access = self.mint_access(now, client_id, &email, &scopes);
        Ok(self.token_body(access, &scopes, rotated))
    }

    /// The scopes a token carries: the client's own for Zoom; Microsoft leaves `offline_access`
    /// out of `scope`.
    fn token_scopes(&self, client_id: &str, requested: &[String]) -> Vec<String> {
        match self.flavour {
            Flavour::Zoom => self.clients.get(client_id).map(|c| c.scopes.clone()).unwrap_or_default(),
            Flavour::Microsoft => {
                requested.iter().filter(|s| !s.eq_ignore_ascii_case("offline_access")).cloned().collect()
            }
            Flavour::Google => requested.to_vec(),
        }
    }

    fn token_body(&self, access: String, scopes: &[String], refresh: Option<String>) -> Map<String, Value> {
        let ttl = self.flavour.access_token_seconds();
        let mut body = Map::new();
        body.insert("access_token".into(), json!(access));
        // Zoom writes the type in lowercase.
        body.insert("token_type".into(), json!(if self.flavour == Flavour::Zoom { "bearer" } else { "Bearer" }));
        body.insert("expires_in".into(), json!(ttl));
        if self.flavour == Flavour::Microsoft {
            body.insert("ext_expires_in".into(), json!(ttl));
        }
        body.insert("scope".into(), json!(scopes.join(" ")));
        if let Some(refresh) = refresh {
            body.insert("refresh_token".into(), json!(refresh));
        }
        body
    }
}
