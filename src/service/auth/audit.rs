//! The audit log: logins, failed logins, account, role, group and permission changes,
//! deletions and restores. Admins read, filter and export it; nobody can change it through
//! the application.

use crate::domain::article::now;
use crate::domain::{AuditAction, AuditEvent};
use crate::error::Result;
use crate::service::blocking;
use crate::state::AppState;
use crate::store::Store;

use super::Actor;

/// Appends an event (made durable with the write it belongs to).
pub fn record(
    store: &Store,
    actor: &str,
    action: AuditAction,
    target: &str,
    detail: impl Into<String>,
) -> Result<()> {
    store.append_audit(&AuditEvent {
        at: now(),
        actor: actor.to_owned(),
        action,
        target: target.to_owned(),
        detail: detail.into(),
    })?;
    Ok(())
}

/// Filters for [`list`].
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only events by this actor login, or on this target (substring, case-insensitive).
    pub who: Option<String>,
    /// From this time (inclusive, ms).
    pub from: Option<i64>,
    /// Before this time (exclusive, ms).
    pub to: Option<i64>,
    /// At most this many events.
    pub limit: usize,
}

/// Events matching `filter`, newest first. Admins only.
pub async fn list(state: &AppState, actor: &Actor, filter: AuditFilter) -> Result<Vec<AuditEvent>> {
    actor.require(crate::domain::Role::Admin)?;
    let store = state.store.clone();
    blocking(move || {
        let who = filter.who.as_deref().map(str::to_lowercase);
        store
            .audit_events(
                |e| {
                    filter.action.is_none_or(|a| a == e.action)
                        && filter.from.is_none_or(|f| e.at >= f)
                        && filter.to.is_none_or(|t| e.at < t)
                        && who.as_deref().is_none_or(|w| {
                            e.actor.to_lowercase().contains(w)
                                || e.target.to_lowercase().contains(w)
                        })
                },
                filter.limit.clamp(1, 100_000),
            )
            .map_err(Into::into)
    })
    .await
}

pub(crate) fn csv_field(s: &str) -> String {
    // Quote every field; neutralise spreadsheet formulas (CSV injection).
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The events as CSV (UTF-8 with BOM so spreadsheet programs detect the encoding).
pub fn to_csv(events: &[AuditEvent]) -> String {
    let mut out = String::from("\u{feff}zeit;akteur;aktion;objekt;details\r\n");
    for e in events {
        let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(e.at) * 1_000_000)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        let row = [
            at.as_str(),
            e.actor.as_str(),
            e.action.as_str(),
            e.target.as_str(),
            e.detail.as_str(),
        ]
        .map(csv_field)
        .join(";");
        out.push_str(&row);
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let e = AuditEvent {
            at: 0,
            actor: "=cmd()".to_owned(),
            action: AuditAction::Login,
            target: "a\"b".to_owned(),
            detail: String::new(),
        };
        let csv = to_csv(&[e]);
        assert!(csv.contains("\"'=cmd()\";\"login\";\"a\"\"b\""), "{csv}");
    }
}
