//! The job runner as its users meet it: mail that a server refuses, work that races a disconnect,
//! and the per-queue metrics.

use serde_json::json;

use crate::on_both_backends;
use crate::scheduling::{book, drain_zoom_jobs, host, next_week, slots};
use crate::support::smtp_sink::SmtpSink;
use crate::support::{Backend, TestApp};
use prospo::jobs::Queue;

/// The mail job of the newest mail to `recipient`: (attempts, failed_at, last_error).
async fn mail_job_of(app: &TestApp, recipient: &str) -> Option<(i64, Option<i64>, Option<String>)> {
    let sql = "SELECT id FROM outbox WHERE recipient = $1 ORDER BY created_at DESC LIMIT 1";
    let id: String = match &app.db {
        prospo::store::Db::Sqlite(pool) => sqlx::query_scalar(sql).bind(recipient).fetch_one(pool).await.unwrap(),
        prospo::store::Db::Postgres(pool) => sqlx::query_scalar(sql).bind(recipient).fetch_one(pool).await.unwrap(),
    };
    app.db.job(Queue::Mail, &id).await.unwrap().map(|(_, attempts, failed, error)| (attempts, failed, error))
}

/// Waits (bounded) until the mail job to `recipient` is failed for good.
async fn wait_until_mail_failed(app: &TestApp, recipient: &str) -> (i64, Option<String>) {
    for _ in 0..200 {
        if let Some((attempts, Some(_), error)) = mail_job_of(app, recipient).await {
            return (attempts, error);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the mail to {recipient} never failed: {:?}", mail_job_of(app, recipient).await);
}

fn metric(text: &str, name: &str, queue: &str) -> Option<f64> {
    let prefix = format!("{name}{{queue=\"{queue}\"}} ");
    text.lines().find_map(|line| line.strip_prefix(&prefix)).and_then(|v| v.trim().parse().ok())
}

on_both_backends! {
    async fn a_mail_the_server_refuses_for_good_fails_at_once(backend: Backend) {
        let sink = SmtpSink::refusing("550 5.1.1 No such mailbox").await;
        let smtp = sink.url();
        let app = TestApp::spawn_with(backend, |config| config.smtp_url = Some(smtp)).await;
        app.sign_up("ada").await;
        let (attempts, error) = wait_until_mail_failed(&app, "ada@example.com").await;
        assert_eq!(attempts, 0, "a permanent refusal is not retried");
        assert!(error.unwrap_or_default().contains("550"), "the server's answer is kept");
        assert_eq!(sink.refused(), 1, "sent once");
        assert_eq!(app.db.unsent_mails().await.unwrap(), 1, "not marked sent");
    }
}

#[tokio::test]
async fn a_transient_refusal_is_retried_up_to_the_cap_then_failed() {
    let sink = SmtpSink::refusing("451 4.3.0 Try again later").await;
    let smtp = sink.url();
    let app = TestApp::spawn_with(Backend::Sqlite, |config| config.smtp_url = Some(smtp)).await;
    app.sign_up("ada").await;
    // Each retry waits (5 s doubling, at most an hour): move time past it instead of waiting,
    // once the attempt before has ended (time jumping past a running attempt's lease would let a
    // second run start beside it, as after a crash).
    for _ in 0..200 {
        app.wait_for_due_jobs("mail").await;
        if let Some((_, Some(_), _)) = mail_job_of(&app, "ada@example.com").await {
            break;
        }
        app.state.clock.advance(jiff::SignedDuration::from_hours(2));
    }
    let (attempts, error) = wait_until_mail_failed(&app, "ada@example.com").await;
    let cap = prospo::notifications::sender::MAX_ATTEMPTS;
    assert_eq!(attempts, cap - 1, "the last attempt fails the job instead of counting");
    assert!(error.unwrap_or_default().contains(&format!("gave up after {cap} attempts")));
    assert_eq!(sink.refused() as i64, cap, "tried exactly the cap");
}

on_both_backends! {
    /// The old disconnect failed meetings with jobs in one statement and deleted the jobs in the
    /// next: a booking that committed in between kept `pending` with no job and no Retry, forever.
    /// Now the disconnect is one transaction under the host's lock, and every state write keeps
    /// the job in line. Bookings race a disconnect here; afterwards no meeting is left waiting on
    /// nothing, and every stopped one can be retried.
    async fn bookings_racing_a_disconnect_never_lose_their_work(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (token, _) = host(&app, "ada").await;
        let offered = slots(&app, "ada", &next_week(), "UTC").await;
        let bookings = offered.iter().take(12).enumerate().map(|(i, start)| {
            let app = &app;
            async move { book(app, "ada", start, &format!("guest{i}@example.com")).await }
        });
        let disconnect = async {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            app.delete("/api/v1/integrations/zoom", Some(&token)).await
        };
        let (booked, (status, _)) = tokio::join!(futures::future::join_all(bookings), disconnect);
        assert_eq!(status, 204);
        drain_zoom_jobs(&app).await;
        let ids: Vec<String> = booked
            .iter()
            .filter(|(status, _)| *status == 201)
            .map(|(_, body)| body["meeting"]["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(!ids.is_empty());
        for id in &ids {
            let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{id}"), Some(&token)).await;
            let zoom = &meeting["zoom"];
            assert!(zoom["status"] == "created" || zoom["status"] == "failed", "{meeting}");
            if zoom["status"] == "failed" {
                assert_eq!(zoom["error"]["code"], "zoom_disconnected", "{meeting}");
                let job = app.db.job(Queue::Zoom, id).await.unwrap();
                assert!(job.is_some_and(|(_, _, failed, _)| failed.is_some()), "kept for Retry: {meeting}");
            }
        }
        assert_eq!(app.db.zoom_work_mismatches().await.unwrap(), Vec::<String>::new());

        // Connected again, Retry brings the stopped work to Zoom.
        app.connect_zoom(&token).await;
        for id in &ids {
            let (status, meeting) = app.post_json(&format!("/api/v1/meetings/{id}/zoom/retry"), &json!({}), Some(&token)).await;
            assert_eq!(status, 200, "{meeting}");
        }
        drain_zoom_jobs(&app).await;
        for id in &ids {
            let (_, meeting) = app.get_json(&format!("/api/v1/meetings/{id}"), Some(&token)).await;
            assert_eq!(meeting["zoom"]["status"], "created", "{meeting}");
        }
    }
}

#[tokio::test]
async fn metrics_show_each_queue() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.sign_up("ada").await;
    let text = app.client.get(app.at("/metrics")).send().await.unwrap().text().await.unwrap();
    for queue in ["zoom", "mail", "zoom_check", "reminder", "maintenance"] {
        for name in ["prospo_jobs_pending", "prospo_jobs_oldest_seconds"] {
            assert!(metric(&text, name, queue).is_some(), "{name} for {queue}:\n{text}");
        }
        assert!(text.contains(&format!("prospo_jobs_failed_total{{queue=\"{queue}\"}}")), "failed_total for {queue}");
    }
}

on_both_backends! {
    /// Work queued for a subject while its job runs is not lost when that run ends: Done keeps the
    /// job (without the claim) and a periodic end keeps the earlier due time.
    async fn work_queued_during_a_run_survives_its_end(backend: Backend) {
        use prospo::jobs::JobEnd;
        let dir = tempfile::tempdir().unwrap();
        let db = prospo::store::Db::connect(&crate::support::fresh_database_url(backend, dir.path()).await).await.unwrap();
        db.migrate().await.unwrap();
        let now = 1_800_000_000_000;
        let queue_at = |at: i64| {
            let db = db.clone();
            async move {
                let mut tx = db.begin().await.unwrap();
                tx.schedule_job(Queue::Calendar, "write:m1:h1", at, now).await.unwrap();
                tx.commit().await.unwrap();
            }
        };
        queue_at(now).await;
        let claimed = db.claim_jobs(Queue::Calendar, now, 10, 60_000).await.unwrap();
        assert_eq!(claimed.len(), 1);
        // The meeting changes while its write runs: queued again.
        queue_at(now + 5).await;
        db.end_job(&claimed[0], &JobEnd::Done, now + 10).await.unwrap();
        let (run_at, _, failed, _) = db.job(Queue::Calendar, "write:m1:h1").await.unwrap().expect("the new work is kept");
        assert_eq!((run_at, failed), (now + 5, None));
        let again = db.claim_jobs(Queue::Calendar, now + 10, 10, 60_000).await.unwrap();
        assert_eq!(again.len(), 1, "and runs");
        db.end_job(&again[0], &JobEnd::Done, now + 20).await.unwrap();
        assert!(db.job(Queue::Calendar, "write:m1:h1").await.unwrap().is_none(), "a run nobody re-queued ends it");

        // A periodic job queued for now during its run is not pushed back to its next period.
        queue_at(now + 30).await;
        let claimed = db.claim_jobs(Queue::Calendar, now + 30, 10, 60_000).await.unwrap();
        queue_at(now + 40).await;
        db.end_job(&claimed[0], &JobEnd::RunAt(now + 300_000), now + 50).await.unwrap();
        let (run_at, ..) = db.job(Queue::Calendar, "write:m1:h1").await.unwrap().unwrap();
        assert_eq!(run_at, now + 40);
        db.close().await;
    }
}
