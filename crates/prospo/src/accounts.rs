//! Accounts: sign-up, log-in with slow-down after failures, browser sessions and API tokens.
//! Pages and JSON handlers both call these functions.

use std::net::IpAddr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::domain::accounts::{Email, Invalid, NewPassword, PersonName, Username};
use crate::jobs::Queue;
use crate::notifications::account_mails;
use crate::store::accounts::{CreateUserError, LinkKind, NewLink, NewUser, Taken, UserRow};
use crate::store::outbox::MailKind;
use crate::store::tokens::{TokenLife, TokenRow};
use crate::store::{StoreError, new_id};

/// How long a browser session lasts.
pub const SESSION_DAYS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("{}", .0.message)]
    Invalid(Invalid),
    #[error("An account with this email already exists.")]
    EmailTaken,
    #[error("This username is taken or reserved. Choose another.")]
    UsernameTaken,
    #[error("The email or password is not right.")]
    InvalidLogin,
    #[error("This reset link has expired or was already used. Ask for a new one.")]
    ResetLinkUnusable,
    #[error("Too many failed log-ins. Try again in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: i64 },
    /// The address already got its hour's share of account mails ([`ACCOUNT_MAILS_PER_HOUR`]).
    #[error("This address got too many mails from Prospo in the last hour. Try again in an hour.")]
    TooManyMails { retry_after_secs: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<Invalid> for AccountError {
    fn from(value: Invalid) -> Self {
        if value.code == "username_taken" { AccountError::UsernameTaken } else { AccountError::Invalid(value) }
    }
}

pub struct SignUpInput<'a> {
    pub email: &'a str,
    pub password: &'a str,
    pub name: &'a str,
    pub username: &'a str,
    /// The browser's zone: the new host's hours start as Monday–Friday 09:00–17:00 there.
    pub timezone: Option<&'a str>,
    /// A team invitation's token: the new account joins that team when it is for this email.
    pub invite: Option<&'a str>,
}

/// How long an email verification link works.
pub const VERIFY_LINK_MS: i64 = 7 * 24 * 3600 * 1000;

/// Creates an account; the mail that asks to confirm its email is queued with it.
pub async fn sign_up(app: &App, input: SignUpInput<'_>) -> Result<UserRow, AccountError> {
    let email = Email::parse(input.email)?;
    let name = PersonName::parse(input.name)?;
    let username = Username::parse(input.username)?;
    let password = NewPassword::parse(input.password)?;
    let hours = first_hours(input.timezone)?;
    let hash = hash_password(password).await?;
    let token = random_token();
    let mail = account_mails::verify_email(email.as_str(), name.as_str(), &app.mail.verify_url(&token));
    let now = app.now_ms();
    let verification = NewLink { token_hash: &hash_token(&token), expires_at: now + VERIFY_LINK_MS, mail: &mail };
    let new_user = NewUser {
        email: email.as_str(),
        username: username.as_str(),
        name: name.as_str(),
        password_hash: &hash,
        verification: &verification,
        availability: (&hours.timezone, &json(&hours.weekly), &json(&hours.overrides)),
    };
    let user = app.db.create_user(new_user, now).await.map_err(|e| match e {
        CreateUserError::Taken(Taken::Email) => AccountError::EmailTaken,
        CreateUserError::Taken(Taken::Username) => AccountError::UsernameTaken,
        CreateUserError::Store(e) => AccountError::Store(e),
    })?;
    if let Some(token) = input.invite.filter(|t| !t.is_empty()) {
        let joined = app.db.accept_team_invitation(&hash_token(token), &user.id, &user.email, now).await?;
        if joined.is_none() {
            tracing::info!(user_id = %user.id, "a sign-up's team invitation was used, expired or for another email");
        }
    }
    app.wake(Queue::Mail);
    Ok(user)
}

/// A new host's hours in `timezone` (a blank or absent zone is UTC; an unknown one is refused).
fn first_hours(timezone: Option<&str>) -> Result<crate::domain::slots::AvailabilityInput, AccountError> {
    let zone = timezone.map(str::trim).filter(|z| !z.is_empty()).unwrap_or("UTC");
    let hours = crate::scheduling::availability::default_input(zone);
    crate::domain::slots::Availability::parse(&hours).map(|a| a.to_input()).map_err(|_| {
        AccountError::Invalid(Invalid::new(
            "timezone",
            "unknown_time_zone",
            "This is not a time zone we know. Use an IANA name such as Europe/Berlin.",
        ))
    })
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("maps and lists of strings serialise")
}

/// Reset and verification mails one address may get per hour: nobody can make Prospo bomb an
/// inbox with them.
pub const ACCOUNT_MAILS_PER_HOUR: i64 = 3;

/// Whether `email` already got its hour's share of account mails.
pub(crate) async fn account_mails_exhausted(app: &App, email: &str) -> Result<bool, StoreError> {
    let kinds = [MailKind::PasswordReset, MailKind::VerifyEmail];
    let since = app.now_ms() - 3600 * 1000;
    Ok(app.db.mails_to_since(email, &kinds, since).await? >= ACCOUNT_MAILS_PER_HOUR)
}

/// Sends a new verification link to an account whose email is not confirmed yet (at most
/// [`ACCOUNT_MAILS_PER_HOUR`] account mails an hour).
pub async fn resend_verification(app: &App, user: &UserRow) -> Result<(), AccountError> {
    if user.email_verified_at.is_some() {
        return Ok(());
    }
    if account_mails_exhausted(app, &user.email).await? {
        return Err(AccountError::Throttled { retry_after_secs: 3600 });
    }
    let token = random_token();
    let mail = account_mails::verify_email(&user.email, &user.name, &app.mail.verify_url(&token));
    let now = app.now_ms();
    let link = NewLink { token_hash: &hash_token(&token), expires_at: now + VERIFY_LINK_MS, mail: &mail };
    app.db.create_account_link(LinkKind::EmailVerification, &user.id, &link, now).await?;
    app.wake(Queue::Mail);
    Ok(())
}

/// Confirms an account's email through its link. False if the link is unknown, used or expired.
pub async fn verify_email(app: &App, token: &str) -> Result<bool, StoreError> {
    Ok(app.db.use_email_verification(&hash_token(token), app.now_ms()).await?.is_some())
}

/// How long a password reset link works.
pub const RESET_LINK_MS: i64 = 3600 * 1000;

/// Sends a reset link if an account has this email. The caller answers the same either way, so the
/// answer never tells whether an email has an account.
pub async fn request_password_reset(app: &App, email: &str) -> Result<(), AccountError> {
    let Ok(email) = Email::parse(email) else { return Ok(()) };
    let Some(user) = app.db.user_by_email(email.as_str()).await? else { return Ok(()) };
    // Past the hour's share the answer is the same as for an unknown address: nothing is sent.
    if account_mails_exhausted(app, &user.email).await? {
        return Ok(());
    }
    let token = random_token();
    let mail = account_mails::password_reset(&user.email, &app.mail.reset_url(&token));
    let now = app.now_ms();
    let link = NewLink { token_hash: &hash_token(&token), expires_at: now + RESET_LINK_MS, mail: &mail };
    app.db.create_account_link(LinkKind::PasswordReset, &user.id, &link, now).await?;
    app.wake(Queue::Mail);
    Ok(())
}

/// Whether a reset link can still be used.
pub async fn reset_link_usable(app: &App, token: &str) -> Result<bool, StoreError> {
    app.db.password_reset_usable(&hash_token(token), app.now_ms()).await
}

/// Sets a new password through a reset link; the link then stops working.
pub async fn reset_password(app: &App, token: &str, password: &str) -> Result<(), AccountError> {
    let password = NewPassword::parse(password)?;
    if !reset_link_usable(app, token).await? {
        return Err(AccountError::ResetLinkUnusable);
    }
    let hash = hash_password(password).await?;
    match app.db.use_password_reset(&hash_token(token), &hash, app.now_ms()).await? {
        Some(_) => Ok(()),
        None => Err(AccountError::ResetLinkUnusable),
    }
}

/// Failed log-ins allowed per client address, and per account from one address, in a window.
pub const LOGIN_FAILURES_ALLOWED: i64 = 10;
/// The window of [`LOGIN_FAILURES_ALLOWED`].
pub const LOGIN_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Checks an email and password from `client`. The attempt is counted (per client address, and per
/// account from that address) before the password is checked, and a correct password gives it
/// back; past [`LOGIN_FAILURES_ALLOWED`] in [`LOGIN_WINDOW_MS`] the answer is `Throttled`, the same
/// for known and unknown emails. Counting the account per address means a stranger's guesses do
/// not lock the account's owner out.
pub async fn log_in(app: &App, email: &str, password: &str, client: IpAddr) -> Result<UserRow, AccountError> {
    let address_key = format!("address:{client}");
    let account_key = format!("account:{}|{client}", email.trim().to_lowercase());
    let keys = [address_key, account_key];
    let now = app.now_ms();
    let counts = app.db.count_login_attempt(&keys, LOGIN_WINDOW_MS, now).await?;
    if let Some(full) = counts.iter().filter(|c| c.failures > LOGIN_FAILURES_ALLOWED).map(|c| c.window_start).min() {
        let retry_after_secs = ((full + LOGIN_WINDOW_MS - now) / 1000).max(1);
        return Err(AccountError::Throttled { retry_after_secs });
    }
    let user = match Email::parse(email) {
        Ok(email) => app.db.user_by_email(email.as_str()).await?,
        Err(_) => None,
    };
    // Without an account, spend the same time on a check, so timing does not tell which exist.
    let hash = user.as_ref().map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
    let right = verify_password(password.to_owned(), hash).await?;
    match user.filter(|_| right) {
        Some(user) => {
            app.db.refund_login_attempt(&keys).await?;
            Ok(user)
        }
        None => Err(AccountError::InvalidLogin),
    }
}

/// How long a token minted by log-in (or sign-up) lasts after its last use.
pub const LOGIN_TOKEN_IDLE_DAYS: i64 = 30;

/// A named token's life from its optional number of days (1 to 3650); `None` when out of range.
pub fn named_token_life(app: &App, expires_in_days: Option<i64>) -> Option<TokenLife> {
    match expires_in_days {
        None => Some(TokenLife::Until(None)),
        Some(days @ 1..=3650) => Some(TokenLife::Until(Some(app.now_ms() + days * 24 * 3600 * 1000))),
        Some(_) => None,
    }
}

/// A new API token: its value is returned once; only its hash is stored.
pub async fn issue_api_token(
    app: &App,
    user_id: &str,
    name: &str,
    life: TokenLife,
) -> Result<(String, String), AccountError> {
    let value = format!("prospo_{}", random_token());
    let id = new_id();
    let name = name.trim();
    let name = if name.is_empty() { "API token" } else { name };
    let name = name.chars().take(100).collect::<String>();
    app.db.create_api_token(&id, user_id, &name, &hash_token(&value), life, app.now_ms()).await?;
    Ok((id, value))
}

pub async fn user_for_api_token(app: &App, value: &str) -> Result<Option<(UserRow, TokenRow)>, StoreError> {
    let Some(token) = app.db.use_api_token(&hash_token(value), app.now_ms()).await? else {
        return Ok(None);
    };
    Ok(app.db.user_by_id(&token.user_id).await?.map(|user| (user, token)))
}

/// Changes the password of the signed-in `user`, who proves it with the current one. Every other
/// session (`keep_session` is the cookie of the one asking, if any) and every API token end.
pub async fn change_password(
    app: &App,
    user: &UserRow,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
) -> Result<(), AccountError> {
    let new = NewPassword::parse(new)?;
    if !verify_password(current.to_owned(), user.password_hash.clone()).await? {
        return Err(AccountError::InvalidLogin);
    }
    let hash = hash_password(new).await?;
    let keep = keep_session.map(hash_token);
    app.db.change_password(&user.id, &hash, keep.as_deref(), app.now_ms()).await?;
    Ok(())
}

/// Starts a browser session; returns the cookie value.
pub async fn start_session(app: &App, user_id: &str) -> Result<String, StoreError> {
    let value = random_token();
    let now = app.now_ms();
    let expires = now + SESSION_DAYS * 24 * 3600 * 1000;
    app.db.create_session(&hash_token(&value), user_id, expires, now).await?;
    Ok(value)
}

pub async fn user_for_session(app: &App, cookie_value: &str) -> Result<Option<UserRow>, StoreError> {
    let Some(user_id) = app.db.session_user(&hash_token(cookie_value), app.now_ms()).await? else {
        return Ok(None);
    };
    app.db.user_by_id(&user_id).await
}

pub async fn end_session(app: &App, cookie_value: &str) -> Result<(), StoreError> {
    app.db.delete_session(&hash_token(cookie_value)).await
}

/// SHA-256 in hex: tokens and session ids are long random values, so a fast hash is enough.
pub fn hash_token(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A hash to verify against when the email is unknown, made once with the same parameters.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| password_auth::generate_hash(random_token()));

/// Argon2 is slow and takes 19 MiB on purpose: run it off the async runtime, and only as many at
/// once as there are cores (more would not finish sooner, only use more memory).
async fn with_hashing_slot<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let slots = SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map(usize::from).unwrap_or(2))
    });
    let _slot = slots.acquire().await?;
    Ok(tokio::task::spawn_blocking(work).await?)
}

async fn hash_password(password: NewPassword) -> anyhow::Result<String> {
    with_hashing_slot(move || password_auth::generate_hash(password.expose())).await
}

async fn verify_password(password: String, hash: String) -> anyhow::Result<bool> {
    let password = zeroize::Zeroizing::new(password);
    with_hashing_slot(move || password_auth::verify_password(password.as_str(), &hash).is_ok()).await
}
