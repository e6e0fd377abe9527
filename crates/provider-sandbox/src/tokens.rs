//! Page, sync and delta tokens: opaque to clients, a small JSON record inside for the sandbox.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) fn encode<T: Serialize>(record: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(record).unwrap_or_default())
}

/// `None` for anything this sandbox did not issue.
pub(crate) fn decode<T: DeserializeOwned>(token: &str) -> Option<T> {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?).ok()
}
