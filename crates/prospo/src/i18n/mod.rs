//! The languages of the public flow (product.md §10): the profile, booking, confirmation and manage
//! pages, every invitee mail and the invitation's text. Messages live in Fluent files embedded in the
//! binary (`locales/*.ftl`); dates, weekday and month names, 12/24-hour times and time zone names
//! come from CLDR through ICU4X. Host pages stay English.

mod dates;
mod messages;
mod negotiate;

pub use crate::domain::profile::Locale;
pub use dates::{day_label, span, time_label, when, zone_name};
pub use messages::{Tr, script_keys};
pub use negotiate::from_accept_language;

#[cfg(test)]
mod tests {
    /// The templates of the public flow, which must say nothing but through the message files.
    const PUBLIC_TEMPLATES: [(&str, &str); 7] = [
        ("public_profile.html", include_str!("../../templates/public_profile.html")),
        ("booking_page.html", include_str!("../../templates/booking_page.html")),
        ("booking_manage.html", include_str!("../../templates/booking_manage.html")),
        ("slot_picker.html", include_str!("../../templates/slot_picker.html")),
        ("_avatar.html", include_str!("../../templates/_avatar.html")),
        ("_embed.html", include_str!("../../templates/_embed.html")),
        ("error.html", include_str!("../../templates/error.html")),
    ];

    /// Names that read the same in every language.
    const NAMES: [&str; 1] = ["Prospo"];

    /// `text` without template code (`{{ }}`, `{% %}`, `{# #}`).
    fn without_code(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('{') {
            out.push_str(&rest[..at]);
            let close = match rest[at..].chars().nth(1) {
                Some('{') => "}}",
                Some('%') => "%}",
                Some('#') => "#}",
                _ => {
                    out.push('{');
                    rest = &rest[at + 1..];
                    continue;
                }
            };
            rest = rest[at..].find(close).map_or("", |end| &rest[at + end + 2..]);
            out.push(' ');
        }
        out.push_str(rest);
        out
    }

    /// Words a person would read: text between tags, and the attributes people read.
    fn readable_words(html: &str) -> Vec<String> {
        const READ: [&str; 7] = ["aria-label", "placeholder", "title", "alt", "data-required", "data-invalid", "value"];
        let mut words = Vec::new();
        let mut text = String::new();
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            text.push_str(&rest[..open]);
            text.push(' ');
            let end = rest[open..].find('>').map_or(rest.len(), |e| open + e + 1);
            let tag = &rest[open..end];
            for name in READ {
                let mark = format!(" {name}=\"");
                if let Some(start) = tag.find(&mark) {
                    let value = &tag[start + mark.len()..];
                    text.push_str(value.split('"').next().unwrap_or_default());
                    text.push(' ');
                }
            }
            rest = &rest[end..];
        }
        text.push_str(rest);
        for word in text.split(|c: char| !c.is_alphabetic()) {
            if word.chars().count() > 1 && !NAMES.contains(&word) {
                words.push(word.to_owned());
            }
        }
        words
    }

    #[test]
    fn public_templates_hold_no_literal_words() {
        for (name, template) in PUBLIC_TEMPLATES {
            let words = readable_words(&without_code(template));
            assert!(words.is_empty(), "{name} says {words:?} outside the message files");
        }
        // The layout's public part (the host's navigation may stay English).
        let base = include_str!("../../templates/base.html");
        let (head, rest) = base.split_once("{% if let Some(user) = frame.user %}").expect("the layout's user branch");
        let (_, public) = rest.split_once("\n{% else %}\n").expect("the layout's public branch");
        let words = readable_words(&without_code(&format!("{head}{public}")));
        assert!(words.is_empty(), "base.html's public part says {words:?} outside the message files");
    }

    #[test]
    fn the_check_finds_literal_words() {
        assert_eq!(readable_words(&without_code("<p>{{ t.get(\"x\") }}</p>")), Vec::<String>::new());
        assert_eq!(readable_words(&without_code("<p>Pick a day</p>")), ["Pick", "day"]);
        assert_eq!(readable_words(&without_code("<input placeholder=\"Your name\">")), ["Your", "name"]);
        assert_eq!(readable_words(&without_code("<b>{% if x %}Yes{% endif %}</b>")), ["Yes"]);
    }
}
