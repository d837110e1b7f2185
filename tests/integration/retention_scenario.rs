//! The scenario of issue #7: a unit with three people, two processes and ten articles;
//! one person leaves in ten months. The at-risk list and the dashboard show exactly the
//! steps and articles only she holds; after the handover plan is done and the successor
//! owns and verifies them, nothing is at risk.

use serde_json::{Value, json};

use crate::common::{As, TestApp, make_user};
use crate::processes::post_bytes;
use crate::retention::{own, set_unit};

fn model(process: &str, tasks: &[(&str, &str)]) -> Vec<u8> {
    let nodes: String = tasks
        .iter()
        .map(|(id, name)| format!(r#"<bpmn:userTask id="{id}" name="{name}" />"#))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:process id="{process}" name="{process}">{nodes}</bpmn:process>
</bpmn:definitions>"#
    )
    .into_bytes()
}

async fn process(app: &TestApp, title: &str, tasks: &[(&str, &str)]) -> String {
    let res = post_bytes(
        app,
        "/api/v1/processes",
        "application/xml",
        model(title, tasks),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let id = res.json()["id"].as_str().unwrap().to_owned();
    let res = app
        .put_json(
            &format!("/api/v1/processes/{id}"),
            json!({ "title": title, "unit": "Bürgeramt" }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    id
}

async fn link(app: &TestApp, pid: &str, element: &str, article: &str) {
    let res = app
        .post_json(
            &format!("/api/v1/processes/{pid}/steps/{element}/links"),
            json!({ "article_id": article, "kind": "arbeitsanweisung" }),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
}

fn names(v: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

fn unit_row(d: &Value, unit: &str) -> Value {
    d["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"] == unit)
        .cloned()
        .unwrap_or_else(|| panic!("no row for {unit}: {d}"))
}

#[tokio::test]
async fn a_retirement_in_ten_months_and_its_handover() {
    let app = TestApp::new();
    let (wm, wm_session) = make_user(&app.state, "wiebke", "wissensmanager", &[]);
    let (anna, _) = make_user(&app.state, "anna", "autor", &[]);
    make_user(&app.state, "bert", "autor", &[]);
    let (carla, _) = make_user(&app.state, "carla", "autor", &[]);
    for u in ["wiebke", "anna", "bert", "carla"] {
        set_unit(&app, u, "Bürgeramt").await;
    }
    let wm = || As::Token(wm.clone());

    // Ten articles.
    let mut ids = Vec::new();
    for i in 1..=10 {
        let a = app.create(&format!("Anleitung {i:02}"), "Inhalt").await;
        ids.push(a["id"].as_str().unwrap().to_owned());
    }
    // 1–4: only Anna. 5–7: Bert. 8–10: Carla with Anna as deputy.
    for (i, id) in ids.iter().enumerate() {
        match i {
            0..=3 => own(&app, id, "anna", &[]).await,
            4..=6 => own(&app, id, "bert", &[]).await,
            _ => own(&app, id, "carla", &["anna"]).await,
        };
    }
    let p1 = process(
        &app,
        "Meldewesen",
        &[
            ("T1", "Anmeldung erfassen"),
            ("T2", "Auskunft erteilen"),
            ("T3", "Abmeldung"),
        ],
    )
    .await;
    let p2 = process(
        &app,
        "Pass und Ausweis",
        &[
            ("U1", "Antrag aufnehmen"),
            ("U2", "Dokument aushändigen"),
            ("U3", "Verlust melden"),
        ],
    )
    .await;
    link(&app, &p1, "T1", &ids[0]).await;
    link(&app, &p1, "T2", &ids[1]).await;
    link(&app, &p1, "T2", &ids[4]).await;
    link(&app, &p1, "T3", &ids[7]).await;
    link(&app, &p2, "U1", &ids[2]).await;
    link(&app, &p2, "U2", &ids[5]).await;
    let res = app
        .json_as(
            "PUT",
            &format!("/api/v1/processes/{p2}/steps/U1/criticality"),
            json!({ "criticality": 3 }),
            wm(),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);

    // Step pages: badge, criticality; views of undocumented steps feed the dashboard.
    let page = app.get(&format!("/prozesse/{p2}/schritte/U1")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("badge-entwurf") && page.text.contains("hoch"),
        "{}",
        page.text
    );
    for _ in 0..2 {
        assert_eq!(
            app.get(&format!("/prozesse/{p2}/schritte/U3")).await.status,
            200
        );
    }

    // Anna retires in ten months.
    let exit = stafette::domain::retention::format_date(
        stafette::domain::article::now() + 304 * 86_400_000,
    );
    let res = app
        .json_as(
            "PUT",
            "/api/v1/users/anna/planned-exit",
            json!({ "date": exit }),
            wm(),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);

    let risk = app
        .get_as("/api/v1/retention/at-risk?months=12", wm())
        .await
        .json();
    // Steps: T1 (Anna's article only) and U1; U1 first (criticality 3). T2 has Bert's
    // article, T3 Carla's.
    let steps: Vec<(String, String)> = risk["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["element_id"].as_str().unwrap().to_owned(),
                s["process_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [("U1".to_owned(), p2.clone()), ("T1".to_owned(), p1.clone())]
    );
    assert_eq!(risk["steps"][0]["name"], "Antrag aufnehmen");
    assert_eq!(risk["steps"][0]["criticality"], 3);
    assert_eq!(
        names(&risk["articles"], "title"),
        [
            "Anleitung 01",
            "Anleitung 02",
            "Anleitung 03",
            "Anleitung 04"
        ]
    );
    // Six months ahead: nothing yet.
    let early = app
        .get_as("/api/v1/retention/at-risk?months=6", wm())
        .await
        .json();
    assert_eq!(early["steps"], json!([]));

    let d = app.get_as("/api/v1/retention/dashboard", wm()).await.json();
    let row = unit_row(&d, "Bürgeramt");
    assert_eq!(row["processes"], 2);
    assert_eq!(row["activities"], 6);
    assert_eq!(row["covered"], 5);
    assert_eq!(row["articles"], 10);
    assert_eq!(row["verified"], 0);
    assert_eq!(row["risk_steps"], 2);
    assert_eq!(row["risk_articles"], 4);
    assert_eq!(row["viewed_undocumented"][0]["name"], "Verlust melden");
    assert_eq!(row["viewed_undocumented"][0]["views"], 2);
    let csv = app
        .get_as("/api/v1/retention/dashboard?format=csv", wm())
        .await;
    assert!(csv.text.starts_with('\u{feff}'));
    assert!(
        csv.text
            .contains("\"Bürgeramt\";\"2\";\"6\";\"5\";\"0\";\"10\";\"0\""),
        "{}",
        csv.text
    );
    // No names of people in the dashboard.
    assert!(!csv.text.contains("anna") && !d.to_string().contains("anna"));
    let page = app
        .get_as("/wissen/risiko", As::Session(wm_session.clone()))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Antrag aufnehmen") && page.text.contains("Anleitung 04"));
    let page = app
        .get_as("/wissen/dashboard", As::Session(wm_session.clone()))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Bürgeramt"));

    // The Wissensstafette: Carla takes over Anna's four articles.
    let items: Vec<Value> = ids[..4]
        .iter()
        .map(|id| json!({ "topic": "Anleitung", "priority": 1, "method": "artikel", "target_article": id }))
        .collect();
    let plan = app
        .json_as(
            "POST",
            "/api/v1/handovers",
            json!({ "leaver": "anna", "successors": ["carla"], "items": items }),
            wm(),
        )
        .await;
    assert_eq!(plan.status, 201, "{}", plan.text);
    let plan = plan.json();
    let plan_id = plan["id"].as_str().unwrap();
    assert_eq!(plan["done"], 0);
    assert_eq!(plan["total"], 12);
    // Both participants see it in their tasks.
    for t in [&anna, &carla] {
        let tasks = app
            .get_as("/api/v1/retention/tasks", As::Token(t.clone()))
            .await
            .json();
        assert!(
            tasks
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["kind"] == "handover"),
            "{tasks}"
        );
    }

    // Anna (still owner) hands each article to Carla, Carla verifies.
    for id in &ids[..4] {
        let res = app
            .json_as(
                "PUT",
                &format!("/api/v1/articles/{id}/ownership"),
                json!({ "owner": "carla", "deputies": ["bert"] }),
                As::Token(anna.clone()),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text);
        let res = app
            .json_as(
                "POST",
                &format!("/api/v1/articles/{id}/verify"),
                json!({}),
                As::Token(carla.clone()),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.text);
    }
    let mut done_items = plan["items"].clone();
    for i in done_items.as_array_mut().unwrap() {
        i["status"] = json!("erledigt");
    }
    let mut checklist = plan["checklist"].clone();
    for c in checklist.as_array_mut().unwrap() {
        c["done"] = json!(true);
    }
    let res = app
        .json_as(
            "PUT",
            &format!("/api/v1/handovers/{plan_id}"),
            json!({ "phase": "abgeschlossen", "items": done_items, "checklist": checklist }),
            As::Token(carla.clone()),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text);
    assert_eq!(res.json()["done"], 12);

    let risk = app
        .get_as("/api/v1/retention/at-risk?months=12", wm())
        .await
        .json();
    assert_eq!(risk["steps"], json!([]));
    assert_eq!(risk["articles"], json!([]));
    let row = unit_row(
        &app.get_as("/api/v1/retention/dashboard", wm()).await.json(),
        "Bürgeramt",
    );
    assert_eq!(row["risk_steps"], 0);
    assert_eq!(row["risk_articles"], 0);
    assert_eq!(row["verified"], 4);
    assert_eq!(row["covered_verified"], 3, "T1, T2 and U1");
    assert_eq!(row["handover_done"], 12);
    assert_eq!(row["handover_total"], 12);

    // Anna leaves: her deputy role on 8–10 ends, nothing moves to the manager.
    let res = app
        .json("PATCH", "/api/v1/users/anna", json!({ "active": false }))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        app.get_as("/api/v1/retention/orphans", wm()).await.json(),
        json!([])
    );
    let o = app
        .get(&format!("/api/v1/articles/{}/ownership", ids[8]))
        .await
        .json();
    assert_eq!(o["deputies"], json!([]));
}

#[tokio::test]
async fn a_consenting_expert_who_stays_keeps_a_step_safe() {
    let app = TestApp::new();
    make_user(&app.state, "anna", "autor", &[]);
    let (_, bert_s) = make_user(&app.state, "bert", "autor", &[]);
    let a = app.create("Anleitung", "x").await;
    let a = a["id"].as_str().unwrap().to_owned();
    own(&app, &a, "anna", &[]).await;
    let p = process(&app, "Meldewesen", &[("T1", "Anmeldung erfassen")]).await;
    link(&app, &p, "T1", &a).await;
    let exit = stafette::domain::retention::format_date(
        stafette::domain::article::now() + 100 * 86_400_000,
    );
    app.put_json("/api/v1/users/anna/planned-exit", json!({ "date": exit }))
        .await;
    let steps = || async {
        app.get("/api/v1/retention/at-risk?months=12").await.json()["steps"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(steps().await, 1);
    // Bert marks the step on its page, but has not consented yet: still at risk.
    let step_page = format!("/prozesse/{p}/schritte/T1");
    let res = app
        .post_form_as(&format!("{step_page}/experte"), &[], Some(&bert_s))
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_eq!(steps().await, 1);
    let res = app
        .post_form_as("/wissen/experten", &[("consent", "on")], Some(&bert_s))
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_eq!(steps().await, 0);
    let page = app.get(&step_page).await;
    assert!(page.text.contains("bert"), "Wen kann ich fragen?");
}
