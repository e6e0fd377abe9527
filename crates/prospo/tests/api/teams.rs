//! Teams (product.md §8): membership and invitations, round robin and collective team pages, each
//! meeting on the assigned member's own Zoom sandbox account, races, reassigning, and members whose
//! Zoom stops working.

use std::time::Duration;

use serde_json::{Value, json};

use crate::on_both_backends;
use crate::scheduling::{drain_zoom_jobs, next_week, sandbox_meetings};
use crate::support::{Backend, TestApp};

/// A member: their token, user id and sandbox Zoom app.
struct Member {
    token: String,
    id: String,
    zoom: Value,
}

/// A user `username` with Zoom connected on a sandbox app of their own, open `hours` (UTC) every day.
async fn member(app: &TestApp, username: &str, hours: Value) -> Member {
    let token = app.sign_up(username).await;
    let zoom = app.connect_zoom(&token).await;
    let weekly =
        json!({"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": hours, "sun": hours});
    let (status, body) =
        app.put_json("/api/v1/availability", &json!({"timezone": "UTC", "weekly": weekly}), Some(&token)).await;
    assert_eq!(status, 200, "{body}");
    let (_, me) = app.get_json("/api/v1/me", Some(&token)).await;
    Member { token, id: me["id"].as_str().unwrap().to_owned(), zoom }
}

/// A team `slug` owned by `owner` with `others` added; returns its id.
async fn team(app: &TestApp, slug: &str, owner: &Member, others: &[(&str, &Member)]) -> String {
    let (status, team) =
        app.post_json("/api/v1/teams", &json!({"name": "Sales", "slug": slug}), Some(&owner.token)).await;
    assert_eq!(status, 201, "{team}");
    let id = team["id"].as_str().unwrap().to_owned();
    for (email, _) in others {
        let (status, body) =
            app.post_json(&format!("/api/v1/teams/{id}/members"), &json!({"email": email}), Some(&owner.token)).await;
        assert_eq!(status, 201, "{body}");
    }
    id
}

async fn team_event(app: &TestApp, team_id: &str, owner: &Member, body: Value) -> Value {
    let (status, event) =
        app.post_json(&format!("/api/v1/teams/{team_id}/event-types"), &body, Some(&owner.token)).await;
    assert_eq!(status, 201, "{event}");
    event
}

async fn team_slots(app: &TestApp, team: &str, slug: &str, date: &str) -> Vec<String> {
    let path = format!("/api/v1/public/team/{team}/{slug}/slots?from={date}&to={date}&timezone=UTC");
    let (status, body) = app.get_json(&path, None).await;
    assert_eq!(status, 200, "{body}");
    body["slots"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
}

async fn team_book(app: &TestApp, team: &str, slug: &str, start: &str, email: &str) -> (u16, Value) {
    let body = json!({"start": start, "name": "Invitee", "email": email, "timezone": "Europe/Berlin"});
    app.post_json(&format!("/api/v1/public/team/{team}/{slug}/bookings"), &body, None).await
}

fn host_of(booking: &Value) -> String {
    booking["meeting"]["hosts"][0]["user_id"].as_str().unwrap().to_owned()
}

const ALL_DAY: &str = r#"[["00:00", "23:59"]]"#;

fn all_day() -> Value {
    serde_json::from_str(ALL_DAY).unwrap()
}

on_both_backends! {
    async fn members_invitations_and_roles(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ada = member(&app, "ada", all_day()).await;
        let bob = member(&app, "bob", all_day()).await;
        let team_id = team(&app, "sales", &ada, &[("bob@example.com", &bob)]).await;

        let (status, body) = app.post_json("/api/v1/teams", &json!({"name": "Other", "slug": "sales"}), Some(&bob.token)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("slug_taken")), "{body}");
        let (status, body) = app.post_json("/api/v1/teams", &json!({"name": "X", "slug": "settings"}), Some(&bob.token)).await;
        assert_eq!(status, 409, "reserved: {body}");
        let (status, body) = app.post_json("/api/v1/teams", &json!({"name": " ", "slug": "fine-slug"}), Some(&bob.token)).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(app.count("SELECT COUNT(*) FROM teams").await, 1, "nothing half-written");

        let (status, team) = app.get_json(&format!("/api/v1/teams/{team_id}"), Some(&bob.token)).await;
        assert_eq!(status, 200);
        let roles: Vec<(&str, &str)> = team["members"].as_array().unwrap().iter()
            .map(|m| (m["email"].as_str().unwrap(), m["role"].as_str().unwrap())).collect();
        assert_eq!(roles, [("ada@example.com", "owner"), ("bob@example.com", "member")]);

        // Only members see a team; only owners and admins change it.
        let eve = app.sign_up("eve").await;
        assert_eq!(app.get_json(&format!("/api/v1/teams/{team_id}"), Some(&eve)).await.0, 404);
        assert_eq!(app.get_json("/api/v1/teams", Some(&eve)).await.1["teams"], json!([]));
        let (status, _) = app.patch_json(&format!("/api/v1/teams/{team_id}"), &json!({"name": "Mine"}), Some(&bob.token)).await;
        assert_eq!(status, 403);
        let (status, _) = app.post_json(&format!("/api/v1/teams/{team_id}/members"), &json!({"email": "x@example.com"}), Some(&bob.token)).await;
        assert_eq!(status, 403);
        let (status, renamed) = app.patch_json(&format!("/api/v1/teams/{team_id}"), &json!({"name": "Sales EU", "slug": "sales-eu"}), Some(&ada.token)).await;
        assert_eq!((status, renamed["slug"].as_str()), (200, Some("sales-eu")), "{renamed}");

        // An invitation for an email without an account: a sign-up link that joins, once, for that email.
        let (status, body) = app.post_json(&format!("/api/v1/teams/{team_id}/members"), &json!({"email": "Carol@Example.com", "role": "admin"}), Some(&ada.token)).await;
        assert_eq!((status, body), (202, json!({"invited": "carol@example.com"})));
        let mail = app.queued_mails("verify_email").await.into_iter().rev()
            .find(|m| m.recipient == "carol@example.com").expect("an invitation mail");
        assert!(mail.subject.contains("Sales EU"), "{}", mail.subject);
        let link = mail.text_body.split_whitespace().find(|w| w.contains("invite=")).expect("a link").to_owned();
        let invite = link.split("invite=").nth(1).unwrap().trim_end_matches(['.', ')']).to_owned();
        let page = app.client.get(app.at(&format!("/signup?invite={invite}"))).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Sales EU") && page.contains("carol@example.com"), "the sign-up page names the team");
        // The link works only for the invited email.
        let signup = |email: &str, username: &str| json!({"email": email, "password": "correct horse battery", "name": username, "username": username, "invite": invite});
        let (status, body) = app.post_json("/api/v1/signup", &signup("mallory@example.com", "mallory"), None).await;
        assert_eq!(status, 201, "{body}");
        let mallory = body["token"].as_str().unwrap().to_owned();
        assert_eq!(app.get_json(&format!("/api/v1/teams/{team_id}"), Some(&mallory)).await.0, 404, "not for another email");
        let (status, body) = app.post_json("/api/v1/signup", &signup("carol@example.com", "carol"), None).await;
        assert_eq!(status, 201, "{body}");
        let carol = body["token"].as_str().unwrap().to_owned();
        let (status, team) = app.get_json(&format!("/api/v1/teams/{team_id}"), Some(&carol)).await;
        assert_eq!(status, 200, "carol joined with the link");
        assert!(team["members"].as_array().unwrap().iter().any(|m| m["email"] == "carol@example.com" && m["role"] == "admin"));
        assert_eq!(app.count("SELECT COUNT(*) FROM team_invitations WHERE used_at IS NOT NULL").await, 1, "used once");

        // An expired link joins nobody.
        let (status, _) = app.post_json(&format!("/api/v1/teams/{team_id}/members"), &json!({"email": "dan@example.com"}), Some(&ada.token)).await;
        assert_eq!(status, 202);
        app.execute("UPDATE team_invitations SET expires_at = 0 WHERE email = 'dan@example.com'").await;
        let dan_mail = app.queued_mails("verify_email").await.into_iter().rev().find(|m| m.recipient == "dan@example.com").unwrap();
        let dan_invite = dan_mail.text_body.split("invite=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
        let body = json!({"email": "dan@example.com", "password": "correct horse battery", "name": "dan", "username": "dan", "invite": dan_invite});
        let (status, body) = app.post_json("/api/v1/signup", &body, None).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(app.get_json(&format!("/api/v1/teams/{team_id}"), Some(body["token"].as_str().unwrap())).await.0, 404);

        // The last owner cannot leave; a member can.
        let (status, body) = app.delete(&format!("/api/v1/teams/{team_id}/members/{}", ada.id), Some(&ada.token)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("last_owner")), "{body}");
        assert_eq!(app.delete(&format!("/api/v1/teams/{team_id}/members/{}", bob.id), Some(&bob.token)).await.0, 204);
        assert_eq!(app.get_json(&format!("/api/v1/teams/{team_id}"), Some(&bob.token)).await.0, 404, "bob left");
        // A member cannot remove someone else.
        let (_, me) = app.get_json("/api/v1/me", Some(&carol)).await;
        let (status, _) = app.delete(&format!("/api/v1/teams/{team_id}/members/{}", ada.id), Some(&carol)).await;
        assert_eq!(status, 403, "an admin cannot remove an owner");
        assert_eq!(app.delete(&format!("/api/v1/teams/{team_id}/members/{}", me["id"].as_str().unwrap()), Some(&ada.token)).await.0, 204);

        // An open invitation shows on the team page and can be withdrawn: its link then joins nobody.
        let (status, _) = app.post_json(&format!("/api/v1/teams/{team_id}/members"), &json!({"email": "erin@example.com"}), Some(&ada.token)).await;
        assert_eq!(status, 202);
        let login = [("email", "ada@example.com"), ("password", "correct horse battery")];
        assert!(app.client.post(app.at("/login")).form(&login).send().await.unwrap().status().is_success());
        let page = app.client.get(app.at("/teams")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("erin@example.com") && page.contains("Withdraw"), "the invitation is listed");
        assert!(!page.contains("dan@example.com"), "an expired one is not");
        let revoked = app.client.post(app.at(&format!("/teams/{team_id}/invitations/revoke"))).form(&[("email", "erin@example.com")]).send().await.unwrap();
        assert!(revoked.status().is_success(), "{}", revoked.status());
        let erin_mail = app.queued_mails("verify_email").await.into_iter().rev().find(|m| m.recipient == "erin@example.com").unwrap();
        let erin_invite = erin_mail.text_body.split("invite=").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
        let body = json!({"email": "erin@example.com", "password": "correct horse battery", "name": "erin", "username": "erin", "invite": erin_invite});
        let (status, body) = app.post_json("/api/v1/signup", &body, None).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(app.get_json(&format!("/api/v1/teams/{team_id}"), Some(body["token"].as_str().unwrap())).await.0, 404, "withdrawn");
    }
}

on_both_backends! {
    async fn round_robin_spreads_bookings_over_members_each_on_their_own_zoom(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ada = member(&app, "ada", all_day()).await;
        let bob = member(&app, "bob", all_day()).await;
        let cy = member(&app, "cyd", all_day()).await;
        let team_id = team(&app, "sales", &ada, &[("bob@example.com", &bob), ("cyd@example.com", &cy)]).await;
        let event = team_event(&app, &team_id, &ada, json!({"title": "Demo", "slug": "demo", "duration_minutes": 30,
            "location": "zoom", "minimum_notice_minutes": 0, "scheduling": "round_robin"})).await;
        assert_eq!(event["booking_url"].as_str().unwrap().rsplit_once("/team/").unwrap().1, "sales/demo");
        assert!(event["hosts"].as_array().unwrap().iter().all(|h| h["bookable"] == true), "{event}");

        let offered = team_slots(&app, "sales", "demo", &next_week()).await;
        assert_eq!(offered.len(), 48, "open all day: {offered:?}");
        let mut hosts = Vec::new();
        for (i, start) in offered.iter().step_by(3).take(6).enumerate() {
            let (status, booking) = team_book(&app, "sales", "demo", start, &format!("i{i}@example.com")).await;
            assert_eq!(status, 201, "{booking}");
            assert_eq!(booking["meeting"]["hosts"].as_array().unwrap().len(), 1, "one host: {booking}");
            hosts.push(host_of(&booking));
        }
        for member in [&ada, &bob, &cy] {
            assert_eq!(hosts.iter().filter(|h| **h == member.id).count(), 2, "two each: {hosts:?}");
        }
        // Fewest first, ties to the least recently booked: the order repeats.
        assert_eq!(hosts[0..3], hosts[3..6], "{hosts:?}");
        drain_zoom_jobs(&app).await;
        for member in [&ada, &bob, &cy] {
            let made = sandbox_meetings(&app, member.zoom["user_id"].as_str().unwrap()).await;
            assert_eq!(made.len(), 2, "each meeting on its host's own Zoom account");
            let (_, list) = app.get_json("/api/v1/meetings?when=upcoming", Some(&member.token)).await;
            assert_eq!(list["meetings"].as_array().unwrap().len(), 2, "each member sees their bookings");
        }
        // A member's own personal meeting blocks them for the team too.
        let taken = &offered[1];
        let body = json!({"topic": "Private", "start": taken, "duration_minutes": 30, "timezone": "UTC",
            "invitees": [{"email": "x@example.com"}]});
        for m in [&ada, &bob, &cy] {
            assert_eq!(app.post_json("/api/v1/meetings", &body, Some(&m.token)).await.0, 201);
        }
        assert!(!team_slots(&app, "sales", "demo", &next_week()).await.contains(taken), "nobody is free then");
        let (status, body) = team_book(&app, "sales", "demo", taken, "late@example.com").await;
        assert_eq!(status, 409, "{body}");
    }
}

on_both_backends! {
    async fn collective_offers_only_common_free_times_and_books_everyone(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ada = member(&app, "ada", json!([["09:00", "13:00"]])).await;
        let bob = member(&app, "bob", json!([["11:00", "17:00"]])).await;
        let team_id = team(&app, "panel", &ada, &[("bob@example.com", &bob)]).await;
        team_event(&app, &team_id, &ada, json!({"title": "Panel interview", "slug": "panel", "duration_minutes": 60,
            "location": "zoom", "minimum_notice_minutes": 0, "scheduling": "collective", "hosts": [ada.id, bob.id]})).await;
        let date = next_week();
        let offered = team_slots(&app, "panel", "panel", &date).await;
        assert_eq!(offered, [format!("{date}T11:00:00+00:00"), format!("{date}T12:00:00+00:00")], "only 11–13 is common");
        let (status, booking) = team_book(&app, "panel", "panel", &offered[0], "cand@example.com").await;
        assert_eq!(status, 201, "{booking}");
        let hosts: Vec<&str> = booking["meeting"]["hosts"].as_array().unwrap().iter().map(|h| h["user_id"].as_str().unwrap()).collect();
        assert_eq!(hosts, [ada.id.as_str(), bob.id.as_str()], "the organiser first");
        assert_eq!(team_slots(&app, "panel", "panel", &date).await, [offered[1].clone()]);
        // Outside the common hours is not bookable.
        let (status, _) = team_book(&app, "panel", "panel", &format!("{date}T09:00:00+00:00"), "x@example.com").await;
        assert_eq!(status, 422);
        drain_zoom_jobs(&app).await;
        // On the organiser's account; both attend and both are busy.
        assert_eq!(sandbox_meetings(&app, ada.zoom["user_id"].as_str().unwrap()).await.len(), 1);
        assert_eq!(sandbox_meetings(&app, bob.zoom["user_id"].as_str().unwrap()).await.len(), 0);
        let (_, bob_list) = app.get_json("/api/v1/meetings?when=upcoming", Some(&bob.token)).await;
        assert_eq!(bob_list["meetings"].as_array().unwrap().len(), 1, "bob sees the meeting he attends");
        let (_, busy) = app.get_json(&format!("/api/v1/availability/busy?date={date}"), Some(&bob.token)).await;
        assert_eq!(busy["busy"].as_array().unwrap().len(), 1, "{busy}");
        let id = booking["meeting"]["id"].as_str().unwrap();
        assert_eq!(app.post_json(&format!("/api/v1/meetings/{id}/start"), &json!({}), Some(&bob.token)).await.0, 404, "the start link is the organiser's");
        // Both members got the booking mail with the join link.
        let mut booked = Vec::new();
        for _ in 0..100 {
            booked = app.queued_mails("booked").await;
            if booked.iter().any(|m| m.recipient == "bob@example.com" && m.text_body.contains("zoom")) { break; }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for who in ["ada@example.com", "bob@example.com", "cand@example.com"] {
            assert!(booked.iter().any(|m| m.recipient == who), "{who} was mailed");
        }
        let bobs = booked.iter().find(|m| m.recipient == "bob@example.com").unwrap();
        assert!(bobs.text_body.contains("Hosts: ada, bob"), "{}", bobs.text_body);
    }
}

on_both_backends! {
    async fn two_invitees_for_one_slot_get_different_members(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ada = member(&app, "ada", all_day()).await;
        let bob = member(&app, "bob", all_day()).await;
        let team_id = team(&app, "sales", &ada, &[("bob@example.com", &bob)]).await;
        team_event(&app, &team_id, &ada, json!({"title": "Demo", "slug": "demo", "duration_minutes": 30,
            "location": "zoom", "minimum_notice_minutes": 0, "scheduling": "round_robin"})).await;
        let start = team_slots(&app, "sales", "demo", &next_week()).await[4].clone();
        let racers = (0..6).map(|i| {
            let (app, start) = (&app, start.clone());
            async move { team_book(app, "sales", "demo", &start, &format!("r{i}@example.com")).await }
        });
        let answers = futures::future::join_all(racers).await;
        let won: Vec<String> = answers.iter().filter(|(s, _)| *s == 201).map(|(_, b)| host_of(b)).collect();
        assert_eq!(won.len(), 2, "{answers:?}");
        assert_ne!(won[0], won[1], "one each");
        assert!(answers.iter().all(|(s, _)| *s == 201 || *s == 409), "{answers:?}");
    }
}

/// Two instances on one PostgreSQL: the members' locks hold across them.
#[tokio::test]
async fn two_instances_never_give_one_member_overlapping_bookings() {
    let Some(_) = crate::support::postgres_admin_url() else {
        eprintln!(
            "SKIPPED two_instances_never_give_one_member_overlapping_bookings: set PROSPO_TEST_POSTGRES_URL to run it"
        );
        return;
    };
    let first = TestApp::spawn(Backend::Postgres).await;
    let second = first.second_instance().await;
    let ada = member(&first, "ada", all_day()).await;
    let bob = member(&first, "bob", all_day()).await;
    let cy = member(&first, "cyd", all_day()).await;
    let team_id = team(&first, "sales", &ada, &[("bob@example.com", &bob), ("cyd@example.com", &cy)]).await;
    team_event(
        &first,
        &team_id,
        &ada,
        json!({"title": "Demo", "slug": "demo", "duration_minutes": 30,
        "location": "zoom", "minimum_notice_minutes": 0, "scheduling": "round_robin"}),
    )
    .await;
    // A collective event type over two of them, racing the round robin for the same times.
    team_event(
        &first,
        &team_id,
        &ada,
        json!({"title": "Pair", "slug": "pair", "duration_minutes": 60,
        "location": "zoom", "minimum_notice_minutes": 0, "scheduling": "collective", "hosts": [cy.id, ada.id]}),
    )
    .await;
    let offered = team_slots(&first, "sales", "demo", &next_week()).await;
    let start = offered[10].clone();
    let racers = (0..12).map(|i| {
        let app = if i % 2 == 0 { &first } else { &second };
        let (start, slug) = (start.clone(), if i % 3 == 0 { "pair" } else { "demo" });
        async move { team_book(app, "sales", slug, &start, &format!("r{i}@example.com")).await }
    });
    let answers = futures::future::join_all(racers).await;
    assert!(answers.iter().all(|(s, _)| *s == 201 || *s == 409), "{answers:?}");
    let mut taken: Vec<String> = Vec::new();
    for (_, booking) in answers.iter().filter(|(s, _)| *s == 201) {
        for host in booking["meeting"]["hosts"].as_array().unwrap() {
            let id = host["user_id"].as_str().unwrap().to_owned();
            assert!(!taken.contains(&id), "a member got two bookings at once: {answers:?}");
            taken.push(id);
        }
    }
    assert_eq!(taken.len(), 3, "every member is booked once: {answers:?}");
    drain_zoom_jobs(&first).await;
}

on_both_backends! {
    async fn reassign_moves_the_zoom_meeting_to_the_new_members_account(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ada = member(&app, "ada", all_day()).await;
        let bob = member(&app, "bob", all_day()).await;
        let team_id = team(&app, "sales", &ada, &[("bob@example.com", &bob)]).await;
        team_event(&app, &team_id, &ada, json!({"title": "Demo", "slug": "demo", "duration_minutes": 30,
            "location": "zoom", "minimum_notice_minutes": 0, "scheduling": "round_robin", "hosts": [bob.id, ada.id]})).await;
        let start = team_slots(&app, "sales", "demo", &next_week()).await[6].clone();
        let (status, booking) = team_book(&app, "sales", "demo", &start, "inv@example.com").await;
        assert_eq!(status, 201, "{booking}");
        assert_eq!(host_of(&booking), bob.id, "the first in the list when all are equal");
        drain_zoom_jobs(&app).await;
        let id = booking["meeting"]["id"].as_str().unwrap();
        let bob_zoom = bob.zoom["user_id"].as_str().unwrap();
        let ada_zoom = ada.zoom["user_id"].as_str().unwrap();
        let first_link = sandbox_meetings(&app, bob_zoom).await[0]["join_url"].clone();

        // Refusals first: nothing changes.
        let path = format!("/api/v1/meetings/{id}/reassign");
        let (status, body) = app.post_json(&path, &json!({"user_id": bob.id}), Some(&ada.token)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("already_host")), "{body}");
        let eve = app.sign_up("eve").await;
        assert_eq!(app.post_json(&path, &json!({"user_id": ada.id}), Some(&eve)).await.0, 404);
        let (_, eve_me) = app.get_json("/api/v1/me", Some(&eve)).await;
        let (status, body) = app.post_json(&path, &json!({"user_id": eve_me["id"]}), Some(&ada.token)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("not_a_host")), "{body}");

        let (status, moved) = app.post_json(&path, &json!({"user_id": ada.id}), Some(&ada.token)).await;
        assert_eq!(status, 200, "{moved}");
        assert_eq!(moved["hosts"][0]["user_id"], ada.id.as_str());
        drain_zoom_jobs(&app).await;
        assert_eq!(sandbox_meetings(&app, bob_zoom).await.len(), 0, "deleted from the first host's account");
        let on_ada = sandbox_meetings(&app, ada_zoom).await;
        assert_eq!(on_ada.len(), 1, "created on the new host's account");
        let (_, now) = app.get_json(&format!("/api/v1/meetings/{id}?live=false"), Some(&ada.token)).await;
        assert_eq!(now["zoom"]["status"], "created", "{now}");
        assert_eq!(now["zoom"]["join_url"], on_ada[0]["join_url"]);
        assert_ne!(now["zoom"]["join_url"], first_link);
        // The invitee hears of the new host and gets the new link.
        let mut told = false;
        for _ in 0..100 {
            let links = app.queued_mails("zoom_link").await;
            let new_host = app.queued_mails("rescheduled").await;
            told = new_host.iter().any(|m| m.recipient == "inv@example.com" && m.subject.starts_with("New host"))
                && links.iter().any(|m| m.recipient == "inv@example.com" && m.text_body.contains(on_ada[0]["join_url"].as_str().unwrap()));
            if told { break; }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(told, "the invitee was mailed the new host and the new link");
        // Bob no longer sees it; ada does; the invitee's manage link still works.
        assert_eq!(app.get_json(&format!("/api/v1/meetings/{id}"), Some(&bob.token)).await.0, 404);
    }
}

on_both_backends! {
    async fn a_member_whose_zoom_app_is_deactivated_stops_being_offered(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ada = member(&app, "ada", json!([["09:00", "12:00"]])).await;
        let bob = member(&app, "bob", json!([["13:00", "17:00"]])).await;
        let team_id = team(&app, "sales", &ada, &[("bob@example.com", &bob)]).await;
        team_event(&app, &team_id, &ada, json!({"title": "Demo", "slug": "demo", "duration_minutes": 60,
            "location": "zoom", "minimum_notice_minutes": 0, "scheduling": "round_robin"})).await;
        let date = next_week();
        assert_eq!(team_slots(&app, "sales", "demo", &date).await.len(), 7, "3 of ada's hours and 4 of bob's");
        app.patch_zoom_app(bob.zoom["client_id"].as_str().unwrap(), json!({"activated": false})).await;
        let (status, check) = app.post_json("/api/v1/integrations/zoom/check", &json!({}), Some(&bob.token)).await;
        assert_eq!((status, check["status"].as_str()), (200, Some("needs_attention")), "{check}");
        let offered = team_slots(&app, "sales", "demo", &date).await;
        assert_eq!(offered.len(), 3, "only ada's hours: {offered:?}");
        let (_, list) = app.get_json(&format!("/api/v1/teams/{team_id}/event-types"), Some(&ada.token)).await;
        let bob_host = list["event_types"][0]["hosts"].as_array().unwrap().iter().find(|h| h["user_id"] == bob.id.as_str()).unwrap().clone();
        assert_eq!(bob_host["bookable"], false);
        assert_eq!(bob_host["status"], "zoom_needs_attention");
        let page = {
            let login = [("email", "ada@example.com"), ("password", "correct horse battery")];
            assert!(app.client.post(app.at("/login")).form(&login).send().await.unwrap().status().is_success());
            app.client.get(app.at("/teams")).send().await.unwrap().text().await.unwrap()
        };
        assert!(page.contains("Zoom needs attention"), "the team page says why bob is not offered");
        let (status, _) = team_book(&app, "sales", "demo", &format!("{date}T14:00:00+00:00"), "x@example.com").await;
        assert_eq!(status, 422, "never a silent fallback to someone else's account");
    }
}

/// The event in one member's CalDAV calendar, if there is one: (status, body with folded lines
/// joined).
async fn calendar_event(
    server: &calendars::test_servers::TestServer,
    calendar: &url::Url,
    meeting_id: &str,
) -> (u16, String) {
    let (status, body) =
        server.raw("GET", &calendar.join(&format!("prospo-{meeting_id}.ics")).unwrap(), &[], None).await.unwrap();
    (status, body.replace("\r\n ", "").replace("\n ", ""))
}

/// Waits (bounded) until `check` holds of the member calendars' events.
async fn until_calendars(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..150 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the calendars never showed {what}");
}

/// A collective booking is written into every attending member's own calendar (Radicale), and a
/// reassigned round robin booking leaves the first host's calendar for the new host's.
#[tokio::test]
async fn team_bookings_are_written_into_each_attending_members_calendar() {
    use calendars::test_servers::{Kind, PASSWORD, TestServer, USER};
    let Some(server) = TestServer::from_env(Kind::Radicale) else { return };
    let ada_calendar = server.mkcalendar("ada", "Ada", None).await.unwrap();
    let bob_calendar = server.mkcalendar("bob", "Bob", None).await.unwrap();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = member(&app, "ada", all_day()).await;
    let bob = member(&app, "bob", all_day()).await;
    // One server account holds both calendars: each member adds bookings to the one named after them.
    for (m, name) in [(&ada, "Ada"), (&bob, "Bob")] {
        let add = json!({"url": server.base_url().as_str(), "username": USER, "password": PASSWORD});
        let (status, connection) = app.post_json("/api/v1/calendars/caldav", &add, Some(&m.token)).await;
        assert_eq!(status, 201, "{connection}");
        let id = connection["id"].as_str().unwrap();
        for calendar in connection["calendars"].as_array().unwrap() {
            let own = calendar["name"] == name;
            let path = format!("/api/v1/calendars/{id}/calendars/{}", calendar["id"].as_str().unwrap());
            let body = if own {
                json!({"check_conflicts": true, "write_bookings": true})
            } else {
                json!({"check_conflicts": false})
            };
            let (status, body) = app.patch_json(&path, &body, Some(&m.token)).await;
            assert_eq!(status, 200, "{body}");
        }
    }
    let team_id = team(&app, "sales", &ada, &[("bob@example.com", &bob)]).await;
    team_event(
        &app,
        &team_id,
        &ada,
        json!({"title": "Panel", "slug": "panel", "duration_minutes": 30,
        "location": "zoom", "minimum_notice_minutes": 0, "scheduling": "collective"}),
    )
    .await;
    team_event(
        &app,
        &team_id,
        &ada,
        json!({"title": "Demo", "slug": "demo", "duration_minutes": 30,
        "location": "zoom", "minimum_notice_minutes": 0, "scheduling": "round_robin", "hosts": [ada.id, bob.id]}),
    )
    .await;
    let offered = team_slots(&app, "sales", "panel", &next_week()).await;

    let (status, panel) = team_book(&app, "sales", "panel", &offered[2], "cand@example.com").await;
    assert_eq!(status, 201, "{panel}");
    let panel_id = panel["meeting"]["id"].as_str().unwrap().to_owned();
    until_calendars("the panel in both calendars with its join link", async || {
        let (a, a_body) = calendar_event(&server, &ada_calendar, &panel_id).await;
        let (b, b_body) = calendar_event(&server, &bob_calendar, &panel_id).await;
        let linked = |body: &str| body.contains("Join Zoom meeting") && body.contains("ATTENDEE;CN=bob");
        a == 200 && b == 200 && linked(&a_body) && linked(&b_body)
    })
    .await;

    let (status, demo) = team_book(&app, "sales", "demo", &offered[6], "lead@example.com").await;
    assert_eq!(status, 201, "{demo}");
    assert_eq!(host_of(&demo), ada.id, "the first in the list");
    let demo_id = demo["meeting"]["id"].as_str().unwrap().to_owned();
    until_calendars("the demo in ada's calendar only", async || {
        calendar_event(&server, &ada_calendar, &demo_id).await.0 == 200
            && calendar_event(&server, &bob_calendar, &demo_id).await.0 == 404
    })
    .await;
    let path = format!("/api/v1/meetings/{demo_id}/reassign");
    let (status, _) = app.post_json(&path, &json!({"user_id": bob.id}), Some(&bob.token)).await;
    assert_eq!(status, 404, "bob neither hosts it nor manages the team");
    let (status, moved) = app.post_json(&path, &json!({"user_id": bob.id}), Some(&ada.token)).await;
    assert_eq!(status, 200, "{moved}");
    until_calendars("the demo moved from ada's calendar to bob's", async || {
        calendar_event(&server, &ada_calendar, &demo_id).await.0 == 404
            && calendar_event(&server, &bob_calendar, &demo_id).await.0 == 200
    })
    .await;
    drain_zoom_jobs(&app).await;
    let link =
        sandbox_meetings(&app, bob.zoom["user_id"].as_str().unwrap()).await[0]["join_url"].as_str().unwrap().to_owned();
    until_calendars("bob's event with his own Zoom link", async || {
        calendar_event(&server, &bob_calendar, &demo_id).await.1.contains(&link)
    })
    .await;
}

on_both_backends! {
    /// Team slots keep members' busy times between requests: every change of them shows at once.
    async fn team_slots_follow_every_change_of_a_members_busy_time(backend: Backend) {
        use crate::support::feed::{FeedServer, calendar};
        let app = TestApp::spawn(backend).await;
        let ada = member(&app, "ada", json!([["09:00", "12:00"]])).await;
        let team_id = team(&app, "solo", &ada, &[]).await;
        team_event(&app, &team_id, &ada, json!({"title": "Demo", "slug": "demo", "duration_minutes": 60,
            "location": "zoom", "minimum_notice_minutes": 0, "scheduling": "round_robin"})).await;
        let date = next_week();
        let at = |h: &str| format!("{date}T{h}:00:00+00:00");
        let offered = || async { team_slots(&app, "solo", "demo", &date).await };
        assert_eq!(offered().await, [at("09"), at("10"), at("11")]);

        // A personal meeting, then its move and its cancel.
        let body = json!({"topic": "Dentist", "start": at("09"), "duration_minutes": 60, "timezone": "UTC",
            "invitees": [{"email": "x@example.com"}]});
        let (status, meeting) = app.post_json("/api/v1/meetings", &body, Some(&ada.token)).await;
        assert_eq!(status, 201, "{meeting}");
        assert_eq!(offered().await, [at("10"), at("11")], "a new meeting");
        let id = meeting["id"].as_str().unwrap();
        let (status, _) = app.patch_json(&format!("/api/v1/meetings/{id}"), &json!({"start": at("10")}), Some(&ada.token)).await;
        assert_eq!(status, 200);
        assert_eq!(offered().await, [at("09"), at("11")], "a moved meeting");
        assert_eq!(app.delete(&format!("/api/v1/meetings/{id}"), Some(&ada.token)).await.0, 200);
        assert_eq!(offered().await, [at("09"), at("10"), at("11")], "a cancelled meeting");

        // A team booking, through the other route.
        let (status, _) = team_book(&app, "solo", "demo", &at("11"), "y@example.com").await;
        assert_eq!(status, 201);
        assert_eq!(offered().await, [at("09"), at("10")], "a booking");

        // A calendar read: connecting a feed, then a sync that finds a new event.
        let ics = |h: &str| format!("{}T{h}0000Z", date.replace('-', ""));
        let feed = FeedServer::start(&calendar(&[(&ics("09"), &ics("10"), "Gym")])).await;
        let (status, connection) =
            app.post_json("/api/v1/calendars/ics", &json!({"url": feed.url, "name": "Life"}), Some(&ada.token)).await;
        assert_eq!(status, 201, "{connection}");
        assert_eq!(offered().await, [at("10")], "a connected calendar");
        feed.set_feed(&calendar(&[(&ics("09"), &ics("10"), "Gym"), (&ics("10"), &ics("11"), "Call")]));
        let connection_id = connection["id"].as_str().unwrap();
        let (status, _) = app.post_json(&format!("/api/v1/calendars/{connection_id}/sync"), &json!({}), Some(&ada.token)).await;
        assert_eq!(status, 200);
        assert_eq!(offered().await, Vec::<String>::new(), "a calendar sync");
        assert_eq!(app.delete(&format!("/api/v1/calendars/{connection_id}"), Some(&ada.token)).await.0, 204);
        assert_eq!(offered().await, [at("09"), at("10")], "a removed calendar");
    }
}

on_both_backends! {
    /// Weights share bookings unevenly; a per-member daily limit stops a member for the day; bad
    /// settings are refused and store nothing.
    async fn weights_and_per_member_daily_limits(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ada = member(&app, "ada", all_day()).await;
        let bob = member(&app, "bob", all_day()).await;
        let team_id = team(&app, "sales", &ada, &[("bob@example.com", &bob)]).await;
        let path = format!("/api/v1/teams/{team_id}/event-types");
        let base = json!({"title": "Demo", "slug": "demo", "duration_minutes": 30, "location": "zoom",
            "minimum_notice_minutes": 0, "scheduling": "round_robin"});
        for (patch, code) in [
            (json!({"weights": {ada.id.clone(): 0}}), "invalid_weight"),
            (json!({"hosts": ["nobody"]}), "not_a_member"),
            (json!({"max_per_day_per_member": 101}), "invalid_max_per_day"),
            (json!({"scheduling": null}), "invalid_scheduling"),
        ] {
            let mut body = base.clone();
            body.as_object_mut().unwrap().extend(patch.as_object().unwrap().clone());
            let (status, answer) = app.post_json(&path, &body, Some(&ada.token)).await;
            assert_eq!((status, answer["error"]["code"].as_str()), (422, Some(code)), "{answer}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM event_types WHERE team_id IS NOT NULL").await, 0, "nothing stored");

        // Bob weighs 3: of the first four bookings he takes three.
        let mut weighted = base.clone();
        weighted.as_object_mut().unwrap().insert("weights".into(), json!({bob.id.clone(): 3}));
        team_event(&app, &team_id, &ada, weighted).await;
        let offered = team_slots(&app, "sales", "demo", &next_week()).await;
        let mut hosts = Vec::new();
        for (i, start) in offered.iter().step_by(2).take(4).enumerate() {
            let (status, booking) = team_book(&app, "sales", "demo", start, &format!("w{i}@example.com")).await;
            assert_eq!(status, 201, "{booking}");
            hosts.push(host_of(&booking));
        }
        assert_eq!(hosts.iter().filter(|h| **h == bob.id).count(), 3, "{hosts:?}");

        // At most one a day each: two bookings fill the day, the third time is taken.
        let mut limited = base.clone();
        let obj = limited.as_object_mut().unwrap();
        obj.insert("slug".into(), json!("limited"));
        obj.insert("max_per_day_per_member".into(), json!(1));
        team_event(&app, &team_id, &ada, limited).await;
        let day = jiff::Zoned::now().date().checked_add(jiff::Span::new().days(9)).unwrap().to_string();
        let offered = team_slots(&app, "sales", "limited", &day).await;
        let (status, first) = team_book(&app, "sales", "limited", &offered[0], "l1@example.com").await;
        assert_eq!(status, 201, "{first}");
        let (status, second) = team_book(&app, "sales", "limited", &offered[10], "l2@example.com").await;
        assert_eq!(status, 201, "{second}");
        assert_ne!(host_of(&first), host_of(&second), "one each");
        assert!(team_slots(&app, "sales", "limited", &day).await.is_empty(), "both are at their limit that day");
        let (status, body) = team_book(&app, "sales", "limited", &offered[20], "l3@example.com").await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("slot_taken")), "{body}");

        // Editing: the limit lifted and the hosts narrowed; a member may not edit.
        let (_, list) = app.get_json(&path, Some(&ada.token)).await;
        let limited_id = list["event_types"].as_array().unwrap().iter().find(|e| e["slug"] == "limited").unwrap()["id"].as_str().unwrap().to_owned();
        let edit = format!("{path}/{limited_id}");
        let change = json!({"title": "Limited demo", "max_per_day_per_member": 0, "hosts": [ada.id.clone()]});
        assert_eq!(app.patch_json(&edit, &change, Some(&bob.token)).await.0, 403);
        let (status, edited) = app.patch_json(&edit, &change, Some(&ada.token)).await;
        assert_eq!(status, 200, "{edited}");
        assert_eq!((edited["title"].as_str(), edited["max_per_day_per_member"].is_null()), (Some("Limited demo"), true));
        assert_eq!(edited["hosts"].as_array().unwrap().len(), 1);
        assert!(!team_slots(&app, "sales", "limited", &day).await.is_empty(), "ada is offered again without the limit");
        let (status, body) = app.patch_json(&edit, &json!({"hosts": []}), Some(&ada.token)).await;
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_hosts")), "{body}");

        // The same through the team page's Edit form: a refusal keeps what was typed.
        let login = [("email", "ada@example.com"), ("password", "correct horse battery")];
        assert!(app.client.post(app.at("/login")).form(&login).send().await.unwrap().status().is_success());
        let form = format!("/teams/{team_id}/event-types/{limited_id}");
        let refused = app.client.post(app.at(&form)).form(&[("title", "Longer demo"), ("duration_minutes", "3"),
            ("scheduling", "round_robin"), ("hosts", &ada.id), ("hosts", &bob.id)]).send().await.unwrap();
        assert_eq!(refused.status(), 422);
        let page = refused.text().await.unwrap();
        assert!(page.contains("value=\"Longer demo\"") && page.contains("aria-invalid=\"true\""), "typed values and the error stay");
        let saved = app.client.post(app.at(&form)).form(&[("title", "Longer demo"), ("duration_minutes", "45"),
            ("scheduling", "round_robin"), ("max_per_day_per_member", "2"), ("hosts", &ada.id), ("hosts", &bob.id)])
            .send().await.unwrap();
        assert!(saved.status().is_success(), "{}", saved.status());
        let (_, list) = app.get_json(&path, Some(&ada.token)).await;
        let limited = list["event_types"].as_array().unwrap().iter().find(|e| e["id"] == limited_id.as_str()).unwrap().clone();
        assert_eq!((limited["title"].as_str(), limited["duration_minutes"].as_i64(), limited["max_per_day_per_member"].as_i64()), (Some("Longer demo"), Some(45), Some(2)));
        assert_eq!(limited["hosts"].as_array().unwrap().len(), 2);
    }
}
