//! The command line: `serve`, `migrate`, `keys rotate`; every option also read from its
//! environment variable, as the contract fixes.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use tokio::net::TcpListener;

use crate::config::{Config, default_database_url};
use crate::secrets::{KeySource, SecretBox};
use crate::startup::{Application, shutdown_signal};
use crate::store::Db;

#[derive(Debug, Parser)]
#[command(name = "prospo", version, about = "Prospo: booking pages whose every booking gets a Zoom meeting")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server against real Zoom (or the Zoom URLs given).
    Serve(ServeArgs),
    /// Serve plus the embedded Zoom sandbox, a demo host and a sandbox Zoom app: everything offline.
    Demo(DemoArgs),
    /// The Zoom sandbox alone.
    ZoomSandbox(SandboxArgs),
    /// Apply the database migrations and exit.
    Migrate(StorageArgs),
    /// Manage the keyring that encrypts stored secrets.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Add a new key and re-encrypt every stored secret with it.
    Rotate(StorageArgs),
}

#[derive(Debug, Args)]
struct StorageArgs {
    /// Folder for the SQLite database, the keyring and the mail outbox.
    #[arg(long, env = "PROSPO_DATA_DIR", default_value = "./prospo-data")]
    data_dir: PathBuf,
    /// sqlite://PATH (default DATA_DIR/prospo.db), postgres://… or postgresql://…
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// Address to listen on.
    #[arg(long, env = "PROSPO_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// The URL people reach Prospo at (links, trusted origin); default http:// + the bound address.
    #[arg(long, env = "PROSPO_PUBLIC_URL")]
    public_url: Option<url::Url>,
    #[arg(long, env = "PROSPO_ZOOM_OAUTH_URL", default_value = "https://zoom.us")]
    zoom_oauth_url: String,
    #[arg(long, env = "PROSPO_ZOOM_API_URL", default_value = "https://api.zoom.us/v2")]
    zoom_api_url: String,
    /// SMTP server for mail; without it mail is written as .eml files under DATA_DIR/outbox/.
    #[arg(long, env = "PROSPO_SMTP_URL")]
    smtp_url: Option<String>,
    /// Public booking POSTs per minute per client address, or `off`.
    #[arg(long, env = "PROSPO_PUBLIC_RATE_LIMIT", default_value = "60", value_parser = parse_rate_limit)]
    public_rate_limit: RateLimit,
    /// Do not apply pending migrations at start (for deployments that run `prospo migrate`).
    #[arg(long)]
    no_migrate: bool,
    /// Reverse proxies (addresses or CIDRs, comma-separated) whose `X-Forwarded-For` names the
    /// client; from anyone else it is ignored.
    #[arg(long, env = "PROSPO_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// Serve `/metrics` only on this address (an internal listener) instead of the main one.
    #[arg(long, env = "PROSPO_METRICS_LISTEN")]
    metrics_listen: Option<String>,
    /// Hosts (`HOST[:PORT]`, comma-separated) whose calendar and webhook URLs may resolve to
    /// loopback or private addresses; every other such URL is refused.
    #[arg(long, env = "PROSPO_ALLOW_PRIVATE_TARGETS", default_value = "", value_parser = parse_allow_list)]
    allow_private_targets: outbound::AllowList,
    #[command(flatten)]
    oauth: OAuthArgs,
}

/// The operator's OAuth apps: without a provider's client id and secret, its button is not shown.
#[derive(Debug, Args)]
struct OAuthArgs {
    #[arg(long, env = "PROSPO_GOOGLE_CLIENT_ID", requires = "google_client_secret")]
    google_client_id: Option<String>,
    #[arg(long, env = "PROSPO_GOOGLE_CLIENT_SECRET", hide_env_values = true)]
    google_client_secret: Option<String>,
    #[arg(long, env = "PROSPO_GOOGLE_AUTH_URL", default_value = "https://accounts.google.com/o/oauth2/v2/auth")]
    google_auth_url: String,
    #[arg(long, env = "PROSPO_GOOGLE_TOKEN_URL", default_value = "https://oauth2.googleapis.com/token")]
    google_token_url: String,
    #[arg(long, env = "PROSPO_GOOGLE_API_URL", default_value = "https://www.googleapis.com")]
    google_api_url: String,
    #[arg(long, env = "PROSPO_MICROSOFT_CLIENT_ID", requires = "microsoft_client_secret")]
    microsoft_client_id: Option<String>,
    #[arg(long, env = "PROSPO_MICROSOFT_CLIENT_SECRET", hide_env_values = true)]
    microsoft_client_secret: Option<String>,
    #[arg(long, env = "PROSPO_MICROSOFT_LOGIN_URL", default_value = "https://login.microsoftonline.com/common")]
    microsoft_login_url: String,
    #[arg(long, env = "PROSPO_MICROSOFT_GRAPH_URL", default_value = "https://graph.microsoft.com/v1.0")]
    microsoft_graph_url: String,
    /// A Zoom "General app" for Connect with Zoom (its endpoints live under --zoom-oauth-url).
    #[arg(long, env = "PROSPO_ZOOM_APP_CLIENT_ID", requires = "zoom_app_client_secret")]
    zoom_app_client_id: Option<String>,
    #[arg(long, env = "PROSPO_ZOOM_APP_CLIENT_SECRET", hide_env_values = true)]
    zoom_app_client_secret: Option<String>,
}

impl OAuthArgs {
    /// `prospo demo`: every Connect button goes to the embedded sandboxes.
    fn wire_to_sandboxes(&mut self, providers: &crate::demo::ProviderSandboxes) {
        let google = &providers.google.url;
        self.google_client_id = Some(providers.google_client.client_id.clone());
        self.google_client_secret = Some(providers.google_client.client_secret.clone());
        self.google_auth_url = format!("{google}/o/oauth2/v2/auth");
        self.google_token_url = format!("{google}/token");
        self.google_api_url = google.clone();
        let microsoft = &providers.microsoft.url;
        self.microsoft_client_id = Some(providers.microsoft_client.client_id.clone());
        self.microsoft_client_secret = Some(providers.microsoft_client.client_secret.clone());
        self.microsoft_login_url = format!("{microsoft}/common");
        self.microsoft_graph_url = format!("{microsoft}/v1.0");
    }

    fn into_config(self) -> crate::integrations::oauth::providers::OAuthConfig {
        use crate::integrations::oauth::providers::{ClientConfig, OAuthConfig};
        let client = |id: Option<String>, secret: Option<String>| {
            Some(ClientConfig { client_id: id?, client_secret: secret?.into() })
        };
        OAuthConfig {
            google: client(self.google_client_id, self.google_client_secret),
            google_auth_url: self.google_auth_url,
            google_token_url: self.google_token_url,
            google_api_url: self.google_api_url,
            microsoft: client(self.microsoft_client_id, self.microsoft_client_secret),
            microsoft_login_url: self.microsoft_login_url,
            microsoft_graph_url: self.microsoft_graph_url,
            zoom_app: client(self.zoom_app_client_id, self.zoom_app_client_secret),
        }
    }
}

#[derive(Debug, Args)]
struct DemoArgs {
    #[command(flatten)]
    serve: ServeArgs,
    /// Where the embedded Zoom sandbox listens.
    #[arg(long, env = "PROSPO_SANDBOX_LISTEN", default_value = "127.0.0.1:0")]
    sandbox_listen: String,
}

#[derive(Debug, Args)]
struct SandboxArgs {
    #[arg(long, env = "PROSPO_LISTEN", default_value = "127.0.0.1:9090")]
    listen: String,
    /// Keep the sandbox's state in DIR/zoom-sandbox.json; without it, state lives in memory.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy)]
struct RateLimit(Option<u32>);

/// A proxy's address (`10.0.0.7`, `::1`) or network (`10.0.0.0/8`).
fn parse_proxy(value: &str) -> Result<ipnet::IpNet, String> {
    let value = value.trim();
    value
        .parse::<ipnet::IpNet>()
        .or_else(|_| value.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{value:?} is not an address or CIDR"))
}

fn parse_allow_list(value: &str) -> Result<outbound::AllowList, String> {
    value.parse::<outbound::AllowList>().map_err(|e| e.to_string())
}

fn parse_rate_limit(value: &str) -> Result<RateLimit, String> {
    if value.eq_ignore_ascii_case("off") {
        return Ok(RateLimit(None));
    }
    match value.parse::<u32>() {
        Ok(n) if n > 0 => Ok(RateLimit(Some(n))),
        _ => Err("expected `off` or a whole number above 0".into()),
    }
}

impl StorageArgs {
    fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| default_database_url(&self.data_dir))
    }
}

impl ServeArgs {
    fn into_config(self) -> Config {
        Config {
            database_url: self.storage.database_url(),
            key_source: KeySource::from_env(&self.storage.data_dir),
            data_dir: self.storage.data_dir,
            public_url: self.public_url,
            zoom_oauth_url: self.zoom_oauth_url,
            zoom_api_url: self.zoom_api_url,
            smtp_url: self.smtp_url,
            public_rate_limit: self.public_rate_limit.0,
            migrate: !self.no_migrate,
            trusted_proxies: self.trusted_proxies,
            metrics_listen: self.metrics_listen,
            allow_private_targets: self.allow_private_targets,
            oauth: self.oauth.into_config(),
            ..Config::for_data_dir(PathBuf::new())
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    crate::telemetry::init();
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Demo(args) => demo(args).await,
        Command::ZoomSandbox(args) => zoom_sandbox(args).await,
        Command::Migrate(args) => {
            let db = Db::connect(&args.database_url()).await?;
            db.migrate().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Keys { command: KeysCommand::Rotate(args) } => rotate_keys(args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let listen = args.listen.clone();
    let listener = TcpListener::bind(&listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let app = Application::build(args.into_config(), listener).await?;
    // Scripts wait for this exact plain line, whatever the log format.
    println!("listening on {}", app.url());
    app.run_until(shutdown_signal()).await
}

async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let DemoArgs { mut serve, sandbox_listen } = args;
    let sandbox = crate::demo::start_sandbox(&serve.storage.data_dir, &sandbox_listen).await?;
    serve.zoom_oauth_url = sandbox.url.clone();
    serve.zoom_api_url = format!("{}/v2", sandbox.url);
    let providers = crate::demo::start_provider_sandboxes(&serve.storage.data_dir).await?;
    serve.oauth.wire_to_sandboxes(&providers);
    let zoom_client = crate::demo::demo_zoom_oauth_client(&sandbox.sandbox);
    serve.oauth.zoom_app_client_id = Some(zoom_client.client_id);
    serve.oauth.zoom_app_client_secret = Some(zoom_client.client_secret);
    let listen = serve.listen.clone();
    let listener = TcpListener::bind(&listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    let mut config = serve.into_config();
    // The demo's own calendar feed is served on its loopback listener.
    config.allow_private_targets = config.allow_private_targets.with_hosts(&["127.0.0.1", "localhost"]);
    config.demo_feed = true;
    let app = Application::build(config, listener).await?;
    crate::demo::ensure_demo_host(&app.state).await?;
    crate::demo::ensure_demo_team(&app.state, &sandbox.sandbox).await?;
    let zoom_app = crate::demo::demo_zoom_app(&sandbox.sandbox);
    println!("zoom sandbox on {}", sandbox.url);
    println!("google sandbox on {}", providers.google.url);
    println!("microsoft sandbox on {}", providers.microsoft.url);
    println!("listening on {}", app.url());
    println!();
    println!("Prospo demo: open {}/login", app.url());
    println!("Demo login: {} / {}", crate::demo::DEMO_EMAIL, crate::demo::DEMO_PASSWORD);
    println!("Booking page (after Zoom is connected): {}{}", app.url(), crate::demo::DEMO_BOOKING_PATH);
    println!("Team page (round robin over two teammates): {}{}", app.url(), crate::demo::DEMO_TEAM_PATH);
    println!("Then Settings → Integrations → Zoom → Set up, and paste the sandbox app's credentials:");
    // The one place a secret is printed: it belongs to the local emulator.
    println!("Account ID: {}", zoom_app.account_id);
    println!("Client ID: {}", zoom_app.client_id);
    println!("Client Secret: {}", zoom_app.client_secret);
    app.run_until(shutdown_signal()).await?;
    providers.flush()?;
    sandbox.sandbox.flush()
}

async fn zoom_sandbox(args: SandboxArgs) -> anyhow::Result<()> {
    let sandbox = match &args.data_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            zoom_sandbox::Sandbox::open(&dir.join("zoom-sandbox.json"))?
        }
        None => zoom_sandbox::Sandbox::in_memory(),
    };
    let running = zoom_sandbox::spawn(sandbox, &args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    println!("zoom sandbox on {}", running.url);
    println!("listening on {}", running.url);
    shutdown_signal().await;
    running.sandbox.flush()
}

async fn rotate_keys(args: StorageArgs) -> anyhow::Result<()> {
    let source = KeySource::from_env(&args.data_dir);
    let db = Db::connect(&args.database_url()).await?;
    db.migrate().await?;
    let old = source.load()?;
    let rotated = old.with_new_key();
    // The new keyring (old keys kept) is stored first: values sealed under either key open after a crash.
    source.store(&rotated)?;
    let new_id = rotated.current_id();
    let (old, rotated) = (SecretBox::new(old), SecretBox::new(rotated));
    let resealed = crate::integrations::zoom::reseal_all(&db, &old, &rotated).await?
        + crate::integrations::calendars::reseal_all(&db, &old, &rotated).await?
        + crate::integrations::oauth::access::reseal_all(&db, &old, &rotated).await?
        + crate::notifications::meeting_mails::reseal_manage_tokens(&db, &old, &rotated).await?
        + crate::integrations::webhooks::reseal_all(&db, &old, &rotated).await?;
    db.close().await;
    println!("key {new_id} added; {resealed} stored secrets re-encrypted with it");
    Ok(())
}
