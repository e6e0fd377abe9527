//! Server-to-Server OAuth: the credentials of one Zoom app and the tokens minted from them.

mod credentials;
mod token;

pub use credentials::{CredentialKey, Credentials};
pub(crate) use token::TokenProvider;
pub use token::{AccessToken, TokenObserver};
