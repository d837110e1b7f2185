//! The in-app task list per user: reviews due, orphaned process links and open handover
//! items. Computed on request from the stored state (nothing to keep in sync); the daily
//! job only expires confirmations.

use serde::Serialize;

use super::People;
use crate::domain::article::now;
use crate::domain::retention::{DAY_MS, Owned, VerificationStatus, format_date};
use crate::error::{AppError, Result};
use crate::service::auth::access::Access;
use crate::service::{Actor, blocking};
use crate::state::AppState;

/// One task.
#[derive(Debug, Clone, Serialize)]
pub struct Task {
    /// "review", "orphaned_links" or "handover".
    pub kind: &'static str,
    /// What to do.
    pub text: String,
    /// Where to do it.
    pub url: String,
    /// Due date (`YYYY-MM-DD`), if any.
    pub due: Option<String>,
}

/// Reviews due within this many days appear early.
const REVIEW_NOTICE_DAYS: i64 = 30;

/// The actor's tasks.
pub async fn mine(state: &AppState, actor: &Actor) -> Result<Vec<Task>> {
    let me = actor.user.ok_or(AppError::Unauthenticated)?;
    let (store, actor) = (state.store.clone(), actor.clone());
    blocking(move || {
        let people = People::load(&store)?;
        let Some(user) = people.users.get(&me).cloned() else {
            return Ok(Vec::new());
        };
        let access = Access::compute(&store, &actor)?;
        let at = now();
        let mut out = Vec::new();
        for id in super::ownership::held_articles(&store, &people, &user)? {
            let Some(a) = store.article(id)? else {
                continue;
            };
            if a.is_deleted() || !access.can_read(a.space) {
                continue;
            }
            let v = super::verification::record(&store, id)?;
            let s = v.effective(at);
            let text = match s {
                VerificationStatus::Entwurf => {
                    format!("„{}“ prüfen und verifizieren (Entwurf)", a.title)
                }
                VerificationStatus::InPruefung => format!("„{}“ prüfen (in Prüfung)", a.title),
                VerificationStatus::Abgelaufen => {
                    format!("„{}“ erneut prüfen (Prüfung abgelaufen)", a.title)
                }
                VerificationStatus::Verifiziert
                    if v.expires_at
                        .is_some_and(|e| e - at < REVIEW_NOTICE_DAYS * DAY_MS) =>
                {
                    format!("„{}“ bald erneut prüfen", a.title)
                }
                _ => continue,
            };
            out.push(Task {
                kind: "review",
                text,
                url: format!("/artikel/{}", a.slug),
                due: v.expires_at.map(format_date),
            });
        }
        for p in store.all_processes()? {
            let o = super::ownership_of(&store, Owned::Process(p.id))?;
            let mine =
                people.holders(&o).contains(&me) || (o.owner.is_none() && p.owner == user.login);
            if !mine {
                continue;
            }
            let detached = store
                .process_links(p.id)?
                .iter()
                .filter(|l| !l.is_anchored())
                .count();
            if detached > 0 {
                out.push(Task {
                    kind: "orphaned_links",
                    text: format!(
                        "{detached} verwaiste Verknüpfung(en) in „{}“ zuordnen",
                        p.title
                    ),
                    url: format!("/prozesse/{}/zuordnungen", p.id),
                    due: None,
                });
            }
        }
        for plan in super::handover::list_blocking(&store, &actor)? {
            let participant = plan.leaver == user.login || plan.successors.contains(&user.login);
            if participant && plan.done < plan.total {
                out.push(Task {
                    kind: "handover",
                    text: format!(
                        "Wissensstafette von {}: {} von {} Punkten erledigt",
                        plan.leaver_name, plan.done, plan.total
                    ),
                    url: format!("/wissen/stafetten/{}", plan.id),
                    due: None,
                });
            }
        }
        Ok(out)
    })
    .await
}
