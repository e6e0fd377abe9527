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

/// An invitation to a team for an email without an account: the link signs up and joins.
/// (Counted with the account mails, so invitations cannot flood an inbox either.)
pub fn team_invitation(to: &str, inviter: &str, team: &str, link: &str) -> OutgoingMail {
    compose(
        MailKind::VerifyEmail,
        to,
        format!("{inviter} invited you to {team} on Prospo"),
        &[
            Para::text(format!("{inviter} invited you to join the team {team} on Prospo, to take bookings together.")),
            Para::link("Sign up and join the team", link),
            Para::text(
                "The link works once, for seven days, and only for this email address. If you do not want to join, ignore this mail.",
            ),
        ],
        None,
    )
}

/// To an existing user added to a team.
pub fn added_to_team(to: &str, inviter: &str, team: &str, link: &str) -> OutgoingMail {
    compose(
        MailKind::VerifyEmail,
        to,
        format!("{inviter} added you to {team} on Prospo"),
        &[
            Para::text(format!("{inviter} added you to the team {team} on Prospo.")),
            Para::text(
                "Team booking pages can now offer your free times, from your own hours, calendars and Zoom account.",
            ),
            Para::link("Open your teams", link),
        ],
        None,
    )
}
