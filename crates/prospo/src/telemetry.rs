//! Logs: human-readable by default, JSON with `PROSPO_LOG_FORMAT=json`; level from `PROSPO_LOG`.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter =
        EnvFilter::try_from_env("PROSPO_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // The CSRF guard's trace events name whole URIs, and some paths are credentials
    // (reset, manage and verification links); Prospo's own request span logs them redacted.
    let filter = filter.add_directive("tower_http::csrf=debug".parse().expect("a valid directive"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let result = if std::env::var("PROSPO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // A second init (tests start many apps in one process) keeps the first subscriber.
    let _ = result;
}
