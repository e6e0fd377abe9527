//! One way to write a mail: paragraphs of text, some of them a labelled link, rendered as plain
//! text and as HTML (the link shown as its own address, so a reader sees where it goes).

use crate::store::outbox::{MailKind, OutgoingMail};

/// A paragraph of a mail.
#[derive(Clone)]
pub enum Para {
    Text(String),
    /// `label: url`, the URL a link in HTML.
    Link(String, String),
}

impl Para {
    pub fn text(text: impl Into<String>) -> Para {
        Para::Text(text.into())
    }

    pub fn link(label: impl Into<String>, url: impl Into<String>) -> Para {
        Para::Link(label.into(), url.into())
    }
}

/// A mail to one recipient; `ics` is attached as the invitation when given.
pub fn compose(kind: MailKind, to: &str, subject: String, paras: &[Para], ics: Option<String>) -> OutgoingMail {
    let text_body = paras
        .iter()
        .map(|p| match p {
            Para::Text(text) => text.clone(),
            Para::Link(label, url) => format!("{label}: {url}"),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
        + "\n";
    let html: String = paras
        .iter()
        .map(|p| match p {
            Para::Text(text) => format!("<p>{}</p>\n", escape_html(text).replace('\n', "<br>\n")),
            Para::Link(label, url) => {
                let url = escape_html(url);
                format!("<p>{}: <a href=\"{url}\">{url}</a></p>\n", escape_html(label))
            }
        })
        .collect();
    OutgoingMail {
        kind,
        recipient: to.to_owned(),
        subject,
        text_body,
        html_body: format!("<!DOCTYPE html>\n<html><body>\n{html}</body></html>\n"),
        ics,
        reply_to: None,
    }
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
        assert!(mail.html_body.contains("<p>Hi &lt;Ada&gt; &amp; co<br>\nline two</p>"));
        assert!(
            mail.html_body.contains("<a href=\"https://x.example/?a=1&amp;b=2\">https://x.example/?a=1&amp;b=2</a>")
        );
    }
}
