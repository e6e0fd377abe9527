//! One way to write a mail: paragraphs of text, some of them a labelled link or the mail's one
//! button, rendered as plain text and as HTML that reads well on a phone: a viewport, one column
//! at most 560 px wide, inline styles (mail clients drop style sheets), and every link's address
//! shown so a reader sees where it goes.

use crate::i18n::Tr;
use crate::store::outbox::{MailKind, OutgoingMail};

/// A paragraph of a mail.
#[derive(Clone)]
pub enum Para {
    Text(String),
    /// `label: url`, the URL a link in HTML.
    Link(String, String),
    /// The mail's main action (Join Zoom meeting): a button in HTML, `label: url` in text.
    Button(String, String),
}

impl Para {
    pub fn text(text: impl Into<String>) -> Para {
        Para::Text(text.into())
    }

    pub fn link(label: impl Into<String>, url: impl Into<String>) -> Para {
        Para::Link(label.into(), url.into())
    }

    pub fn button(label: impl Into<String>, url: impl Into<String>) -> Para {
        Para::Button(label.into(), url.into())
    }
}

const FONT: &str = "-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
/// Colours at WCAG AA on white: text 15:1, muted 5.9:1, accent 6.7:1 (and white on it).
const TEXT: &str = "#1f2328";
const MUTED: &str = "#57606a";
const ACCENT: &str = "#1d4ed8";

/// A mail to one recipient; `ics` is attached as the invitation when given.
pub fn compose(kind: MailKind, to: &str, subject: String, paras: &[Para], ics: Option<String>) -> OutgoingMail {
    compose_in(Tr::EN, kind, to, subject, paras, ics)
}

/// A mail in `t`'s language (its HTML says so, for screen readers and translation).
pub fn compose_in(
    t: Tr,
    kind: MailKind,
    to: &str,
    subject: String,
    paras: &[Para],
    ics: Option<String>,
) -> OutgoingMail {
    let text_body = paras
        .iter()
        .map(|p| match p {
            Para::Text(text) => text.clone(),
            Para::Link(label, url) | Para::Button(label, url) => format!("{label}: {url}"),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
        + "\n";
    let p = "margin:0 0 16px";
    let html: String = paras
        .iter()
        .enumerate()
        .map(|(i, para)| match para {
            // The first paragraph is the headline.
            Para::Text(text) if i == 0 => {
                format!("<p style=\"{p};font-size:18px;font-weight:600\">{}</p>\n", html_lines(text))
            }
            Para::Text(text) => format!("<p style=\"{p}\">{}</p>\n", html_lines(text)),
            Para::Link(label, url) => {
                let url = escape_html(url);
                format!(
                    "<p style=\"{p}\">{}: <a href=\"{url}\" style=\"color:{ACCENT};word-break:break-all\">{url}</a></p>\n",
                    escape_html(label)
                )
            }
            Para::Button(label, url) => {
                let url = escape_html(url);
                format!(
                    "<p style=\"{p}\"><a href=\"{url}\" style=\"display:inline-block;background:{ACCENT};color:#ffffff;\
                     text-decoration:none;font-weight:600;padding:12px 20px;border-radius:6px\">{}</a></p>\n\
                     <p style=\"{p};font-size:14px;color:{MUTED};word-break:break-all\">{url}</p>\n",
                    escape_html(label)
                )
            }
        })
        .collect();
    let title = escape_html(&subject);
    let lang = t.lang();
    let sent_by = escape_html(&t.get("mail-sent-by"));
    let html_body = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light\"><title>{title}</title></head>\n\
         <body style=\"margin:0;padding:0;background:#f4f5f7\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:#f4f5f7\">\
         <tr><td align=\"center\" style=\"padding:24px 12px\">\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" \
         style=\"max-width:560px;background:#ffffff;border:1px solid #e3e5e8;border-radius:8px\">\
         <tr><td style=\"padding:24px;font-family:{FONT};font-size:16px;line-height:1.5;color:{TEXT};text-align:left\">\n\
         {html}</td></tr></table>\n\
         <p style=\"margin:16px 0 0;font-family:{FONT};font-size:12px;color:{MUTED}\">{sent_by}</p>\n\
         </td></tr></table>\n</body></html>\n"
    );
    OutgoingMail { kind, recipient: to.to_owned(), subject, text_body, html_body, ics, reply_to: None, delay_ms: 0 }
}

/// A paragraph's text for HTML: escaped, its line breaks kept.
fn html_lines(text: &str) -> String {
    escape_html(text).replace('\n', "<br>\n")
}

/// HTML text escaping for the mail bodies.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_html_say_the_same_and_html_is_escaped() {
        let mail = compose(
            MailKind::Booked,
            "a@example.com",
            "S".into(),
            &[Para::text("Hi <Ada> & co\nline two"), Para::link("Open", "https://x.example/?a=1&b=2")],
            None,
        );
        assert_eq!(mail.text_body, "Hi <Ada> & co\nline two\n\nOpen: https://x.example/?a=1&b=2\n");
        assert!(
            mail.html_body.contains(">Hi &lt;Ada&gt; &amp; co<br>\nline two</p>"),
            "the headline: {}",
            mail.html_body
        );
        assert!(mail.html_body.contains("<a href=\"https://x.example/?a=1&amp;b=2\""));
        assert!(mail.html_body.contains(">https://x.example/?a=1&amp;b=2</a>"));
        assert!(mail.html_body.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
    }

    #[test]
    fn the_main_action_is_a_button_with_its_address_beside_it() {
        let mail = compose(
            MailKind::Booked,
            "a@example.com",
            "S".into(),
            &[Para::text("Booked"), Para::button("Join Zoom meeting", "https://zoom.us/j/1")],
            None,
        );
        assert!(mail.text_body.contains("Join Zoom meeting: https://zoom.us/j/1"));
        assert!(mail.html_body.contains("display:inline-block"), "{}", mail.html_body);
        assert!(mail.html_body.contains(">Join Zoom meeting</a>"));
        assert!(mail.html_body.contains(">https://zoom.us/j/1</p>"), "the address is shown too");
    }
}
