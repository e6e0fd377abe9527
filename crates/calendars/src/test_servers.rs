//! Real CalDAV servers for tests (feature `test-servers`): Radicale and Xandikos.
//!
//! The executables come from the environment: `PROSPO_TEST_RADICALE` and
//! `PROSPO_TEST_XANDIKOS` hold their paths (e.g. from a venv with
//! `pip install radicale==3.9.0 xandikos==0.4.10`). When a variable is unset,
//! [`TestServer::from_env`] prints a loud `SKIPPED:` line and returns `None`,
//! so a test can simply `return`.
//!
//! * Radicale: `radicale -C <empty config> --server-hosts 127.0.0.1:PORT
//!   --auth-type htpasswd --auth-htpasswd-filename <file>
//!   --auth-htpasswd-encryption plain --auth-delay 0 --rights-type owner_only
//!   --storage-filesystem-folder <tempdir> --logging-level warning`; one user
//!   [`USER`] / [`PASSWORD`]; principal and calendar home `/prospo/`.
//! * Xandikos: `xandikos serve --defaults -d <tempdir> -l 127.0.0.1 -p PORT
//!   --current-user-principal /user/`; principal `/user/`, home
//!   `/user/calendars/` with a default calendar `calendar`. Xandikos has no
//!   authentication here (its `--htpasswd` needs its self-signed `--autocert`
//!   TLS), so **any user name and password work** against it.
//!
//! Each server runs in its own temporary directory on a free port, is waited
//! for until it answers, and is killed when the [`TestServer`] is dropped.

use crate::caldav::CalDav;
use outbound::{AllowList, GuardedClient};
use secrecy::SecretString;
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use url::Url;

/// The user name of the Radicale test account.
pub const USER: &str = "prospo";
/// Its password.
pub const PASSWORD: &str = "s3cret-Passw0rd";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Radicale,
    Xandikos,
}

impl Kind {
    /// The environment variable naming the executable.
    pub fn env_var(self) -> &'static str {
        match self {
            Kind::Radicale => "PROSPO_TEST_RADICALE",
            Kind::Xandikos => "PROSPO_TEST_XANDIKOS",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Radicale => "Radicale",
            Kind::Xandikos => "Xandikos",
        }
    }
}

/// A running server; killed on drop.
pub struct TestServer {
    pub kind: Kind,
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
    log: PathBuf,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer").field("kind", &self.kind).field("port", &self.port).finish()
    }
}

/// Installs the rustls crypto provider the workspace uses (needed once per
/// process before any HTTP client is built; repeated calls are harmless).
pub fn install_crypto() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// A guarded client allowed to reach 127.0.0.1 (any port).
pub fn local_client() -> GuardedClient {
    install_crypto();
    GuardedClient::new("127.0.0.1".parse::<AllowList>().expect("allow list"), "prospo-calendars-tests")
}

/// Whether whoever listens answers an HTTP request with a status line: a server that accepts
/// connections before it can serve requests is not ready yet.
fn answers_http(mut stream: TcpStream) -> bool {
    use std::io::Write;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream.write_all(b"OPTIONS / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
        return false;
    }
    let mut head = [0u8; 5];
    stream.read_exact(&mut head).is_ok() && &head == b"HTTP/"
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl TestServer {
    /// Starts the server named by the environment, or prints
    /// `SKIPPED: set PROSPO_TEST_…` and returns `None` when the variable is unset.
    ///
    /// # Panics
    /// When the variable is set but the server does not start.
    pub fn from_env(kind: Kind) -> Option<TestServer> {
        let Some(bin) = std::env::var_os(kind.env_var()).filter(|v| !v.is_empty()) else {
            println!(
                "SKIPPED: set {}=/path/to/{} to run this test against a real {} server \
                 (e.g. python3 -m venv /tmp/venv && /tmp/venv/bin/pip install radicale==3.9.0 xandikos==0.4.10)",
                kind.env_var(),
                kind.name().to_ascii_lowercase(),
                kind.name()
            );
            eprintln!("SKIPPED: {} is not set", kind.env_var());
            return None;
        };
        Some(Self::start(kind, Path::new(&bin)).unwrap_or_else(|e| panic!("starting {}: {e}", kind.name())))
    }

    /// Starts the server on a free port. The port is chosen before the server binds it, so another
    /// process may take it meanwhile: a server that then exits, or never answers HTTP, is started
    /// again on another port (three tries).
    pub fn start(kind: Kind, bin: &Path) -> Result<TestServer, String> {
        let mut last = String::new();
        for _ in 0..3 {
            match Self::start_once(kind, bin) {
                Ok(server) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn start_once(kind: Kind, bin: &Path) -> Result<TestServer, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let port = free_port().map_err(|e| e.to_string())?;
        let log = dir.path().join("server.log");
        let log_file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let log_err = log_file.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(bin);
        match kind {
            Kind::Radicale => {
                let users = dir.path().join("users");
                std::fs::write(&users, format!("{USER}:{PASSWORD}\n")).map_err(|e| e.to_string())?;
                let config = dir.path().join("config");
                std::fs::write(&config, "").map_err(|e| e.to_string())?;
                let storage = dir.path().join("collections");
                cmd.arg("-C")
                    .arg(&config)
                    .arg("--server-hosts")
                    .arg(format!("127.0.0.1:{port}"))
                    .args(["--auth-type", "htpasswd", "--auth-htpasswd-filename"])
                    .arg(&users)
                    .args(["--auth-htpasswd-encryption", "plain", "--auth-delay", "0"])
                    .args(["--rights-type", "owner_only", "--storage-filesystem-folder"])
                    .arg(&storage)
                    .args(["--logging-level", "warning"]);
            }
            Kind::Xandikos => {
                cmd.arg("serve")
                    .arg("--defaults")
                    .arg("-d")
                    .arg(dir.path().join("dav"))
                    .args(["-l", "127.0.0.1", "-p"])
                    .arg(port.to_string())
                    .args(["--current-user-principal", "/user/"])
                    .arg("--no-detect-systemd")
                    .env("XDG_DATA_HOME", dir.path().join("state"));
            }
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::from(log_file)).stderr(Stdio::from(log_err));
        let child = cmd.spawn().map_err(|e| format!("{}: {e}", bin.display()))?;
        let mut server = TestServer { kind, port, child, dir, log };
        server.wait_ready(Duration::from_secs(30))?;
        Ok(server)
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let t0 = Instant::now();
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("{} exited with {status}: {}", self.kind.name(), self.log_text()));
            }
            if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200))
                && answers_http(stream)
            {
                // Ours, not another process's that took the port first: ours is still running.
                if let Ok(Some(status)) = self.child.try_wait() {
                    return Err(format!("{} exited with {status}: {}", self.kind.name(), self.log_text()));
                }
                return Ok(());
            }
            if t0.elapsed() > limit {
                return Err(format!("{} did not listen within {limit:?}: {}", self.kind.name(), self.log_text()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What the server wrote to stdout and stderr so far.
    pub fn log_text(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut s);
        }
        s
    }

    /// The server's temporary directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `http://127.0.0.1:PORT/`
    pub fn base_url(&self) -> Url {
        format!("http://127.0.0.1:{}/", self.port).parse().expect("url")
    }

    /// The test user's principal.
    pub fn principal_url(&self) -> Url {
        match self.kind {
            Kind::Radicale => self.base_url().join(&format!("{USER}/")).expect("url"),
            Kind::Xandikos => self.base_url().join("user/").expect("url"),
        }
    }

    /// The test user's calendar home.
    pub fn home_url(&self) -> Url {
        match self.kind {
            Kind::Radicale => self.principal_url(),
            Kind::Xandikos => self.base_url().join("user/calendars/").expect("url"),
        }
    }

    /// The URL of calendar `name` in the home (`name/`).
    pub fn calendar_url(&self, name: &str) -> Url {
        self.home_url().join(&format!("{name}/")).expect("url")
    }

    /// A [`CalDav`] client for the test user over [`local_client`].
    pub fn caldav(&self) -> CalDav {
        self.caldav_with(USER, PASSWORD)
    }

    pub fn caldav_with(&self, user: &str, password: &str) -> CalDav {
        CalDav::new(local_client(), user, SecretString::from(password.to_string()))
    }

    fn http(&self) -> reqwest::Client {
        install_crypto();
        reqwest::Client::builder().no_proxy().build().expect("reqwest client")
    }

    /// Sends a raw request as the test user; returns status and body.
    pub async fn raw(
        &self,
        method: &str,
        url: &Url,
        headers: &[(&str, &str)],
        body: Option<String>,
    ) -> Result<(u16, String), String> {
        let m = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
        let mut req = self.http().request(m, url.clone()).basic_auth(USER, Some(PASSWORD));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.body(b);
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| e.to_string())?;
        Ok((status, text))
    }

    /// MKCALENDAR `name` in the home with a display name and optional color,
    /// supporting VEVENT. Returns its URL.
    pub async fn mkcalendar(&self, name: &str, display_name: &str, color: Option<&str>) -> Result<Url, String> {
        self.mkcalendar_with(name, display_name, color, &["VEVENT"]).await
    }

    /// MKCALENDAR with an explicit supported-calendar-component-set.
    pub async fn mkcalendar_with(
        &self,
        name: &str,
        display_name: &str,
        color: Option<&str>,
        components: &[&str],
    ) -> Result<Url, String> {
        let url = self.calendar_url(name);
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let mut body = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<C:mkcalendar xmlns:D=\"DAV:\" \
             xmlns:C=\"urn:ietf:params:xml:ns:caldav\" xmlns:A=\"http://apple.com/ns/ical/\">\
             <D:set><D:prop><D:displayname>{}</D:displayname>",
            esc(display_name)
        );
        if let Some(c) = color {
            body.push_str(&format!("<A:calendar-color>{}</A:calendar-color>", esc(c)));
        }
        body.push_str("<C:supported-calendar-component-set>");
        for c in components {
            body.push_str(&format!("<C:comp name=\"{c}\"/>"));
        }
        body.push_str("</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>");
        if self.kind == Kind::Radicale {
            // Radicale creates the principal collection on the user's first request.
            self.raw("PROPFIND", &self.principal_url(), &[("Depth", "0")], None).await?;
        }
        let (status, text) =
            self.raw("MKCALENDAR", &url, &[("Content-Type", "application/xml; charset=utf-8")], Some(body)).await?;
        if !(200..300).contains(&status) {
            return Err(format!("MKCALENDAR {url}: HTTP {status}: {text}"));
        }
        Ok(url)
    }

    /// PUTs a raw iCalendar text as `file` (e.g. `weekly.ics`) into `calendar`; returns its URL.
    pub async fn put_ics(&self, calendar: &Url, file: &str, ics: &str) -> Result<Url, String> {
        let url = calendar.join(file).map_err(|e| e.to_string())?;
        let (status, text) =
            self.raw("PUT", &url, &[("Content-Type", "text/calendar; charset=utf-8")], Some(ics.to_string())).await?;
        if !(200..300).contains(&status) {
            return Err(format!("PUT {url}: HTTP {status}: {text}"));
        }
        Ok(url)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
