//! Sealing and opening secrets with XChaCha20-Poly1305.
//!
//! Sealed form: version byte (1), key id (u32, big endian), 24-byte random nonce, ciphertext with
//! tag. The associated data binds the header, the owner and the field, so a value copied to another
//! user or column fails to open.

use std::sync::Arc;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use secrecy::SecretString;
use zeroize::Zeroizing;

use super::Keyring;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = 1 + 4 + NONCE_LEN;

/// Whose value this is and which field holds it, e.g. (user id, "zoom.client_secret").
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub owner: &'a str,
    pub field: &'a str,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed value uses key {0}, which the keyring does not hold")]
    UnknownKey(u32),
    #[error("sealed value failed authentication (tampered, or bound to another owner or field)")]
    Forged,
}

#[derive(Clone)]
pub struct SecretBox {
    keyring: Arc<Keyring>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretBox").field("keyring", &self.keyring).finish()
    }
}

impl SecretBox {
    pub fn new(keyring: Keyring) -> SecretBox {
        SecretBox { keyring: Arc::new(keyring) }
    }

    pub fn seal(&self, plaintext: &[u8], binding: Binding<'_>) -> Vec<u8> {
        let key = self.keyring.current();
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + 16);
        out.push(VERSION);
        out.extend_from_slice(&key.id.to_be_bytes());
        out.extend_from_slice(&nonce);
        let aad = associated_data(&out, binding);
        let cipher = XChaCha20Poly1305::new(key.bytes.as_slice().into());
        let ciphertext = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: &aad })
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn open(&self, sealed: &[u8], binding: Binding<'_>) -> Result<Zeroizing<Vec<u8>>, OpenError> {
        if sealed.len() < HEADER_LEN + 16 || sealed[0] != VERSION {
            return Err(OpenError::Malformed);
        }
        let key_id = u32::from_be_bytes(sealed[1..5].try_into().expect("4 bytes"));
        let key = self.keyring.by_id(key_id).ok_or(OpenError::UnknownKey(key_id))?;
        let (header, ciphertext) = sealed.split_at(HEADER_LEN);
        let aad = associated_data(header, binding);
        let cipher = XChaCha20Poly1305::new(key.bytes.as_slice().into());
        cipher
            .decrypt(XNonce::from_slice(&header[5..]), Payload { msg: ciphertext, aad: &aad })
            .map(Zeroizing::new)
            .map_err(|_| OpenError::Forged)
    }

    pub fn seal_str(&self, secret: &str, binding: Binding<'_>) -> Vec<u8> {
        self.seal(secret.as_bytes(), binding)
    }

    pub fn open_str(&self, sealed: &[u8], binding: Binding<'_>) -> Result<SecretString, OpenError> {
        let bytes = self.open(sealed, binding)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| OpenError::Malformed)?;
        Ok(SecretString::from(text.to_owned()))
    }

    /// Whether a sealed value was made with an older key (and so should be re-sealed on rotation).
    pub fn is_sealed_with_current_key(&self, sealed: &[u8]) -> bool {
        sealed.len() >= 5 && sealed[1..5] == self.keyring.current_id().to_be_bytes()
    }

    pub fn current_key_id(&self) -> u32 {
        self.keyring.current_id()
    }
}

fn associated_data(header: &[u8], binding: Binding<'_>) -> Vec<u8> {
    let mut aad = Vec::with_capacity(64);
    aad.extend_from_slice(b"prospo.secret\0");
    aad.extend_from_slice(&header[..5]);
    aad.extend_from_slice(binding.owner.as_bytes());
    aad.push(0);
    aad.extend_from_slice(binding.field.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use secrecy::ExposeSecret;

    use super::*;

    const ALICE: Binding<'static> = Binding { owner: "user-alice", field: "zoom.client_secret" };

    #[test]
    fn round_trip() {
        let sb = SecretBox::new(Keyring::generate());
        let sealed = sb.seal_str("s3cr3t value", ALICE);
        assert!(!sealed.windows(6).any(|w| w == b"s3cr3t"));
        assert_eq!(sb.open_str(&sealed, ALICE).unwrap().expose_secret(), "s3cr3t value");
    }

    #[test]
    fn any_tampered_byte_is_refused() {
        let sb = SecretBox::new(Keyring::generate());
        let sealed = sb.seal_str("secret", ALICE);
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(sb.open(&bad, ALICE).is_err(), "byte {i} flipped yet opened");
        }
        assert_eq!(sb.open(&sealed[..sealed.len() - 1], ALICE).unwrap_err(), OpenError::Forged);
        assert_eq!(sb.open(&sealed[..10], ALICE).unwrap_err(), OpenError::Malformed);
    }

    #[test]
    fn another_keyring_cannot_open() {
        let sealed = SecretBox::new(Keyring::generate()).seal_str("secret", ALICE);
        let other = SecretBox::new(Keyring::generate());
        assert_eq!(other.open(&sealed, ALICE).unwrap_err(), OpenError::Forged);
    }

    #[test]
    fn wrong_owner_or_field_is_refused() {
        let sb = SecretBox::new(Keyring::generate());
        let sealed = sb.seal_str("secret", ALICE);
        let bob = Binding { owner: "user-bob", ..ALICE };
        let other_field = Binding { field: "zoom.webhook_secret", ..ALICE };
        assert_eq!(sb.open(&sealed, bob).unwrap_err(), OpenError::Forged);
        assert_eq!(sb.open(&sealed, other_field).unwrap_err(), OpenError::Forged);
    }

    #[test]
    fn older_keys_still_open_after_rotation() {
        let old_ring = Keyring::generate();
        let text = old_ring.to_text();
        let old = SecretBox::new(old_ring);
        let sealed_old = old.seal_str("before rotation", ALICE);

        let rotated = SecretBox::new(Keyring::parse(&text).unwrap().with_new_key());
        assert!(!rotated.is_sealed_with_current_key(&sealed_old));
        assert_eq!(rotated.open_str(&sealed_old, ALICE).unwrap().expose_secret(), "before rotation");
        let resealed = rotated.seal_str("before rotation", ALICE);
        assert!(rotated.is_sealed_with_current_key(&resealed));
        // The old keyring does not know the new key.
        assert_eq!(old.open(&resealed, ALICE).unwrap_err(), OpenError::UnknownKey(2));
    }

    #[test]
    fn nonces_never_repeat() {
        let sb = SecretBox::new(Keyring::generate());
        let nonces: HashSet<Vec<u8>> = (0..20_000).map(|_| sb.seal(b"same", ALICE)[5..HEADER_LEN].to_vec()).collect();
        assert_eq!(nonces.len(), 20_000);
    }

    #[test]
    fn debug_never_shows_key_material() {
        let ring = Keyring::generate();
        let text = ring.to_text();
        let key_b64 = text.trim().split_once(':').unwrap().1.to_owned();
        let sb = SecretBox::new(ring);
        let debug = format!("{sb:?}");
        assert!(!debug.contains(&key_b64), "{debug}");
    }
}
