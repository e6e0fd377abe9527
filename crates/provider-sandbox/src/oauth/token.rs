//! The token endpoint: client authentication (form body or HTTP Basic), then the
//! `authorization_code` and `refresh_token` grants.

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::errors::TokenError;
use super::{AuthServer, Flavour};

type Params = Vec<(String, String)>;

fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// Form bodies always; Google also reads a JSON object body.
fn read_params(flavour: Flavour, headers: &HeaderMap, body: &[u8]) -> Params {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json && flavour == Flavour::Google {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else { return Vec::new() };
        return map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect();
    }
    serde_urlencoded::from_bytes(body).unwrap_or_default()
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

/// RFC 7636: `BASE64URL(SHA256(code_verifier)) == code_challenge`.
fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

impl AuthServer {
    /// Answers one token request; every request counts in `token_requests`.
    pub(super) fn token(&mut self, now: Timestamp, headers: &HeaderMap, body: &[u8]) -> Response {
        self.stats.token_requests += 1;
        let params = read_params(self.flavour, headers, body);
        if param(&params, "grant_type") == Some("refresh_token") {
            self.stats.refreshes += 1;
        }
        match self.grant(now, headers, &params) {
            Ok(body) => {
                (StatusCode::OK, [(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")], Json(body))
                    .into_response()
            }
            Err(e) => e.into_response(self.flavour, now),
        }
    }

    fn grant(&mut self, now: Timestamp, headers: &HeaderMap, params: &Params) -> Result<Value, TokenError> {
        let client_id = self.authenticate_client(headers, params)?;
        match param(params, "grant_type") {
            None => Err(match self.flavour {
                Flavour::Google => {
                    TokenError::new(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Invalid grant_type: ", 0, "")
                }
                Flavour::Microsoft => TokenError::missing("grant_type"),
            }),
            Some("authorization_code") => self.exchange_code(now, &client_id, params),
            Some("refresh_token") => self.refresh(now, &client_id, params),
            Some(other) => Err(TokenError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("Invalid grant_type: {other}"),
                70003,
                format!("The app requested an unsupported grant type '{other}'."),
            )),
        }
    }

    fn authenticate_client(&self, headers: &HeaderMap, params: &Params) -> Result<String, TokenError> {
        let (id, secret) = match basic_credentials(headers) {
            Some((id, secret)) => (Some(id), Some(secret)),
            None => {
                (param(params, "client_id").map(str::to_string), param(params, "client_secret").map(str::to_string))
            }
        };
        let Some(id) = id else {
            return Err(TokenError::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Could not determine client ID from request.",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            ));
        };
        let Some(client) = self.clients.get(&id) else {
            return Err(match self.flavour {
                Flavour::Google => TokenError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "The OAuth client was not found.",
                    0,
                    "",
                ),
                Flavour::Microsoft => TokenError::new(
                    StatusCode::BAD_REQUEST,
                    "unauthorized_client",
                    "",
                    700016,
                    format!("Application with identifier '{id}' was not found in the directory 'Sandbox'."),
                ),
            });
        };
        match secret {
            Some(secret) if secret == client.secret => Ok(id),
            None if self.flavour == Flavour::Microsoft => Err(TokenError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )),
            _ => Err(TokenError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Unauthorized",
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{id}'."
                ),
            )),
        }
    }

    fn exchange_code(&mut self, now: Timestamp, client_id: &str, params: &Params) -> Result<Value, TokenError> {
        let code_value = param(params, "code").ok_or_else(|| TokenError::missing("code"))?;
        let not_valid =
            || TokenError::invalid_grant(70000, "The provided value for the 'code' parameter is not valid.");
        let code = self.codes.get_mut(code_value).ok_or_else(not_valid)?;
        if code.client_id != client_id {
            return Err(not_valid());
        }
        if code.used {
            return Err(TokenError::invalid_grant(
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
            ));
        }
        if now >= code.expires_at {
            return Err(TokenError::invalid_grant(
                70008,
                "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
            ));
        }
        let redirect_uri = param(params, "redirect_uri").unwrap_or_default();
        if redirect_uri != code.redirect_uri {
            return Err(TokenError::new(
                StatusCode::BAD_REQUEST,
                if self.flavour == Flavour::Google { "redirect_uri_mismatch" } else { "invalid_grant" },
                "Bad Request",
                500112,
                format!(
                    "The reply address '{redirect_uri}' does not match the reply address '{}' provided when requesting Authorization code.",
                    code.redirect_uri
                ),
            ));
        }
        let pkce_failed = |google: &str| {
            TokenError::new(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                google,
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
            )
        };
        let verifier = param(params, "code_verifier").ok_or_else(|| pkce_failed("Missing code verifier."))?;
        if !pkce_matches(verifier, &code.code_challenge) {
            return Err(pkce_failed("Bad Request"));
        }
        code.used = true;
        let (email, scopes, offline) = (code.email.clone(), code.scopes.clone(), code.offline);
        let granted = self.token_scopes(&scopes);
        let access = self.mint_access(now, client_id, &email, &granted);
        let refresh = offline.then(|| self.mint_refresh(client_id, &email, &granted));
        Ok(self.token_body(access, &granted, refresh))
    }

    fn refresh(&mut self, now: Timestamp, client_id: &str, params: &Params) -> Result<Value, TokenError> {
        let value = param(params, "refresh_token").ok_or_else(|| TokenError::missing("refresh_token"))?;
        let refused = || {
            TokenError::new(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Token has been expired or revoked.",
                70000,
                "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid.",
            )
        };
        let flavour = self.flavour;
        let token = self.refresh_tokens.get_mut(value).ok_or_else(refused)?;
        if token.client_id != client_id {
            return Err(TokenError::invalid_grant(
                70000,
                "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid.",
            ));
        }
        if token.revoked {
            return Err(TokenError::new(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Token has been expired or revoked.",
                50173,
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.",
            ));
        }
        if token.used {
            return Err(refused());
        }
        let (email, scopes) = (token.email.clone(), token.scopes.clone());
        let rotated = match flavour {
            Flavour::Google => None,
            Flavour::Microsoft => {
                token.used = true;
                Some(self.mint_refresh(client_id, &email, &scopes))
            }
        };
        let access = self.mint_access(now, client_id, &email, &scopes);
        Ok(self.token_body(access, &scopes, rotated))
    }

    /// The scopes a token carries: Microsoft leaves `offline_access` out of `scope`.
    fn token_scopes(&self, granted: &[String]) -> Vec<String> {
        granted
            .iter()
            .filter(|s| self.flavour == Flavour::Google || !s.eq_ignore_ascii_case("offline_access"))
            .cloned()
            .collect()
    }

    fn token_body(&self, access: String, scopes: &[String], refresh: Option<String>) -> Value {
        let ttl = self.flavour.access_token_seconds();
        let mut body = Map::new();
        body.insert("access_token".into(), json!(access));
        body.insert("token_type".into(), json!("Bearer"));
        body.insert("expires_in".into(), json!(ttl));
        if self.flavour == Flavour::Microsoft {
            body.insert("ext_expires_in".into(), json!(ttl));
        }
        body.insert("scope".into(), json!(scopes.join(" ")));
        if let Some(refresh) = refresh {
            body.insert("refresh_token".into(), json!(refresh));
        }
        Value::Object(body)
    }
}
