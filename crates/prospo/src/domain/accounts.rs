//! Emails, usernames, names and passwords as sign-up accepts them.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// Why an input was refused; `code` is the API's error code, `message` is shown to the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    pub(crate) fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Invalid {
        Invalid { field, code, message: message.into() }
    }
}

/// An email address, trimmed and lower-cased so that one person has one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, Invalid> {
        let email = raw.trim().to_lowercase();
        let bad = || Invalid::new("email", "invalid_email", "Enter an email address like name@example.com.");
        let (local, domain) = email.split_once('@').ok_or_else(bad)?;
        let plausible = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && email.len() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"(),;:[]\\".contains(c));
        if plausible { Ok(Email(email)) } else { Err(bad()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A username: part of public booking links, so a lower-case URL slug that no route claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

/// First path segments the application itself serves.
const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "api",
    "availability",
    "booking",
    "docs",
    "embed.js",
    "event-types",
    "healthz",
    "login",
    "logout",
    "meetings",
    "metrics",
    "oauth",
    "password",
    // Profile photos: `/photos/{user_id}/{version}`.
    "photos",
    "readyz",
    "recordings",
    "settings",
    "welcome",
    "signup",
    "static",
    "team",
    "teams",
    "verify-email",
    "webhooks",
    "favicon.ico",
    "robots.txt",
];

impl Username {
    pub fn parse(raw: &str) -> Result<Username, Invalid> {
        let name = raw.trim().to_lowercase();
        let valid_chars = name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !(3..=32).contains(&name.len()) || !valid_chars || name.starts_with('-') || name.ends_with('-') {
            return Err(Invalid::new(
                "username",
                "invalid_username",
                "Use 3 to 32 lower-case letters, digits or hyphens, not starting or ending with a hyphen.",
            ));
        }
        if RESERVED_USERNAMES.contains(&name.as_str()) {
            return Err(Invalid::new(
                "username",
                "username_taken",
                "This username is taken or reserved. Choose another.",
            ));
        }
        Ok(Username(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: trimmed, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, Invalid> {
        let name = raw.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(Invalid::new("name", "invalid_name", "Enter your name (up to 100 characters)."));
        }
        Ok(PersonName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: at least 10 characters of anything, at most 1024 so hashing stays cheap.
pub struct NewPassword(SecretString);

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 1024;

    pub fn parse(raw: &str) -> Result<NewPassword, Invalid> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(Invalid::new("password", "weak_password", "Use a password of at least 10 characters."));
        }
        if chars > Self::MAX_CHARS {
            return Err(Invalid::new("password", "weak_password", "Use a password of at most 1024 characters."));
        }
        Ok(NewPassword(SecretString::from(raw.to_owned())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised() {
        assert_eq!(Email::parse("  Ada@Example.COM \n").unwrap().as_str(), "ada@example.com");
        for bad in
            ["", "ada", "ada@", "@example.com", "ada@example", "a da@example.com", "ada@@example.com", "ada@.com"]
        {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn usernames_are_url_safe_slugs() {
        assert_eq!(Username::parse(" Ada-Lovelace ").unwrap().as_str(), "ada-lovelace");
        for bad in [
            "ab",
            "-ada",
            "ada-",
            "ada lovelace",
            "ada/x",
            "ädä",
            "api",
            "settings",
            "photos",
            "verify-email",
            "teams",
            &"a".repeat(33),
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn passwords_need_ten_characters_of_anything() {
        assert!(NewPassword::parse("123456789").is_err());
        assert!(NewPassword::parse("ääääääääää").is_ok());
        assert_eq!(format!("{:?}", NewPassword::parse("correct horse battery").unwrap()), "NewPassword(***)");
    }
}
