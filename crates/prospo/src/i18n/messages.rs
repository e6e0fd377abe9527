//! Fluent bundles, one per language, built once. A key missing in a language falls back to English
//! (a test keeps every key in every file, so this is for safety, not for use).

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use super::Locale;

/// Each language's messages, in [`Locale::ALL`]'s order.
pub(super) const SOURCES: [(Locale, &str); 5] = [
    (Locale::En, include_str!("../../locales/en.ftl")),
    (Locale::De, include_str!("../../locales/de.ftl")),
    (Locale::Fr, include_str!("../../locales/fr.ftl")),
    (Locale::Es, include_str!("../../locales/es.ftl")),
    (Locale::Pt, include_str!("../../locales/pt.ftl")),
];

static BUNDLES: LazyLock<Vec<FluentBundle<FluentResource>>> =
    LazyLock::new(|| SOURCES.iter().map(|(locale, source)| bundle(*locale, source)).collect());

fn bundle(locale: Locale, source: &str) -> FluentBundle<FluentResource> {
    let langid: unic_langid::LanguageIdentifier = locale.cldr().parse().expect("the five codes are language ids");
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // Isolation marks (FSI/PDI) help right-to-left text only; in subjects and .ics they show as junk.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(resource, _)| resource);
    // Duplicates and syntax errors are refused by the tests; a running server keeps what parsed.
    let _ = bundle.add_resource(resource);
    bundle
}

fn index(locale: Locale) -> usize {
    Locale::ALL.iter().position(|l| *l == locale).unwrap_or(0)
}

fn format(locale: Locale, key: &str, args: Option<&FluentArgs>) -> String {
    for bundle in [&BUNDLES[index(locale)], &BUNDLES[0]] {
        if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, args, &mut errors).into_owned();
            if !errors.is_empty() {
                tracing::warn!(key, locale = locale.as_str(), ?errors, "a message was formatted with errors");
            }
            return text;
        }
    }
    tracing::error!(key, "a message key is in no language file");
    key.to_owned()
}

/// The ids of the messages the page script shows (`js-…`), as English has them: every language
/// has the same ids (a test checks it).
pub fn script_keys() -> &'static [String] {
    static KEYS: LazyLock<Vec<String>> = LazyLock::new(|| {
        let resource = FluentResource::try_new(SOURCES[0].1.to_owned()).unwrap_or_else(|(resource, _)| resource);
        resource
            .entries()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(m) if m.id.name.starts_with("js-") => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    });
    &KEYS
}

/// The messages of one language, as pages and mails ask for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr(Locale);

impl Tr {
    pub const EN: Tr = Tr(Locale::En);

    pub fn new(locale: Locale) -> Tr {
        Tr(locale)
    }

    pub fn locale(self) -> Locale {
        self.0
    }

    /// The code for `<html lang>`.
    pub fn lang(&self) -> &'static str {
        self.0.as_str()
    }

    /// A message without variables.
    pub fn get(&self, key: &str) -> String {
        format(self.0, key, None)
    }

    /// A message with one variable.
    pub fn arg(&self, key: &str, name: &str, value: &dyn std::fmt::Display) -> String {
        self.args(key, &[(name, value.to_string())])
    }

    /// A message with text variables.
    pub fn args(&self, key: &str, values: &[(&str, String)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in values {
            args.set(*name, FluentValue::from(value.clone()));
        }
        format(self.0, key, Some(&args))
    }

    /// A message whose wording follows a number (`$count`), with the language's plural rules.
    pub fn count(&self, key: &str, count: i64) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(count));
        format(self.0, key, Some(&args))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

    use super::*;

    /// Every message id of a file, with the variables its value uses.
    fn messages(source: &str) -> Vec<(String, BTreeSet<String>)> {
        let resource = fluent_syntax::parser::parse(source).unwrap_or_else(|(_, errors)| panic!("{errors:?}"));
        resource
            .body
            .into_iter()
            .filter_map(|entry| match entry {
                Entry::Message(m) => {
                    let mut vars = BTreeSet::new();
                    if let Some(value) = &m.value {
                        variables(value, &mut vars);
                    }
                    Some((m.id.name.to_owned(), vars))
                }
                _ => None,
            })
            .collect()
    }

    fn variables(pattern: &Pattern<&str>, out: &mut BTreeSet<String>) {
        for element in &pattern.elements {
            if let PatternElement::Placeable { expression } = element {
                expression_variables(expression, out);
            }
        }
    }

    fn expression_variables(expression: &Expression<&str>, out: &mut BTreeSet<String>) {
        match expression {
            Expression::Inline(inline) => inline_variables(inline, out),
            Expression::Select { selector, variants } => {
                inline_variables(selector, out);
                for variant in variants {
                    variables(&variant.value, out);
                }
            }
        }
    }

    fn inline_variables(inline: &InlineExpression<&str>, out: &mut BTreeSet<String>) {
        match inline {
            InlineExpression::VariableReference { id } => {
                out.insert(id.name.to_owned());
            }
            InlineExpression::FunctionReference { arguments, .. } => {
                for arg in &arguments.positional {
                    inline_variables(arg, out);
                }
            }
            InlineExpression::Placeable { expression } => expression_variables(expression, out),
            _ => {}
        }
    }

    #[test]
    fn every_language_has_every_message_with_the_same_variables() {
        let english = messages(SOURCES[0].1);
        let keys: BTreeSet<&String> = english.iter().map(|(k, _)| k).collect();
        assert_eq!(keys.len(), english.len(), "en.ftl holds a key twice");
        for (locale, source) in &SOURCES[1..] {
            let theirs = messages(source);
            let their_keys: BTreeSet<&String> = theirs.iter().map(|(k, _)| k).collect();
            assert_eq!(their_keys.len(), theirs.len(), "{}.ftl holds a key twice", locale.as_str());
            let missing: Vec<_> = keys.difference(&their_keys).collect();
            let extra: Vec<_> = their_keys.difference(&keys).collect();
            assert!(missing.is_empty(), "{}.ftl lacks {missing:?}", locale.as_str());
            assert!(extra.is_empty(), "{}.ftl has keys English lacks: {extra:?}", locale.as_str());
            for (key, vars) in &english {
                let (_, their_vars) = theirs.iter().find(|(k, _)| k == key).expect("checked above");
                assert_eq!(vars, their_vars, "{}.ftl's {key} uses other variables", locale.as_str());
            }
        }
    }

    #[test]
    fn messages_format_in_each_language() {
        assert_eq!(Tr::EN.count("duration-minutes", 30), "30 min");
        let de = Tr::new(Locale::De);
        assert_eq!(de.lang(), "de");
        assert_ne!(de.get("book-confirm"), Tr::EN.get("book-confirm"));
        assert_eq!(Tr::EN.get("no-such-key-anywhere"), "no-such-key-anywhere");
    }
}
