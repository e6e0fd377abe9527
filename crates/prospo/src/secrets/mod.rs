//! Secrets at rest: a keyring of 256-bit keys and a [`SecretBox`] that seals values with
//! XChaCha20-Poly1305, bound to their owner and field.

mod keyring;
mod secret_box;

pub use keyring::{KeySource, Keyring};
pub use secret_box::{Binding, OpenError, SecretBox};
