//! The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(|| async { Json(document()) }))
}

fn problem() -> Value {
    json!({"description": "Fehler (RFC 9457)", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

fn ok(schema: &str) -> Value {
    json!({"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "description": "Artikel-ID (ULID) oder Slug", "schema": {"type": "string"}})
}

fn n_param() -> Value {
    json!({"name": "n", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}})
}

/// The document.
pub(crate) fn document() -> Value {
    let mut doc = base_document();
    if let (Some(paths), Value::Object(search)) = (doc["paths"].as_object_mut(), search_paths()) {
        paths.extend(search);
    }
    if let (Some(paths), Value::Object(auth)) = (doc["paths"].as_object_mut(), auth_paths()) {
        paths.extend(auth);
    }
    if let (Some(paths), Value::Object(ret)) = (doc["paths"].as_object_mut(), retention_paths()) {
        paths.extend(ret);
    }
    doc["components"]["securitySchemes"] = json!({
        "bearer": {"type": "http", "scheme": "bearer", "description": "API-Token `stf_…` (Konto-Seite oder `stafette token create`); Geltungsbereich read oder write."},
        "session": {"type": "apiKey", "in": "cookie", "name": "__Host-stafette_session", "description": "Browser-Sitzung (über http ohne TLS: `stafette_session`). Schreibende Anfragen brauchen zusätzlich den Header X-CSRF-Token."}
    });
    doc["security"] = json!([{"bearer": []}, {"session": []}]);
    if let (Some(paths), Value::Object(processes)) = (
        doc["paths"].as_object_mut(),
        super::processes_openapi::openapi_paths(),
    ) {
        paths.extend(processes);
    }
    if let (Some(schemas), Value::Object(processes)) = (
        doc["components"]["schemas"].as_object_mut(),
        super::processes_openapi::openapi_schemas(),
    ) {
        schemas.extend(processes);
    }
    doc
}

/// Accounts, permissions and the audit log.
fn auth_paths() -> Value {
    let user_schema = json!({"type": "object", "properties": {
        "id": {"type": "string"}, "login": {"type": "string"}, "display_name": {"type": "string"}, "unit": {"type": "string"},
        "role": {"enum": ["leser", "autor", "wissensmanager", "admin"]}, "groups": {"type": "array", "items": {"type": "string"}},
        "active": {"type": "boolean"}, "has_password": {"type": "boolean"}, "sso": {"type": "boolean"}}});
    let acl_schema = json!({"type": "object", "properties": {
        "inherit": {"type": "boolean", "description": "true: eigene Rechte entfernen, vom übergeordneten Bereich erben"},
        "all_staff": {"enum": ["none", "read", "write"]}, "anonymous_read": {"type": "boolean"},
        "groups": {"type": "array", "items": {"type": "object", "properties": {"group": {"type": "string", "description": "Gruppen-ID oder Name"}, "access": {"enum": ["none", "read", "write"]}}}}}});
    let body = |schema: Value| json!({"required": true, "content": {"application/json": {"schema": schema}}});
    let std = || json!({"200": {"description": "OK"}, "401": problem(), "403": problem(), "404": problem()});
    json!({
        "/api/v1/me": {"get": {"summary": "Angemeldetes Konto", "responses": std()}},
        "/api/v1/me/sessions": {"get": {"summary": "Eigene Sitzungen", "responses": std()}},
        "/api/v1/me/sessions/{id}": {"delete": {"summary": "Eigene Sitzung beenden", "responses": {"204": {"description": "Beendet"}, "404": problem()}}},
        "/api/v1/me/tokens": {
            "get": {"summary": "Eigene API-Tokens (ohne Geheimnis)", "responses": std()},
            "post": {"summary": "API-Token erstellen (nur in einer Browser-Sitzung; das Token steht nur in dieser Antwort)",
                "requestBody": body(json!({"type": "object", "required": ["scope"], "properties": {"name": {"type": "string"}, "scope": {"enum": ["read", "write"]}, "login": {"type": "string", "description": "nur Admins: Token für ein anderes Konto"}}})),
                "responses": {"201": {"description": "Angelegt"}, "403": problem()}}},
        "/api/v1/me/tokens/{id}": {"delete": {"summary": "API-Token widerrufen", "responses": {"204": {"description": "Widerrufen"}, "404": problem()}}},
        "/api/v1/users": {
            "get": {"summary": "Konten (Wissensmanager, Admin)", "responses": std()},
            "post": {"summary": "Konto anlegen (Admin)", "requestBody": body(json!({"type": "object", "required": ["login"], "properties": {
                "login": {"type": "string"}, "display_name": {"type": "string"}, "unit": {"type": "string"}, "role": {"enum": ["leser", "autor", "wissensmanager", "admin"]},
                "groups": {"type": "array", "items": {"type": "string"}}, "password": {"type": "string", "minLength": 10}}})),
                "responses": {"201": {"description": "Angelegt", "content": {"application/json": {"schema": user_schema.clone()}}}, "400": problem(), "403": problem(), "409": problem()}}},
        "/api/v1/users/{id}": {
            "get": {"summary": "Ein Konto (ID oder Login)", "responses": std()},
            "patch": {"summary": "Konto ändern: Anzeigename, Einheit, Rolle, Gruppen, aktiv (Admin). Deaktivieren beendet alle Sitzungen.",
                "requestBody": body(json!({"type": "object", "properties": {"display_name": {"type": "string"}, "unit": {"type": "string"}, "role": {"type": "string"}, "groups": {"type": "array", "items": {"type": "string"}}, "active": {"type": "boolean"}}})),
                "responses": std()}},
        "/api/v1/users/{id}/password": {"put": {"summary": "Passwort setzen (Admin) oder eigenes ändern (mit current); beendet alle Sitzungen",
            "requestBody": body(json!({"type": "object", "required": ["password"], "properties": {"password": {"type": "string"}, "current": {"type": "string"}}})),
            "responses": {"204": {"description": "Gesetzt"}, "400": problem(), "403": problem()}}},
        "/api/v1/groups": {
            "get": {"summary": "Gruppen", "responses": std()},
            "post": {"summary": "Gruppe anlegen (Admin)", "requestBody": body(json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "description": {"type": "string"}, "external_names": {"type": "array", "items": {"type": "string"}, "description": "SSO-Gruppennamen"}}})),
                "responses": {"201": {"description": "Angelegt"}, "400": problem(), "403": problem(), "409": problem()}}},
        "/api/v1/groups/{id}": {"put": {"summary": "Gruppe ändern (Admin)", "responses": std()}},
        "/api/v1/spaces/{slug}/acl": {
            "get": {"summary": "Rechte eines Bereichs (Admin)", "responses": std()},
            "put": {"summary": "Rechte eines Bereichs setzen (Admin); Unterbereiche ohne eigene Rechte erben sie", "requestBody": body(acl_schema), "responses": std()}},
        "/api/v1/audit": {"get": {"summary": "Protokoll (Admin), neueste zuerst; format=csv für CSV",
            "parameters": [
                {"name": "aktion", "in": "query", "schema": {"type": "string"}},
                {"name": "wer", "in": "query", "schema": {"type": "string"}, "description": "Teil von Akteur oder Objekt"},
                {"name": "von", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "bis", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"]}}],
            "responses": std()}},
        "/api/v1/settings": {
            "get": {"summary": "Einstellungen (Admin)", "responses": std()},
            "put": {"summary": "Einstellungen ändern (Admin)", "requestBody": body(json!({"type": "object", "properties": {"anonymous_read": {"type": "boolean"}}})), "responses": std()}}
    })
}

/// The search endpoints (kept apart: one `json!` for everything exceeds the macro's
/// recursion limit).
fn search_paths() -> Value {
    json!({
            "/api/v1/search": {"get": {
                "summary": "Volltextsuche (deutsche Analyse, Komposita, Synonyme, Tippfehler); title und snippet sind HTML mit <mark>",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 512}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0}},
                    {"name": "space", "in": "query", "schema": {"type": "string"}, "description": "Slug oder ID"},
                    {"name": "tag", "in": "query", "schema": {"type": "string"}},
                    {"name": "sort", "in": "query", "schema": {"enum": ["relevance", "date"]}},
                    {"name": "mode", "in": "query", "schema": {"enum": ["hybrid", "keyword", "semantic"], "default": "hybrid"}, "description": "hybrid: Stichwort- und Vektorliste per Reciprocal Rank Fusion (k=60); ohne bereites Sprachmodell antwortet hybrid mit keyword (mode in der Antwort). semantic ohne Modell: 503 semantic_unavailable. Filter gelten für beide Listen; Artikel ohne Vektoren (semantic.vectors.pending) fehlen in der Vektorliste."}
                ],
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "total": {"type": "integer"}, "mode": {"enum": ["hybrid", "keyword", "semantic"], "description": "der Modus, der geantwortet hat"},
                    "semantic": {"type": "object", "properties": {"state": {"enum": ["missing", "installing", "loading", "ready", "failed"]}, "vectors": {"type": "object", "properties": {"done": {"type": "integer"}, "pending": {"type": "integer"}}}}},
                    "hits": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "slug": {"type": "string"}, "title": {"type": "string"}, "snippet": {"type": "string"}, "score": {"type": "number"}, "space": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}, "url": {"type": "string"}}}},
                    "facets": {"type": "object"}, "suggestion": {"type": "string"}}}}}},
                    "400": problem(), "503": problem()}}},
            "/api/v1/search/suggest": {"get": {"summary": "Titelvorschläge beim Tippen", "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 20}}], "responses": {"200": {"description": "[{title, url}]"}}}},
            "/api/v1/search/analytics": {"get": {"summary": "Häufigste Suchen und Suchen ohne Treffer (anonym, je Tag gezählt)", "parameters": [{"name": "days", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 366, "default": 30}}], "responses": {"200": {"description": "{days, top, zero_results}"}}}},
            "/api/v1/search/synonyms": {
                "get": {"summary": "Synonymliste dieser Installation", "responses": {"200": {"description": "{synonyms}"}}},
                "put": {"summary": "Synonymliste ersetzen (eine Gruppe je Zeile; a => b einseitig)", "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["synonyms"], "properties": {"synonyms": {"type": "string"}}}}}}, "responses": {"200": {"description": "OK"}, "400": problem()}}
            }
    })
}

fn base_document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "stafette API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Wissensdatenbank für Kommunalverwaltungen. Fehler werden als application/problem+json gemeldet."
        },
        "paths": {
            "/healthz": {"get": {"summary": "Betriebszustand; semantic: {state, vectors: {done, pending}} (Sprachmodell und Vektor-Fortschritt)", "responses": {"200": {"description": "OK"}, "503": {"description": "Speicher ausgefallen"}}}},
            "/api/v1/articles": {
                "get": {
                    "summary": "Artikel auflisten (neueste Änderung zuerst)",
                    "parameters": [
                        {"name": "space", "in": "query", "schema": {"type": "string"}},
                        {"name": "tag", "in": "query", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
                        {"name": "trash", "in": "query", "schema": {"type": "boolean", "default": false}}
                    ],
                    "responses": {"200": ok("ArticleList"), "400": problem()}
                },
                "post": {
                    "summary": "Artikel anlegen",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewArticle"}}}},
                    "responses": {"201": ok("Article"), "400": problem(), "413": problem()}
                }
            },
            "/api/v1/articles/{id}": {
                "parameters": [id_param()],
                "get": {"summary": "Artikel lesen", "responses": {"200": ok("Article"), "404": problem()}},
                "put": {
                    "summary": "Artikel ändern; auf veralteter Basis wird automatisch zusammengeführt",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ArticleUpdate"}}}},
                    "responses": {"200": ok("Article"), "400": problem(), "404": problem(),
                        "409": {"description": "Konflikt: enthält current (aktuelle Version) und merged_body", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ConflictProblem"}}}}}
                },
                "delete": {"summary": "In den Papierkorb verschieben", "responses": {"200": ok("Article"), "404": problem(), "409": problem()}}
            },
            "/api/v1/articles/{id}/restore": {"parameters": [id_param()], "post": {"summary": "Aus dem Papierkorb wiederherstellen", "responses": {"200": ok("Article"), "404": problem(), "409": problem()}}},
            "/api/v1/articles/{id}/revisions": {"parameters": [id_param()], "get": {"summary": "Versionen", "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Revision"}}}}}, "404": problem()}}},
            "/api/v1/articles/{id}/revisions/{n}": {"parameters": [id_param(), n_param()], "get": {"summary": "Eine Version mit Inhalt", "responses": {"200": ok("Revision"), "404": problem()}}},
            "/api/v1/articles/{id}/revisions/{n}/restore": {"parameters": [id_param(), n_param()], "post": {"summary": "Version als neue Version wiederherstellen", "responses": {"200": ok("Article"), "404": problem()}}},
            "/api/v1/articles/{id}/diff": {"parameters": [id_param(),
                {"name": "from", "in": "query", "required": true, "schema": {"type": "integer"}},
                {"name": "to", "in": "query", "required": true, "schema": {"type": "integer"}}],
                "get": {"summary": "Wortweiser Vergleich zweier Versionen", "responses": {"200": ok("Diff"), "404": problem()}}},
            "/api/v1/articles/{id}/related": {"parameters": [id_param()], "get": {"summary": "Ähnliche Artikel (nächste Artikelvektoren)", "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 5}}], "responses": {"200": {"description": "OK"}, "404": problem(), "503": problem()}}},
            "/api/v1/articles/{id}/backlinks": {"parameters": [id_param()], "get": {"summary": "Artikel, die hierher verlinken", "responses": {"200": {"description": "OK"}, "404": problem()}}},
            "/api/v1/render": {"post": {"summary": "Markdown-Vorschau rendern", "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}}}}}, "responses": {"200": {"description": "OK"}, "400": problem(), "413": problem()}}},
            "/api/v1/spaces": {
                "get": {"summary": "Bereiche als Baum (Tiefensuche)", "responses": {"200": {"description": "OK"}}},
                "post": {"summary": "Bereich anlegen", "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "description": {"type": "string"}, "parent": {"type": "string", "description": "Slug oder ID"}}}}}}, "responses": {"201": {"description": "Angelegt"}, "400": problem()}}
            }
        },
        "components": {
            "schemas": {
                "Problem": {"type": "object", "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                    "detail": {"type": "string"}, "code": {"type": "string"}}},
                "ConflictProblem": {"allOf": [{"$ref": "#/components/schemas/Problem"}, {"type": "object", "properties": {
                    "current_revision": {"type": "integer"}, "current": {"$ref": "#/components/schemas/Article"}, "merged_body": {"type": "string"}}}]},
                "NewArticle": {"type": "object", "required": ["title"], "properties": {
                    "title": {"type": "string", "maxLength": 200}, "body": {"type": "string"}, "description": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}}, "space": {"type": "string", "description": "Slug oder ID des Bereichs"},
                    "summary": {"type": "string"}}},
                "ArticleUpdate": {"type": "object", "required": ["title", "body", "base_revision"], "properties": {
                    "title": {"type": "string"}, "body": {"type": "string"}, "description": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}}, "space": {"type": "string"},
                    "base_revision": {"type": "integer", "minimum": 1}, "summary": {"type": "string"}}},
                "Article": {"type": "object", "properties": {
                    "id": {"type": "string"}, "slug": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}}, "space": {"type": "string"}, "space_id": {"type": "string"},
                    "revision": {"type": "integer"}, "created_at": {"type": "string", "format": "date-time"}, "created_by": {"type": "string"},
                    "updated_at": {"type": "string", "format": "date-time"}, "updated_by": {"type": "string"},
                    "deleted_at": {"type": "string", "format": "date-time"}, "url": {"type": "string"},
                    "body": {"type": "string"}, "html": {"type": "string"}, "merged": {"type": "boolean"}}},
                "ArticleList": {"type": "object", "properties": {"total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Article"}}}},
                "Revision": {"type": "object", "properties": {"n": {"type": "integer"}, "author": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
                    "summary": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}}, "space_id": {"type": "string"}, "body": {"type": "string"}}},
                "Diff": {"type": "object", "properties": {"from": {"type": "integer"}, "to": {"type": "integer"},
                    "inserted_words": {"type": "integer"}, "deleted_words": {"type": "integer"},
                    "segments": {"type": "array", "items": {"type": "object", "properties": {"kind": {"enum": ["equal", "insert", "delete"]}, "text": {"type": "string"}}}}}}
            }
        }
    })
}

/// Knowledge retention (issue #7). Exit dates appear only in the endpoints marked
/// "Wissensmanager/Admin".
fn retention_paths() -> Value {
    let std = || json!({"200": {"description": "OK"}, "400": problem(), "401": problem(), "403": problem(), "404": problem()});
    let ownership = json!({"type": "object", "properties": {"owner": {"type": ["string", "null"], "description": "Login, Benutzer-ID, Gruppenname oder -ID (gruppe:Name erzwingt eine Gruppe)"}, "deputies": {"type": "array", "items": {"type": "string"}}}});
    let body = |schema: Value| json!({"required": true, "content": {"application/json": {"schema": schema}}});
    let pid = json!({"name": "id", "in": "path", "required": true, "description": "Prozess-ID", "schema": {"type": "string"}});
    let eid =
        json!({"name": "element_id", "in": "path", "required": true, "schema": {"type": "string"}});
    let uid = json!({"name": "id", "in": "path", "required": true, "description": "Benutzer-ID oder Login", "schema": {"type": "string"}});
    json!({
        "/api/v1/articles/{id}/ownership": {"parameters": [id_param()],
            "get": {"summary": "Verantwortliche und Vertretungen eines Artikels", "responses": std()},
            "put": {"summary": "Verantwortliche setzen (Verantwortliche, Vertretungen, Wissensmanager)", "requestBody": body(ownership.clone()), "responses": std()}},
        "/api/v1/processes/{id}/ownership": {"parameters": [pid.clone()],
            "get": {"summary": "Verantwortliche eines Prozesses", "responses": std()},
            "put": {"summary": "Verantwortliche eines Prozesses setzen", "requestBody": body(ownership), "responses": std()}},
        "/api/v1/articles/{id}/verify": {"parameters": [id_param()],
            "post": {"summary": "Artikel verifizieren (Verantwortliche, Vertretungen, Wissensmanager); optional {interval_days}", "responses": std()}},
        "/api/v1/articles/{id}/verification": {"parameters": [id_param()],
            "get": {"summary": "Prüfstatus: entwurf, in_pruefung, verifiziert, abgelaufen, archiviert", "responses": std()},
            "put": {"summary": "Status oder Prüfintervall setzen", "requestBody": body(json!({"type": "object", "properties": {"status": {"type": "string"}, "interval_days": {"type": "integer"}}})), "responses": std()}},
        "/api/v1/spaces/{slug}/retention": {"parameters": [{"name": "slug", "in": "path", "required": true, "schema": {"type": "string"}}],
            "get": {"summary": "Prüfintervall und Zurücksetzen bei Änderung", "responses": std()},
            "put": {"summary": "Bereichseinstellungen setzen (Wissensmanager/Admin)", "requestBody": body(json!({"type": "object", "required": ["interval_days"], "properties": {"interval_days": {"type": "integer"}, "reset_on_edit": {"type": "boolean"}}})), "responses": std()}},
        "/api/v1/users/{id}/planned-exit": {"parameters": [uid],
            "get": {"summary": "Geplanter Austritt (Wissensmanager/Admin)", "responses": std()},
            "put": {"summary": "Geplanten Austritt setzen (Wissensmanager/Admin)", "requestBody": body(json!({"type": "object", "properties": {"date": {"type": ["string", "null"], "format": "date"}}})), "responses": std()},
            "delete": {"summary": "Geplanten Austritt entfernen", "responses": {"204": {"description": "Entfernt"}, "403": problem()}}},
        "/api/v1/retention/exits": {"get": {"summary": "Alle geplanten Austritte (Wissensmanager/Admin)", "responses": std()}},
        "/api/v1/retention/at-risk": {"get": {"summary": "Wissen in Gefahr (Wissensmanager/Admin)", "parameters": [{"name": "months", "in": "query", "schema": {"type": "integer", "default": 12}}], "responses": std()}},
        "/api/v1/retention/orphans": {"get": {"summary": "Ohne aktive Verantwortliche (Wissensmanager/Admin)", "responses": std()}},
        "/api/v1/retention/dashboard": {"get": {"summary": "Dashboard je Organisationseinheit (Wissensmanager/Admin); format=csv", "parameters": [{"name": "format", "in": "query", "schema": {"type": "string", "enum": ["json", "csv"]}}], "responses": std()}},
        "/api/v1/retention/tasks": {"get": {"summary": "Meine Aufgaben", "responses": std()}},
        "/api/v1/processes/{id}/steps/{element_id}/criticality": {"parameters": [pid, eid],
            "put": {"summary": "Kritikalität eines Schritts (1–3, Wissensmanager/Admin)", "requestBody": body(json!({"type": "object", "required": ["criticality"], "properties": {"criticality": {"type": "integer", "minimum": 1, "maximum": 3}}})), "responses": std()}},
        "/api/v1/experts": {"get": {"summary": "Expertenverzeichnis (nur mit Einwilligung)", "responses": std()}},
        "/api/v1/experts/me": {"get": {"summary": "Mein Eintrag mit Vorschlägen", "responses": std()}, "put": {"summary": "Mein Eintrag", "responses": std()}},
        "/api/v1/handovers": {"get": {"summary": "Wissensstafetten (eigene; Wissensmanager: alle)", "responses": std()}, "post": {"summary": "Wissensstafette anlegen (Wissensmanager/Admin)", "responses": {"201": {"description": "Angelegt"}, "400": problem(), "403": problem()}}},
        "/api/v1/handovers/{id}": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "get": {"summary": "Eine Wissensstafette (Beteiligte, Wissensmanager)", "responses": std()},
            "put": {"summary": "Phase, Wissenslandkarte, Checkliste ändern", "responses": std()}}
    })
}
