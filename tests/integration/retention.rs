//! Knowledge retention (issue #7): ownership and its move on deactivation, verification
//! with expiry and reset on edit, the search status filter, at-risk computation and the
//! visibility of exit dates on every path.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{As, TestApp, make_user};

/// Searches until `pred` holds (the indexer runs in the background).
pub(crate) async fn search_until(
    app: &TestApp,
    path: &str,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    for _ in 0..250 {
        let j = app.get(path).await.json();
        if pred(&j) {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("search never matched: {path}");
}

pub(crate) async fn set_unit(app: &TestApp, login: &str, unit: &str) {
    let res = app
        .json(
            "PATCH",
            &format!("/api/v1/users/{login}"),
            json!({ "unit": unit }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
}

pub(crate) async fn own(app: &TestApp, article: &str, owner: &str, deputies: &[&str]) -> Value {
    let res = app
        .put_json(
            &format!("/api/v1/articles/{article}/ownership"),
            json!({ "owner": owner, "deputies": deputies }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    res.json()
}

#[tokio::test]
async fn deactivation_moves_ownership_to_deputy_else_unit_manager() {
    let app = TestApp::new();
    make_user(&app.state, "anna", "autor", &[]);
    make_user(&app.state, "bert", "autor", &[]);
    make_user(&app.state, "wiebke", "wissensmanager", &[]);
    let a = app.create("Meldebescheinigung", "x").await;
    let b = app.create("Gewerbeanmeldung", "y").await;
    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    own(&app, a, "anna", &["bert"]).await;
    let o = own(&app, b, "anna", &[]).await;
    assert_eq!(o["owner"]["handle"], "anna");
    assert_eq!(app.get("/api/v1/retention/orphans").await.json(), json!([]));

    let p = app
        .post_json(
            "/api/v1/processes",
            json!({ "title": "Meldewesen", "unit": "Testamt", "owner": "anna" }),
        )
        .await
        .json();
    let pid = p["id"].as_str().unwrap();
    let res = app
        .put_json(
            &format!("/api/v1/processes/{pid}/ownership"),
            json!({ "owner": "anna" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);

    let res = app
        .json("PATCH", "/api/v1/users/anna", json!({ "active": false }))
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let op = app
        .get(&format!("/api/v1/processes/{pid}/ownership"))
        .await
        .json();
    assert_eq!(op["owner"]["handle"], "wiebke", "{op}");

    let oa = app
        .get(&format!("/api/v1/articles/{a}/ownership"))
        .await
        .json();
    assert_eq!(oa["owner"]["handle"], "bert");
    assert_eq!(oa["deputies"], json!([]));
    assert_eq!(oa["transferred_from"], "anna");
    let ob = app
        .get(&format!("/api/v1/articles/{b}/ownership"))
        .await
        .json();
    assert_eq!(ob["owner"]["handle"], "wiebke", "{ob}");

    let orphans = app.get("/api/v1/retention/orphans").await.json();
    let titles: Vec<&str> = orphans
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Gewerbeanmeldung", "Meldebescheinigung", "Meldewesen"]
    );
    // Confirming an owner takes the item off the list.
    own(&app, b, "wiebke", &["bert"]).await;
    assert_eq!(
        app.get("/api/v1/retention/orphans")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let page = app.get("/wissen/ohne-verantwortliche").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Meldebescheinigung"));
}

#[tokio::test]
async fn group_owners_count_their_active_members() {
    let app = TestApp::new();
    app.post_json("/api/v1/groups", json!({ "name": "Meldeteam" }))
        .await;
    let (tok, _) = make_user(&app.state, "carla", "autor", &["Meldeteam"]);
    let a = app.create("Abmeldung", "x").await;
    let a = a["id"].as_str().unwrap();
    let o = own(&app, a, "gruppe:Meldeteam", &[]).await;
    assert_eq!(o["owner"]["kind"], "group");
    assert_eq!(o["has_active"], true);
    // A member of the owning group may verify.
    let res = app
        .json_as(
            "POST",
            &format!("/api/v1/articles/{a}/verify"),
            json!({}),
            As::Token(tok),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["status"], "verifiziert");
}

#[tokio::test]
async fn only_owners_deputies_and_managers_verify() {
    let app = TestApp::new();
    let (anna, _) = make_user(&app.state, "anna", "autor", &[]);
    let (bert, _) = make_user(&app.state, "bert", "autor", &[]);
    let (wm, _) = make_user(&app.state, "wiebke", "wissensmanager", &[]);
    let a = app.create("Wohngeld", "Antrag").await;
    let a = a["id"].as_str().unwrap();
    let v = app
        .get(&format!("/api/v1/articles/{a}/verification"))
        .await
        .json();
    assert_eq!(v["status"], "entwurf");
    own(&app, a, "anna", &[]).await;

    let path = format!("/api/v1/articles/{a}/verify");
    let res = app
        .json_as("POST", &path, json!({}), As::Token(bert.clone()))
        .await;
    assert_eq!(res.status, 403, "{}", res.text);
    assert!(res.header("content-type").unwrap().contains("problem+json"));
    let res = app.json_as("POST", &path, json!({}), As::Anonymous).await;
    assert_eq!(res.status, 401);
    // Bert may not hand the ownership to himself either.
    let res = app
        .json_as(
            "PUT",
            &format!("/api/v1/articles/{a}/ownership"),
            json!({ "owner": "bert" }),
            As::Token(bert),
        )
        .await;
    assert_eq!(res.status, 403);

    let res = app
        .json_as(
            "POST",
            &path,
            json!({ "interval_days": 30 }),
            As::Token(anna),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let v = res.json();
    assert_eq!(v["status"], "verifiziert");
    assert_eq!(v["interval_days"], 30);
    assert_eq!(
        v["expires_at"].as_i64().unwrap() - v["verified_at"].as_i64().unwrap(),
        30 * 86_400_000
    );
    let res = app.json_as("POST", &path, json!({}), As::Token(wm)).await;
    assert_eq!(res.status, 200, "{}", res.text);

    // The badge on the article page and the search filter.
    let page = app.get(&format!("/artikel/{}", "wohngeld")).await;
    assert!(page.text.contains("badge-verifiziert"), "{}", page.text);
    search_until(&app, "/api/v1/search?q=Wohngeld&status=verifiziert", |j| {
        j["total"] == 1 && j["hits"][0]["status"] == "verifiziert"
    })
    .await;
    let ui = app.get("/suche?q=Wohngeld&status=verifiziert").await;
    assert!(ui.text.contains("badge-verifiziert"), "{}", ui.text);
    let j = app
        .get("/api/v1/search?q=Wohngeld&status=entwurf")
        .await
        .json();
    assert_eq!(j["total"], 0);
    let bad = app.get("/api/v1/search?q=Wohngeld&status=quatsch").await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn expiry_turns_verified_into_expired_and_reaches_the_index() {
    use stafette::domain::retention::{Verification, VerificationStatus};
    let app = TestApp::new();
    let a = app.create("Hundesteuer", "Anmeldung").await;
    let id: stafette::domain::ArticleId = a["id"].as_str().unwrap().parse().unwrap();
    let res = app
        .post_json(&format!("/api/v1/articles/{id}/verify"), json!({}))
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    search_until(
        &app,
        "/api/v1/search?q=Hundesteuer&status=verifiziert",
        |j| j["total"] == 1,
    )
    .await;
    // A confirmation that ran out yesterday.
    let past = Verification {
        status: VerificationStatus::Verifiziert,
        verified_at: Some(0),
        verified_by: Some("admin".to_owned()),
        expires_at: Some(stafette::domain::article::now() - 86_400_000),
        interval_days: None,
    };
    app.state
        .store
        .retention_put(
            stafette::store::RetentionTree::Verifications,
            &id.to_bytes(),
            &past,
        )
        .unwrap();
    // Reads see it expired at once; the daily job writes it down and reindexes.
    let v = app
        .get(&format!("/api/v1/articles/{id}/verification"))
        .await
        .json();
    assert_eq!(v["status"], "abgelaufen");
    assert_eq!(
        stafette::service::retention::daily(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        stafette::service::retention::daily(&app.state)
            .await
            .unwrap(),
        0
    );
    search_until(
        &app,
        "/api/v1/search?q=Hundesteuer&status=abgelaufen",
        |j| j["total"] == 1,
    )
    .await;
    // Expired reviews are tasks for the owner.
    let tasks = app.get("/api/v1/retention/tasks").await.json();
    assert_eq!(tasks, json!([]), "admin holds nothing yet");
    own(&app, &id.to_string(), "admin", &[]).await;
    let tasks = app.get("/api/v1/retention/tasks").await.json();
    assert_eq!(tasks[0]["kind"], "review");
    assert!(tasks[0]["text"].as_str().unwrap().contains("abgelaufen"));
}

#[tokio::test]
async fn content_edit_resets_verification_where_the_space_asks_for_it() {
    let app = TestApp::new();
    let a = app.create("Parkausweis", "v1").await;
    let id = a["id"].as_str().unwrap();
    let space = a["space"].as_str().unwrap_or("allgemein").to_owned();
    let vpath = format!("/api/v1/articles/{id}/verify");
    let verify = || app.post_json(&vpath, json!({}));
    verify().await;
    let apath = format!("/api/v1/articles/{id}");
    let edit = |rev: u64, body: &str| {
        app.put_json(
            &apath,
            json!({ "title": "Parkausweis", "body": body, "base_revision": rev }),
        )
    };
    assert_eq!(edit(1, "v2").await.status, 200);
    let v = app
        .get(&format!("/api/v1/articles/{id}/verification"))
        .await
        .json();
    assert_eq!(v["status"], "verifiziert", "default: no reset");

    let res = app
        .put_json(
            &format!("/api/v1/spaces/{space}/retention"),
            json!({ "interval_days": 180, "reset_on_edit": true }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(edit(2, "v3").await.status, 200);
    let v = app
        .get(&format!("/api/v1/articles/{id}/verification"))
        .await
        .json();
    assert_eq!(v["status"], "in_pruefung");
    let v = verify().await.json();
    assert_eq!(v["interval_days"], 180);
}

#[tokio::test]
async fn at_risk_needs_every_holder_to_leave_within_the_horizon() {
    let app = TestApp::new();
    make_user(&app.state, "anna", "autor", &[]);
    make_user(&app.state, "bert", "autor", &[]);
    let a = app.create("Eheschließung", "x").await;
    let a = a["id"].as_str().unwrap();
    own(&app, a, "anna", &["bert"]).await;
    let in_six_months = stafette::domain::retention::format_date(
        stafette::domain::article::now() + 182 * 86_400_000,
    );
    let res = app
        .put_json(
            "/api/v1/users/anna/planned-exit",
            json!({ "date": in_six_months }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    let paths: Vec<String> = (0..=12)
        .map(|m| format!("/api/v1/retention/at-risk?months={m}"))
        .collect();
    let risk = |m: usize| app.get(&paths[m]);
    assert_eq!(risk(12).await.json()["articles"], json!([]), "bert stays");
    own(&app, a, "anna", &[]).await;
    let r = risk(12).await.json();
    assert_eq!(r["articles"][0]["title"], "Eheschließung");
    assert_eq!(r["articles"][0]["holders"], json!(["anna"]));
    assert_eq!(r["articles"][0]["last_exit"], in_six_months.as_str());
    assert_eq!(
        risk(3).await.json()["articles"],
        json!([]),
        "outside the horizon"
    );
    // A consenting expert who stays keeps the knowledge; without consent they do not count.
    let (bert, _) = crate::common::make_user(&app.state, "bertha", "autor", &[]);
    let profile = |consent: bool| {
        app.json_as(
            "PUT",
            "/api/v1/experts/me",
            json!({ "consent": consent, "articles": [a] }),
            As::Token(bert.clone()),
        )
    };
    assert_eq!(profile(false).await.status, 200);
    assert_eq!(
        risk(12).await.json()["articles"].as_array().unwrap().len(),
        1
    );
    assert_eq!(profile(true).await.status, 200);
    assert_eq!(risk(12).await.json()["articles"], json!([]));
    let page = app.get("/artikel/eheschliessung").await;
    assert!(page.text.contains("bertha"), "Wen kann ich fragen?");
}

#[tokio::test]
async fn exit_dates_are_invisible_to_ordinary_staff_on_every_path() {
    let app = TestApp::new();
    let (leser, leser_s) = make_user(&app.state, "lena", "leser", &[]);
    let (autor, autor_s) = make_user(&app.state, "anna", "autor", &[]);
    make_user(&app.state, "nora", "autor", &[]);
    let res = app
        .put_json(
            "/api/v1/users/anna/planned-exit",
            json!({ "date": "2027-03-31" }),
        )
        .await;
    assert_eq!(res.status, 200);
    let plan = app
        .post_json(
            "/api/v1/handovers",
            json!({ "leaver": "anna", "successors": ["nora"] }),
        )
        .await;
    assert_eq!(plan.status, 201, "{}", plan.text);
    let plan = plan.json();
    assert_eq!(plan["exit_date"], "2027-03-31", "the manager sees it");
    let plan_id = plan["id"].as_str().unwrap();

    for token in [&leser, &autor] {
        let who = || As::Token(token.clone());
        for path in [
            "/api/v1/users/anna/planned-exit",
            "/api/v1/retention/exits",
            "/api/v1/retention/at-risk?months=12",
            "/api/v1/retention/dashboard",
            "/api/v1/retention/dashboard?format=csv",
            "/api/v1/retention/orphans",
            "/api/v1/users/anna",
            "/api/v1/users",
        ] {
            let res = app.get_as(path, who()).await;
            assert_eq!(res.status, 403, "{path}: {}", res.text);
            assert!(!res.text.contains("2027"), "{path}");
        }
        let res = app
            .json_as(
                "PUT",
                "/api/v1/users/anna/planned-exit",
                json!({ "date": "2030-01-01" }),
                who(),
            )
            .await;
        assert_eq!(res.status, 403);
        // Someone else's handover plan does not exist for them …
        let res = app
            .get_as(&format!("/api/v1/handovers/{plan_id}"), who())
            .await;
        if token == &leser {
            assert_eq!(res.status, 404);
        } else {
            // … and the leaver's own plan comes without the date.
            assert_eq!(res.status, 200);
            assert!(res.json().get("exit_date").is_none(), "{}", res.text);
        }
        let res = app.get_as("/api/v1/search?q=2027-03-31", who()).await;
        assert_eq!(res.json()["total"], 0);
    }
    for session in [&leser_s, &autor_s] {
        for path in ["/wissen/risiko", "/wissen/dashboard", "/wissen/austritte"] {
            let res = app.get_as(path, As::Session(session.clone())).await;
            assert_eq!(res.status, 403, "{path}");
            assert!(!res.text.contains("2027-03-31"));
        }
        let res = app
            .get_as(
                &format!("/wissen/stafetten/{plan_id}"),
                As::Session(session.clone()),
            )
            .await;
        assert!(!res.text.contains("2027-03-31"));
        let res = app
            .get_as("/wissen/stafetten", As::Session(session.clone()))
            .await;
        assert!(!res.text.contains("2027-03-31"));
    }
    // The manager's pages show it.
    assert!(
        app.get("/wissen/austritte")
            .await
            .text
            .contains("2027-03-31")
    );
}

#[tokio::test]
async fn retention_endpoints_are_in_the_openapi_document() {
    let app = TestApp::new();
    let doc = app.get("/api/v1/openapi.json").await.json();
    for p in [
        "/api/v1/articles/{id}/ownership",
        "/api/v1/articles/{id}/verify",
        "/api/v1/users/{id}/planned-exit",
        "/api/v1/retention/at-risk",
        "/api/v1/retention/dashboard",
        "/api/v1/handovers",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p}");
    }
}

#[tokio::test]
async fn retention_pages_render_for_managers_and_forms_work() {
    let app = TestApp::new();
    let (_, anna_s) = make_user(&app.state, "anna", "autor", &[]);
    make_user(&app.state, "nora", "autor", &[]);
    let a = app.create("Fundsachen", "x").await;
    let id = a["id"].as_str().unwrap().to_owned();
    // Ownership and verification through the article page's forms.
    let res = app
        .post_form(
            "/artikel/fundsachen/verantwortung",
            &[("owner", "anna"), ("deputies", "nora")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    let page = app
        .get_as("/artikel/fundsachen", As::Session(anna_s.clone()))
        .await;
    assert!(page.text.contains("Wen kann ich fragen?"));
    assert!(
        page.text.contains("/artikel/fundsachen/verifizieren"),
        "owner sees the button"
    );
    let res = app
        .post_form_as("/artikel/fundsachen/verifizieren", &[], Some(&anna_s))
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    let v = app
        .get(&format!("/api/v1/articles/{id}/verification"))
        .await
        .json();
    assert_eq!(v["verified_by"], "anna");
    // Exit dates and handover plans through the forms.
    let res = app
        .post_form(
            "/wissen/austritte",
            &[("login", "anna"), ("date", "2027-06-30")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    let res = app
        .post_form(
            "/wissen/stafetten",
            &[("leaver", "anna"), ("successors", "nora")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    let plan_url = res.header("location").unwrap().to_owned();
    let res = app
        .post_form(
            &plan_url,
            &[
                ("phase", "transfer"),
                ("check_0", "on"),
                ("new_topic", "Fundbuch"),
                ("new_method", "hospitation"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    let page = app.get(&plan_url).await;
    assert!(page.text.contains("Fundbuch") && page.text.contains("2027-06-30"));
    // The leaver sees her plan without the date.
    let page = app.get_as(&plan_url, As::Session(anna_s.clone())).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Fundbuch") && !page.text.contains("2027-06-30"));
    // Expert profile with consent.
    let res = app
        .post_form_as(
            "/wissen/experten",
            &[
                ("consent", "on"),
                ("topics", "Fundrecht"),
                ("articles", "fundsachen"),
            ],
            Some(&anna_s),
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert!(app.get("/wissen/experten").await.text.contains("Fundrecht"));
    let p = app
        .post_json("/api/v1/processes", json!({ "title": "Fundbüro" }))
        .await
        .json();
    let ppath = format!("/prozesse/{}", p["id"].as_str().unwrap());
    let res = app
        .post_form(
            &format!("{ppath}/verantwortung"),
            &[("owner", "anna"), ("deputies", "nora")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    let page = app.get(&ppath).await;
    assert!(page.text.contains("Wissenssicherung") && page.text.contains("nora"));
    for path in [
        "/wissen/aufgaben",
        "/wissen/dashboard",
        "/wissen/risiko?monate=24",
        "/wissen/austritte",
        "/wissen/ohne-verantwortliche",
        "/wissen/stafetten",
        "/wissen/experten",
        "/wissen/bereiche",
    ] {
        assert_eq!(app.get(path).await.status, 200, "{path}");
    }
    let res = app
        .post_form(
            "/wissen/bereiche",
            &[
                ("space", a["space"].as_str().unwrap()),
                ("interval_days", "90"),
                ("reset_on_edit", "on"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    let j = app
        .get(&format!(
            "/api/v1/spaces/{}/retention",
            a["space"].as_str().unwrap()
        ))
        .await
        .json();
    assert_eq!(j, json!({ "interval_days": 90, "reset_on_edit": true }));
    let risk = app.get("/wissen/risiko?monate=24").await;
    assert!(!risk.text.contains("Fundsachen"), "Nora stays as deputy");
    let csv = app.get("/wissen/dashboard.csv").await;
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let tasks = app.get_as("/wissen/aufgaben", As::Session(anna_s)).await;
    assert!(tasks.text.contains("Wissensstafette"), "{}", tasks.text);
}
