//! Mail about a person's account: the email verification and password reset links.

use super::compose::{Para, compose};
use crate::store::outbox::{MailKind, OutgoingMail};

pub fn password_reset(to: &str, link: &str) -> OutgoingMail {
    compose(
        MailKind::PasswordReset,
        to,
        "Reset your Prospo password".to_owned(),
        &[
            Para::text("Someone asked to reset the password of your Prospo account."),
            Para::link("Set a new password", link),
            Para::text(
                "The link works once, for one hour. If you did not ask, ignore this mail: your password stays as it is.",
            ),
        ],
        None,
    )
}

pub fn verify_email(to: &str, name: &str, link: &str) -> OutgoingMail {
    compose(
        MailKind::VerifyEmail,
        to,
        "Confirm your email for Prospo".to_owned(),
        &[
            Para::text(format!("Welcome to Prospo, {name}.")),
            Para::text("Please confirm that this is your email address, so that booking and Zoom mail reaches you."),
            Para::link("Confirm your email", link),
            Para::text("The link works once, for seven days. If you did not sign up for Prospo, ignore this mail."),
        ],
        None,
    )
}

/// To a changed address: the account is the same, only the address needs confirming.
pub fn confirm_new_email(to: &str, name: &str, link: &str) -> OutgoingMail {
    compose(
        MailKind::VerifyEmail,
        to,
        "Confirm your new email for Prospo".to_owned(),
        &[
            Para::text(format!("Hello {name},")),
            Para::text(
                "Your Prospo account now uses this address. Please confirm it, so that booking and Zoom mail reaches you.",
            ),
            Para::link("Confirm your email", link),
            Para::text(
                "The link works once, for seven days. If you did not make this change, ignore this mail and tell whoever runs your Prospo.",
            ),
        ],
        None,
    )
}
