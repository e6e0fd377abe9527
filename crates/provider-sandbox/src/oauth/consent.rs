//! The authorization endpoint's HTML: the consent page (one form, **Allow** and **Deny**) and the
//! error page, in each provider's words and colours.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::Flavour;
use super::errors::ErrorPage;

/// What a consent page shows: who asks, for whom, for what.
pub(super) struct Consent<'a> {
    pub client_id: &'a str,
    /// The user the page is for; `None`: the page asks for an email address.
    pub login_hint: Option<&'a str>,
    pub scopes: &'a [String],
    /// The form's target: the authorization URL as it was asked.
    pub action: &'a str,
    /// Shown above the form when the last answer was refused.
    pub problem: Option<&'a str>,
}

/// The words and colour that differ between the providers' pages.
struct Look {
    /// The consent page's `<title>` start.
    title: &'static str,
    heading: &'static str,
    /// What the app wants, after "The app X".
    wants: &'static str,
    legend: &'static str,
    /// The missing email's alert.
    email_problem: &'static str,
    error_heading: &'static str,
    accent: &'static str,
}

fn look(flavour: Flavour) -> Look {
    match flavour {
        Flavour::Google => Look {
            title: "Sign in",
            heading: "Google sandbox: sign in",
            wants: "wants to access your Google Account.",
            legend: "This will allow the app to:",
            email_problem: "Enter the email address of the account to sign in with.",
            error_heading: "Access blocked: authorization error",
            accent: "#1a56a8",
        },
        Flavour::Microsoft => Look {
            title: "Sign in",
            heading: "Microsoft sandbox: sign in",
            wants: "wants to access your Microsoft account.",
            legend: "This will allow the app to:",
            email_problem: "Enter the email address of the account to sign in with.",
            error_heading: "Sorry, but we’re having trouble signing you in.",
            accent: "#1a56a8",
        },
        Flavour::Zoom => Look {
            title: "Authorize",
            heading: "Zoom sandbox: authorize an app",
            wants: "would like access to your Zoom account.",
            legend: "This app will be able to:",
            email_problem: "Enter the email address of the Zoom account to sign in with.",
            error_heading: "Zoom sandbox: something went wrong",
            accent: "#0b5cff",
        },
    }
}

impl Consent<'_> {
    /// The missing email's alert for this flavour.
    pub fn email_problem(flavour: Flavour) -> &'static str {
        look(flavour).email_problem
    }

    pub fn render(&self, flavour: Flavour, status: StatusCode) -> Response {
        let look = look(flavour);
        let mut body = format!("<h1>{}</h1>\n", look.heading);
        if let Some(problem) = self.problem {
            body.push_str(&format!("<p role=\"alert\"><strong>{}</strong></p>\n", esc(problem)));
        }
        body.push_str(&format!(
            "<p>The app <strong>{}</strong> {}</p>\n<form method=\"post\" action=\"{}\">\n",
            esc(self.client_id),
            look.wants,
            esc(self.action)
        ));
        match self.login_hint {
            Some(email) => body.push_str(&format!("<p>Signed in as <strong>{}</strong>.</p>\n", esc(email))),
            None => body.push_str(
                "<label for=\"email\">Email address</label>\n\
                 <input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required>\n",
            ),
        }
        body.push_str(&format!("<fieldset>\n<legend>{}</legend>\n", look.legend));
        match flavour {
            // Google's consent screen lets the user untick the sensitive scopes one by one.
            Flavour::Google => {
                body.push_str("<input type=\"hidden\" name=\"granular\" value=\"1\">\n");
                for (i, scope) in self.scopes.iter().enumerate() {
                    body.push_str(&format!(
                        "<div class=\"scope\"><input type=\"checkbox\" id=\"scope-{i}\" name=\"grant\" value=\"{s}\" checked> \
                         <label for=\"scope-{i}\">{d} <code>{s}</code></label></div>\n",
                        s = esc(scope),
                        d = esc(describe(flavour, scope)),
                    ));
                }
            }
            Flavour::Microsoft | Flavour::Zoom => {
                body.push_str("<ul>\n");
                for scope in self.scopes {
                    body.push_str(&format!(
                        "<li class=\"scope\">{} <code>{}</code></li>\n",
                        esc(describe(flavour, scope)),
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
        (status, page(flavour, look.title, &body)).into_response()
    }
}

impl ErrorPage {
    pub fn render(&self, flavour: Flavour) -> Response {
        let body = format!(
            "<h1>{}</h1>\n<p role=\"alert\"><strong>{}</strong></p>\n<p>{}</p>",
            look(flavour).error_heading,
            esc(&self.code),
            esc(&self.message)
        );
        (StatusCode::BAD_REQUEST, page(flavour, "Error", &body)).into_response()
    }
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
         button {{ font: inherit; padding: .5rem 1.5rem; margin: .5rem .75rem .5rem 0; border-radius: 4px; border: 1px solid {accent}; cursor: pointer; }}\n\
         button[value][name=allow] {{ background: {accent}; color: #fff; }}\n\
         button[name=deny] {{ background: #fff; color: {accent}; }}\n\
         button:focus-visible, input:focus-visible {{ outline: 3px solid #f2a900; outline-offset: 2px; }}\n\
         </style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n",
        name = flavour.display_name(),
        accent = look(flavour).accent,
    ))
}

/// What a scope lets the app do, in the consent screens' words.
fn describe(flavour: Flavour, scope: &str) -> &'static str {
    let known = match flavour {
        Flavour::Google => google_scope(scope),
        Flavour::Microsoft => microsoft_scope(&scope.to_ascii_lowercase()),
        // A Zoom scope's `:admin` (or `:master`) form does the same for every user of the account.
        Flavour::Zoom => {
            zoom_scope(scope.strip_suffix(":admin").or_else(|| scope.strip_suffix(":master")).unwrap_or(scope))
        }
    };
    known.unwrap_or("Use this permission:")
}

fn google_scope(scope: &str) -> Option<&'static str> {
    let Some(rest) = scope.strip_prefix("https://www.googleapis.com/auth/") else {
        return match scope {
            "email" => Some("See your primary email address"),
            "profile" => Some("See your personal info"),
            "openid" => Some("Sign you in"),
            _ => None,
        };
    };
    Some(match rest {
        "calendar" => "See, edit, share and permanently delete all the calendars you can access",
        "calendar.readonly" => "See and download any calendar you can access",
        "calendar.events" => "View and edit events on all your calendars",
        "calendar.events.readonly" => "View events on all your calendars",
        "calendar.events.owned" => "See, create, change and delete events on calendars you own",
        "calendar.events.owned.readonly" => "See the events on calendars you own",
        "calendar.freebusy" => "View your availability in your calendars",
        "calendar.events.freebusy" => "See the availability on calendars you have access to",
        "calendar.calendarlist.readonly" => "See the list of calendars you are subscribed to",
        "calendar.calendarlist" => "See, add and remove calendars you are subscribed to",
        "userinfo.email" => "See your primary email address",
        "userinfo.profile" => "See your personal info",
        _ => return None,
    })
}

fn microsoft_scope(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "openid" => "Sign you in",
        "email" => "See your primary email address",
        "profile" => "See your personal info",
        "offline_access" => "Maintain access to data you have given it access to",
        "user.read" => "Sign you in and read your profile",
        "calendars.readbasic" => "Read basic details of your calendars",
        "calendars.read" => "Read your calendars",
        "calendars.readwrite" => "Have full access to your calendars",
        _ => return None,
    })
}

fn zoom_scope(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "meeting:write:meeting" => "Create meetings",
        "meeting:read:meeting" => "View meetings",
        "meeting:update:meeting" => "Update meetings",
        "meeting:delete:meeting" => "Delete meetings",
        "meeting:read:list_meetings" => "List meetings",
        "user:read:user" => "View your profile",
        "cloud_recording:read:list_recording_files" => "View a meeting's cloud recording files",
        "cloud_recording:read:list_user_recordings" => "List cloud recordings",
        "cloud_recording:delete:recording_file" => "Delete cloud recording files",
        "cloud_recording:read:recording" => "View cloud recordings",
        _ => return None,
    })
}
