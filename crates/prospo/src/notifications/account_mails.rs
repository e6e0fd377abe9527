//! Mail about a person's account: the password reset link.

use super::escape_html;
use crate::store::outbox::OutgoingMail;

pub fn password_reset(to: &str, link: &str) -> OutgoingMail {
    let text_body = format!(
        "Someone asked to reset the password of your Prospo account.\n\n\
         Set a new password: {link}\n\n\
         The link works once, for one hour. If you did not ask, ignore this mail: your password stays as it is.\n"
    );
    let link = escape_html(link);
    let html_body = format!(
        "<!DOCTYPE html>\n<html><body>\n<p>Someone asked to reset the password of your Prospo account.</p>\n\
         <p>Set a new password: <a href=\"{link}\">{link}</a></p>\n\
         <p>The link works once, for one hour. If you did not ask, ignore this mail: your password stays as it is.</p>\n\
         </body></html>\n"
    );
    OutgoingMail {
        kind: "password_reset".to_owned(),
        recipient: to.to_owned(),
        subject: "Reset your Prospo password".to_owned(),
        text_body,
        html_body,
        ics: None,
    }
}
