//! The process endpoints of the OpenAPI document (`openapi.rs` merges them).

use serde_json::json;

fn problem() -> serde_json::Value {
    json!({"description": "Fehler (RFC 9457)", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

fn schema(name: &str) -> serde_json::Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn json_ok(description: &str, s: serde_json::Value) -> serde_json::Value {
    json!({"description": description, "content": {"application/json": {"schema": s}}})
}

/// The process endpoints for the OpenAPI document (`openapi.rs` merges them).
pub(crate) fn openapi_paths() -> serde_json::Value {
    let pid = json!({"name": "id", "in": "path", "required": true, "description": "Prozess-ID (ULID)", "schema": {"type": "string"}});
    let el = json!({"name": "element_id", "in": "path", "required": true, "description": "BPMN-Element-ID des Schritts", "schema": {"type": "string"}});
    let link =
        json!({"name": "link_id", "in": "path", "required": true, "schema": {"type": "string"}});
    let upload = json!({
    "description": "BPMN 2.0 (UTF-8, UTF-16, ISO-8859-1/Windows-1252; höchstens 10 MiB) als Rohdaten oder multipart/form-data (Dateifeld `file`, optional `title`). Für `POST /api/v1/processes` legt application/json stattdessen einen Registereintrag ohne Modell an.",
    "content": {
        "application/xml": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}, "title": {"type": "string"}}}},
        "application/json": {"schema": schema("ProcessInput")}
    }});
    let import_params = json!([
        {"name": "title", "in": "query", "schema": {"type": "string"}, "description": "Titel eines neuen Prozesses (sonst der Modellname)"},
        {"name": "filename", "in": "query", "schema": {"type": "string"}}
    ]);
    let created = json!({"description": "Angelegt/importiert (Location-Header)", "content": {"application/json": {"schema": schema("Process")}}});
    json!({
        "/api/v1/processes": {
            "get": {"summary": "Prozessregister mit Abdeckung", "responses": {"200": json_ok("OK", json!({"type": "array", "items": schema("Process")}))}},
            "post": {"summary": "Prozess anlegen (JSON) oder BPMN-Modell als neuen Prozess importieren", "parameters": import_params, "requestBody": upload,
                "responses": {"201": created, "400": problem(), "413": problem()}}
        },
        "/api/v1/processes/{id}": {
            "parameters": [pid],
            "get": {"summary": "Prozess mit aktueller Modellversion, Zählungen, Import-Hinweisen und Zuordnungsbericht", "responses": {"200": json_ok("OK", schema("Process")), "404": problem()}},
            "delete": {"summary": "Prozess mit allen Modellversionen und Verknüpfungen löschen (Artikel bleiben)", "responses": {"204": {"description": "Gelöscht"}, "404": problem()}},
            "put": {"summary": "Registerangaben ändern", "requestBody": {"content": {"application/json": {"schema": schema("ProcessInput")}}}, "responses": {"200": json_ok("OK", schema("Process")), "400": problem(), "404": problem()}}
        },
        "/api/v1/processes/{id}/revisions": {
            "parameters": [pid],
            "get": {"summary": "Alle Modellversionen, neueste zuerst (Hinweise, Zählungen, Zuordnungsbericht, Datei)", "responses": {"200": {"description": "OK"}, "404": problem()}},
            "post": {"summary": "Neue Modellversion importieren; Verknüpfungen werden übernommen (gleiche IDs), per Fingerabdruck neu zugeordnet oder als Vorschlag/verwaist gemeldet", "parameters": import_params, "requestBody": upload,
                "responses": {"201": created, "400": problem(), "404": problem(), "413": problem()}}
        },
        "/api/v1/processes/{id}/revisions/{n}/file": {
            "parameters": [pid, {"name": "n", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}],
            "get": {"summary": "Die hochgeladene BPMN-Datei, Byte für Byte", "responses": {"200": {"description": "application/octet-stream"}, "404": problem()}}
        },
        "/api/v1/processes/{id}/steps": {
            "parameters": [pid],
            "get": {"summary": "Alle Schritte (Aufgaben, Teilprozesse, Aufrufe, Ereignisse, Gateways) mit verknüpften Artikeln",
                "parameters": [{"name": "type", "in": "query", "schema": {"type": "string"}, "description": "BPMN-Elementname, z. B. userTask"},
                    {"name": "kind", "in": "query", "schema": {"enum": ["activity", "task", "subprocess", "callactivity", "event", "gateway"]}}], "responses": {"200": json_ok("OK", json!({"type": "array", "items": schema("Step")})), "404": problem()}}
        },
        "/api/v1/processes/{id}/steps/{element_id}": {
            "parameters": [pid, el],
            "get": {"summary": "Ein Schritt", "responses": {"200": json_ok("OK", schema("Step")), "404": problem()}}
        },
        "/api/v1/processes/{id}/steps/{element_id}/articles": {
            "parameters": [pid, el],
            "get": {"summary": "Verknüpfte Artikel eines Schritts in ihrer Reihenfolge", "responses": {"200": json_ok("OK", json!({"type": "array", "items": schema("StepArticle")})), "404": problem()}}
        },
        "/api/v1/processes/{id}/steps/{element_id}/links": {
            "parameters": [pid, el],
            "post": {"summary": "Artikel mit dem Schritt verknüpfen", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["article_id", "kind"], "properties": {
                "article_id": {"type": "string", "description": "Artikel-ID, Slug oder Titel"}, "kind": schema("LinkKind"),
                "order": {"type": "integer", "minimum": 0, "description": "Position unter den Artikeln des Schritts (Standard: am Ende)"}}}}}},
                "responses": {"201": json_ok("Angelegt", schema("Link")), "400": problem(), "404": problem(), "409": problem()}}
        },
        "/api/v1/processes/{id}/steps/{element_id}/links/{link_id}": {
            "parameters": [pid, el, link],
            "delete": {"summary": "Verknüpfung löschen", "responses": {"204": {"description": "Gelöscht"}, "404": problem()}}
        },
        "/api/v1/processes/{id}/links/{link_id}": {
            "parameters": [pid, link],
            "delete": {"summary": "Verknüpfung löschen (auch verwaiste)", "responses": {"204": {"description": "Gelöscht"}, "404": problem()}}
        },
        "/api/v1/processes/{id}/anchors": {
            "parameters": [pid],
            "get": {"summary": "Zuordnungsbericht nach Re-Import: automatisch neu zugeordnete Verknüpfungen, Vorschläge und verwaiste Verknüpfungen", "responses": {"200": json_ok("OK", json!({"type": "object", "properties": {
                "process_id": {"type": "string"}, "revision": {"type": "integer"}, "last_import": schema("AnchorReport"),
                "suggestions": {"type": "array", "items": schema("AnchorIssue")}, "orphans": {"type": "array", "items": schema("AnchorIssue")}}})), "404": problem()}}
        },
        "/api/v1/processes/{id}/anchors/{link_id}/confirm": {
            "parameters": [pid, link],
            "post": {"summary": "Vorschlag bestätigen oder verwaiste Verknüpfung einem Schritt zuordnen", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["element_id"], "properties": {"element_id": {"type": "string"}}}}}},
                "responses": {"200": json_ok("OK", schema("Link")), "400": problem(), "404": problem()}}
        },
        "/api/v1/processes/{id}/anchors/{link_id}/reject": {
            "parameters": [pid, link],
            "post": {"summary": "Vorschläge verwerfen; die Verknüpfung bleibt als verwaist erhalten", "responses": {"200": json_ok("OK", schema("Link")), "404": problem(), "409": problem()}}
        },
        "/api/v1/processes/{id}/coverage": {
            "parameters": [pid, {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}],
            "get": {"summary": "Abdeckung der Aktivitäten mit Artikeln (CSV: Semikolon, UTF-8 mit BOM)", "responses": {"200": {"description": "JSON oder text/csv"}, "404": problem()}}
        },
        "/api/v1/articles/{id}/steps": {
            "parameters": [{"name": "id", "in": "path", "required": true, "description": "Artikel-ID oder Slug", "schema": {"type": "string"}}],
            "get": {"summary": "Prozessschritte, mit denen der Artikel verknüpft ist (Verwendet in)", "responses": {"200": {"description": "[{process_id, process_title, element_id, name, type, lane_path, link_id, kind, url}]"}, "404": problem()}}
        },
        "/api/v1/coverage": {
            "get": {"summary": "Abdeckung je Organisationseinheit", "parameters": [{"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}], "responses": {"200": {"description": "JSON oder text/csv"}}}
        }
    })
}

/// The process schemas for the OpenAPI document.
pub(crate) fn openapi_schemas() -> serde_json::Value {
    json!({
        "ProcessInput": {"type": "object", "required": ["title"], "properties": {
            "title": {"type": "string", "maxLength": 200}, "unit": {"type": "string"}, "owner": {"type": "string"},
            "leika": {"type": "string", "pattern": "^[0-9]{14}$", "description": "LeiKa-Leistungsschlüssel, genau 14 Ziffern"},
            "status": {"enum": ["entwurf", "aktiv", "archiviert"]}}},
        "Process": {"type": "object", "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "unit": {"type": "string"}, "owner": {"type": "string"},
            "leika": {"type": ["string", "null"]}, "status": {"type": "string"}, "revision": {"type": "integer", "description": "0 ohne Modell"},
            "has_model": {"type": "boolean"}, "has_diagram": {"type": "boolean"}, "warnings": {"type": "array", "items": {"type": "string"}},
            "counts": {"type": "object", "properties": {"pools": {"type": "integer"}, "lanes": {"type": "integer"}, "steps": {"type": "integer"},
                "tasks": {"type": "integer"}, "sub_processes": {"type": "integer"}, "call_activities": {"type": "integer"}, "events": {"type": "integer"}, "gateways": {"type": "integer"}}},
            "model_name": {"type": "string"}, "exporter": {"type": "string"}, "encoding": {"type": "string"}, "sha256": {"type": "string"},
            "anchors": schema("AnchorReport"), "detached_links": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}, "updated_by": {"type": "string"},
            "url": {"type": "string"}, "file_url": {"type": "string"}}},
        "Step": {"type": "object", "properties": {
            "element_id": {"type": "string"}, "type": {"type": "string", "description": "BPMN-Elementname, z. B. userTask, subProcess, boundaryEvent"},
            "type_label": {"type": "string"}, "name": {"type": "string"}, "pool": {"type": ["string", "null"]},
            "lane_path": {"type": "array", "items": {"type": "string"}, "description": "Lane-Namen, äußerste zuerst"},
            "parent": {"type": ["string", "null"], "description": "ID des umgebenden Teilprozesses"}, "parent_name": {"type": ["string", "null"]},
            "has_shape": {"type": "boolean"}, "documentation": {"type": "string", "description": "Klartext (HTML entfernt)"},
            "called_element": {"type": "string"}, "attached_to": {"type": "string"}, "event_definition": {"type": "string"},
            "url": {"type": "string", "description": "/prozesse/{id}/schritte/{element_id}"},
            "articles": {"type": "array", "items": schema("StepArticle")}}},
        "StepArticle": {"type": "object", "properties": {
            "link_id": {"type": "string"}, "article_id": {"type": "string"}, "slug": {"type": "string"}, "title": {"type": "string"},
            "kind": schema("LinkKind"), "kind_label": {"type": "string"}, "order": {"type": "integer"}, "url": {"type": "string"}}},
        "LinkKind": {"enum": ["arbeitsanweisung", "checkliste", "rechtsgrundlage", "formular", "faq", "sonderfall"]},
        "Link": {"type": "object", "properties": {
            "id": {"type": "string"}, "process_id": {"type": "string"}, "element_id": {"type": "string"}, "article_id": {"type": "string"},
            "kind": schema("LinkKind"), "order": {"type": "integer"}, "anchored": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"}, "created_by": {"type": "string"}}},
        "AnchorReport": {"type": "object", "properties": {
            "kept": {"type": "integer"}, "suggested": {"type": "integer"}, "orphaned": {"type": "integer"},
            "reanchored": {"type": "array", "items": {"type": "object", "properties": {"link_id": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"}, "name": {"type": "string"}}}}}},
        "AnchorIssue": {"type": "object", "properties": {
            "link_id": {"type": "string"}, "article_id": {"type": "string"}, "article_title": {"type": ["string", "null"]}, "kind": schema("LinkKind"),
            "element_id": {"type": "string", "description": "Element-ID vor dem Re-Import"},
            "step": {"type": "object", "description": "Der Schritt, wie er war"},
            "candidates": {"type": "array", "items": {"type": "object"}, "description": "Mögliche Schritte der aktuellen Version, beste zuerst"}}}
    })
}
