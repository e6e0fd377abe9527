//! **booking-page** (issue 17): the public booking page's HTML (`GET /{host}/intro`) in the ways
//! invitees ask for it (a language in the URL or from the browser, inside another site, another
//! time zone), one request at a time, plus a concurrency-8 run of the plain page. Every answer is
//! checked to be the page asked for; the compressed ones through the system's `gzip -dc`.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use jiff::Span;
use jiff::tz::TimeZone;
use reqwest::header::{self, HeaderMap};
use serde_json::json;

use super::{Api, Args, cpu_ticks, ms, pct};

/// What a browser offers; the server compresses with gzip only (`compression-gzip`).
const BROWSER_ENCODINGS: &str = "gzip, deflate, br, zstd";
/// The site the host lets frame its page.
const SHOP: &str = "https://shop.example";
/// A typical host: weekdays 09:00–17:00 in Berlin, a 30-minute Zoom call.
const PAGE_HOST: &str = "pagehost";
/// The slots scenario's host (every day 08:00–12:00 and 13:00–20:00, 30 minutes on a 15-minute
/// step): more than twice the times in the page's list without JavaScript.
const DENSE_HOST: &str = "densepage";
/// Rounds over the one-at-a-time variants, so that noise from the machine hits them alike.
const ROUNDS: usize = 10;
const WARM_UP: usize = 20;

/// One way of asking for the page, and what its answer must show.
#[derive(Clone, Copy)]
struct Variant {
    label: &'static str,
    host: &'static str,
    query: &'static str,
    accept_language: Option<&'static str>,
    concurrency: usize,
    /// `<html lang="…">`.
    lang: &'static str,
    /// The zone the picker shows selected.
    zone: &'static str,
    embedded: bool,
}

const PLAIN: Variant = Variant {
    label: "English (nothing asked)",
    host: PAGE_HOST,
    query: "",
    accept_language: None,
    concurrency: 1,
    lang: "en",
    zone: "UTC",
    embedded: false,
};

const VARIANTS: [Variant; 7] = [
    PLAIN,
    Variant { label: "`?lang=de`", query: "?lang=de", lang: "de", ..PLAIN },
    Variant {
        label: "`Accept-Language: fr-FR,fr;q=0.9`",
        accept_language: Some("fr-FR,fr;q=0.9"),
        lang: "fr",
        ..PLAIN
    },
    Variant {
        label: "embedded: `?embed=1&embed_origin=https://shop.example`",
        query: "?embed=1&embed_origin=https%3A%2F%2Fshop.example",
        embedded: true,
        ..PLAIN
    },
    Variant {
        label: "`?lang=pt&timezone=America/Sao_Paulo`",
        query: "?lang=pt&timezone=America%2FSao_Paulo",
        lang: "pt",
        zone: "America/Sao_Paulo",
        ..PLAIN
    },
    Variant { label: "English, dense host (slots scenario's hours)", host: DENSE_HOST, ..PLAIN },
    Variant { label: "English, **concurrency 8**", concurrency: 8, ..PLAIN },
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Coding {
    /// No `Accept-Encoding` (as curl or this client by default).
    Identity,
    /// A browser's `Accept-Encoding`.
    Browser,
}

/// The answers of one variant in one coding.
#[derive(Default)]
struct Series {
    latencies: Vec<Duration>,
    /// Smallest and largest body, in bytes as sent.
    bytes: Option<(usize, usize)>,
    cpu_ticks: u64,
    wall: Duration,
    /// `Content-Encoding` as the server sent it.
    encoding: String,
}

impl Series {
    fn add(&mut self, batch: Batch) {
        self.latencies.extend(batch.latencies);
        let (lo, hi) = self.bytes.unwrap_or((usize::MAX, 0));
        self.bytes = Some((lo.min(batch.min_bytes), hi.max(batch.max_bytes)));
        self.cpu_ticks += batch.cpu_ticks;
        self.wall += batch.wall;
        self.encoding = batch.encoding;
    }

    fn cell(&mut self) -> String {
        self.latencies.sort_unstable();
        let l = &self.latencies;
        format!("{} / {} / {}", ms(pct(l, 50.0)), ms(pct(l, 90.0)), ms(pct(l, 99.0)))
    }

    fn bytes_cell(&self) -> String {
        match self.bytes {
            Some((lo, hi)) if lo == hi => format!("{lo}"),
            Some((lo, hi)) => format!("{lo}–{hi}"),
            None => "–".into(),
        }
    }

    /// The server's CPU per request (clock ticks of 10 ms summed over the batches).
    fn cpu_cell(&self) -> String {
        format!("{:.2} ms", self.cpu_ticks as f64 * 10.0 / self.latencies.len().max(1) as f64)
    }
}

struct Batch {
    latencies: Vec<Duration>,
    min_bytes: usize,
    max_bytes: usize,
    cpu_ticks: u64,
    wall: Duration,
    encoding: String,
}

pub(super) async fn booking_page(args: &Args, api: &Api, db: &prospo::store::Db, pid: u32) -> anyhow::Result<()> {
    let per_round = args.page_requests.div_ceil(ROUNDS);
    println!(
        "\n== Public booking page: GET /{{host}}/intro, {} requests per variant and coding after {WARM_UP} warm-up, \
         one at a time in {ROUNDS} rounds over the variants; the concurrency-8 row alone afterwards",
        per_round * ROUNDS
    );
    let token = setup_page_host(api).await?;
    api.send(reqwest::Method::PATCH, "/api/v1/me", &json!({"embed_origins": [SHOP]}), &token, 200).await?;
    super::setup_slots_host(api, db, DENSE_HOST, 0, None, super::tomorrow()).await?;

    for v in &VARIANTS {
        for coding in [Coding::Identity, Coding::Browser] {
            page_batch(api, v, coding, WARM_UP, pid).await?;
        }
    }
    let mut series: Vec<[Series; 2]> = VARIANTS.iter().map(|_| Default::default()).collect();
    // The route the page's own slot computation matches (14 days from today, UTC), for comparison.
    let today = jiff::Timestamp::now().to_zoned(TimeZone::UTC).date();
    let slots_url = api.at(&format!(
        "/api/v1/public/{PAGE_HOST}/intro/slots?from={today}&to={}&timezone=UTC",
        today.checked_add(Span::new().days(14))?
    ));
    let mut slots = Series::default();
    for _ in 0..ROUNDS {
        for (v, s) in VARIANTS.iter().zip(&mut series).filter(|(v, _)| v.concurrency == 1) {
            for (coding, s) in [Coding::Identity, Coding::Browser].into_iter().zip(s) {
                s.add(page_batch(api, v, coding, per_round, pid).await?);
            }
        }
        slots.add(json_batch(api, &slots_url, per_round, pid).await?);
    }
    for (v, s) in VARIANTS.iter().zip(&mut series).filter(|(v, _)| v.concurrency > 1) {
        for (coding, s) in [Coding::Identity, Coding::Browser].into_iter().zip(s) {
            s.add(page_batch(api, v, coding, per_round * ROUNDS, pid).await?);
        }
    }

    println!(
        "\n| Booking page ({}) | conc. | no Accept-Encoding: median / p90 / p99 | body (bytes) | server CPU/req \
         | browser's Accept-Encoding: median / p90 / p99 | body as sent (bytes) | Content-Encoding | server CPU/req |",
        args.database
    );
    println!("|---|---:|---|---:|---:|---|---:|---|---:|");
    for (v, [plain, browser]) in VARIANTS.iter().zip(&mut series) {
        let rate = |s: &Series| {
            if v.concurrency > 1 {
                format!(" ({:.0} req/s)", s.latencies.len() as f64 / s.wall.as_secs_f64())
            } else {
                String::new()
            }
        };
        println!(
            "| {} | {} | {}{} | {} | {} | {}{} | {} | {} | {} |",
            v.label,
            v.concurrency,
            plain.cell(),
            rate(&*plain),
            plain.bytes_cell(),
            plain.cpu_cell(),
            browser.cell(),
            rate(&*browser),
            browser.bytes_cell(),
            if browser.encoding.is_empty() { "none" } else { &browser.encoding },
            browser.cpu_cell()
        );
    }
    println!(
        "| *for comparison:* `GET /api/v1/public/{PAGE_HOST}/intro/slots`, the same 14 days (JSON) | 1 | {} | {} | {} | | | | |",
        slots.cell(),
        slots.bytes_cell(),
        slots.cpu_cell()
    );
    println!(
        "\nall answers 200 and checked: {} measured pages",
        series.iter().flatten().map(|s| s.latencies.len()).sum::<usize>()
    );

    for (v, name) in [(&VARIANTS[0], "plain English page"), (&VARIANTS[5], "dense host's page")] {
        let body = fetch(api, v, Coding::Identity).await?.1;
        print_parts(name, &String::from_utf8(body)?)?;
    }
    Ok(())
}

/// The typical host, with Zoom connected and `intro`; returns its API token.
async fn setup_page_host(api: &Api) -> anyhow::Result<String> {
    let (token, _) = super::connected_host(api, PAGE_HOST, json!({})).await?;
    let day = json!([["09:00", "17:00"]]);
    let weekly = json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day});
    let availability = json!({"timezone": "Europe/Berlin", "weekly": weekly});
    api.send(reqwest::Method::PUT, "/api/v1/availability", &availability, &token, 200).await?;
    let event = json!({"title": "Intro call", "slug": "intro", "duration_minutes": 30, "location": "zoom",
        "description": "A first talk about your project: what you need, and whether I can help."});
    api.send(reqwest::Method::POST, "/api/v1/event-types", &event, &token, 201).await?;
    Ok(token)
}

fn page_url(api: &Api, v: &Variant) -> String {
    api.at(&format!("/{}/intro{}", v.host, v.query))
}

/// One request, timed from send to the end of the body; fails unless it is the page asked for
/// (the body of a compressed answer is checked by the caller).
async fn fetch(api: &Api, v: &Variant, coding: Coding) -> anyhow::Result<(Duration, Vec<u8>, String)> {
    let mut request = api.http.get(page_url(api, v));
    if let Some(languages) = v.accept_language {
        request = request.header(header::ACCEPT_LANGUAGE, languages);
    }
    if coding == Coding::Browser {
        request = request.header(header::ACCEPT_ENCODING, BROWSER_ENCODINGS);
    }
    let t0 = Instant::now();
    let response = request.send().await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    let latency = t0.elapsed();
    ensure!(status == 200, "{} answered {status}: {}", v.label, String::from_utf8_lossy(&body));
    let encoding = check_headers(v, coding, &headers)?;
    if encoding.is_empty() {
        check_page(v, std::str::from_utf8(&body).context("the page is not UTF-8")?)?;
    }
    Ok((latency, body.to_vec(), encoding))
}

/// Checks the answer's type and framing policy; returns its `Content-Encoding` ("" for none).
fn check_headers(v: &Variant, coding: Coding, headers: &HeaderMap) -> anyhow::Result<String> {
    let get = |name| headers.get(name).and_then(|h| h.to_str().ok()).unwrap_or("");
    ensure!(
        get(header::CONTENT_TYPE).starts_with("text/html"),
        "{}: content type {:?}",
        v.label,
        get(header::CONTENT_TYPE)
    );
    let policy = get(header::CONTENT_SECURITY_POLICY);
    let ancestors = if v.embedded { format!("frame-ancestors {SHOP}") } else { "frame-ancestors 'none'".into() };
    ensure!(policy.contains(&ancestors), "{}: Content-Security-Policy {policy:?} lacks {ancestors:?}", v.label);
    let encoding = get(header::CONTENT_ENCODING).to_owned();
    ensure!(
        coding == Coding::Browser || encoding.is_empty(),
        "{}: compressed ({encoding}) though the request accepted no coding",
        v.label
    );
    ensure!(encoding.is_empty() || encoding == "gzip", "{}: Content-Encoding {encoding:?}", v.label);
    Ok(encoding)
}

/// Fails unless `html` is the booking page of `v`: its language, the form, times to pick, the zone
/// selected, and Prospo's chrome only when not embedded.
fn check_page(v: &Variant, html: &str) -> anyhow::Result<()> {
    let wanted = [
        format!("<html lang=\"{}\">", v.lang),
        "id=\"book-form\"".to_owned(),
        "name=\"start\" value=\"".to_owned(),
        format!("<option selected>{}</option>", v.zone),
    ];
    for marker in &wanted {
        if !html.contains(marker.as_str()) {
            bail!(
                "{}: the answer lacks {marker:?}; it begins {:?}",
                v.label,
                html.chars().take(400).collect::<String>()
            );
        }
    }
    let embedded = html.contains("/static/embedded.css") && html.contains("class=\"public embedded");
    ensure!(embedded == v.embedded, "{}: embedded page is {embedded}, expected {}", v.label, v.embedded);
    ensure!(html.trim_end().ends_with("</html>"), "{}: the page is cut short", v.label);
    Ok(())
}

/// `n` requests for `v` at its concurrency; every answer checked.
async fn page_batch(api: &Api, v: &Variant, coding: Coding, n: usize, pid: u32) -> anyhow::Result<Batch> {
    let cpu_before = cpu_ticks(&pid.to_string());
    let started = Instant::now();
    let per_worker = n.div_ceil(v.concurrency);
    let workers: Vec<_> = (0..v.concurrency)
        .map(|_| {
            let (api, v) = (api.clone(), *v);
            tokio::spawn(async move {
                let mut answers = Vec::with_capacity(per_worker);
                for _ in 0..per_worker {
                    answers.push(fetch(&api, &v, coding).await?);
                }
                anyhow::Ok(answers)
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(n);
    for worker in workers {
        answers.extend(worker.await??);
    }
    let wall = started.elapsed();
    let cpu_ticks = cpu_ticks(&pid.to_string()) - cpu_before;
    let compressed: Vec<&[u8]> = answers.iter().filter(|a| !a.2.is_empty()).map(|a| a.1.as_slice()).collect();
    if !compressed.is_empty() {
        let html = gunzip(&compressed)?;
        let pages: Vec<&str> = html.split("<!doctype html>").skip(1).collect();
        ensure!(
            pages.len() == compressed.len(),
            "{}: {} gzip answers held {} pages",
            v.label,
            compressed.len(),
            pages.len()
        );
        for page in pages {
            check_page(v, page)?;
        }
    }
    let sizes = answers.iter().map(|a| a.1.len());
    Ok(Batch {
        min_bytes: sizes.clone().min().unwrap_or(0),
        max_bytes: sizes.max().unwrap_or(0),
        encoding: answers.last().map(|a| a.2.clone()).unwrap_or_default(),
        latencies: answers.into_iter().map(|a| a.0).collect(),
        cpu_ticks,
        wall,
    })
}

/// `n` sequential requests for a JSON route.
async fn json_batch(api: &Api, url: &str, n: usize, pid: u32) -> anyhow::Result<Batch> {
    let cpu_before = cpu_ticks(&pid.to_string());
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(n);
    let (mut lo, mut hi) = (usize::MAX, 0);
    for _ in 0..n {
        let t0 = Instant::now();
        let response = api.http.get(url).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        latencies.push(t0.elapsed());
        ensure!(status == 200, "{url} answered {status}");
        (lo, hi) = (lo.min(body.len()), hi.max(body.len()));
    }
    Ok(Batch {
        latencies,
        min_bytes: lo,
        max_bytes: hi,
        cpu_ticks: cpu_ticks(&pid.to_string()) - cpu_before,
        wall: started.elapsed(),
        encoding: String::new(),
    })
}

/// The concatenated gzip streams, decompressed by the system's `gzip` (no dependency added).
fn gunzip(streams: &[&[u8]]) -> anyhow::Result<String> {
    let input: Vec<u8> = streams.concat();
    let text = pipe_through(&["-dc"], input)?;
    Ok(String::from_utf8(text)?)
}

/// The size of `text` compressed by `gzip -6` (the level of the server's encoder, tower-http's default).
fn gzip_len(text: &str) -> anyhow::Result<usize> {
    Ok(pipe_through(&["-6", "-c", "-n"], text.as_bytes().to_vec())?.len())
}

fn pipe_through(gzip_args: &[&str], input: Vec<u8>) -> anyhow::Result<Vec<u8>> {
    let mut child = Command::new("gzip")
        .args(gzip_args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("cannot run gzip")?;
    let mut stdin = child.stdin.take().context("no stdin")?;
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut output = Vec::new();
    child.stdout.take().context("no stdout")?.read_to_end(&mut output)?;
    writer.join().map_err(|_| anyhow::anyhow!("gzip writer panicked"))??;
    ensure!(child.wait()?.success(), "gzip {gzip_args:?} failed");
    Ok(output)
}

/// Where a page's bytes go: the time zone list, the times without JavaScript, the messages for
/// the script, and the rest; each raw and as gzip would send it alone.
fn print_parts(name: &str, html: &str) -> anyhow::Result<()> {
    fn part<'a>(html: &'a str, from: &str, to: &str) -> anyhow::Result<&'a str> {
        let start = html.find(from).with_context(|| format!("no {from:?} in the page"))?;
        let len = html[start..].find(to).with_context(|| format!("no {to:?} after {from:?}"))? + to.len();
        Ok(&html[start..start + len])
    }
    let zones = part(html, "<select id=\"book-form-timezone\"", "</select>")?;
    let times = part(html, "<fieldset class=\"slot-fallback\"", "</fieldset>")?;
    let messages = part(html, "<script type=\"application/json\" id=\"prospo-messages\">", "</script>")?;
    let rest: usize = html.len() - zones.len() - times.len() - messages.len();
    println!("\n| Bytes of the {name} | raw | gzip -6 alone |");
    println!("|---|---:|---:|");
    println!(
        "| time zone `<select>` ({} options) | {} | {} |",
        zones.matches("<option").count(),
        zones.len(),
        gzip_len(zones)?
    );
    println!(
        "| times without JavaScript (`slot-fallback`, {} times over {} days) | {} | {} |",
        times.matches("name=\"start\"").count(),
        times.matches("fallback-day-name").count(),
        times.len(),
        gzip_len(times)?
    );
    println!("| messages for the script (`prospo-messages` JSON) | {} | {} |", messages.len(), gzip_len(messages)?);
    println!("| everything else | {rest} | – |");
    println!("| **whole page** | **{}** | **{}** |", html.len(), gzip_len(html)?);
    Ok(())
}
