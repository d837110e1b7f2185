//! Logging in and out, the first-run setup, and the user's own account: profile, password,
//! sessions and API tokens (pages and `/api/v1/me…`).

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::auth::{Caller, safe_next, session_clear_cookies, session_set_cookie};
use super::error::HtmlError;
use super::extract::HtmlForm;
use super::views::Layout;
use crate::domain::{ApiToken, Session, TokenScope};
use crate::error::AppError;
use crate::service::auth::{Actor, sessions, tokens, users};
use crate::service::blocking;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/anmelden", get(login_form).post(login))
        .route("/abmelden", post(logout))
        .route("/anmelden/sso", get(sso_begin))
        .route("/anmelden/sso/callback", get(sso_callback))
        .route("/einrichten", get(setup_form).post(setup))
        .route("/konto", get(account))
        .route("/konto/passwort", post(change_password))
        .route("/konto/sitzungen/beenden", post(end_sessions))
        .route("/konto/tokens", post(create_token))
        .route("/konto/tokens/{id}/widerrufen", post(revoke_token))
}

fn agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

/// Redirects to `to` with the new session cookie set.
fn logged_in(state: &AppState, headers: &HeaderMap, secret: &str, to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    if let Some(c) = session_set_cookie(state, headers, secret) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginView {
    l: Layout,
    next: String,
    login: String,
    error: Option<String>,
    sso: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    weiter: Option<String>,
    hinweis: Option<String>,
}

fn sso_label(state: &AppState) -> Option<String> {
    state.config.oidc.as_ref().map(|o| {
        if o.display_name.is_empty() {
            "Single Sign-on".to_owned()
        } else {
            o.display_name.clone()
        }
    })
}

async fn login_form(
    State(state): State<AppState>,
    Query(q): Query<LoginQuery>,
    l: Layout,
) -> Response {
    let title = l.t("auth.login_title");
    LoginView {
        l: l.with_notice(q.hinweis.as_deref()).titled(title),
        next: safe_next(q.weiter.as_deref()),
        login: String::new(),
        error: None,
        sso: sso_label(&state),
    }
    .into_response()
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    #[serde(default)]
    weiter: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    l: Layout,
    HtmlForm(f): HtmlForm<LoginForm>,
) -> Response {
    let next = safe_next(f.weiter.as_deref());
    match sessions::login(
        &state,
        &f.login,
        f.password,
        &caller.addr_text(),
        &agent(&headers),
    )
    .await
    {
        // A fresh secret on every login: a session id planted before login is never
        // promoted (no session fixation).
        Ok((secret, _user)) => logged_in(&state, &headers, &secret, &next),
        Err(e) if e.status() < 500 => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let title = l.t("auth.login_title");
            (
                status,
                LoginView {
                    l: l.titled(title),
                    next,
                    login: f.login,
                    error: Some(e.public_message()),
                    sso: sso_label(&state),
                },
            )
                .into_response()
        }
        Err(e) => l.error(e).into_response(),
    }
}

async fn logout(
    State(state): State<AppState>,
    actor: Actor,
    caller: Caller,
    l: Layout,
) -> Response {
    if let Some(s) = caller.secret
        && let Err(e) = sessions::logout(&state, &actor, &s).await
    {
        return l.error(e).into_response();
    }
    let mut res = Redirect::to("/anmelden?hinweis=abgemeldet").into_response();
    for c in session_clear_cookies() {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

#[derive(Template, WebTemplate)]
#[template(path = "setup.html")]
struct SetupView {
    l: Layout,
    error: Option<String>,
    login: String,
    display_name: String,
}

/// The setup page exists only while there is no admin, and only for the machine itself.
async fn setup_allowed(state: &AppState, addr: Option<SocketAddr>) -> Result<(), AppError> {
    // Without a socket (in-process tests) there is no remote client either.
    if addr.is_some_and(|a| !a.ip().is_loopback()) {
        return Err(AppError::Forbidden(
            "Die Einrichtung ist nur direkt auf dem Server (localhost) möglich. Alternativ: stafette user add LOGIN --role admin --password-stdin".to_owned(),
        ));
    }
    let store = state.store.clone();
    if blocking(move || users::has_admin(&store)).await? {
        return Err(AppError::NotFound(
            "Die Einrichtung ist abgeschlossen.".to_owned(),
        ));
    }
    Ok(())
}

async fn setup_form(
    State(state): State<AppState>,
    caller: Caller,
    l: Layout,
) -> Result<SetupView, HtmlError> {
    setup_allowed(&state, caller.addr)
        .await
        .map_err(|e| l.error(e))?;
    let title = l.t("setup.title");
    Ok(SetupView {
        l: l.titled(title),
        error: None,
        login: String::new(),
        display_name: String::new(),
    })
}

#[derive(Debug, Deserialize)]
struct SetupForm {
    login: String,
    #[serde(default)]
    display_name: String,
    password: String,
    password2: String,
}

async fn setup(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    l: Layout,
    HtmlForm(f): HtmlForm<SetupForm>,
) -> Response {
    if let Err(e) = setup_allowed(&state, caller.addr).await {
        return l.error(e).into_response();
    }
    let result = if f.password == f.password2 {
        users::setup_first_admin(
            &state,
            users::NewUser {
                login: f.login.clone(),
                display_name: f.display_name.clone(),
                unit: String::new(),
                role: None,
                groups: Vec::new(),
                password: Some(f.password),
                email: None,
            },
        )
        .await
    } else {
        Err(AppError::Invalid(
            "Die beiden Passwörter stimmen nicht überein.".to_owned(),
        ))
    };
    match result {
        Ok(user) => match sessions::start(&state, user, &agent(&headers), "einrichtung").await {
            Ok(secret) => logged_in(
                &state,
                &headers,
                &secret,
                "/admin/benutzer?hinweis=angemeldet",
            ),
            Err(e) => l.error(e).into_response(),
        },
        Err(e) if e.status() < 500 => {
            let title = l.t("setup.title");
            (
                StatusCode::BAD_REQUEST,
                SetupView {
                    l: l.titled(title),
                    error: Some(e.public_message()),
                    login: f.login,
                    display_name: f.display_name,
                },
            )
                .into_response()
        }
        Err(e) => l.error(e).into_response(),
    }
}

/// A session row on the account page.
#[derive(Debug)]
struct SessionRow {
    id: String,
    created_at: i64,
    last_seen: i64,
    agent: String,
    current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountView {
    l: Layout,
    login: String,
    display_name: String,
    unit: String,
    role: &'static str,
    groups: Vec<String>,
    sessions: Vec<SessionRow>,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NoticeQuery {
    hinweis: Option<String>,
}

async fn account_view(
    state: &AppState,
    actor: &Actor,
    secret: Option<&str>,
    l: Layout,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<AccountView, AppError> {
    let user_id = actor.user.ok_or(AppError::Unauthenticated)?;
    let store = state.store.clone();
    let (user, groups) = blocking(move || {
        let u = store
            .user(user_id)?
            .ok_or_else(|| AppError::NotFound("Benutzer nicht gefunden.".to_owned()))?;
        let g = u
            .groups
            .iter()
            .filter_map(|id| store.group(*id).ok().flatten().map(|g| g.name))
            .collect::<Vec<_>>();
        Ok((u, g))
    })
    .await?;
    let current = secret.map(|s| {
        // The current session's public id is not in the cookie; compare by lookup.
        let store = state.store.clone();
        (store, s.to_owned())
    });
    let current_id = match current {
        Some((store, s)) => {
            let t = state.auth.timeouts;
            blocking(move || Ok(sessions::resolve_blocking(&store, &s, t)?.map(|(_, s)| s.id)))
                .await?
        }
        None => None,
    };
    let sessions = sessions::mine(state, actor)
        .await?
        .into_iter()
        .map(|s: Session| SessionRow {
            current: current_id.as_deref() == Some(s.id.as_str()),
            id: s.id,
            created_at: s.created_at,
            last_seen: s.last_seen,
            agent: s.agent,
        })
        .collect();
    let tokens = tokens::mine(state, actor).await?;
    let title = l.t("account.title");
    Ok(AccountView {
        l: l.titled(title),
        login: user.login,
        display_name: user.display_name,
        unit: user.unit,
        role: user.role.label_de(),
        groups,
        sessions,
        tokens,
        new_token,
        error,
    })
}

async fn account(
    State(state): State<AppState>,
    actor: Actor,
    caller: Caller,
    Query(q): Query<NoticeQuery>,
    l: Layout,
) -> Result<AccountView, HtmlError> {
    let l = l.with_notice(q.hinweis.as_deref());
    account_view(
        &state,
        &actor,
        caller.secret.as_deref(),
        l.clone(),
        None,
        None,
    )
    .await
    .map_err(|e| l.error(e))
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    new2: String,
}

async fn change_password(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    caller: Caller,
    l: Layout,
    HtmlForm(f): HtmlForm<PasswordForm>,
) -> Response {
    let result = if f.new == f.new2 {
        users::set_password(&state, &actor, &actor.login, Some(f.current), f.new).await
    } else {
        Err(AppError::Invalid(
            "Die beiden neuen Passwörter stimmen nicht überein.".to_owned(),
        ))
    };
    match result {
        // Every session ended with the change; this browser gets a fresh one.
        Ok(user) => match sessions::start(&state, user, &agent(&headers), "passwort").await {
            Ok(secret) => logged_in(&state, &headers, &secret, "/konto?hinweis=passwort"),
            Err(e) => l.error(e).into_response(),
        },
        Err(e) if e.status() < 500 => {
            match account_view(
                &state,
                &actor,
                caller.secret.as_deref(),
                l.clone(),
                None,
                Some(e.public_message()),
            )
            .await
            {
                Ok(v) => (StatusCode::BAD_REQUEST, v).into_response(),
                Err(e) => l.error(e).into_response(),
            }
        }
        Err(e) => l.error(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct EndSessionsForm {
    /// One session's id, or empty for "all other sessions".
    #[serde(default)]
    id: String,
}

async fn end_sessions(
    State(state): State<AppState>,
    actor: Actor,
    caller: Caller,
    l: Layout,
    HtmlForm(f): HtmlForm<EndSessionsForm>,
) -> Response {
    let keep = match caller.secret {
        Some(s) => {
            let store = state.store.clone();
            let t = state.auth.timeouts;
            blocking(move || Ok(sessions::resolve_blocking(&store, &s, t)?.map(|(_, s)| s.id)))
                .await
                .ok()
                .flatten()
        }
        None => None,
    };
    let id = (!f.id.is_empty()).then_some(f.id);
    match sessions::end_mine(&state, &actor, id, keep).await {
        Ok(_) => Redirect::to("/konto?hinweis=sitzungen").into_response(),
        Err(e) => l.error(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
    scope: String,
}

async fn create_token(
    State(state): State<AppState>,
    actor: Actor,
    caller: Caller,
    l: Layout,
    HtmlForm(f): HtmlForm<TokenForm>,
) -> Response {
    let secret = caller.secret;
    let result = match f.scope.parse::<TokenScope>() {
        Ok(scope) => tokens::create(&state, &actor, None, f.name, scope).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    let (token, error) = match result {
        Ok((_, plain)) => (Some(plain), None),
        Err(e) if e.status() < 500 => (None, Some(e.public_message())),
        Err(e) => return l.error(e).into_response(),
    };
    match account_view(&state, &actor, secret.as_deref(), l.clone(), token, error).await {
        // The token is in this page only: never cache it.
        Ok(v) => ([(header::CACHE_CONTROL, "no-store")], v).into_response(),
        Err(e) => l.error(e).into_response(),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    l: Layout,
) -> Response {
    match tokens::revoke(&state, &actor, &id).await {
        Ok(()) => Redirect::to("/konto?hinweis=token-widerrufen").into_response(),
        Err(e) => l.error(e).into_response(),
    }
}

/// Cookie binding an SSO login in flight to this browser (SameSite=Lax: the provider's
/// redirect back is a top-level navigation, which Lax cookies accompany).
const SSO_COOKIE: &str = "stafette_sso";

async fn sso_begin(
    State(state): State<AppState>,
    Query(q): Query<LoginQuery>,
    l: Layout,
) -> Response {
    match crate::service::auth::sso::begin(&state, safe_next(q.weiter.as_deref())).await {
        Ok((url, key)) => {
            let mut res = Redirect::to(&url).into_response();
            if let Ok(v) = format!(
                "{SSO_COOKIE}={key}; Path=/anmelden/sso; HttpOnly; SameSite=Lax; Max-Age=600"
            )
            .parse()
            {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => l.error(e).into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    /// Set by the provider when the user cancelled or the provider refused.
    error: Option<String>,
}

async fn sso_callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
    l: Layout,
) -> Response {
    if q.error.is_some() {
        return l
            .error(AppError::Forbidden(
                "Die Anmeldung wurde beim Identitätsanbieter abgebrochen.".to_owned(),
            ))
            .into_response();
    }
    let browser_state = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == SSO_COOKIE)
        .map(|(_, v)| v.to_owned());
    match crate::service::auth::sso::finish(
        &state,
        browser_state.as_deref(),
        &q.state,
        &q.code,
        &agent(&headers),
    )
    .await
    {
        Ok((secret, _user, next)) => {
            let mut res = logged_in(&state, &headers, &secret, &safe_next(Some(&next)));
            if let Ok(v) =
                format!("{SSO_COOKIE}=; Path=/anmelden/sso; HttpOnly; SameSite=Lax; Max-Age=0")
                    .parse()
            {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => l.error(e).into_response(),
    }
}
