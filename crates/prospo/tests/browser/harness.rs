//! Drives headless Debian Chromium through chromedriver, one of each per test.
//!
//! Browser tests run only when `PROSPO_E2E=1`; otherwise [`Browser::start`] says loudly that the
//! test was skipped and returns `None`. Needs `/usr/bin/chromium` and `/usr/bin/chromedriver`
//! (`apt-get install -y chromium chromium-driver`); `PROSPO_CHROMIUM` and `PROSPO_CHROMEDRIVER`
//! override those paths.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// How long any wait for the page lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);

pub const DESKTOP: (u32, u32) = (1280, 800);
pub const PHONE: (u32, u32) = (390, 844);

pub fn enabled() -> bool {
    std::env::var("PROSPO_E2E").is_ok_and(|v| v == "1")
}

/// A chromedriver process; killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One headless Chromium session with its own chromedriver and a fresh profile.
pub struct Browser {
    pub client: Client,
    session_id: Option<String>,
    driver: Driver,
    profile: tempfile::TempDir,
    name: String,
}

impl Drop for Browser {
    /// Ends the WebDriver session (so chromedriver quits Chromium) even when the test panicked,
    /// then kills chromedriver.
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("[{}] {}", self.name, read_log(&self.profile.path().join("chromedriver.log")));
        }
        if let Some(id) = &self.session_id {
            delete_session(self.driver.port, id);
        }
    }
}

/// `DELETE /session/{id}` with a blocking socket (Drop cannot await); chromedriver then quits
/// Chromium. Reads the answer up to its Content-Length: chromedriver keeps the connection open.
fn delete_session(port: u16, id: &str) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return;
    }
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        if let Some(end) = response.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&response[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if response.len() >= end + 4 + length {
                return;
            }
        }
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => response.extend_from_slice(&buffer[..n]),
        }
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

fn program(var: &str, default: &str) -> String {
    std::env::var(var).ok().filter(|s| !s.is_empty()).unwrap_or_else(|| default.to_owned())
}

impl Browser {
    /// Starts chromedriver and Chromium for the test `name`, at the desktop size; `None` (after
    /// saying so on stderr) when `PROSPO_E2E` is not `1`.
    pub async fn start(name: &str) -> Option<Browser> {
        if !enabled() {
            // Straight to stderr: the test harness captures `eprintln!`, and this must be seen.
            let _ = writeln!(std::io::stderr(), "SKIPPED browser test {name} (set PROSPO_E2E=1)");
            return None;
        }
        crate::support::install_crypto();
        let profile = tempfile::tempdir().expect("temp dir for the browser profile");
        let log = profile.path().join("chromedriver.log");
        let chromedriver = program("PROSPO_CHROMEDRIVER", "/usr/bin/chromedriver");
        // The free port may be taken again before chromedriver binds it: then try another.
        let mut attempt = 0;
        let (driver, webdriver) = loop {
            attempt += 1;
            let port = free_port();
            let child = Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .arg(format!("--log-path={}", log.display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("start {chromedriver} (apt-get install -y chromium chromium-driver): {e}"));
            let mut driver = Driver { child, port };
            let webdriver = format!("http://127.0.0.1:{port}");
            match wait_until_ready(&mut driver, &webdriver).await {
                Ok(()) => break (driver, webdriver),
                Err(problem) if attempt < 3 => eprintln!("[{name}] {problem}; trying another port"),
                Err(problem) => panic!("[{name}] {problem}\n{}", read_log(&log)),
            }
        };

        let user_data_dir = profile.path().join("profile");
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": program("PROSPO_CHROMIUM", "/usr/bin/chromium"),
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-quic",
                    format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
                    format!("--user-data-dir={}", user_data_dir.display()),
                ],
            }
        });
        let Value::Object(capabilities) = capabilities else { unreachable!() };
        let client = ClientBuilder::rustls()
            .expect("rustls connector")
            .capabilities(capabilities)
            .connect(&webdriver)
            .await
            .unwrap_or_else(|e| panic!("open a Chromium session: {e}\n{}", read_log(&log)));
        let session_id = client.session_id().await.ok().flatten();
        let browser = Browser { client, session_id, driver, profile, name: name.to_owned() };
        browser.resize(DESKTOP).await;
        Some(browser)
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("[{}] open {url}: {e}", self.name));
    }

    /// The path of the page shown now.
    pub async fn path(&self) -> String {
        self.client.current_url().await.expect("current url").path().to_owned()
    }

    /// Waits until the page shown is at `path`.
    pub async fn wait_for_path(&self, path: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let now = self.path().await;
            if now == path {
                return;
            }
            assert!(Instant::now() < deadline, "[{}] expected to reach {path}, still on {now}", self.name);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn wait_for(&self, css: &str) -> Element {
        match self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("[{}] no element {css} on {}: {e}", self.name, self.path().await),
        }
    }

    /// Waits for an element matching `css` whose text contains `text`, and returns its text.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            for element in self.client.find_all(Locator::Css(css)).await.unwrap_or_default() {
                if let Ok(found) = element.text().await
                    && found.contains(text)
                {
                    return found;
                }
            }
            if Instant::now() >= deadline {
                panic!(
                    "[{}] no {css} containing {text:?} on {}:\n{}",
                    self.name,
                    self.path().await,
                    self.body_text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("[{}] no element {css} on {}: {e}", self.name, self.path().await),
        }
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self.client.find_all(Locator::Css(css)).await.expect("find_all").is_empty()
    }

    pub async fn body_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The input whose `<label>` reads `label` (so this also checks the label is tied to it).
    pub async fn field(&self, label: &str) -> Element {
        let xpath = format!("//input[@id=//label[normalize-space()='{label}']/@for]");
        match self.client.find(Locator::XPath(&xpath)).await {
            Ok(element) => element,
            Err(e) => panic!("[{}] no input labelled {label:?} on {}: {e}", self.name, self.path().await),
        }
    }

    /// Replaces the value of the input labelled `label`.
    pub async fn fill(&self, label: &str, value: &str) {
        let input = self.field(label).await;
        input.clear().await.expect("clear");
        input.send_keys(value).await.unwrap_or_else(|e| panic!("[{}] type into {label:?}: {e}", self.name));
    }

    /// The current value of the input labelled `label`.
    pub async fn value_of(&self, label: &str) -> String {
        self.field(label).await.prop("value").await.expect("value").unwrap_or_default()
    }

    /// The button whose text is `text`.
    pub async fn button(&self, text: &str) -> Element {
        let xpath = format!("//button[normalize-space()='{text}']");
        match self.client.find(Locator::XPath(&xpath)).await {
            Ok(element) => element,
            Err(e) => panic!("[{}] no button {text:?} on {}: {e}", self.name, self.path().await),
        }
    }

    /// Clicks the button whose text is `text` (see [`Browser::click`]).
    pub async fn click_button(&self, text: &str) {
        self.click(&self.button(text).await, &format!("button {text:?}")).await;
    }

    /// The link whose text is `text`.
    pub async fn link(&self, text: &str) -> Element {
        let xpath = format!("//a[normalize-space()='{text}']");
        match self.client.find(Locator::XPath(&xpath)).await {
            Ok(element) => element,
            Err(e) => panic!("[{}] no link {text:?} on {}: {e}", self.name, self.path().await),
        }
    }

    /// Clicks the link whose text is `text` (see [`Browser::click`]).
    pub async fn click_link(&self, text: &str) {
        self.click(&self.link(text).await, &format!("link {text:?}")).await;
    }

    /// Clicks `element` (described as `what` in failures) the way a person does, and returns
    /// once the page is ready for the next step: when the click loads another page (a link to
    /// another document, or the submit button of a form the browser will send), after that page
    /// has loaded; when it opens a confirmation dialog, at once, and [`Browser::accept_dialog`]
    /// then waits for the page the accepted dialog loads. Any other click returns at once.
    ///
    /// Tests click only through this (a bare `Element::click` races the navigation it causes:
    /// the next step can act on, or read, the page being left). `no_bare_clicks` checks that.
    pub async fn click(&self, element: &Element, what: &str) {
        let effect = self
            .client
            .execute(CLICK_EFFECT, vec![serde_json::to_value(element).expect("element reference")])
            .await
            .unwrap_or_else(|e| panic!("[{}] inspect {what} before clicking it: {e}", self.name));
        element.click().await.unwrap_or_else(|e| panic!("[{}] click {what}: {e}", self.name));
        match effect.as_str() {
            Some("page") => self.wait_for_new_page(what).await,
            Some("dialog") | Some("none") => {}
            other => panic!("[{}] unexpected click effect {other:?} for {what}", self.name),
        }
    }

    /// Accepts the confirmation dialog that a click opened, and waits for the page it loads.
    pub async fn accept_dialog(&self) {
        self.client.accept_alert().await.unwrap_or_else(|e| panic!("[{}] accept the dialog: {e}", self.name));
        self.wait_for_new_page("the accepted dialog").await;
    }

    /// Dismisses the confirmation dialog that a click opened: the page stays.
    pub async fn dismiss_dialog(&self) {
        self.client.dismiss_alert().await.unwrap_or_else(|e| panic!("[{}] dismiss the dialog: {e}", self.name));
        self.js("delete window.__prospoLeaving;").await;
    }

    /// Waits until the document marked by [`CLICK_EFFECT`] has been replaced by a new one that has
    /// finished loading. Scripts fail while the browser is between documents: that is "not yet".
    async fn wait_for_new_page(&self, after: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let loaded = self
                .client
                .execute("return window.__prospoLeaving === undefined && document.readyState === 'complete';", vec![])
                .await;
            if matches!(loaded, Ok(Value::Bool(true))) {
                return;
            }
            if Instant::now() >= deadline {
                panic!(
                    "[{}] no new page loaded within {WAIT:?} after {after}; still on {}",
                    self.name,
                    self.path().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The text of the first element matching `css` (trimmed).
    pub async fn text_of(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_default().trim().to_owned()
    }

    /// Runs `script` in the page (its `return` value comes back).
    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("[{}] run {script}: {e}", self.name))
    }

    /// Describes the focused element: `tag#id` or `tag[text]`.
    pub async fn focused(&self) -> String {
        let value = self
            .js("const e = document.activeElement; if (!e) return 'none'; \
                 return e.id ? `${e.tagName.toLowerCase()}#${e.id}` \
                 : `${e.tagName.toLowerCase()}[${(e.textContent || '').trim()}]`;")
            .await;
        value.as_str().unwrap_or("none").to_owned()
    }

    /// Presses and releases one key on whatever has focus.
    pub async fn press(&self, key: Key) {
        let key: char = key.into();
        let actions = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
        self.client.perform_actions(actions).await.expect("press a key");
    }

    /// Types `text` into whatever has focus.
    pub async fn type_text(&self, text: &str) {
        let mut actions = KeyActions::new("keyboard".to_owned());
        for c in text.chars() {
            actions = actions.then(KeyAction::Down { value: c }).then(KeyAction::Up { value: c });
        }
        self.client.perform_actions(actions).await.expect("type");
    }

    /// Sets the viewport (not the window) to `width`×`height` CSS pixels.
    pub async fn resize(&self, (width, height): (u32, u32)) {
        self.client.set_window_size(width, height).await.expect("set window size");
        // The window may be larger than the viewport: grow it by the difference.
        let inner = self.js("return [window.innerWidth, window.innerHeight];").await;
        let (w, h) =
            (inner[0].as_u64().unwrap_or(width.into()) as u32, inner[1].as_u64().unwrap_or(height.into()) as u32);
        if (w, h) != (width, height) {
            let (dw, dh) = (width.saturating_sub(w), height.saturating_sub(h));
            self.client.set_window_size(width + dw, height + dh).await.expect("set window size");
        }
    }

    /// Switches to a 390×844 phone viewport.
    pub async fn phone(&self) {
        self.resize(PHONE).await;
    }

    /// Switches back to the 1280×800 desktop viewport.
    pub async fn desktop(&self) {
        self.resize(DESKTOP).await;
    }

    /// Saves a PNG of the viewport as `<workspace>/test-artifacts/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.unwrap_or_else(|e| panic!("[{}] screenshot {name}: {e}", self.name));
        let dir = artifacts_dir();
        std::fs::create_dir_all(&dir).expect("create test-artifacts");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Screenshots at the desktop size and at the phone size (`<name>-desktop`, `<name>-phone`),
    /// and leaves the window at the desktop size. Warns loudly when the page scrolls sideways.
    pub async fn screenshots(&self, name: &str) {
        self.screenshot(&format!("{name}-desktop")).await;
        self.warn_on_horizontal_overflow(&format!("{name}-desktop")).await;
        self.phone().await;
        self.screenshot(&format!("{name}-phone")).await;
        self.warn_on_horizontal_overflow(&format!("{name}-phone")).await;
        self.desktop().await;
    }

    /// Emulates the reader's colour scheme (`prefers-color-scheme`), through chromedriver's CDP route.
    pub async fn color_scheme(&self, dark: bool) {
        let id = self.session_id.as_deref().expect("a session");
        let url = format!("http://127.0.0.1:{}/session/{id}/goog/cdp/execute", self.driver.port);
        let value = if dark { "dark" } else { "light" };
        let body = json!({"cmd": "Emulation.setEmulatedMedia",
                          "params": {"features": [{"name": "prefers-color-scheme", "value": value}]}});
        let answer = reqwest::Client::new().post(&url).json(&body).send().await;
        let ok = answer.as_ref().is_ok_and(|a| a.status().is_success());
        assert!(ok, "[{}] switch to the {value} scheme: {answer:?}", self.name);
        let seen = self.js("return matchMedia('(prefers-color-scheme: dark)').matches;").await;
        assert_eq!(seen, Value::Bool(dark), "[{}] the page sees the {value} scheme", self.name);
    }

    /// The visible texts on the page below WCAG AA contrast against what is behind them (4.5:1,
    /// 3:1 for large text), each as "ratio text (selector)". Disabled controls are exempt, as WCAG
    /// has them.
    pub async fn contrast_failures(&self) -> Vec<String> {
        let found = self.js(CONTRAST_CHECK).await;
        found.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
    }

    /// Like [`Browser::screenshots`], but first scrolls the element matching `css` to the top of
    /// the viewport at each size, so each picture shows the part of the page that matters.
    pub async fn screenshots_at(&self, name: &str, css: &str) {
        let scroll = "const e = document.querySelector(arguments[0]); if (e) e.scrollIntoView({block: 'start'});";
        for (size, suffix) in [(PHONE, "phone"), (DESKTOP, "desktop")] {
            self.resize(size).await;
            self.client.execute(scroll, vec![json!(css)]).await.expect("scroll into view");
            let shot = format!("{name}-{suffix}");
            self.screenshot(&shot).await;
            self.warn_on_horizontal_overflow(&shot).await;
        }
    }

    /// Ids named by an `aria-describedby` or `aria-labelledby` on this page that no element has.
    pub async fn dangling_aria_references(&self) -> Vec<String> {
        let found = self
            .js("return [...document.querySelectorAll('[aria-describedby],[aria-labelledby]')] \
                 .flatMap(e => [e.getAttribute('aria-describedby'), e.getAttribute('aria-labelledby')]) \
                 .filter(Boolean).flatMap(v => v.split(/\\s+/)).filter(id => id && !document.getElementById(id));")
            .await;
        found.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
    }

    /// Fails when the page scrolls sideways at the size it has now.
    pub async fn assert_no_horizontal_overflow(&self, context: &str) {
        if let Some(overflow) = self.horizontal_overflow().await {
            panic!("[{}] {context}: the page scrolls sideways: {overflow}", self.name);
        }
    }

    /// The page's width beyond the viewport and the innermost elements that stick out, if any.
    pub async fn horizontal_overflow(&self) -> Option<String> {
        let found = self
            .js("const vw = document.documentElement.clientWidth; \
                 const extra = document.documentElement.scrollWidth - vw; \
                 if (extra <= 0) return null; \
                 const out = [...document.body.querySelectorAll('*')] \
                   .filter(e => e.getBoundingClientRect().right > vw + 0.5) \
                   .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > vw + 0.5)) \
                   .slice(0, 5) \
                   .map(e => `<${e.tagName.toLowerCase()}${e.className ? ' class=' + e.className : ''}> \
                              ${JSON.stringify((e.textContent || '').trim().slice(0, 40))} \
                              right=${Math.round(e.getBoundingClientRect().right)}`); \
                 return `${extra}px wider than the ${vw}px viewport; sticking out: ${out.join('; ')}`;")
            .await;
        found.as_str().map(str::to_owned)
    }

    /// Layout problems are not failures (yet): they are printed where they cannot be missed.
    async fn warn_on_horizontal_overflow(&self, screenshot: &str) {
        if let Some(overflow) = self.horizontal_overflow().await {
            let _ = writeln!(std::io::stderr(), "LAYOUT WARNING [{screenshot}] the page scrolls sideways: {overflow}");
        }
    }
}

/// Run in the page just before a click on `arguments[0]`: says what the click will do, `"page"`
/// (another document loads), `"dialog"` (a form's `data-confirm` question comes first) or `"none"`,
/// and marks the current document so that [`Browser::wait_for_new_page`] can tell when it is gone.
const CLICK_EFFECT: &str = r#"
const e = arguments[0];
const effect = (() => {
  const link = e.closest("a[href]");
  if (link) {
    if ((link.target && link.target !== "_self") || link.hasAttribute("download")) return "none";
    const to = new URL(link.href, location.href);
    if (to.protocol === "javascript:") return "none";
    const here = new URL(location.href);
    const samePage = to.origin === here.origin && to.pathname === here.pathname && to.search === here.search;
    return samePage && to.hash ? "none" : "page";
  }
  const button = e.closest("button, input[type=submit], input[type=image]");
  if (!button || button.disabled) return "none";
  const type = (button.getAttribute("type") || "submit").toLowerCase();
  const form = button.form;
  if (!form || (type !== "submit" && type !== "image")) return "none";
  if (form.dataset.submitting) return "none";
  if (window.prospo && window.prospo.blocksSubmit(form)) return "none";
  if (!form.noValidate && !button.formNoValidate && !form.checkValidity()) return "none";
  const target = button.getAttribute("formtarget") || form.target;
  if (target && target !== "_self") return "none";
  return form.dataset.confirm ? "dialog" : "page";
})();
if (effect !== "none") window.__prospoLeaving = true;
// As a person would: bring the control to the middle of the screen, clear of sticky bars.
e.scrollIntoView({block: "center", inline: "nearest"});
return effect;
"#;

/// Relative luminance and contrast as WCAG 2 defines them, over every element that directly holds
/// visible text; the background is the first opaque one up the tree (translucent ones are blended
/// over it), and a text's colour is blended over its background by its alpha.
const CONTRAST_CHECK: &str = r#"
const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
  const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const background = (el) => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let result = [255, 255, 255, 1];
  if (!layers.length || layers[layers.length - 1][3] < 1) result = matchMedia('(prefers-color-scheme: dark)').matches ? [0, 0, 0, 1] : result;
  for (const layer of layers.reverse()) result = over(layer, result);
  return result;
};
const failures = [];
const typed = (el) => el.matches('input:not([type=hidden]):not([type=radio]):not([type=checkbox]):not([type=submit]), textarea') && el.value.trim();
for (const el of document.body.querySelectorAll('*')) {
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) || typed(el);
  if (!own) continue;
  const s = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  if (s.visibility !== 'visible' || r.width === 0 || r.height === 0 || Number(s.opacity) === 0) continue;
  if (el.closest('[disabled], [aria-disabled=true], .visually-hidden, option')) continue;
  const bg = background(el);
  const fg = over(parse(s.color), bg);
  const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  const value = ratio(fg, bg);
  if (value < (large ? 3 : 4.5)) {
    const text = (typed(el) ? el.value : [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent.trim()).join(' ')).slice(0, 40);
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
    failures.push(`${value.toFixed(2)} "${text}" (${name})`);
  }
}
return failures;
"#;

/// `<workspace>/test-artifacts`.
pub fn artifacts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts")
}

fn read_log(log: &std::path::Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let start = text.len().saturating_sub(2500);
    let start = (start..text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
    format!("chromedriver log ({}), last lines:\n{}", log.display(), &text[start..])
}

/// Polls chromedriver's `/status` until it says it is ready.
async fn wait_until_ready(driver: &mut Driver, webdriver: &str) -> Result<(), String> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().expect("http client");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(response) = client.get(format!("{webdriver}/status")).send().await
            && let Ok(status) = response.json::<Value>().await
            && status["value"]["ready"] == Value::Bool(true)
        {
            return Ok(());
        }
        if let Ok(Some(exit)) = driver.child.try_wait() {
            return Err(format!("chromedriver on {webdriver} stopped at start ({exit})"));
        }
        if Instant::now() >= deadline {
            return Err(format!("chromedriver did not answer on {webdriver} within 30 s"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
