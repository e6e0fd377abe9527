//! Generated identifiers and opaque tokens, shaped like the real providers' (clients must treat
//! them as opaque, but a familiar shape makes logs and tests easier to read).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;

const BASE32HEX: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn from_alphabet(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())] as char).collect()
}

pub(crate) fn random_b64(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill(&mut buf[..]);
    URL_SAFE_NO_PAD.encode(buf)
}

/// Google event ids: lowercase base32hex, 26 characters.
pub(crate) fn google_event_id() -> String {
    from_alphabet(BASE32HEX, 26)
}

/// Google secondary calendar ids look like `…@group.calendar.google.com`.
pub(crate) fn google_calendar_id() -> String {
    format!("{}@group.calendar.google.com", from_alphabet(BASE32HEX, 26))
}

/// Google numeric client ids end in `.apps.googleusercontent.com`.
pub(crate) fn google_client_id() -> String {
    let digits: String = (0..12).map(|_| char::from(b'0' + rand::rng().random_range(0..10u8))).collect();
    format!("{digits}-{}.apps.googleusercontent.com", from_alphabet(b"0123456789abcdefghijklmnopqrstuvwxyz", 32))
}

/// Entra application (client) ids and Graph user ids are GUIDs.
pub(crate) fn guid() -> String {
    let h = hex::encode(rand::random::<[u8; 16]>());
    format!("{}-{}-4{}-a{}-{}", &h[0..8], &h[8..12], &h[13..16], &h[17..20], &h[20..32])
}

/// Exchange item ids: long base64url strings starting `AAMk`.
pub(crate) fn graph_item_id() -> String {
    format!("AAMkA{}", random_b64(105))
}

pub(crate) fn client_secret() -> String {
    from_alphabet(ALNUM, 35)
}

pub(crate) fn alnum(len: usize) -> String {
    from_alphabet(ALNUM, len)
}

/// A value for `etag`/`changeKey`: changes with every write.
pub(crate) fn etag() -> String {
    from_alphabet(b"0123456789", 16)
}

/// Exchange iCalendar UIDs: a fixed prefix and a hex tail.
pub(crate) fn graph_ical_uid() -> String {
    format!("040000008200E00074C5B7101A82E00800000000{}", hex::encode_upper(rand::random::<[u8; 24]>()))
}
