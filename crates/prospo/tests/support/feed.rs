//! An ICS feed served by the test itself on a loopback port: its answer can be changed (new
//! events, an error status, a huge body) while Prospo reads it.

use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Clone)]
enum Answer {
    Feed(String),
    Status(u16),
    /// A body of this many bytes (a calendar too large to read).
    Huge(usize),
}

pub struct FeedServer {
    /// `http://127.0.0.1:PORT/secret-feed-TOKEN.ics`.
    pub url: String,
    pub port: u16,
    answer: Arc<Mutex<Answer>>,
    hits: Arc<Mutex<u64>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FeedServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// What the feed answers, and how often it was asked.
type FeedState = (Arc<Mutex<Answer>>, Arc<Mutex<u64>>);

async fn serve(State((answer, hits)): State<FeedState>) -> Response {
    *hits.lock().unwrap() += 1;
    let answer = answer.lock().unwrap().clone();
    match answer {
        Answer::Feed(body) => ([(header::CONTENT_TYPE, "text/calendar; charset=utf-8")], body).into_response(),
        Answer::Status(status) => StatusCode::from_u16(status).unwrap().into_response(),
        Answer::Huge(len) => ([(header::CONTENT_TYPE, "text/calendar")], "X".repeat(len)).into_response(),
    }
}

impl FeedServer {
    pub async fn start(ics: &str) -> FeedServer {
        let answer = Arc::new(Mutex::new(Answer::Feed(ics.to_owned())));
        let hits = Arc::new(Mutex::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let router = axum::Router::new()
            .route("/secret-feed-k3y9.ics", axum::routing::get(serve))
            .with_state((answer.clone(), hits.clone()));
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        FeedServer { url: format!("http://127.0.0.1:{port}/secret-feed-k3y9.ics"), port, answer, hits, server }
    }

    pub fn set_feed(&self, ics: &str) {
        *self.answer.lock().unwrap() = Answer::Feed(ics.to_owned());
    }

    pub fn fail_with(&self, status: u16) {
        *self.answer.lock().unwrap() = Answer::Status(status);
    }

    pub fn serve_huge(&self, len: usize) {
        *self.answer.lock().unwrap() = Answer::Huge(len);
    }

    pub fn hits(&self) -> u64 {
        *self.hits.lock().unwrap()
    }
}

/// A calendar of busy events `(start, end, summary)` given as `YYYYMMDDTHHMMSSZ`.
pub fn calendar(events: &[(&str, &str, &str)]) -> String {
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//feed//EN\r\n");
    for (i, (start, end, summary)) in events.iter().enumerate() {
        ics.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:test-{i}@feed.example\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\n"
        ));
    }
    ics.push_str("END:VCALENDAR\r\n");
    ics
}
