//! Reminder e-mails: once a day, every active user with an e-mail address and open tasks
//! (reviews due, orphaned process links, handover items) gets one digest through the
//! configured SMTP server. Optional: without `[smtp]` the in-app task list is the reminder.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;

use super::tasks;
use crate::error::{AppError, Result};
use crate::service::auth::{Actor, Via};
use crate::service::blocking;
use crate::state::AppState;

/// `[smtp]` in the configuration file.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// Mail server host name.
    pub host: String,
    /// Port (default: 587 for `starttls`, 465 for `tls`, 25 for `none`).
    #[serde(default)]
    pub port: Option<u16>,
    /// `starttls` (default), `tls` (implicit TLS) or `none` (internal relay only).
    #[serde(default = "default_security")]
    pub security: String,
    /// Login at the mail server, if it wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// Password for `username`.
    #[serde(default)]
    pub password: Option<String>,
    /// Sender, e.g. `stafette <wissen@stadt.example>`.
    pub from: String,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from)
            .finish()
    }
}

/// Prefix of the per-user `meta` key holding the day (`YYYY-MM-DD`) of the last digest.
const LAST_DAY: &str = "mail.reminders.last_day";

static SENDING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn default_security() -> String {
    "starttls".to_owned()
}

fn transport(c: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
    let bad = |e: lettre::transport::smtp::Error| AppError::Internal(format!("SMTP: {e}"));
    let mut b = match c.security.as_str() {
        "starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.host).map_err(bad)?,
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.host).map_err(bad)?,
        "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host).port(25),
        other => {
            return Err(AppError::Invalid(format!(
                "smtp.security „{other}“: erlaubt sind starttls, tls, none"
            )));
        }
    };
    if let Some(port) = c.port {
        b = b.port(port);
    }
    if let (Some(u), Some(p)) = (&c.username, &c.password) {
        b = b.credentials(Credentials::new(u.clone(), p.clone()));
    }
    Ok(b.build())
}

/// Sends today's digests, at most one per user and day (a restart does not send them
/// again); returns how many were sent. Does nothing without `[smtp]`.
pub async fn send_reminders(state: &AppState) -> Result<usize> {
    let Some(cfg) = state.config.smtp.clone() else {
        return Ok(0);
    };
    // One run at a time: the daily job and a manual run must not both send.
    let _one = SENDING.lock().await;
    let today = crate::domain::retention::format_date(crate::domain::article::now());
    let from: Mailbox = cfg
        .from
        .parse()
        .map_err(|e| AppError::Invalid(format!("smtp.from: {e}")))?;
    let smtp = transport(&cfg)?;
    let store = state.store.clone();
    let users = blocking(move || Ok(store.all_users()?)).await?;
    let mut sent = 0;
    for user in users.iter().filter(|u| u.active) {
        let Some(to) = user
            .email
            .as_deref()
            .and_then(|e| e.parse::<Mailbox>().ok())
        else {
            continue;
        };
        let key = format!("{LAST_DAY}.{}", user.id);
        let store = state.store.clone();
        let k = key.clone();
        let last: Option<String> = blocking(move || Ok(store.meta_get(&k)?)).await?;
        if last.as_deref() == Some(today.as_str()) {
            continue;
        }
        // The user's own view: tasks only list what this user may read.
        let actor = Actor::for_user(user, Via::Session);
        let list = tasks::mine(state, &actor).await?;
        if list.is_empty() {
            continue;
        }
        let mut body = format!(
            "Guten Tag {},\n\nin stafette warten {} Aufgaben auf Sie:\n\n",
            user.display_name,
            list.len()
        );
        for t in &list {
            let due = t
                .due
                .as_deref()
                .map(|d| format!(" (fällig {d})"))
                .unwrap_or_default();
            let url = match &state.config.public_url {
                Some(base) => format!("{}{}", base.trim_end_matches('/'), t.url),
                None => t.url.clone(),
            };
            body.push_str(&format!("- {}{due}\n  {url}\n", t.text));
        }
        body.push_str(
            "\nDie vollständige Liste steht unter „Meine Aufgaben“ (/wissen/aufgaben).\n",
        );
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(format!("stafette: {} offene Aufgaben", list.len()))
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| AppError::Internal(format!("mail: {e}")))?;
        match smtp.send(message).await {
            Ok(_) => {
                sent += 1;
                let store = state.store.clone();
                let day = today.clone();
                blocking(move || Ok(store.meta_put(&key, &day)?)).await?;
            }
            // One unreachable mailbox must not stop the others.
            Err(e) => tracing::warn!(user = %user.login, error = %e, "reminder mail failed"),
        }
    }
    if sent > 0 {
        tracing::info!(sent, "reminder mails sent");
    }
    Ok(sent)
}
