//! Generated identifiers, shaped like Zoom's (see zoom/README.md §9 and §11).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::Rng;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Account and user ids: 16 random bytes, unpadded base64url (22 characters).
pub(crate) fn account_or_user_id() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

/// Client ids look like account ids (about 22 characters of the same alphabet).
pub(crate) fn client_id() -> String {
    account_or_user_id()
}

pub(crate) fn client_secret() -> String {
    alnum(32)
}

/// Meeting uuids: 16 random bytes, standard base64 with padding (may contain `/` and `+`).
pub(crate) fn meeting_uuid() -> String {
    STANDARD.encode(rand::random::<[u8; 16]>())
}

/// Meeting ids: 10 or 11 digits.
pub(crate) fn meeting_id() -> i64 {
    rand::rng().random_range(1_000_000_000..100_000_000_000)
}

/// Personal meeting ids: 10 digits.
pub(crate) fn pmi() -> i64 {
    rand::rng().random_range(1_000_000_000..10_000_000_000)
}

/// Recording file ids look like UUID v4 strings.
pub(crate) fn file_id() -> String {
    let b = rand::random::<[u8; 16]>();
    let h = hex::encode(b);
    format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// Opaque bearer tokens (clients must not parse them).
pub(crate) fn access_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 48]>())
}

pub(crate) fn alnum(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| ALNUM[rng.random_range(0..ALNUM.len())] as char).collect()
}

pub(crate) fn digits(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

/// Request ids for webhook deliveries (`x-zm-request-id`).
pub(crate) fn request_id() -> String {
    file_id()
}
