use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// The three values of a Zoom Server-to-Server OAuth app.
///
/// `Debug` is written by hand and never shows the secret.
#[derive(Clone)]
pub struct Credentials {
    pub account_id: String,
    pub client_id: String,
    pub client_secret: SecretString,
}

impl Credentials {
    pub fn new(
        account_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<SecretString>,
    ) -> Self {
        Self { account_id: account_id.into(), client_id: client_id.into(), client_secret: client_secret.into() }
    }

    /// The token-cache key: account, client and a digest of the secret, so a rotated secret
    /// never reuses a token minted with the old one.
    pub fn cache_key(&self) -> CredentialKey {
        let mut hasher = Sha256::new();
        // Domain separation: this digest is only ever a cache key.
        hasher.update(b"zoom-token-cache-key\0");
        hasher.update(self.client_secret.expose_secret().as_bytes());
        CredentialKey {
            account_id: self.account_id.clone(),
            client_id: self.client_id.clone(),
            secret_digest: hasher.finalize().into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .finish()
    }
}

/// Identifies one credential in the token cache.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CredentialKey {
    account_id: String,
    client_id: String,
    secret_digest: [u8; 32],
}

impl CredentialKey {
    /// Same Zoom app (account and client id), whatever the secret.
    pub(crate) fn same_app(&self, other: &CredentialKey) -> bool {
        self.account_id == other.account_id && self.client_id == other.client_id
    }
}

impl fmt::Debug for CredentialKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialKey")
            .field("account_id", &self.account_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_masks_the_secret() {
        let c = Credentials::new("acc", "cid", "s3cr3t-value");
        let shown = format!("{c:?} {:?}", c.cache_key());
        assert!(shown.contains("acc") && shown.contains("cid"));
        assert!(shown.contains("[REDACTED]"));
        assert!(!shown.contains("s3cr3t"));
    }

    #[test]
    fn rotated_secret_changes_the_key() {
        let a = Credentials::new("acc", "cid", "one");
        let b = Credentials::new("acc", "cid", "two");
        assert_ne!(a.cache_key(), b.cache_key());
        assert!(a.cache_key().same_app(&b.cache_key()));
        assert_eq!(a.cache_key(), a.clone().cache_key());
    }
}
