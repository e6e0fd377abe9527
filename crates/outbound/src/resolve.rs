//! The DNS resolver that reqwest uses: resolve, then keep only permitted addresses.

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::allow::AllowList;
use crate::guard::is_forbidden_ip;

/// How long a name may take to resolve.
pub(crate) const RESOLVE_TIMEOUT: Duration = Duration::from_secs(2);

/// The resolver's refusal, recognised again after reqwest has wrapped it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum GuardError {
    #[error("host does not resolve")]
    Unresolvable,
    #[error("host resolves only to addresses that may not be reached")]
    NotAllowed,
}

/// Resolves `host` with tokio within [`RESOLVE_TIMEOUT`] (port 0: reqwest
/// puts the URL's port in). No address, an error or the timeout is
/// [`GuardError::Unresolvable`].
pub(crate) async fn lookup(host: &str) -> Result<Vec<SocketAddr>, GuardError> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((host, 0))).await {
        Ok(Ok(addrs)) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            if addrs.is_empty() { Err(GuardError::Unresolvable) } else { Ok(addrs) }
        }
        Ok(Err(_)) | Err(_) => Err(GuardError::Unresolvable),
    }
}

/// Keeps the permitted addresses; none permitted is [`GuardError::NotAllowed`].
pub(crate) fn permitted(addrs: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, GuardError> {
    let ok: Vec<SocketAddr> = addrs.into_iter().filter(|a| !is_forbidden_ip(a.ip())).collect();
    if ok.is_empty() { Err(GuardError::NotAllowed) } else { Ok(ok) }
}

/// reqwest's resolver. The resolver is not told the port, so a client whose
/// resolver has an allow list (`bypass`) must only be used for requests whose
/// host *and port* are allow-listed; for such hosts every resolved address
/// is returned. All other names get only permitted addresses.
#[derive(Debug, Clone)]
pub(crate) struct GuardedResolver {
    bypass: Option<AllowList>,
}

impl GuardedResolver {
    /// Never returns a forbidden address.
    pub(crate) fn strict() -> Self {
        Self { bypass: None }
    }

    /// Returns every address of hosts named in `allow` (whatever the port).
    pub(crate) fn bypassing(allow: AllowList) -> Self {
        Self { bypass: Some(allow) }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let bypass = self.bypass.as_ref().is_some_and(|a| a.lists_host(&host));
        Box::pin(async move {
            let addrs = lookup(&host).await?;
            let addrs = if bypass { addrs } else { permitted(addrs)? };
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}
