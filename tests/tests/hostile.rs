//! Malformed and hostile requests: each gets a 4xx with the JSON error, and the database is
//! exactly as it was.

use reqwest::StatusCode;
use serde_json::{Value, json};
use tandem_server::store::sql::Db;
use tandem_tests::*;

enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

struct Case {
    name: &'static str,
    method: &'static str,
    path: String,
    auth: Option<String>,
    body: Body,
    status: u16,
}

#[tokio::test]
async fn hostile_requests_get_a_4xx_json_error_and_change_nothing() {
    let server = TestServer::start().await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let kai = server.signed_in(KAI.0, KAI.1).await;
    let yp = ash.token.clone();
    let ad = admin.token.clone();
    let me = ash.me();
    let device = ash.device;

    // A valid push, to be broken one way at a time.
    let good = || {
        json!({"protocol": 1, "schema": 1, "device": device, "ops": [{
            "seq": 1, "record": uuid::Uuid::now_v7(), "kind": "goal", "owner": me, "hlc": {"ms": now_ms(), "count": 0},
            "changes": [{"set": {"field": "title", "value": "hello"}, "base": null}]
        }]})
    };
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = good();
        f(&mut v);
        Body::Json(v)
    };
    let push = |name, body, status| Case {
        name,
        method: "POST",
        path: "/api/sync/push".into(),
        auth: yp.clone(),
        body,
        status,
    };
    let pull = |name, query: &str| Case {
        name,
        method: "GET",
        path: format!("/api/sync/pull?{query}"),
        auth: yp.clone(),
        body: Body::None,
        status: 400,
    };
    let big_title = "x".repeat(2 * 1024 * 1024);
    let many_ops: Vec<Value> = (1..=501)
        .map(|i| {
            let mut op = good()["ops"][0].clone();
            op["seq"] = json!(i);
            op
        })
        .collect();

    let cases = vec![
        push("malformed JSON", Body::Raw("application/json", b"{\"protocol\":".to_vec()), 400),
        push("an array, not an object", Body::Json(json!([])), 400),
        push("protocol as a string", with(&|v| v["protocol"] = json!("one")), 400),
        push(
            "missing device",
            with(&|v| {
                v.as_object_mut().unwrap().remove("device");
            }),
            400,
        ),
        push("device not a UUID", with(&|v| v["device"] = json!("not-a-uuid")), 400),
        push("unknown record kind", with(&|v| v["ops"][0]["kind"] = json!("diary")), 400),
        push(
            "unknown field",
            with(&|v| v["ops"][0]["changes"][0]["set"] = json!({"field": "risk_score", "value": 9})),
            400,
        ),
        push("title as a number", with(&|v| v["ops"][0]["changes"][0]["set"]["value"] = json!(5)), 400),
        push(
            "status not in the list",
            with(&|v| v["ops"][0]["changes"][0]["set"] = json!({"field": "status", "value": "on_fire"})),
            400,
        ),
        push("extra top-level field", with(&|v| v["admin"] = json!(true)), 400),
        push("negative operation number", with(&|v| v["ops"][0]["seq"] = json!(-1)), 400),
        push("operation number zero", with(&|v| v["ops"][0]["seq"] = json!(0)), 400),
        push("operation number past 2^63", with(&|v| v["ops"][0]["seq"] = json!(9_223_372_036_854_775_808u64)), 400),
        push("extra field inside the clock", with(&|v| v["ops"][0]["hlc"]["extra"] = json!(1)), 400),
        push("clock as text", with(&|v| v["ops"][0]["hlc"]["ms"] = json!("soon")), 400),
        push("record id not a UUID", with(&|v| v["ops"][0]["record"] = json!("../../etc/passwd")), 400),
        push("owner id not a UUID", with(&|v| v["ops"][0]["owner"] = json!(12)), 400),
        push("unsupported protocol", with(&|v| v["protocol"] = json!(2)), 400),
        push("unsupported schema", with(&|v| v["schema"] = json!(0)), 400),
        push("body over the limit", with(&|v| v["ops"][0]["changes"][0]["set"]["value"] = json!(big_title)), 413),
        push("too many operations", with(&|v| v["ops"] = json!(many_ops)), 400),
        push("not JSON content type", Body::Raw("text/plain", good().to_string().into_bytes()), 400),
        push("invalid UTF-8", Body::Raw("application/json", b"{\"protocol\":1,\"device\":\"\xff\xfe\"}".to_vec()), 400),
        Case {
            name: "device registered to someone else",
            method: "POST",
            path: "/api/sync/push".into(),
            auth: yp.clone(),
            body: with(&|v| v["device"] = json!(kai.device)),
            status: 403,
        },
        Case {
            name: "no token",
            method: "POST",
            path: "/api/sync/push".into(),
            auth: None,
            body: Body::Json(good()),
            status: 401,
        },
        Case {
            name: "Basic auth instead of Bearer",
            method: "POST",
            path: "/api/sync/push".into(),
            auth: Some("Basic eDp5".into()),
            body: Body::Json(good()),
            status: 401,
        },
        Case {
            name: "wrong method on push",
            method: "GET",
            path: "/api/sync/push".into(),
            auth: yp.clone(),
            body: Body::None,
            status: 405,
        },
        pull("negative cursor", "since=-1"),
        pull("cursor not a number", "since=abc"),
        pull("cursor past i64", "since=18446744073709551615"),
        pull("device not a UUID", "since=0&device=xyz"),
        pull("unknown parameter", "since=0&everything=true"),
        Case {
            name: "sign-in missing secret",
            method: "POST",
            path: "/api/auth/sign-in".into(),
            auth: None,
            body: Body::Json(json!({"name": "ash", "device": device})),
            status: 400,
        },
        Case {
            name: "sign-in name as a list",
            method: "POST",
            path: "/api/auth/sign-in".into(),
            auth: None,
            body: Body::Json(json!({"name": ["ash"], "secret": "6159", "device": device})),
            status: 400,
        },
        Case {
            name: "join with a made-up code",
            method: "POST",
            path: "/api/auth/join".into(),
            auth: None,
            body: Body::Json(json!({"code": "AAAA-BBBB-CCCC", "name": "newbie", "secret": "1234", "device": device})),
            status: 401,
        },
        Case {
            name: "join with a 2-character PIN",
            method: "POST",
            path: "/api/auth/join".into(),
            auth: None,
            body: Body::Json(json!({"code": server.invite_code, "name": "newbie", "secret": "12", "device": device})),
            status: 400,
        },
        Case {
            name: "join taking an existing name",
            method: "POST",
            path: "/api/auth/join".into(),
            auth: None,
            body: Body::Json(json!({"code": server.invite_code, "name": "ASH", "secret": "480613", "device": device})),
            status: 409,
        },
        Case {
            name: "refresh with a made-up token",
            method: "POST",
            path: "/api/auth/refresh".into(),
            auth: None,
            body: Body::Json(json!({"refresh_token": "made-up"})),
            status: 401,
        },
        Case {
            name: "revoke a malformed id",
            method: "POST",
            path: "/api/admin/people/not-an-id/revoke".into(),
            auth: ad.clone(),
            body: Body::None,
            status: 400,
        },
        Case {
            name: "staff with a short password",
            method: "POST",
            path: "/api/admin/people".into(),
            auth: ad.clone(),
            body: Body::Json(
                json!({"role": "key_worker", "name": "newstaff", "display_name": "N", "password": "short"}),
            ),
            status: 400,
        },
        Case {
            name: "staff account for a young person",
            method: "POST",
            path: "/api/admin/people".into(),
            auth: ad.clone(),
            body: Body::Json(
                json!({"role": "young_person", "name": "newstaff", "display_name": "N", "password": "long enough password"}),
            ),
            status: 400,
        },
        Case {
            name: "a list of staff with a wrong type in it",
            method: "POST",
            path: "/api/admin/people/several".into(),
            auth: ad.clone(),
            body: Body::Json(
                json!({"people": [{"role": "key_worker", "name": 7, "display_name": "N", "password": "long enough password"}]}),
            ),
            status: 400,
        },
        Case {
            name: "a list of staff that is no list",
            method: "POST",
            path: "/api/admin/people/several".into(),
            auth: ad.clone(),
            body: Body::Json(json!({"people": {"role": "key_worker"}})),
            status: 400,
        },
        Case {
            name: "assign people who don't exist",
            method: "POST",
            path: "/api/admin/assignments".into(),
            auth: ad.clone(),
            body: Body::Json(json!({"worker": uuid::Uuid::now_v7(), "young_person": uuid::Uuid::now_v7()})),
            status: 404,
        },
        Case {
            name: "assign a young person to a young person",
            method: "POST",
            path: "/api/admin/assignments".into(),
            auth: ad.clone(),
            body: Body::Json(json!({"worker": me, "young_person": me})),
            status: 400,
        },
        Case {
            name: "unknown API path",
            method: "GET",
            path: "/api/records/all".into(),
            auth: yp.clone(),
            body: Body::None,
            status: 404,
        },
    ];
    assert!(cases.len() >= 25);

    // Kai's device is registered to Kai by an empty push.
    let (s, _) = kai
        .call(
            reqwest::Method::POST,
            "/api/sync/push",
            Some(json!({"protocol": 1, "schema": 1, "device": kai.device, "ops": []})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let http = reqwest::Client::new();
    let before = server.fingerprint().await;
    for case in cases {
        let mut req = http
            .request(case.method.parse().unwrap(), format!("{}{}", server.base, case.path))
            .header("tandem-protocol", "1")
            .header("tandem-schema", "1");
        if let Some(a) = &case.auth {
            req = if a.starts_with("Basic") { req.header("authorization", a) } else { req.bearer_auth(a) };
        }
        req = match case.body {
            Body::None => req,
            Body::Json(v) => req.json(&v),
            Body::Raw(ct, bytes) => req.header("content-type", ct).body(bytes),
        };
        let resp = req.send().await.unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let status = resp.status().as_u16();
        let ctype = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        assert_eq!(status, case.status, "{}: {body}", case.name);
        assert!(ctype.starts_with("application/json"), "{}: content type {ctype}", case.name);
        assert!(
            body["error"].is_string() && !body["message"].as_str().unwrap_or("").is_empty(),
            "{}: {body}",
            case.name
        );
        assert_eq!(server.fingerprint().await, before, "{} changed the database", case.name);
    }
    server.stop().await;
}

#[tokio::test]
async fn the_access_log_cannot_be_edited_or_deleted_even_by_sql() {
    let server = TestServer::start().await;
    let mut sam = server.signed_in(SAM.0, SAM.1).await;
    sam.pull().await;
    let count = |db: &dyn Db| db.query_one("SELECT count(*) FROM access_log", &[])?.int(0);
    let before = server.store.read(count).await.unwrap();
    assert!(before > 0, "the worker's pull was logged");
    for sql in ["UPDATE access_log SET action = 'read', records = 0", "DELETE FROM access_log"] {
        assert!(server.store.write(move |db| db.execute(sql, &[])).await.is_err(), "{sql} was allowed");
    }
    assert_eq!(server.store.read(count).await.unwrap(), before);
    // And no API route writes to it except by logging access.
    let (_, spec) = sam.call(reqwest::Method::GET, "/api/openapi.json", None).await;
    let paths = spec["paths"].as_object().unwrap();
    let log = &paths["/api/me/access-log"];
    assert!(log.get("put").is_none() && log.get("delete").is_none() && log.get("post").is_none());
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_is_wrong_is_told_where_and_one_that_is_right_in_any_json_content_type_is_read() {
    let server = TestServer::start().await;
    let mut ash = server.signed_in(ASH.0, ASH.1).await;
    let me = ash.me();
    let op = ash.op(new_record(), tandem_shared::RecordKind::Goal, me, vec![]);
    let mut body = serde_json::to_value(ash.push_request(vec![op])).unwrap();
    let send = |content_type: &'static str, body: Value| {
        let req = ash.request(reqwest::Method::POST, "/api/sync/push").header("content-type", content_type);
        async move {
            let resp = req.body(body.to_string()).send().await.unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }
    };
    let mut wrong = body.clone();
    wrong["ops"][0]["hlc"]["ms"] = json!("soon");
    let (status, answer) = send("application/json", wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["message"].as_str().unwrap().contains("ops[0].hlc.ms"), "{answer}");
    let (status, answer) = send("text/json", body.clone()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    body["ops"][0]["changes"] = json!([{"set": {"field": "title", "value": "hello"}, "base": null}]);
    let (status, answer) = send("application/json; charset=utf-8", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["status"], "applied", "{answer}");
    server.stop().await;
}

#[tokio::test]
async fn a_body_must_be_the_object_the_api_documents_not_a_list_of_its_values() {
    let server = TestServer::start().await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    // serde would fill either struct from a list of its fields' values in order.
    for (who, path, list) in
        [(&admin, "/api/admin/settings", json!([null, null])), (&ash, "/api/me/erasure", json!([false]))]
    {
        let method = if path.ends_with("settings") { reqwest::Method::PUT } else { reqwest::Method::POST };
        let (status, answer) = who.call(method, path, Some(list)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {answer}");
        assert!(answer["message"].as_str().unwrap().contains("a JSON object"), "{answer}");
    }
    let (_, me) = ash.call(reqwest::Method::GET, "/api/me", None).await;
    assert!(me["erase_at"].is_null(), "nothing was asked: {me}");

    // At every depth: a helpline, a push's clock, a step inside a field's value.
    let (status, answer) = admin
        .call(reqwest::Method::PUT, "/api/admin/support-lines", Some(json!([["A line", "call", "0800 1111", ""]])))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("a JSON object"), "{answer}");
    let (_, kept) = admin.call(reqwest::Method::GET, "/api/admin/support-lines", None).await;
    assert_eq!(kept.as_array().map(Vec::len), Some(3), "the demo's lines, unchanged: {kept}");
    let mut phone = server.signed_in(ASH.0, ASH.1).await;
    let me = phone.me();
    let goal = new_record();
    let op = phone.op(goal, tandem_shared::RecordKind::Goal, me, vec![tandem_shared::FieldValue::Title("Swim".into())]);
    let body = serde_json::to_value(phone.push_request(vec![op])).unwrap();
    let mut clock_as_list = body.clone();
    clock_as_list["ops"][0]["hlc"] = json!([body["ops"][0]["hlc"]["ms"], 0]);
    let mut step_as_list = body.clone();
    step_as_list["ops"][0]["changes"] =
        json!([{"set": {"field": "steps", "value": [["Find the pool", false]]}, "base": null}]);
    for wrong in [clock_as_list, step_as_list] {
        let (status, answer) = phone.call(reqwest::Method::POST, "/api/sync/push", Some(wrong)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert!(answer["message"].as_str().unwrap().contains("a JSON object"), "{answer}");
    }
    phone.pull().await;
    assert!(!phone.records.contains_key(&goal), "nothing of a refused push was written");
    // The same push as objects is read, and a list where the API documents one is read as ever.
    let (status, answer) = phone.call(reqwest::Method::POST, "/api/sync/push", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["status"], "applied", "{answer}");
    let (status, answer) = admin.call(reqwest::Method::PUT, "/api/admin/support-lines", Some(json!([]))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    server.stop().await;
}

/// Every route the API documents (`/api/openapi.json`, so a new route is swept without being
/// listed here), sent what it must refuse, by nobody, a forged token and each role: never a 5xx;
/// a body that is not the documented object is never taken; every refusal is a JSON error that
/// says what was wrong; and the database is as it was, everyone still signed in.
#[tokio::test]
async fn every_documented_route_refuses_what_is_wrong_with_a_4xx_json_error() {
    let server = TestServer::start().await;
    let ash = server.signed_in(ASH.0, ASH.1).await;
    let sam = server.signed_in(SAM.0, SAM.1).await;
    let dropin = server.signed_in(DROPIN.0, DROPIN.1).await;
    let admin = server.signed_in(ADMIN.0, ADMIN.1).await;
    let (_, spec) = ash.call(reqwest::Method::GET, "/api/openapi.json", None).await;
    let paths = spec["paths"].as_object().expect("the API documents its paths");
    assert!(paths.len() >= 40, "{} paths documented", paths.len());
    // A parameter documented as part of the path is one (a query's documented as a path's is
    // sent where no server reads it).
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            for param in op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path") {
                let name = param["name"].as_str().unwrap();
                assert!(path.contains(&format!("{{{name}}}")), "{method} {path}: `{name}` is documented in the path");
            }
        }
    }

    let callers: [(&str, Option<String>); 6] = [
        ("nobody", None),
        ("a forged token", Some("not.a.token".into())),
        ("a young person", ash.token.clone()),
        ("a key worker", sam.token.clone()),
        ("drop-in staff", dropin.token.clone()),
        ("an admin", admin.token.clone()),
    ];
    let oversized = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024)).into_bytes();
    // Ids that name nobody, or are not ids at all.
    let ids = [uuid::Uuid::now_v7().to_string(), "not-an-id".into(), "%2e%2e%2fetc".into(), "9".repeat(300)];
    let bodies = [
        BadBody { what: "malformed JSON", json_type: "", content_type: "application/json", bytes: b"{\"name\":" },
        BadBody { what: "a list", json_type: "array", content_type: "application/json", bytes: b"[]" },
        BadBody { what: "null", json_type: "null", content_type: "application/json", bytes: b"null" },
        BadBody { what: "a string", json_type: "string", content_type: "application/json", bytes: b"\"let me in\"" },
        BadBody {
            what: "an object of nothing it knows",
            json_type: "",
            content_type: "application/json",
            bytes: b"{\"unexpected\": true}",
        },
        BadBody { what: "JSON sent as text", json_type: "", content_type: "text/plain", bytes: b"{}" },
        BadBody { what: "a body over the limit", json_type: "", content_type: "application/json", bytes: &oversized },
    ];

    let http = reqwest::Client::new();
    let before = server.fingerprint().await;
    let mut sent = 0;
    for (template, operations) in paths {
        for (method, operation) in operations.as_object().unwrap() {
            // Ending a session is what these do with any body; they are swept without a session.
            let ends_sessions = template.starts_with("/api/auth/sign-out");
            let takes_body = operation.get("requestBody").is_some();
            // An empty list, or null, is a right answer to a route documented to take one (no
            // helplines; no set working hours).
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            let documented = |json_type: &str| {
                schema["type"] == json_type
                    || schema["oneOf"].as_array().is_some_and(|o| o.iter().any(|s| s["type"] == json_type))
            };
            let queries: Vec<&str> = operation["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter(|p| p["in"] == "query").filter_map(|p| p["name"].as_str()).collect())
                .unwrap_or_default();
            let fills: Vec<String> = if template.contains('{') {
                ids.iter().map(|id| fill(template, id)).collect()
            } else {
                vec![template.clone()]
            };
            for path in fills {
                // Every query parameter at once, none of them a number, a flag or an id.
                let path = if queries.is_empty() {
                    path
                } else {
                    let junk: Vec<String> = queries.iter().map(|q| format!("{q}=-1x%00")).collect();
                    format!("{path}?{}", junk.join("&"))
                };
                for (who, token) in &callers {
                    if ends_sessions && token.is_some() && *who != "a forged token" {
                        continue;
                    }
                    let tries: Vec<Option<&BadBody>> = if takes_body {
                        bodies.iter().filter(|b| !documented(b.json_type)).map(Some).collect()
                    } else {
                        vec![None]
                    };
                    for body in tries {
                        let mut req = http
                            .request(method.to_uppercase().parse().unwrap(), format!("{}{path}", server.base))
                            .header("tandem-protocol", "1")
                            .header("tandem-schema", "1");
                        if let Some(t) = token {
                            req = req.bearer_auth(t);
                        }
                        if let Some(b) = body {
                            req = req.header("content-type", b.content_type).body(b.bytes.to_vec());
                        }
                        let what = format!(
                            "{} {path} by {who} with {}",
                            method.to_uppercase(),
                            body.map_or("no body", |b| b.what)
                        );
                        let resp = req.send().await.unwrap_or_else(|e| panic!("{what}: {e}"));
                        sent += 1;
                        let status = resp.status();
                        assert!(!status.is_server_error(), "{what}: {status}");
                        // A body that is not the documented object is never taken, whoever sends it.
                        assert!(body.is_none() || status.is_client_error(), "{what}: {status}");
                        // Found, allowed and answered (a list, or the live stream): not read on.
                        if status.is_success() {
                            continue;
                        }
                        let ctype = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
                        let answer: Value = resp.json().await.unwrap_or(Value::Null);
                        assert!(ctype.is_some_and(|c| c.starts_with("application/json")), "{what}: {status} {answer}");
                        assert!(
                            answer["error"].is_string() && !answer["message"].as_str().unwrap_or("").is_empty(),
                            "{what}: {status} {answer}"
                        );
                    }
                }
            }
        }
    }
    // 1,498 on the day it was written.
    assert!(sent > 1000, "{sent} requests sent");
    assert_eq!(server.fingerprint().await, before, "the sweep changed the database");
    for (who, client) in
        [("the young person", &ash), ("the key worker", &sam), ("drop-in staff", &dropin), ("the admin", &admin)]
    {
        let (status, _) = client.call(reqwest::Method::GET, "/api/me", None).await;
        assert_eq!(status, StatusCode::OK, "{who} is still signed in");
    }
    server.stop().await;
}

/// A body a route must refuse, unless it is documented to take that JSON type.
struct BadBody<'a> {
    what: &'static str,
    json_type: &'static str,
    content_type: &'static str,
    bytes: &'a [u8],
}

/// `template` with each `{parameter}` replaced by `value`.
fn fill(template: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str(&rest[..open]);
        out.push_str(value);
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}
