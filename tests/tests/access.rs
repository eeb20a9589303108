//! The authorisation matrix: every endpoint × role, and every role's pull against an oracle of
//! who may see what. A young person sees only their own; a key worker only what their young
//! people shared with workers or team; drop-in staff only team; admins no records at all.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use tandem_shared::wire::OpStatus;
use tandem_shared::{FieldValue, RecordId, RecordKind, Visibility};
use tandem_tests::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anon,
    Ash,
    Kai,
    Sam,
    Priya,
    DropIn,
    Admin,
}
use Who::*;
const EVERYONE: [Who; 7] = [Anon, Ash, Kai, Sam, Priya, DropIn, Admin];

async fn client(server: &TestServer, who: Who) -> Client {
    let login = match who {
        Anon => return server.device(),
        Ash => ASH,
        Kai => KAI,
        Sam => SAM,
        Priya => PRIYA,
        DropIn => DROPIN,
        Admin => ADMIN,
    };
    server.signed_in(login.0, login.1).await
}

#[tokio::test]
async fn every_endpoint_answers_every_role_as_designed() {
    let server = TestServer::start().await;
    let ash_id = client(&server, Ash).await.me();
    let sam_id = client(&server, Sam).await.me();
    let priya_id = client(&server, Priya).await.me();
    let ok = StatusCode::OK;
    let (no, forbidden) = (StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN);
    let expect = |who: Who, allowed: &[Who]| {
        if who == Anon {
            no
        } else if allowed.contains(&who) {
            ok
        } else {
            forbidden
        }
    };
    let syncers = [Ash, Kai, Sam, Priya, DropIn];
    let everyone_signed_in = [Ash, Kai, Sam, Priya, DropIn, Admin];

    type Row = (Method, String, Option<Value>, Vec<Who>);
    let rows: Vec<Row> = vec![
        (Method::GET, "/api/me".into(), None, everyone_signed_in.to_vec()),
        (Method::GET, "/api/me/access-log".into(), None, vec![Ash, Kai]),
        (Method::GET, "/api/me/sessions".into(), None, everyone_signed_in.to_vec()),
        (Method::GET, "/api/caseload".into(), None, vec![Sam, Priya]),
        (Method::POST, format!("/api/caseload/{ash_id}/looked"), Some(json!({"at": 5})), vec![Sam, Priya, DropIn]),
        (Method::POST, "/api/me/put-away".into(), Some(json!({"notices": []})), vec![Ash, Kai, Sam, Priya]),
        (Method::GET, "/api/sync/pull?since=0".into(), None, syncers.to_vec()),
        (Method::GET, "/api/admin/people".into(), None, vec![Admin]),
        (Method::GET, "/api/admin/numbers".into(), None, vec![Admin]),
        (
            Method::POST,
            "/api/admin/invites".into(),
            Some(json!({"display_name": "Someone", "workers": [sam_id]})),
            vec![Admin],
        ),
        (
            Method::POST,
            "/api/admin/assignments".into(),
            Some(json!({"worker": sam_id, "young_person": ash_id})),
            vec![Admin],
        ),
        (
            Method::POST,
            "/api/admin/assignments/hand-over".into(),
            Some(json!({"young_person": ash_id, "from": sam_id, "to": priya_id})),
            vec![Admin],
        ),
        (
            Method::POST,
            "/api/admin/assignments/end".into(),
            Some(json!({"worker": priya_id, "young_person": ash_id})),
            vec![Admin],
        ),
        (Method::GET, "/api/admin/assignments".into(), None, vec![Admin]),
        (Method::GET, "/api/admin/audit".into(), None, vec![Admin]),
        (Method::POST, "/api/admin/audit/export".into(), Some(json!({})), vec![Admin]),
        (Method::GET, format!("/api/admin/people/{ash_id}/sessions"), None, vec![Admin]),
        (Method::POST, format!("/api/admin/people/{ash_id}/sessions/no-such-session/end"), None, vec![]),
        (Method::POST, format!("/api/admin/people/{}/close-case", uuid::Uuid::now_v7()), None, vec![]),
        (Method::POST, format!("/api/admin/people/{}/reopen-case", uuid::Uuid::now_v7()), None, vec![]),
        (Method::POST, format!("/api/admin/people/{}/deactivate", uuid::Uuid::now_v7()), None, vec![]),
        (Method::POST, format!("/api/admin/people/{}/reactivate", uuid::Uuid::now_v7()), None, vec![]),
        (Method::POST, format!("/api/admin/people/{}/new-invite", uuid::Uuid::now_v7()), None, vec![]),
        (
            Method::POST,
            format!("/api/admin/people/{}/new-password", uuid::Uuid::now_v7()),
            Some(json!({"password": "a long enough password"})),
            vec![],
        ),
        (Method::GET, "/api/admin/settings".into(), None, vec![Admin]),
        (Method::GET, "/api/admin/alerts/summary".into(), None, vec![Admin]),
        (Method::GET, "/api/admin/working-hours".into(), None, vec![Admin]),
        (Method::PUT, "/api/admin/working-hours".into(), Some(json!(null)), vec![Admin]),
        (Method::PUT, "/api/admin/settings".into(), Some(json!({"duty_worker": null})), vec![Admin]),
        (Method::GET, "/api/admin/support-lines".into(), None, vec![Admin]),
        (Method::PUT, "/api/admin/support-lines".into(), Some(json!([])), vec![Admin]),
        (Method::GET, "/api/admin/tablets".into(), None, vec![Admin]),
        (Method::POST, "/api/admin/tablets".into(), Some(json!({"name": "Tablet NAME"})), vec![Admin]),
        (Method::POST, "/api/admin/tablets/no-such-tablet/remove".into(), None, vec![]),
        (Method::GET, "/api/admin/staff-two-step".into(), None, vec![Admin]),
        (Method::PUT, "/api/admin/staff-two-step".into(), Some(json!({"required": false})), vec![Admin]),
        (Method::GET, "/api/admin/staff-sso".into(), None, vec![Admin]),
        (Method::PUT, "/api/admin/staff-sso".into(), Some(json!({"only": false})), vec![Admin]),
        // Staff's own link to the organisation's account (signing in with it is in sso.rs).
        (Method::GET, "/api/me/sso".into(), None, vec![Sam, Priya, DropIn, Admin]),
        (Method::DELETE, "/api/me/sso".into(), None, vec![Sam, Priya, DropIn, Admin]),
        (Method::POST, "/api/me/password".into(), Some(json!({"current": 1})), vec![]),
        (Method::POST, "/api/me/names".into(), Some(json!({"display_name": ""})), vec![]),
        // Two-step sign-in is for staff; a code that can't be right and a wrong password are
        // refused inside (turning it on for real is in two_step.rs).
        (Method::POST, "/api/me/two-step".into(), None, vec![Sam, Priya, DropIn, Admin]),
        (Method::POST, "/api/me/two-step/confirm".into(), Some(json!({"code": "not a code"})), vec![]),
        (Method::POST, "/api/me/two-step/off".into(), Some(json!({"password": "not theirs"})), vec![]),
        (Method::POST, "/api/me/two-step/recovery-codes".into(), Some(json!({"password": "not theirs"})), vec![]),
        // Notifications with Tandem closed are for key workers (sent for real in notifications.rs).
        (Method::GET, "/api/me/notifications".into(), None, vec![Sam, Priya]),
        (Method::DELETE, "/api/me/notifications".into(), None, vec![Sam, Priya]),
        // An endpoint into the server's own network is refused inside.
        (Method::PUT, "/api/me/notifications".into(), Some(json!({"endpoint": "http://10.0.0.1/"})), vec![]),
        (Method::GET, "/api/invites".into(), None, vec![Sam, Priya]),
        (Method::POST, "/api/invites".into(), Some(json!({"display_name": "Invited by NAME"})), vec![Sam, Priya]),
        (Method::POST, format!("/api/invites/{}/cancel", uuid::Uuid::now_v7()), None, vec![]),
        (Method::POST, format!("/api/invites/{}/new-code", uuid::Uuid::now_v7()), None, vec![]),
        // A wrong body: only a young person gets as far as being told so (deleting is in erasure.rs).
        (Method::POST, "/api/me/erasure".into(), Some(json!({"now": "yes"})), vec![]),
        (
            Method::POST,
            "/api/admin/people".into(),
            Some(
                json!({"role": "key_worker", "name": "new-worker-NAME", "display_name": "New", "password": "a long enough password"}),
            ),
            vec![Admin],
        ),
        (
            Method::POST,
            "/api/admin/people/several".into(),
            Some(json!({"people": [
                {"role": "drop_in_staff", "name": "several-NAME", "display_name": "Several", "password": "a long enough password"}
            ]})),
            vec![Admin],
        ),
        (Method::POST, format!("/api/admin/people/{}/revoke", uuid::Uuid::now_v7()), None, vec![]),
    ];
    for (method, path, body, allowed) in rows {
        for who in EVERYONE {
            let c = client(&server, who).await;
            let body = body.clone().map(|b| {
                // Unique names so each admin call can succeed.
                serde_json::from_str(&b.to_string().replace("NAME", &format!("{who:?}").to_lowercase())).unwrap()
            });
            let (status, resp) = c.call(method.clone(), &path, body).await;
            // Allowed in, then refused for what was asked: nothing of that id, or a wrong body.
            let refused_inside = match who {
                _ if (path == "/api/me/password" || path == "/api/me/names") && who != Anon => {
                    Some(StatusCode::BAD_REQUEST)
                }
                Sam | Priya | DropIn | Admin if path.starts_with("/api/me/two-step/") => Some(StatusCode::BAD_REQUEST),
                Admin => [
                    "/revoke",
                    "/sessions/no-such-session/end",
                    "-case",
                    "activate",
                    "/new-invite",
                    "/new-password",
                    "/remove",
                ]
                .iter()
                .any(|p| path.contains(p))
                .then_some(StatusCode::NOT_FOUND),
                // Ash is Sam's, not Priya's, and shares nothing with the team.
                Priya | DropIn if path.ends_with("/looked") => Some(StatusCode::NOT_FOUND),
                Sam | Priya if method == Method::PUT && path == "/api/me/notifications" => {
                    Some(StatusCode::BAD_REQUEST)
                }
                Sam | Priya => {
                    (path.ends_with("/cancel") || path.ends_with("/new-code")).then_some(StatusCode::NOT_FOUND)
                }
                Ash | Kai => path.ends_with("/erasure").then_some(StatusCode::BAD_REQUEST),
                _ => None,
            };
            let want = refused_inside.unwrap_or_else(|| expect(who, &allowed));
            assert_eq!(status, want, "{who:?} {method} {path}: {resp}");
            if !status.is_success() {
                assert!(
                    resp["error"].is_string() && resp["message"].is_string(),
                    "{who:?} {method} {path}: JSON error, got {resp}"
                );
            }
        }
    }

    // Push (an empty batch) and the live feed.
    for who in EVERYONE {
        let c = client(&server, who).await;
        let (status, _) =
            c.call(Method::POST, "/api/sync/push", Some(serde_json::to_value(c.push_request(vec![])).unwrap())).await;
        assert_eq!(status, expect(who, &syncers), "{who:?} push");
        let resp = c.request(Method::GET, "/api/sync/events").send().await.unwrap();
        assert_eq!(resp.status(), expect(who, &syncers), "{who:?} events");
        drop(resp);
    }
    server.stop().await;
}

#[tokio::test]
async fn writes_to_a_young_persons_record_are_allowed_only_to_them_and_their_workers_when_shared() {
    let server = TestServer::start().await;
    let mut ash = client(&server, Ash).await;
    let owner = ash.me();
    let shared = new_record();
    let private = new_record();
    let ops = vec![
        ash.op(
            shared,
            RecordKind::Goal,
            owner,
            vec![FieldValue::Title("shared".into()), FieldValue::Visibility(Visibility::Team)],
        ),
        ash.op(private, RecordKind::Goal, owner, vec![FieldValue::Title("private".into())]),
    ];
    ash.push(ops).await;
    for (who, may_shared) in [(Kai, false), (Sam, true), (Priya, false), (DropIn, false)] {
        let mut c = client(&server, who).await;
        for (record, allowed) in [(shared, may_shared), (private, false)] {
            let op = c.op(record, RecordKind::Goal, owner, vec![FieldValue::Why(format!("from {who:?}"))]);
            let status = c.push(vec![op]).await.results[0].status;
            assert_eq!(status == OpStatus::Rejected, !allowed, "{who:?} writing {record}: {status:?}");
        }
        // Nor can they make a record in someone else's name.
        let op = c.op(new_record(), RecordKind::Strength, owner, vec![FieldValue::Text("in Ash's name".into())]);
        let status = c.push(vec![op]).await.results[0].status;
        assert_eq!(status == OpStatus::Rejected, who != Sam, "{who:?} creating for Ash");
    }
    server.stop().await;
}

#[tokio::test]
async fn every_roles_pull_holds_exactly_what_it_may_see_and_nothing_else() {
    let server = TestServer::start().await;
    // Each young person adds one record at each visibility, on top of the demo data.
    for who in [Ash, Kai] {
        let mut c = client(&server, who).await;
        let me = c.me();
        let ops = [Visibility::Private, Visibility::Worker, Visibility::Team]
            .into_iter()
            .map(|v| {
                c.op(
                    new_record(),
                    RecordKind::Statement,
                    me,
                    vec![FieldValue::Text(format!("{v:?}")), FieldValue::Visibility(v)],
                )
            })
            .collect();
        c.push(ops).await;
    }
    // The oracle: every record, learned from each owner's own full pull.
    let mut all = Vec::new();
    for login in [ASH, KAI, MO] {
        let mut c = server.signed_in(login.0, login.1).await;
        c.pull().await;
        all.extend(c.records.into_values());
    }
    let ids = |c: &Client| c.records.keys().copied().collect::<BTreeSet<RecordId>>();
    let ash_id = client(&server, Ash).await.me();
    let kai_id = client(&server, Kai).await.me();
    let oracle = |who: Who| -> BTreeSet<RecordId> {
        all.iter()
            .filter(|r| match who {
                Ash => r.owner == ash_id,
                Kai => r.owner == kai_id,
                Sam => (r.owner == ash_id || r.owner == kai_id) && r.visibility() != Visibility::Private,
                Priya => r.owner != ash_id && r.owner != kai_id && r.visibility() != Visibility::Private,
                DropIn => r.visibility() == Visibility::Team,
                _ => false,
            })
            .map(|r| r.id)
            .collect()
    };
    for who in [Ash, Kai, Sam, Priya, DropIn] {
        let mut c = client(&server, who).await;
        c.pull().await;
        assert_eq!(ids(&c), oracle(who), "{who:?} sees exactly their share");
    }
    let admin = client(&server, Admin).await;
    let (status, _) = admin.call(Method::GET, "/api/sync/pull?since=0", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "admins never read records");
    server.stop().await;
}
