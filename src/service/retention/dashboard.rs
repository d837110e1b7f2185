//! The knowledge manager's dashboard: one row of aggregate numbers per unit (never per
//! person), plus the installation's zero-result searches. Also as CSV.

use std::collections::BTreeMap;

use serde::Serialize;

use super::People;
use crate::domain::Role;
use crate::domain::article::now;
use crate::domain::retention::{DAY_MS, Owned, VerificationStatus};
use crate::error::Result;
use crate::service::auth::access::Access;
use crate::service::auth::audit::csv_field;
use crate::service::{Actor, blocking};
use crate::state::AppState;

/// A step with views and no article (the unit's documentation backlog).
#[derive(Debug, Clone, Serialize)]
pub struct ViewedStep {
    /// Process title.
    pub process: String,
    /// Step name.
    pub name: String,
    /// Page views.
    pub views: u64,
    /// Deep link.
    pub url: String,
}

/// One unit's numbers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnitRow {
    /// Unit name ("" = none given).
    pub unit: String,
    /// Processes.
    pub processes: usize,
    /// Activities in their current models.
    pub activities: usize,
    /// Activities with at least one readable article.
    pub covered: usize,
    /// Activities with at least one verified article.
    pub covered_verified: usize,
    /// Articles (by owner's unit).
    pub articles: usize,
    /// Verified articles.
    pub verified: usize,
    /// Articles whose review is overdue.
    pub overdue: usize,
    /// Median days since the last confirmation, over confirmed articles.
    pub median_age_days: Option<i64>,
    /// Items without an active responsible person.
    pub without_owner: usize,
    /// Steps at risk within 12 months.
    pub risk_steps: usize,
    /// Articles at risk within 12 months.
    pub risk_articles: usize,
    /// Handover plans.
    pub handovers: usize,
    /// Done and total handover points.
    pub handover_done: usize,
    /// All handover points.
    pub handover_total: usize,
    /// Most-viewed activities without an article (top 5).
    pub viewed_undocumented: Vec<ViewedStep>,
}

impl UnitRow {
    /// Share of verified articles in percent.
    pub fn verified_percent(&self) -> usize {
        (self.verified * 100)
            .checked_div(self.articles)
            .unwrap_or(0)
    }
    /// Share of covered activities in percent.
    pub fn coverage_percent(&self) -> usize {
        (self.covered * 100)
            .checked_div(self.activities)
            .unwrap_or(0)
    }
}

/// The dashboard.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Dashboard {
    /// Rows per unit, by name.
    pub units: Vec<UnitRow>,
    /// Searches without results in the last 90 days (anonymous, installation-wide).
    pub zero_result_searches: Vec<(String, u64)>,
}

/// Builds the dashboard (knowledge managers and admins).
pub async fn build(state: &AppState, actor: &Actor) -> Result<Dashboard> {
    actor.require(Role::Wissensmanager)?;
    let zero = crate::service::analytics::report(state, actor, 90, 20)
        .await?
        .zero_results
        .into_iter()
        .map(|r| (r.query, r.counters.searches))
        .collect();
    let (store, actor) = (state.store.clone(), actor.clone());
    let mut d = blocking(move || {
        let at = now();
        let people = People::load(&store)?;
        let access = Access::compute(&store, &actor)?;
        let mut rows: BTreeMap<String, UnitRow> = BTreeMap::new();
        let mut ages: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        // Every unit with active staff gets a row, even with nothing in it yet.
        for u in people.users.values().filter(|u| u.active) {
            rows.entry(u.unit.clone()).or_insert_with(|| UnitRow {
                unit: u.unit.clone(),
                ..UnitRow::default()
            });
        }
        for a in store.all_articles()? {
            if a.is_deleted() || !access.can_read(a.space) {
                continue;
            }
            let o = super::ownership_of(&store, Owned::Article(a.id))?;
            let unit = super::article_unit(&people, &o, &a.created_by);
            let v = super::verification::record(&store, a.id)?;
            let r = rows.entry(unit.clone()).or_insert_with(|| UnitRow {
                unit: unit.clone(),
                ..UnitRow::default()
            });
            r.articles += 1;
            match v.effective(at) {
                VerificationStatus::Verifiziert => r.verified += 1,
                VerificationStatus::Abgelaufen => r.overdue += 1,
                _ => {}
            }
            if let Some(v_at) = v.verified_at {
                ages.entry(unit).or_default().push((at - v_at) / DAY_MS);
            }
        }
        for p in store.all_processes()? {
            let r = rows.entry(p.unit.clone()).or_insert_with(|| UnitRow {
                unit: p.unit.clone(),
                ..UnitRow::default()
            });
            r.processes += 1;
            let Ok(rev) = crate::service::processes::read::current_revision(&store, &p) else {
                continue;
            };
            let links = store.process_links(p.id)?;
            let mut viewed = Vec::new();
            for s in rev.steps.iter().filter(|s| s.kind().is_activity()) {
                r.activities += 1;
                let mut any = false;
                let mut verified = false;
                for l in links
                    .iter()
                    .filter(|l| l.is_anchored() && l.element_id == s.element_id)
                {
                    if let Some(a) = store.article(l.article)?
                        && !a.is_deleted()
                        && access.can_read(a.space)
                    {
                        any = true;
                        verified |= super::verification::status(&store, a.id)?
                            == VerificationStatus::Verifiziert;
                    }
                }
                if any {
                    r.covered += 1;
                }
                if verified {
                    r.covered_verified += 1;
                }
                if !any {
                    let views = super::exits::step_meta(&store, p.id, &s.element_id)?.views;
                    if views > 0 {
                        viewed.push(ViewedStep {
                            process: p.title.clone(),
                            name: s.display_name(),
                            views,
                            url: super::exits::step_url(p.id, &s.element_id),
                        });
                    }
                }
            }
            r.viewed_undocumented.extend(viewed);
        }
        for o in super::ownership::orphans_blocking(&store, &actor)? {
            let unit = if o.kind == "process" {
                o.id.parse()
                    .ok()
                    .and_then(|id| store.process(id).ok().flatten())
                    .map(|p| p.unit)
                    .unwrap_or_default()
            } else {
                o.ownership
                    .owner
                    .as_ref()
                    .and_then(|p| people.users.values().find(|u| u.login == p.handle))
                    .map(|u| u.unit.clone())
                    .unwrap_or_default()
            };
            rows.entry(unit.clone())
                .or_insert_with(|| UnitRow {
                    unit,
                    ..UnitRow::default()
                })
                .without_owner += 1;
        }
        let risk = super::exits::compute(&store, &actor, 12, at)?;
        for s in &risk.steps {
            if let Some(r) = rows.get_mut(&s.unit) {
                r.risk_steps += 1;
            }
        }
        for a in &risk.articles {
            if let Some(r) = rows.get_mut(&a.unit) {
                r.risk_articles += 1;
            }
        }
        for plan in super::handover::list_blocking(&store, &actor)? {
            if let Some(r) = rows.get_mut(&plan.unit) {
                r.handovers += 1;
                r.handover_done += plan.done;
                r.handover_total += plan.total;
            }
        }
        let mut units: Vec<UnitRow> = rows.into_values().collect();
        for r in &mut units {
            if let Some(v) = ages.get_mut(&r.unit) {
                v.sort_unstable();
                r.median_age_days = v.get(v.len() / 2).copied();
            }
            r.viewed_undocumented
                .sort_by_key(|v| std::cmp::Reverse(v.views));
            r.viewed_undocumented.truncate(5);
        }
        Ok(Dashboard {
            units,
            zero_result_searches: Vec::new(),
        })
    })
    .await?;
    d.zero_result_searches = zero;
    Ok(d)
}

/// The unit rows as CSV (`;`, UTF-8 with BOM, formulas defused).
pub fn to_csv(d: &Dashboard) -> String {
    let mut out = String::from(
        "\u{feff}einheit;prozesse;aktivitaeten;abgedeckt;abgedeckt_verifiziert;artikel;verifiziert;\
verifiziert_prozent;ueberfaellig;median_alter_tage;ohne_aktive_verantwortliche;risiko_schritte;\
risiko_artikel;stafetten;stafetten_erledigt;stafetten_gesamt;meistgesehene_undokumentierte_schritte\r\n",
    );
    for r in &d.units {
        let viewed: Vec<String> = r
            .viewed_undocumented
            .iter()
            .map(|v| format!("{} / {} ({})", v.process, v.name, v.views))
            .collect();
        let fields = [
            r.unit.clone(),
            r.processes.to_string(),
            r.activities.to_string(),
            r.covered.to_string(),
            r.covered_verified.to_string(),
            r.articles.to_string(),
            r.verified.to_string(),
            r.verified_percent().to_string(),
            r.overdue.to_string(),
            r.median_age_days.map(|d| d.to_string()).unwrap_or_default(),
            r.without_owner.to_string(),
            r.risk_steps.to_string(),
            r.risk_articles.to_string(),
            r.handovers.to_string(),
            r.handover_done.to_string(),
            r.handover_total.to_string(),
            viewed.join(", "),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(";"));
        out.push_str("\r\n");
    }
    out
}
