//! Authentication: the credentials of a Server-to-Server app and the tokens minted from them,
//! or a user connection whose tokens come from elsewhere.

mod credentials;
mod token;
mod user;

pub use credentials::{CredentialKey, Credentials};
pub(crate) use token::TokenProvider;
pub use token::{AccessToken, TokenObserver};
pub use user::{Auth, UserAuth, UserTokens};
