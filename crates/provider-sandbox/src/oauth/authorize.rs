//! The authorization endpoint: parameter checks, the consent page, and the redirect with a code
//! (or with `error=access_denied` when the user denies).
//!
//! Parameters are read from the query string, and for a POST also from the form body (the body
//! wins), as both providers accept. Anything wrong before the redirect URI is known to be good is
//! an HTML error page (400), never a redirect; the sandbox also shows that page for the other
//! request errors, as Google and Microsoft do for most of them.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};

use super::{AuthServer, Code, Flavour};
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
    scopes: Vec<String>,
    state: Option<String>,
    code_challenge: String,
    login_hint: Option<String>,
    /// Google `access_type=offline`.
    offline: bool,
    /// Google `prompt=consent` (among the space-separated prompts).
    prompt_consent: bool,
}

/// An error page: a title line (the provider's error code) and an explanation.
struct ErrorPage {
    code: String,
    message: String,
}

impl ErrorPage {
    fn google(error: &str, message: impl Into<String>) -> ErrorPage {
        ErrorPage { code: format!("Error 400: {error}"), message: message.into() }
    }

    fn microsoft(code: u32, message: impl Into<String>) -> ErrorPage {
        ErrorPage { code: format!("AADSTS{code}"), message: message.into() }
    }

    fn render(&self, flavour: Flavour) -> Response {
        let heading = match flavour {
            Flavour::Google => "Access blocked: authorization error",
            Flavour::Microsoft => "Sorry, but we’re having trouble signing you in.",
        };
        let body = format!(
            "<h1>{heading}</h1>\n<p role=\"alert\"><strong>{}</strong></p>\n<p>{}</p>",
            esc(&self.code),
            esc(&self.message)
        );
        (StatusCode::BAD_REQUEST, page(flavour, "Error", &body)).into_response()
    }
}

impl AuthServer {
    /// Answers one authorization request: the consent page, a redirect, or an error page. Also
    /// names the user the host should know about (the `login_hint`, or who consented).
    pub(super) fn authorize(&mut self, now: Timestamp, query: &str, body: Option<&[u8]>) -> (Response, Option<String>) {
        let query_pairs = parse(query.as_bytes());
        let body_pairs = body.map(parse).unwrap_or_default();
        let get = |name: &str| find(&body_pairs, name).or_else(|| find(&query_pairs, name)).map(str::to_string);
        let req = match self.check(&get) {
            Ok(req) => req,
            Err(page) => return (page.render(self.flavour), None),
        };
        let action = format!("{}?{query}", self.flavour.authorize_path());
        let is_post = body.is_some();
        if is_post && get("deny").is_some() {
            return (self.deny(&req), None);
        }
        if !(is_post && get("allow").is_some()) {
            let seen = req.login_hint.clone();
            return (consent_page(self.flavour, &req, &action, None, StatusCode::OK), seen);
        }
        let email = get("email").or_else(|| req.login_hint.clone()).unwrap_or_default().trim().to_ascii_lowercase();
        if !plausible_email(&email) {
            let problem = "Enter the email address of the account to sign in with.";
            return (consent_page(self.flavour, &req, &action, Some(problem), StatusCode::BAD_REQUEST), None);
        }
        let scopes = if find(&body_pairs, "granular").is_some() {
            let ticked: Vec<&str> = body_pairs.iter().filter(|(k, _)| k == "grant").map(|(_, v)| v.as_str()).collect();
            req.scopes.iter().filter(|s| ticked.contains(&s.as_str())).cloned().collect()
        } else {
            req.scopes.clone()
        };
        let code = match self.flavour {
            Flavour::Google => format!("4/0A{}", ids::random_b64(70)),
            Flavour::Microsoft => format!("1.AQ{}", ids::random_b64(220)),
        };
        let offline = match self.flavour {
            Flavour::Google => {
                let known = self.offline_grants.contains(&(req.client_id.clone(), email.clone()));
                req.offline && (req.prompt_consent || !known)
            }
            Flavour::Microsoft => scopes.iter().any(|s| s.eq_ignore_ascii_case("offline_access")),
        };
        self.codes.insert(
            code.clone(),
            Code {
                client_id: req.client_id.clone(),
                redirect_uri: req.redirect_uri.clone(),
                email: email.clone(),
                scopes: scopes.clone(),
                code_challenge: req.code_challenge.clone(),
                offline,
                expires_at: now + SignedDuration::from_secs(self.flavour.code_seconds()),
                used: false,
            },
        );
        let mut params = vec![("code", code)];
        if let Some(state) = &req.state {
            params.push(("state", state.clone()));
        }
        match self.flavour {
            Flavour::Google => {
                params.push(("scope", scopes.join(" ")));
                params.push(("authuser", "0".into()));
                params.push(("prompt", "consent".into()));
            }
            Flavour::Microsoft => params.push(("session_state", ids::guid())),
        }
        (redirect(&req.redirect_uri, &params), Some(email))
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

    fn check(&self, get: &dyn Fn(&str) -> Option<String>) -> Result<AuthRequest, ErrorPage> {
        let flavour = self.flavour;
        let missing = |name: &str| match flavour {
            Flavour::Google => ErrorPage::google("invalid_request", format!("Missing required parameter: {name}")),
            Flavour::Microsoft => ErrorPage::microsoft(
                900144,
                format!("The request body must contain the following parameter: '{name}'."),
            ),
        };
        let client_id = get("client_id").filter(|c| !c.is_empty()).ok_or_else(|| missing("client_id"))?;
        let Some(client) = self.clients.get(&client_id) else {
            return Err(match flavour {
                Flavour::Google => ErrorPage {
                    code: "Error 401: invalid_client".into(),
                    message: "The OAuth client was not found.".into(),
                },
                Flavour::Microsoft => ErrorPage::microsoft(
                    700016,
                    format!("Application with identifier '{client_id}' was not found in the directory 'Sandbox'."),
                ),
            });
        };
        let redirect_uri = get("redirect_uri").filter(|r| !r.is_empty()).ok_or_else(|| missing("redirect_uri"))?;
        if !acceptable_redirect(&redirect_uri, &client.redirect_uris) {
            return Err(match flavour {
                Flavour::Google => ErrorPage::google(
                    "redirect_uri_mismatch",
                    format!("You can't sign in because this app sent an invalid request. redirect_uri={redirect_uri}"),
                ),
                Flavour::Microsoft => ErrorPage::microsoft(
                    50011,
                    format!(
                        "The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."
                    ),
                ),
            });
        }
        let response_type = get("response_type").ok_or_else(|| missing("response_type"))?;
        if response_type != "code" {
            return Err(match flavour {
                Flavour::Google => {
                    ErrorPage::google("unsupported_response_type", format!("Invalid response_type: {response_type}"))
                }
                Flavour::Microsoft => ErrorPage::microsoft(
                    700054,
                    format!("response_type '{response_type}' is not enabled for the application."),
                ),
            });
        }
        if flavour == Flavour::Microsoft
            && let Some(mode) = get("response_mode")
            && mode != "query"
        {
            return Err(ErrorPage::microsoft(
                900144,
                format!("response_mode '{mode}' is not served by this sandbox; use response_mode=query."),
            ));
        }
        let scope = get("scope").filter(|s| !s.trim().is_empty()).ok_or_else(|| missing("scope"))?;
        let scopes: Vec<String> = scope.split_whitespace().map(|s| normalise_scope(flavour, s)).collect();
        if let Some(bad) = scopes.iter().find(|s| !valid_scope(flavour, s)) {
            return Err(match flavour {
                Flavour::Google => ErrorPage::google(
                    "invalid_scope",
                    format!("Some requested scopes were invalid. {{invalid=[{bad}]}}"),
                ),
                Flavour::Microsoft => ErrorPage::microsoft(
                    70011,
                    format!(
                        "The provided value for the input parameter 'scope' is not valid. The scope '{bad}' does not exist."
                    ),
                ),
            });
        }
        let code_challenge = get("code_challenge").ok_or_else(|| missing("code_challenge"))?;
        if !(43..=128).contains(&code_challenge.len())
            || !code_challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        {
            return Err(match flavour {
                Flavour::Google => ErrorPage::google("invalid_request", "Invalid code_challenge."),
                Flavour::Microsoft => ErrorPage::microsoft(501491, "Invalid size of Code_Challenge parameter."),
            });
        }
        if get("code_challenge_method").as_deref() != Some("S256") {
            return Err(match flavour {
                Flavour::Google => {
                    ErrorPage::google("invalid_request", "This sandbox requires code_challenge_method=S256 (PKCE).")
                }
                Flavour::Microsoft => {
                    ErrorPage::microsoft(501481, "This sandbox requires code_challenge_method=S256 (PKCE).")
                }
            });
        }
        Ok(AuthRequest {
            client_id,
            redirect_uri,
            scopes,
            state: get("state"),
            code_challenge,
            login_hint: get("login_hint").map(|h| h.trim().to_ascii_lowercase()).filter(|h| plausible_email(h)),
            offline: get("access_type").as_deref() == Some("offline"),
            prompt_consent: get("prompt").is_some_and(|p| p.split_whitespace().any(|p| p == "consent")),
        })
    }
}

/// Graph scopes may be written with their resource (`https://graph.microsoft.com/Calendars.Read`);
/// tokens list them without it, as Microsoft's token responses do.
fn normalise_scope(flavour: Flavour, scope: &str) -> String {
    match flavour {
        Flavour::Microsoft => scope.strip_prefix("https://graph.microsoft.com/").unwrap_or(scope).to_string(),
        Flavour::Google => scope.to_string(),
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
    }
}

fn acceptable_redirect(uri: &str, registered: &[String]) -> bool {
    let Ok(url) = url::Url::parse(uri) else { return false };
    let well_formed = matches!(url.scheme(), "http" | "https") && url.host().is_some() && url.fragment().is_none();
    well_formed && (registered.is_empty() || registered.iter().any(|r| r == uri))
}

fn plausible_email(email: &str) -> bool {
    email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(|c| c.is_whitespace())
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

/// Minimal HTML escaping for text and attribute values.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn page(flavour: Flavour, title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} – {name} (sandbox)</title>\n<style>\n\
         body {{ font-family: system-ui, sans-serif; line-height: 1.5; color: #1b1b1b; background: #fff; }}\n\
         main {{ max-width: 36rem; margin: 2rem auto; padding: 0 1rem; }}\n\
         fieldset {{ border: 1px solid #767676; border-radius: 6px; margin: 1rem 0; padding: .5rem 1rem; }}\n\
         label, input[type=email] {{ font: inherit; }}\n\
         input[type=email] {{ display: block; width: 100%; max-width: 24rem; padding: .4rem; margin: .25rem 0 1rem; }}\n\
         .scope {{ margin: .5rem 0; }}\n\
         code {{ font-size: .85em; overflow-wrap: anywhere; }}\n\
         button {{ font: inherit; padding: .5rem 1.5rem; margin: .5rem .75rem .5rem 0; border-radius: 4px; border: 1px solid #1a56a8; cursor: pointer; }}\n\
         button[value][name=allow] {{ background: #1a56a8; color: #fff; }}\n\
         button[name=deny] {{ background: #fff; color: #1a56a8; }}\n\
         button:focus-visible, input:focus-visible {{ outline: 3px solid #f2a900; outline-offset: 2px; }}\n\
         </style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n",
        name = flavour.display_name(),
    ))
}

fn consent_page(
    flavour: Flavour,
    req: &AuthRequest,
    action: &str,
    problem: Option<&str>,
    status: StatusCode,
) -> Response {
    let account = match flavour {
        Flavour::Google => "Google Account",
        Flavour::Microsoft => "Microsoft account",
    };
    let mut body = format!("<h1>{} sandbox: sign in</h1>\n", flavour.display_name());
    if let Some(problem) = problem {
        body.push_str(&format!("<p role=\"alert\"><strong>{}</strong></p>\n", esc(problem)));
    }
    body.push_str(&format!(
        "<p>The app <strong>{}</strong> wants to access your {account}.</p>\n<form method=\"post\" action=\"{}\">\n",
        esc(&req.client_id),
        esc(action)
    ));
    match &req.login_hint {
        Some(email) => body.push_str(&format!("<p>Signed in as <strong>{}</strong>.</p>\n", esc(email))),
        None => body.push_str(
            "<label for=\"email\">Email address</label>\n\
             <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required>\n",
        ),
    }
    body.push_str("<fieldset>\n<legend>This will allow the app to:</legend>\n");
    match flavour {
        // Google's consent screen lets the user untick the sensitive scopes one by one.
        Flavour::Google => {
            body.push_str("<input type=\"hidden\" name=\"granular\" value=\"1\">\n");
            for (i, scope) in req.scopes.iter().enumerate() {
                body.push_str(&format!(
                    "<div class=\"scope\"><input type=\"checkbox\" id=\"scope-{i}\" name=\"grant\" value=\"{s}\" checked> \
                     <label for=\"scope-{i}\">{d} <code>{s}</code></label></div>\n",
                    s = esc(scope),
                    d = esc(describe(scope)),
                ));
            }
        }
        Flavour::Microsoft => {
            body.push_str("<ul>\n");
            for scope in &req.scopes {
                body.push_str(&format!(
                    "<li class=\"scope\">{} <code>{}</code></li>\n",
                    esc(describe(scope)),
                    esc(scope)
                ));
            }
            body.push_str("</ul>\n");
        }
    }
    body.push_str(
        "</fieldset>\n<button type=\"submit\" name=\"allow\" value=\"1\">Allow</button>\n\
         <button type=\"submit\" name=\"deny\" value=\"1\" formnovalidate>Deny</button>\n</form>\n",
    );
    (status, page(flavour, "Sign in", &body)).into_response()
}

/// What a scope lets the app do, in the consent screens' words.
fn describe(scope: &str) -> &'static str {
    let google = scope.strip_prefix("https://www.googleapis.com/auth/");
    match (google, scope.to_ascii_lowercase().as_str()) {
        (Some("calendar"), _) => "See, edit, share and permanently delete all the calendars you can access",
        (Some("calendar.readonly"), _) => "See and download any calendar you can access",
        (Some("calendar.events"), _) => "View and edit events on all your calendars",
        (Some("calendar.events.readonly"), _) => "View events on all your calendars",
        (Some("calendar.events.owned"), _) => "See, create, change and delete events on calendars you own",
        (Some("calendar.events.owned.readonly"), _) => "See the events on calendars you own",
        (Some("calendar.freebusy"), _) => "View your availability in your calendars",
        (Some("calendar.events.freebusy"), _) => "See the availability on calendars you have access to",
        (Some("calendar.calendarlist.readonly"), _) => "See the list of calendars you are subscribed to",
        (Some("calendar.calendarlist"), _) => "See, add and remove calendars you are subscribed to",
        (Some("userinfo.email"), _) | (None, "email") => "See your primary email address",
        (Some("userinfo.profile"), _) | (None, "profile") => "See your personal info",
        (None, "openid") => "Sign you in",
        (None, "offline_access") => "Maintain access to data you have given it access to",
        (None, "user.read") => "Sign you in and read your profile",
        (None, "calendars.readbasic") => "Read basic details of your calendars",
        (None, "calendars.read") => "Read your calendars",
        (None, "calendars.readwrite") => "Have full access to your calendars",
        _ => "Use this permission:",
    }
}
