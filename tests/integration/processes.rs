//! Processes (issue #6) through the real router: register, BPMN import, steps, links,
//! re-import with kept and rewritten ids, anchors, coverage, pages, widget, search.

use axum::body::Body;
use axum::http::{Request, header};
use serde_json::{Value, json};

use crate::bpmn::fixture;
use crate::common::{CSRF, Res, TestApp};

/// Posts raw bytes as the request body.
pub(crate) async fn post_bytes(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Res {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

/// Imports a fixture as a new process; returns the process JSON.
pub(crate) async fn import(app: &TestApp, bytes: Vec<u8>) -> Value {
    let res = post_bytes(app, "/api/v1/processes", "application/xml", bytes).await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()
}

fn steps_by_id(steps: &Value) -> std::collections::HashMap<String, Value> {
    steps
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["element_id"].as_str().unwrap().to_owned(), s.clone()))
        .collect()
}

/// A small model: a lane with named tasks; `ids` maps the logical names to element ids.
fn model(ids: &[(&str, &str)], with_old: bool) -> Vec<u8> {
    let id = |k: &str| ids.iter().find(|(n, _)| *n == k).map(|(_, v)| *v).unwrap();
    let old = if with_old {
        format!(r#"<bpmn:task id="{}" name="Altes Verfahren" />"#, id("alt"))
    } else {
        String::new()
    };
    let old_ref = if with_old {
        format!("<bpmn:flowNodeRef>{}</bpmn:flowNodeRef>", id("alt"))
    } else {
        String::new()
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" targetNamespace="x">
  <bpmn:process id="P" name="Sondernutzung">
    <bpmn:laneSet id="LS">
      <bpmn:lane id="L1" name="Sachbearbeitung">
        <bpmn:flowNodeRef>{start}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>{pruefen}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>{bescheid}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>{ablegen1}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>{ablegen2}</bpmn:flowNodeRef>
        {old_ref}
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="{start}" name="Antrag eingegangen" />
    <bpmn:userTask id="{pruefen}" name="Antrag prüfen"><bpmn:documentation>Vollständigkeit &lt;b&gt;prüfen&lt;/b&gt;</bpmn:documentation></bpmn:userTask>
    <bpmn:userTask id="{bescheid}" name="Bescheid erstellen" />
    <bpmn:task id="{ablegen1}" name="Akte ablegen" />
    <bpmn:task id="{ablegen2}" name="Akte ablegen" />
    {old}
    <bpmn:sequenceFlow id="F1" sourceRef="{start}" targetRef="{pruefen}" />
    <bpmn:sequenceFlow id="F2" sourceRef="{pruefen}" targetRef="{bescheid}" />
  </bpmn:process>
</bpmn:definitions>"#,
        start = id("start"),
        pruefen = id("pruefen"),
        bescheid = id("bescheid"),
        ablegen1 = id("ablegen1"),
        ablegen2 = id("ablegen2"),
    )
    .into_bytes()
}

const V1: &[(&str, &str)] = &[
    ("start", "Start_1"),
    ("pruefen", "Task_Pruefen"),
    ("bescheid", "Task_Bescheid"),
    ("ablegen1", "Task_Ablegen_1"),
    ("ablegen2", "Task_Ablegen_2"),
    ("alt", "Task_Alt"),
];

/// Same model as exported by a tool that rewrites every id except the start event's.
const V2: &[(&str, &str)] = &[
    ("start", "Start_1"),
    ("pruefen", "sid-A1"),
    ("bescheid", "sid-B2"),
    ("ablegen1", "sid-C3"),
    ("ablegen2", "sid-D4"),
];

async fn link(app: &TestApp, pid: &str, element: &str, article: &str, kind: &str) -> Value {
    let res = app
        .post_json(
            &format!("/api/v1/processes/{pid}/steps/{element}/links"),
            json!({ "article_id": article, "kind": kind }),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    res.json()
}

#[tokio::test]
async fn register_entry_without_model_and_leika_validation() {
    let app = TestApp::new();
    let res = app
        .post_json(
            "/api/v1/processes",
            json!({"title": "Hundesteuer festsetzen", "unit": "Steueramt", "owner": "m.muster", "leika": "99012345678000", "status": "aktiv"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let p = res.json();
    assert_eq!(p["revision"], 0);
    assert_eq!(p["has_model"], false);
    assert_eq!(p["leika"], "99012345678000");
    assert_eq!(p["status"], "aktiv");
    let id = p["id"].as_str().unwrap();
    let got = app.get(&format!("/api/v1/processes/{id}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["title"], "Hundesteuer festsetzen");
    // No model: no steps.
    assert_eq!(
        app.get(&format!("/api/v1/processes/{id}/steps"))
            .await
            .status,
        404
    );

    let bad = app
        .post_json("/api/v1/processes", json!({"title": "X", "leika": "12345"}))
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.header("content-type"), Some("application/problem+json"));
    assert!(
        bad.json()["detail"]
            .as_str()
            .unwrap()
            .contains("14 Ziffern")
    );

    let upd = app
        .put_json(
            &format!("/api/v1/processes/{id}"),
            json!({"title": "Hundesteuer", "unit": "Kämmerei", "owner": "", "leika": "990123456780001"}),
        )
        .await;
    assert_eq!(upd.status, 400);
    let upd = app
        .put_json(
            &format!("/api/v1/processes/{id}"),
            json!({"title": "Hundesteuer", "unit": "Kämmerei", "owner": "", "leika": ""}),
        )
        .await;
    assert_eq!(upd.status, 200, "{}", upd.text);
    assert_eq!(upd.json()["unit"], "Kämmerei");
    assert_eq!(upd.json()["leika"], Value::Null);

    // Unknown ids are 404, not 500.
    assert_eq!(app.get("/api/v1/processes/nope").await.status, 404);
    assert_eq!(
        app.get("/api/v1/processes/01ARZ3NDEKTSV4RRFFQ69G5FAV")
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn importing_the_latin1_municipal_model_gives_steps_lanes_and_documentation() {
    let app = TestApp::new();
    let p = import(&app, fixture("gewerbe-iso-8859-1.bpmn")).await;
    assert_eq!(p["revision"], 1);
    assert_eq!(p["encoding"], "windows-1252");
    assert_eq!(p["has_diagram"], true);
    assert_eq!(p["counts"]["lanes"], 4);
    assert_eq!(p["counts"]["steps"], 23);
    assert_eq!(p["warnings"], json!([]));
    assert_eq!(p["title"], "Gewerbeanzeige bearbeiten");
    let id = p["id"].as_str().unwrap();

    let steps = app.get(&format!("/api/v1/processes/{id}/steps")).await;
    assert_eq!(steps.status, 200);
    let steps = steps.json();
    assert_eq!(steps.as_array().unwrap().len(), 23);
    let by_id = steps_by_id(&steps);
    let deep = &by_id["Activity_Fuehrungszeugnis"];
    assert_eq!(deep["name"], "Führungszeugnis bewerten");
    assert_eq!(deep["parent"], "Activity_Zuverlaessigkeit");
    assert_eq!(deep["has_shape"], true);
    assert_eq!(deep["articles"], json!([]));
    assert_eq!(
        by_id["Activity_Erfassen"]["lane_path"],
        json!(["Bürgerbüro"])
    );
    assert_eq!(
        deep["url"],
        format!("/prozesse/{id}/schritte/Activity_Fuehrungszeugnis")
    );

    let activities = app
        .get(&format!("/api/v1/processes/{id}/steps?kind=activity"))
        .await
        .json();
    assert_eq!(activities.as_array().unwrap().len(), 11);
    let gateways = app
        .get(&format!(
            "/api/v1/processes/{id}/steps?type=exclusiveGateway"
        ))
        .await
        .json();
    assert!(
        gateways
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["type"] == "exclusiveGateway")
    );
    assert!(!gateways.as_array().unwrap().is_empty());

    // The raw file is kept byte for byte.
    let file = app
        .get(&format!("/api/v1/processes/{id}/revisions/1/file"))
        .await;
    assert_eq!(file.status, 200);
    let raw = fixture("gewerbe-iso-8859-1.bpmn");
    assert_eq!(file.text, String::from_utf8_lossy(&raw));

    // The viewer gets UTF-8.
    let xml = app.get(&format!("/prozesse/{id}/diagramm.bpmn")).await;
    assert_eq!(xml.status, 200);
    assert!(xml.text.contains("Führungszeugnis bewerten"));
    assert!(xml.text.contains("encoding=\"UTF-8\""));
}

#[tokio::test]
async fn all_own_fixtures_import_without_server_errors() {
    let app = TestApp::new();
    for (name, ok) in [
        ("A.1.0.bpmn", true),
        ("A.4.0.bpmn", true),
        ("bad-encoding.bpmn", true),
        ("bonita-A.4.0-roundtrip-semantic.bpmn", true),
        ("documentation.bpmn", true),
        ("gewerbe-iso-8859-1.bpmn", true),
        ("gewerbe-utf-16.bpmn", true),
        ("lane-childLaneSets.part.bpmn", false),
        ("namespace-redefinition.bpmn", true),
        ("personalausweis-beantragen.bpmn", true),
        ("wohngeldantrag-pruefen.bpmn", true),
    ] {
        let res = post_bytes(&app, "/api/v1/processes", "application/xml", fixture(name)).await;
        if ok {
            assert_eq!(res.status, 201, "{name}: {}", res.text);
            let id = res.json()["id"].as_str().unwrap().to_owned();
            let steps = app.get(&format!("/api/v1/processes/{id}/steps")).await;
            assert_eq!(steps.status, 200, "{name}");
            let page = app.get(&format!("/prozesse/{id}")).await;
            assert_eq!(page.status, 200, "{name}");
        } else {
            assert_eq!(res.status, 400, "{name}: {}", res.text);
        }
    }
    let wohngeld = post_bytes(
        &app,
        "/api/v1/processes?title=Wohngeld",
        "text/xml",
        fixture("wohngeldantrag-pruefen.bpmn"),
    )
    .await
    .json();
    assert_eq!(wohngeld["title"], "Wohngeld");
    assert_eq!(wohngeld["counts"]["lanes"], 4);
}

#[tokio::test]
async fn multipart_upload_with_title() {
    let app = TestApp::new();
    let mut body = Vec::new();
    body.extend_from_slice(b"--B0undary\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nPersonalausweis\r\n--B0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"pa.bpmn\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    body.extend_from_slice(&fixture("personalausweis-beantragen.bpmn"));
    body.extend_from_slice(b"\r\n--B0undary--\r\n");
    let res = post_bytes(
        &app,
        "/api/v1/processes",
        "multipart/form-data; boundary=B0undary",
        body,
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let p = res.json();
    assert_eq!(p["title"], "Personalausweis");
    assert_eq!(p["encoding"], "windows-1252");
}

#[tokio::test]
async fn broken_files_get_a_clear_error_with_line() {
    let app = TestApp::new();
    let broken = b"<?xml version=\"1.0\"?>\n<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n  <bpmn:process id=\"P\">\n    <bpmn:task id=\"T\" name=\"x\">\n  </bpmn:process>\n</bpmn:definitions>\n".to_vec();
    let res = post_bytes(&app, "/api/v1/processes", "application/xml", broken).await;
    assert_eq!(res.status, 400, "{}", res.text);
    assert_eq!(res.header("content-type"), Some("application/problem+json"));
    let detail = res.json()["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("Zeile 5"), "{detail}");

    let xxe = b"<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"><bpmn:process id=\"P\"><bpmn:task id=\"T\" name=\"&x;\"/></bpmn:process></bpmn:definitions>".to_vec();
    let res = post_bytes(&app, "/api/v1/processes", "application/xml", xxe).await;
    assert_eq!(res.status, 400, "{}", res.text);
    let detail = res.json()["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("DOCTYPE") || detail.contains("DTD"),
        "{detail}"
    );
    assert!(!detail.contains("root:"), "{detail}");

    let empty = post_bytes(&app, "/api/v1/processes", "application/xml", Vec::new()).await;
    assert_eq!(empty.status, 400);

    // Nothing was stored by the failures.
    let list = app.get("/api/v1/processes").await.json();
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn uploads_above_the_cap_are_refused_with_413() {
    let app = TestApp::new();
    let mut big = b"<?xml version=\"1.0\"?><bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\"><!--".to_vec();
    big.resize(11 * 1024 * 1024, b'x');
    big.extend_from_slice(b"--></bpmn:definitions>");
    let res = post_bytes(&app, "/api/v1/processes", "application/xml", big).await;
    assert_eq!(res.status, 413, "{}", res.text);
    // Between axum's 2 MiB default and our 10 MiB cap: accepted.
    let mut mid = fixture("A.1.0.bpmn");
    let pad = vec![b' '; 3 * 1024 * 1024];
    mid.extend_from_slice(&pad);
    let res = post_bytes(&app, "/api/v1/processes", "application/xml", mid).await;
    assert_eq!(res.status, 201, "{}", res.text);
}

#[tokio::test]
async fn links_are_created_listed_and_deleted() {
    let app = TestApp::new();
    let a = app.create("Gewerbeanzeige erfassen", "So geht's.").await;
    let b = app.create("GewO § 14", "Rechtsgrundlage.").await;
    let p = import(&app, fixture("gewerbe-iso-8859-1.bpmn")).await;
    let pid = p["id"].as_str().unwrap();
    let l1 = link(
        &app,
        pid,
        "Activity_Erfassen",
        a["id"].as_str().unwrap(),
        "arbeitsanweisung",
    )
    .await;
    // By slug, too.
    let l2 = link(
        &app,
        pid,
        "Activity_Erfassen",
        b["slug"].as_str().unwrap(),
        "Rechtsgrundlage",
    )
    .await;
    assert_eq!(l2["kind"], "rechtsgrundlage");
    assert_eq!(l2["order"], 1);

    // An explicit order puts a link first.
    let c = app.create("Sonderfall Reisegewerbe", "x").await;
    let first = app
        .post_json(
            &format!("/api/v1/processes/{pid}/steps/Activity_Erfassen/links"),
            json!({"article_id": c["id"], "kind": "sonderfall", "order": 0}),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    let ordered = app
        .get(&format!(
            "/api/v1/processes/{pid}/steps/Activity_Erfassen/articles"
        ))
        .await
        .json();
    assert_eq!(ordered.as_array().unwrap().len(), 3);
    assert_eq!(ordered[0]["title"], "Sonderfall Reisegewerbe");
    assert_eq!(ordered[1]["title"], "Gewerbeanzeige erfassen");
    assert_eq!(ordered[2]["order"], 2);
    app.delete(&format!(
        "/api/v1/processes/{pid}/links/{}",
        first.json()["id"].as_str().unwrap()
    ))
    .await;

    let dup = app
        .post_json(
            &format!("/api/v1/processes/{pid}/steps/Activity_Erfassen/links"),
            json!({"article_id": a["id"], "kind": "arbeitsanweisung"}),
        )
        .await;
    assert_eq!(dup.status, 409);
    let bad_kind = app
        .post_json(
            &format!("/api/v1/processes/{pid}/steps/Activity_Erfassen/links"),
            json!({"article_id": a["id"], "kind": "rezept"}),
        )
        .await;
    assert_eq!(bad_kind.status, 400);
    let no_step = app
        .post_json(
            &format!("/api/v1/processes/{pid}/steps/Nope/links"),
            json!({"article_id": a["id"], "kind": "faq"}),
        )
        .await;
    assert_eq!(no_step.status, 404);
    let no_article = app
        .post_json(
            &format!("/api/v1/processes/{pid}/steps/Activity_Erfassen/links"),
            json!({"article_id": "gibt-es-nicht", "kind": "faq"}),
        )
        .await;
    assert_eq!(no_article.status, 400);

    let arts = app
        .get(&format!(
            "/api/v1/processes/{pid}/steps/Activity_Erfassen/articles"
        ))
        .await;
    assert_eq!(arts.status, 200);
    let arts = arts.json();
    assert_eq!(arts.as_array().unwrap().len(), 2);
    assert_eq!(arts[0]["title"], "Gewerbeanzeige erfassen");
    assert_eq!(arts[0]["kind"], "arbeitsanweisung");
    assert_eq!(arts[1]["kind"], "rechtsgrundlage");

    let steps = steps_by_id(
        &app.get(&format!("/api/v1/processes/{pid}/steps"))
            .await
            .json(),
    );
    assert_eq!(
        steps["Activity_Erfassen"]["articles"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // "Verwendet in" on the article page.
    let page = app
        .get(&format!("/artikel/{}", a["slug"].as_str().unwrap()))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Verwendet in"), "{}", page.text);
    assert!(page.text.contains("Anzeige erfassen"));
    assert!(
        page.text
            .contains(&format!("/prozesse/{pid}/schritte/Activity_Erfassen"))
    );

    let used = app
        .get(&format!(
            "/api/v1/articles/{}/steps",
            a["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(used.status, 200, "{}", used.text);
    let used = used.json();
    assert_eq!(used[0]["element_id"], "Activity_Erfassen");
    assert_eq!(used[0]["process_id"], pid);
    assert_eq!(used[0]["kind"], "arbeitsanweisung");

    // Trashed articles disappear from the step.
    let del = app
        .delete(&format!("/api/v1/articles/{}", b["id"].as_str().unwrap()))
        .await;
    assert!(del.status < 300, "{}", del.text);
    let arts = app
        .get(&format!(
            "/api/v1/processes/{pid}/steps/Activity_Erfassen/articles"
        ))
        .await
        .json();
    assert_eq!(arts.as_array().unwrap().len(), 1);

    let res = app
        .delete(&format!(
            "/api/v1/processes/{pid}/steps/Activity_Erfassen/links/{}",
            l1["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status, 204);
    let arts = app
        .get(&format!(
            "/api/v1/processes/{pid}/steps/Activity_Erfassen/articles"
        ))
        .await
        .json();
    assert_eq!(arts.as_array().unwrap().len(), 0);
    let again = app
        .delete(&format!(
            "/api/v1/processes/{pid}/links/{}",
            l1["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn reimport_with_same_ids_keeps_links() {
    let app = TestApp::new();
    let a = app.create("Führungszeugnis bewerten", "…").await;
    let p = import(&app, fixture("gewerbe-iso-8859-1.bpmn")).await;
    let pid = p["id"].as_str().unwrap();
    link(
        &app,
        pid,
        "Activity_Fuehrungszeugnis",
        a["id"].as_str().unwrap(),
        "checkliste",
    )
    .await;
    // The same model again, this time as UTF-16.
    let res = post_bytes(
        &app,
        &format!("/api/v1/processes/{pid}/revisions"),
        "application/xml",
        fixture("gewerbe-utf-16.bpmn"),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let rev = res.json();
    assert_eq!(rev["revision"], 2);
    assert_eq!(rev["anchors"]["kept"], 1);
    assert_eq!(rev["anchors"]["orphaned"], 0);
    let arts = app
        .get(&format!(
            "/api/v1/processes/{pid}/steps/Activity_Fuehrungszeugnis/articles"
        ))
        .await
        .json();
    assert_eq!(arts[0]["title"], "Führungszeugnis bewerten");
    // Both raw files are kept.
    assert_eq!(
        app.get(&format!("/api/v1/processes/{pid}/revisions/1/file"))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(&format!("/api/v1/processes/{pid}")).await.json()["revision"],
        2
    );
}

#[tokio::test]
async fn reimport_with_rewritten_ids_reanchors_suggests_and_lists_orphans() {
    let app = TestApp::new();
    let mut art = Vec::new();
    for t in [
        "Startinfo",
        "Prüfanleitung",
        "Bescheidvorlage",
        "Ablage 1",
        "Ablage 2",
        "Altes",
    ] {
        art.push(
            app.create(t, "Text").await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let p = import(&app, model(V1, true)).await;
    let pid = p["id"].as_str().unwrap().to_owned();
    link(&app, &pid, "Start_1", &art[0], "faq").await;
    link(&app, &pid, "Task_Pruefen", &art[1], "arbeitsanweisung").await;
    link(&app, &pid, "Task_Bescheid", &art[2], "formular").await;
    let ablage = link(&app, &pid, "Task_Ablegen_1", &art[3], "sonderfall").await;
    link(&app, &pid, "Task_Ablegen_2", &art[4], "sonderfall").await;
    let old = link(&app, &pid, "Task_Alt", &art[5], "arbeitsanweisung").await;

    let res = post_bytes(
        &app,
        &format!("/api/v1/processes/{pid}/revisions"),
        "application/xml",
        model(V2, false),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let rev = res.json();
    assert_eq!(rev["anchors"]["kept"], 1);
    assert_eq!(rev["anchors"]["suggested"], 2);
    assert_eq!(rev["anchors"]["orphaned"], 1);
    let moved: Vec<(String, String)> = rev["anchors"]["reanchored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["from"].as_str().unwrap().to_owned(),
                r["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        moved.contains(&("Task_Pruefen".to_owned(), "sid-A1".to_owned())),
        "{moved:?}"
    );
    assert!(
        moved.contains(&("Task_Bescheid".to_owned(), "sid-B2".to_owned())),
        "{moved:?}"
    );
    assert_eq!(moved.len(), 2);

    let steps = steps_by_id(
        &app.get(&format!("/api/v1/processes/{pid}/steps"))
            .await
            .json(),
    );
    assert_eq!(steps["sid-A1"]["articles"][0]["title"], "Prüfanleitung");
    assert_eq!(steps["sid-B2"]["articles"][0]["title"], "Bescheidvorlage");
    assert_eq!(steps["Start_1"]["articles"][0]["title"], "Startinfo");
    assert_eq!(steps["sid-C3"]["articles"], json!([]));

    // Old deep links lead to the re-anchored step.
    let deep = app
        .get(&format!("/prozesse/{pid}/schritte/Task_Pruefen"))
        .await;
    assert_eq!(deep.status, 308, "{}", deep.text);
    assert_eq!(
        deep.header("location"),
        Some(format!("/prozesse/{pid}/schritte/sid-A1").as_str())
    );

    let anchors = app.get(&format!("/api/v1/processes/{pid}/anchors")).await;
    assert_eq!(anchors.status, 200);
    let anchors = anchors.json();
    assert_eq!(anchors["suggestions"].as_array().unwrap().len(), 2);
    assert_eq!(anchors["orphans"].as_array().unwrap().len(), 1);
    assert_eq!(anchors["orphans"][0]["link_id"], old["id"]);
    assert_eq!(anchors["orphans"][0]["step"]["name"], "Altes Verfahren");
    let sugg = anchors["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["link_id"] == ablage["id"])
        .unwrap();
    let cands: Vec<&str> = sugg["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["element_id"].as_str().unwrap())
        .collect();
    assert_eq!(cands.len(), 2);
    assert!(cands.contains(&"sid-C3") && cands.contains(&"sid-D4"));
    assert_eq!(
        anchors["last_import"]["reanchored"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The owner confirms one suggestion.
    let link_id = ablage["id"].as_str().unwrap();
    let bad = app
        .post_json(
            &format!("/api/v1/processes/{pid}/anchors/{link_id}/confirm"),
            json!({"element_id": "Task_Ablegen_1"}),
        )
        .await;
    assert_eq!(bad.status, 400);
    let ok = app
        .post_json(
            &format!("/api/v1/processes/{pid}/anchors/{link_id}/confirm"),
            json!({"element_id": "sid-C3"}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.json()["anchored"], true);
    let arts = app
        .get(&format!("/api/v1/processes/{pid}/steps/sid-C3/articles"))
        .await
        .json();
    assert_eq!(arts[0]["title"], "Ablage 1");
    let anchors = app
        .get(&format!("/api/v1/processes/{pid}/anchors"))
        .await
        .json();
    assert_eq!(anchors["suggestions"].as_array().unwrap().len(), 1);

    // Rejecting the other suggestion keeps the link as an orphan, never drops it.
    let other = anchors["suggestions"][0]["link_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rej = app
        .post_json(
            &format!("/api/v1/processes/{pid}/anchors/{other}/reject"),
            json!({}),
        )
        .await;
    assert_eq!(rej.status, 200, "{}", rej.text);
    let anchors = app
        .get(&format!("/api/v1/processes/{pid}/anchors"))
        .await
        .json();
    assert_eq!(anchors["suggestions"].as_array().unwrap().len(), 0);
    assert_eq!(anchors["orphans"].as_array().unwrap().len(), 2);

    // An orphan can be placed by hand.
    let placed = app
        .post_json(
            &format!("/api/v1/processes/{pid}/anchors/{other}/confirm"),
            json!({"element_id": "sid-D4"}),
        )
        .await;
    assert_eq!(placed.status, 200);

    // A third import that brings the old step back re-attaches its orphan by id.
    let res = post_bytes(
        &app,
        &format!("/api/v1/processes/{pid}/revisions"),
        "application/xml",
        model(
            &[
                ("start", "Start_1"),
                ("pruefen", "sid-A1"),
                ("bescheid", "sid-B2"),
                ("ablegen1", "sid-C3"),
                ("ablegen2", "sid-D4"),
                ("alt", "Task_Alt"),
            ],
            true,
        ),
    )
    .await;
    assert_eq!(res.status, 201);
    let anchors = app
        .get(&format!("/api/v1/processes/{pid}/anchors"))
        .await
        .json();
    assert_eq!(anchors["orphans"].as_array().unwrap().len(), 0, "{anchors}");
}

#[tokio::test]
async fn coverage_per_process_and_unit_with_csv() {
    let app = TestApp::new();
    let a = app.create("Anleitung", "x").await;
    let p = import(&app, model(V1, true)).await;
    let pid = p["id"].as_str().unwrap();
    app.put_json(
        &format!("/api/v1/processes/{pid}"),
        json!({"title": "Sondernutzung", "unit": "Tiefbauamt"}),
    )
    .await;
    link(
        &app,
        pid,
        "Task_Pruefen",
        a["id"].as_str().unwrap(),
        "arbeitsanweisung",
    )
    .await;
    let c = app
        .get(&format!("/api/v1/processes/{pid}/coverage"))
        .await
        .json();
    assert_eq!(c["activities"], 5);
    assert_eq!(c["with_articles"], 1);
    assert_eq!(c["without_articles"], 4);
    assert_eq!(c["with_verified_articles"], 0);
    let csv = app
        .get(&format!("/api/v1/processes/{pid}/coverage?format=csv"))
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 6);
    assert!(lines[0].starts_with("Prozess;Element-ID;Schritt"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Task_Pruefen;Antrag prüfen") && l.ends_with(";1;verknüpft"))
    );

    let units = app.get("/api/v1/coverage").await.json();
    assert_eq!(units[0]["label"], "Tiefbauamt");
    assert_eq!(units[0]["percent"], 20);
    let csv = app.get("/api/v1/coverage?format=csv").await;
    assert!(csv.text.contains("Tiefbauamt;5;4;1;0;20"));
    // HTML faces.
    assert_eq!(
        app.get(&format!("/prozesse/{pid}/abdeckung")).await.status,
        200
    );
    assert_eq!(app.get("/prozesse/abdeckung").await.status, 200);
}

#[tokio::test]
async fn step_search_hits_lead_to_the_step() {
    let app = TestApp::new();
    let p = import(&app, fixture("gewerbe-iso-8859-1.bpmn")).await;
    let pid = p["id"].as_str().unwrap();
    let res = app.get("/api/v1/search?q=Gewerbezentralregister").await;
    assert_eq!(res.status, 200, "{}", res.text);
    let hits = res.json()["hits"].clone();
    let hit = hits
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["url"].as_str().unwrap_or("").contains("/schritte/"))
        .unwrap_or_else(|| panic!("no step hit: {hits}"));
    assert_eq!(hit["url"], format!("/prozesse/{pid}/schritte/Activity_Gzr"));
    // Lane names find steps, too.
    let res = app.get("/api/v1/search?q=Sachgebietsleitung").await.json();
    assert!(
        res["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["url"].as_str().unwrap().contains(pid))
    );
    // The HTML result page links through the click counter to the step.
    let page = app.get("/suche?q=Gewerbezentralregister").await;
    assert!(
        page.text.contains("schritte%2FActivity_Gzr"),
        "{}",
        page.text
    );
    let go = app
        .get(&format!(
            "/suche/treffer?q=x&ziel=/prozesse/{pid}/schritte/Activity_Gzr"
        ))
        .await;
    assert_eq!(
        go.header("location"),
        Some(format!("/prozesse/{pid}/schritte/Activity_Gzr").as_str())
    );

    // A rebuild from sled restores the steps.
    stafette::service::search::rebuild(&app.state)
        .await
        .unwrap();
    let res = app
        .get("/api/v1/search?q=Gewerbezentralregister")
        .await
        .json();
    assert!(!res["hits"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn process_pages_render_with_step_list_and_panel_markup() {
    let app = TestApp::new();
    let a = app.create("Anzeige erfassen – Anleitung", "x").await;
    let p = import(&app, fixture("gewerbe-iso-8859-1.bpmn")).await;
    let pid = p["id"].as_str().unwrap();
    link(
        &app,
        pid,
        "Activity_Erfassen",
        a["id"].as_str().unwrap(),
        "arbeitsanweisung",
    )
    .await;

    let list = app.get("/prozesse").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("Gewerbeanzeige bearbeiten"));

    let page = app.get(&format!("/prozesse/{pid}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("id=\"bpmn-canvas\""));
    assert!(page.text.contains("Stadt Musterstadt – Ordnungsamt"));
    assert!(page.text.contains("Bürgerbüro"));
    assert!(page.text.contains(&format!(
        "href=\"/prozesse/{pid}/schritte/Activity_Erfassen\""
    )));
    assert!(page.text.contains("/static/"));
    assert!(!page.text.contains("style=\""));
    assert!(!page.text.contains("<script>"));

    let step = app
        .get(&format!("/prozesse/{pid}/schritte/Activity_Erfassen"))
        .await;
    assert_eq!(step.status, 200);
    assert!(step.text.contains("Anzeige erfassen"));
    assert!(step.text.contains("Anzeige erfassen – Anleitung"));
    assert!(step.text.contains("Arbeitsanweisung"));
    assert_eq!(
        app.get(&format!("/prozesse/{pid}/schritte/Nope"))
            .await
            .status,
        404
    );

    // Link through the HTML form, then remove it again.
    let b = app.create("Checkliste Erfassung", "x").await;
    let res = app
        .post_form(
            &format!("/prozesse/{pid}/schritte/Activity_Erfassen/verknuepfen"),
            &[
                ("article", b["slug"].as_str().unwrap()),
                ("kind", "checkliste"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    let step = app
        .get(&format!("/prozesse/{pid}/schritte/Activity_Erfassen"))
        .await;
    assert!(step.text.contains("Checkliste Erfassung"));

    // Create an article pre-filled for the step, linked at once.
    let res = app
        .post_form(
            &format!("/prozesse/{pid}/schritte/Activity_Gzr/artikel-anlegen"),
            &[("kind", "arbeitsanweisung")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert!(res.header("location").unwrap().starts_with("/artikel/"));
    let arts = app
        .get(&format!(
            "/api/v1/processes/{pid}/steps/Activity_Gzr/articles"
        ))
        .await
        .json();
    assert_eq!(arts[0]["title"], "Gewerbezentralregister abfragen");

    // New register entry and LeiKa validation in the UI.
    let res = app
        .post_form("/prozesse", &[("title", "Test"), ("leika", "123")])
        .await;
    assert_eq!(res.status, 400);
    assert!(res.text.contains("14 Ziffern"));
    let res = app
        .post_form(
            "/prozesse",
            &[
                ("title", "Test"),
                ("leika", "99012345678000"),
                ("unit", "Amt 1"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
}

#[tokio::test]
async fn widget_has_its_own_frame_ancestors() {
    let app = TestApp::new();
    let p = import(&app, fixture("gewerbe-iso-8859-1.bpmn")).await;
    let pid = p["id"].as_str().unwrap();
    let w = app
        .get(&format!(
            "/einbetten/prozesse/{pid}/schritte/Activity_Erfassen"
        ))
        .await;
    assert_eq!(w.status, 200);
    let csp = w.header("content-security-policy").unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(w.text.contains("Anzeige erfassen"));
    // Normal pages keep DENY.
    let page = app.get(&format!("/prozesse/{pid}")).await;
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
}

#[tokio::test]
async fn widget_allows_configured_origins() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = stafette::config::Config::for_dir(dir.path());
    config.embed_origins = vec!["https://portal.example.de".to_owned()];
    let app = TestApp::with_config(dir, config);
    let p = import(&app, fixture("gewerbe-iso-8859-1.bpmn")).await;
    let pid = p["id"].as_str().unwrap();
    let w = app
        .get(&format!(
            "/einbetten/prozesse/{pid}/schritte/Activity_Erfassen"
        ))
        .await;
    assert_eq!(w.status, 200);
    let csp = w.header("content-security-policy").unwrap();
    assert!(
        csp.contains("frame-ancestors https://portal.example.de"),
        "{csp}"
    );
    assert!(csp.contains("script-src 'self'"));
    assert_eq!(w.header("x-frame-options"), None);
    let _ = CSRF;
}

fn cli(data_dir: &std::path::Path, port: u16, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_stafette"))
        .args(args)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn cli_process_import_works_offline_and_against_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/bpmn/gewerbe-iso-8859-1.bpmn");
    let file = file.to_str().unwrap();
    let port = crate::socket::free_port();
    // No server: straight into the data directory.
    let out = cli(&data, port, &["process", "import", "--json", file]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(first["counts"]["steps"], 23);
    assert_eq!(first["counts"]["lanes"], 4);
    // A broken file fails with the parser's message.
    let broken = dir.path().join("kaputt.bpmn");
    std::fs::write(&broken, "<definitions").unwrap();
    let out = cli(
        &data,
        port,
        &["process", "import", broken.to_str().unwrap()],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Zeile 1"));

    // With a server holding the database: through its API, as a new revision.
    let server = crate::socket::Server::start(&data).await;
    let id = first["id"].as_str().unwrap();
    let out = cli(
        &data,
        server.port,
        &["process", "import", "--into", id, file],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Modellversion 2"), "{text}");
    assert!(text.contains("23 Schritte"), "{text}");
}

fn multipart_form(fields: &[(&str, &str)], file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--XB\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(b"--XB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.bpmn\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    body.extend_from_slice(file);
    body.extend_from_slice(b"\r\n--XB--\r\n");
    body
}

async fn post_multipart(app: &TestApp, path: &str, body: Vec<u8>) -> Res {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XB")
        .header(header::COOKIE, format!("stafette_csrf={CSRF}"))
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

#[tokio::test]
async fn upload_forms_carry_the_csrf_token_in_the_multipart_body() {
    let app = TestApp::new();
    let csrf = TestApp::csrf_for(&app.admin_session);
    // New process with register fields and a file.
    let res = post_multipart(
        &app,
        "/prozesse",
        multipart_form(
            &[
                ("_csrf", csrf.as_str()),
                ("title", ""),
                ("unit", "Bürgeramt"),
                ("leika", "99050100001000"),
            ],
            &fixture("personalausweis-beantragen.bpmn"),
        ),
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.text);
    let list = app.get("/api/v1/processes").await.json();
    let p = &list[0];
    assert_eq!(p["unit"], "Bürgeramt");
    assert_eq!(p["leika"], "99050100001000");
    assert_eq!(p["revision"], 1);
    let id = p["id"].as_str().unwrap();

    // New revision through the process page's form.
    let res = post_multipart(
        &app,
        &format!("/prozesse/{id}/versionen"),
        multipart_form(
            &[("_csrf", csrf.as_str())],
            &fixture("personalausweis-beantragen.bpmn"),
        ),
    )
    .await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_eq!(
        app.get(&format!("/api/v1/processes/{id}")).await.json()["revision"],
        2
    );

    // Without the token: refused, nothing stored.
    let res = post_multipart(
        &app,
        &format!("/prozesse/{id}/versionen"),
        multipart_form(&[], &fixture("personalausweis-beantragen.bpmn")),
    )
    .await;
    assert_eq!(res.status, 403);
    let res = post_multipart(
        &app,
        &format!("/prozesse/{id}/versionen"),
        multipart_form(
            &[("_csrf", "00")],
            &fixture("personalausweis-beantragen.bpmn"),
        ),
    )
    .await;
    assert_eq!(res.status, 403);
    assert_eq!(
        app.get(&format!("/api/v1/processes/{id}")).await.json()["revision"],
        2
    );

    // A broken upload shows the parser's message with the line.
    let res = post_multipart(
        &app,
        &format!("/prozesse/{id}/versionen"),
        multipart_form(
            &[("_csrf", csrf.as_str())],
            b"<?xml version=\"1.0\"?>\n<definitions",
        ),
    )
    .await;
    assert_eq!(res.status, 400);
    assert!(res.text.contains("Zeile 2"), "{}", res.text);

    // Register page and anchor page render.
    assert_eq!(
        app.get(&format!("/prozesse/{id}/bearbeiten")).await.status,
        200
    );
    assert_eq!(
        app.get(&format!("/prozesse/{id}/zuordnungen")).await.status,
        200
    );
    assert_eq!(app.get("/prozesse/neu").await.status, 200);
}

#[tokio::test]
async fn process_endpoints_are_in_the_openapi_document() {
    let app = TestApp::new();
    let doc = app.get("/api/v1/openapi.json").await.json();
    for path in [
        "/api/v1/processes",
        "/api/v1/processes/{id}/steps",
        "/api/v1/processes/{id}/steps/{element_id}/links",
        "/api/v1/processes/{id}/anchors/{link_id}/confirm",
        "/api/v1/coverage",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert!(doc["components"]["schemas"]["Step"].is_object());
    assert!(doc["paths"]["/api/v1/articles"].is_object());
}

#[tokio::test]
async fn links_survive_a_tool_roundtrip_that_rewrites_every_id() {
    // MIWG A.4.0 and Bonita's re-export of it: every id rewritten, pools added.
    let app = TestApp::new();
    let art = app.create("Anleitung", "x").await;
    let p = import(&app, fixture("A.4.0.bpmn")).await;
    let pid = p["id"].as_str().unwrap();
    let steps = app
        .get(&format!("/api/v1/processes/{pid}/steps"))
        .await
        .json();
    let mut linked = 0;
    for s in steps.as_array().unwrap() {
        let id = s["element_id"].as_str().unwrap();
        link(
            &app,
            pid,
            id,
            art["id"].as_str().unwrap(),
            "arbeitsanweisung",
        )
        .await;
        linked += 1;
    }
    let res = post_bytes(
        &app,
        &format!("/api/v1/processes/{pid}/revisions"),
        "application/xml",
        fixture("bonita-A.4.0-roundtrip-semantic.bpmn"),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text);
    let a = res.json()["anchors"].clone();
    let moved = a["reanchored"].as_array().unwrap().len();
    let suggested = a["suggested"].as_u64().unwrap() as usize;
    let orphaned = a["orphaned"].as_u64().unwrap() as usize;
    assert_eq!(a["kept"], 0);
    // Every link is accounted for: moved, suggested or orphaned, none dropped.
    assert_eq!(moved + suggested + orphaned, linked, "{a}");
    // Bonita exports the sub-processes as call activities and moves their content, so
    // those steps only get suggestions (same name, other type or place): the owner decides.
    assert_eq!((moved, suggested, orphaned), (9, 8, 0), "{a}");
    // The moved links point at steps with the same names.
    let new_steps = steps_by_id(
        &app.get(&format!("/api/v1/processes/{pid}/steps"))
            .await
            .json(),
    );
    let old_steps = steps_by_id(&steps);
    for r in a["reanchored"].as_array().unwrap() {
        let (from, to) = (r["from"].as_str().unwrap(), r["to"].as_str().unwrap());
        assert_eq!(old_steps[from]["name"], new_steps[to]["name"]);
        assert_eq!(new_steps[to]["articles"].as_array().unwrap().len(), 1);
    }
    let anchors = app
        .get(&format!("/api/v1/processes/{pid}/anchors"))
        .await
        .json();
    assert_eq!(
        anchors["suggestions"].as_array().unwrap().len()
            + anchors["orphans"].as_array().unwrap().len(),
        suggested + orphaned
    );
    // Each suggestion offers the step of the same name first.
    for s in anchors["suggestions"].as_array().unwrap() {
        assert_eq!(s["candidates"][0]["name"], s["step"]["name"], "{s}");
    }
}

#[tokio::test]
async fn step_links_show_only_articles_the_reader_may_read() {
    let app = TestApp::new();
    let p = import(&app, fixture("gewerbe-iso-8859-1.bpmn")).await;
    let pid = p["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post_json("/api/v1/groups", json!({"name": "Ordnungsamt"}))
            .await
            .status,
        201
    );
    let secret = app
        .post_json("/api/v1/spaces", json!({"name": "Intern"}))
        .await
        .json();
    let slug = secret["slug"].as_str().unwrap().to_owned();
    let acl = app
        .put_json(
            &format!("/api/v1/spaces/{slug}/acl"),
            json!({"all_staff": "none", "groups": [{"group": "Ordnungsamt", "access": "write"}]}),
        )
        .await;
    assert_eq!(acl.status, 200);
    let open = app.create("Gewerbe prüfen", "offen").await;
    let hidden = app
        .post_json(
            "/api/v1/articles",
            json!({"title": "Interne Prüfliste", "body": "geheim", "space": slug}),
        )
        .await
        .json();
    link(
        &app,
        &pid,
        "Activity_Erfassen",
        open["id"].as_str().unwrap(),
        "Arbeitsanweisung",
    )
    .await;
    link(
        &app,
        &pid,
        "Activity_Erfassen",
        hidden["id"].as_str().unwrap(),
        "Checkliste",
    )
    .await;

    let (outsider, outsider_s) = crate::common::make_user(&app.state, "aussen", "autor", &[]);
    let (insider, _) = crate::common::make_user(&app.state, "innen", "autor", &["Ordnungsamt"]);
    let as_out = || crate::common::As::Token(outsider.clone());
    let list = app
        .get_as(
            &format!("/api/v1/processes/{pid}/steps/Activity_Erfassen/articles"),
            as_out(),
        )
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert!(!list.to_string().contains("Interne Prüfliste"));
    let steps = app
        .get_as(&format!("/api/v1/processes/{pid}/steps"), as_out())
        .await
        .text;
    assert!(!steps.contains("Interne Prüfliste"));
    let page = app
        .get_as(
            &format!("/prozesse/{pid}/schritte/Activity_Erfassen"),
            crate::common::As::Session(outsider_s),
        )
        .await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Gewerbe prüfen") && !page.text.contains("Interne Prüfliste"));
    // Linking an article one cannot read is refused like a missing one.
    let refused = app
        .json_as(
            "POST",
            &format!("/api/v1/processes/{pid}/steps/Activity_Gzr/links"),
            json!({"article_id": hidden["id"], "kind": "FAQ"}),
            as_out(),
        )
        .await;
    assert_eq!(refused.status, 400);
    let inside = app
        .get_as(
            &format!("/api/v1/processes/{pid}/steps/Activity_Erfassen/articles"),
            crate::common::As::Token(insider),
        )
        .await
        .json();
    assert_eq!(inside.as_array().unwrap().len(), 2);
    // Readers may look, not link.
    let (reader, _) = crate::common::make_user(&app.state, "leserin", "leser", &[]);
    let no = app
        .json_as(
            "POST",
            &format!("/api/v1/processes/{pid}/steps/Activity_Gzr/links"),
            json!({"article_id": open["id"], "kind": "FAQ"}),
            crate::common::As::Token(reader),
        )
        .await;
    assert_eq!(no.status, 403);
}

#[tokio::test]
async fn deleting_a_process_removes_versions_links_and_search_hits() {
    let app = TestApp::new();
    let a = app.create("Gewerbezentralregister-Anleitung", "x").await;
    let p = import(&app, fixture("gewerbe-iso-8859-1.bpmn")).await;
    let pid = p["id"].as_str().unwrap();
    link(
        &app,
        pid,
        "Activity_Gzr",
        a["id"].as_str().unwrap(),
        "arbeitsanweisung",
    )
    .await;
    post_bytes(
        &app,
        &format!("/api/v1/processes/{pid}/revisions"),
        "application/xml",
        fixture("gewerbe-utf-16.bpmn"),
    )
    .await;
    let revs = app
        .get(&format!("/api/v1/processes/{pid}/revisions"))
        .await
        .json();
    assert_eq!(revs.as_array().unwrap().len(), 2);
    assert_eq!(revs[0]["n"], 2);
    assert_eq!(revs[1]["encoding"], "windows-1252");
    assert!(
        app.get(&format!("/prozesse/{pid}"))
            .await
            .text
            .contains("Modellversionen")
    );

    let res = app
        .post_form(&format!("/prozesse/{pid}/loeschen"), &[])
        .await;
    assert_eq!(res.status, 303, "{}", res.text);
    assert_eq!(
        app.get(&format!("/api/v1/processes/{pid}")).await.status,
        404
    );
    assert_eq!(
        app.delete(&format!("/api/v1/processes/{pid}")).await.status,
        404
    );
    let page = app
        .get(&format!("/artikel/{}", a["slug"].as_str().unwrap()))
        .await;
    assert!(!page.text.contains("Verwendet in"));
    let hits = app.get("/api/v1/search?q=abfragen").await.json();
    assert!(
        hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| !h["url"].as_str().unwrap().contains(pid)),
        "{hits}"
    );
    // The article itself stays.
    assert_eq!(
        app.get(&format!("/api/v1/articles/{}", a["id"].as_str().unwrap()))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn backups_carry_processes_revisions_files_and_links() {
    let app = TestApp::new();
    let a = app.create("Anleitung Erfassung", "x").await;
    let p = import(&app, fixture("gewerbe-iso-8859-1.bpmn")).await;
    let pid = p["id"].as_str().unwrap().to_owned();
    link(
        &app,
        &pid,
        "Activity_Erfassen",
        a["id"].as_str().unwrap(),
        "checkliste",
    )
    .await;
    let mut buf = Vec::new();
    stafette::store::write_backup(&app.state.store, &mut buf).unwrap();
    let restored = stafette::store::Store::temporary().unwrap();
    stafette::store::read_backup(&mut buf.as_slice(), &restored).unwrap();
    let id = pid.parse().unwrap();
    let process = restored.process(id).unwrap().unwrap();
    assert_eq!(process.revision, 1);
    let rev = restored.process_revision(id, 1).unwrap().unwrap();
    assert_eq!(rev.steps.len(), 23);
    assert_eq!(
        restored.process_file(id, 1).unwrap().unwrap(),
        fixture("gewerbe-iso-8859-1.bpmn")
    );
    let links = restored.process_links(id).unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        restored.article_step_links(links[0].article).unwrap().len(),
        1
    );
}

#[tokio::test]
async fn an_acknowledged_import_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = crate::socket::Server::start(&data).await;
    let client = server.client();
    let res = client
        .post(format!("{}/api/v1/processes", server.base))
        .header("content-type", "application/xml")
        .body(fixture("wohngeldantrag-pruefen.bpmn"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let p: Value = res.json().await.unwrap();
    server.child.kill().unwrap(); // SIGKILL: no graceful flush
    server.child.wait().unwrap();
    drop(server);
    let server = crate::socket::Server::start(&data).await;
    let res = client
        .get(format!(
            "{}/api/v1/processes/{}/steps",
            server.base,
            p["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let steps: Value = res.json().await.unwrap();
    assert_eq!(
        steps.as_array().unwrap().len(),
        p["counts"]["steps"].as_u64().unwrap() as usize
    );
}
