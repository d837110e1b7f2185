//! Knowledge retention (issue #7): ownership, verification, planned exits, expert
//! profiles, step criticality and handover plans ("Wissensstafette"). Pure types and
//! rules; storage is in `store::retention`, the use cases in `service::retention`.
//!
//! None of these records is part of an article or a process: changing an owner or
//! verifying an article must not create a revision.

use std::fmt;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::article::Timestamp;
use super::{ArticleId, GroupId, UserId};

/// One day in milliseconds.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Review interval when neither the article nor its space sets one.
pub const DEFAULT_INTERVAL_DAYS: u32 = 365;

/// A responsible party: a user or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum Principal {
    /// One account.
    User(UserId),
    /// Every active member of a group.
    Group(GroupId),
}

/// Owner and deputies of an article or a process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ownership {
    /// The owner (None: nobody assigned yet).
    pub owner: Option<Principal>,
    /// Deputies in order of precedence.
    #[serde(default)]
    pub deputies: Vec<Principal>,
    /// Set when a deactivation moved the ownership automatically; cleared when somebody
    /// assigns the ownership explicitly. Such items are listed under "ohne aktive
    /// Verantwortliche" until then.
    #[serde(default)]
    pub transferred: Option<Transfer>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Timestamp,
    /// Who changed it last (login, or "system").
    #[serde(default)]
    pub updated_by: String,
}

/// An automatic ownership move after a deactivation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// Login of the deactivated owner.
    pub from: String,
    /// Whether a deputy took over (else the unit's knowledge manager or an admin).
    pub to_deputy: bool,
    /// When.
    pub at: Timestamp,
}

impl Ownership {
    /// Owner and deputies, owner first, without duplicates.
    pub fn principals(&self) -> Vec<Principal> {
        let mut out: Vec<Principal> = Vec::new();
        for p in self.owner.iter().chain(self.deputies.iter()) {
            if !out.contains(p) {
                out.push(*p);
            }
        }
        out
    }
}

/// What an ownership record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owned {
    /// An article.
    Article(ArticleId),
    /// A process register entry.
    Process(super::process::ProcessId),
}

/// The review state of an article. No record means [`VerificationStatus::Entwurf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    /// Draft: never reviewed.
    #[default]
    Entwurf,
    /// Waiting for review (also after a content edit, where the space asks for it).
    InPruefung,
    /// Confirmed by an owner, deputy or knowledge manager; valid until `expires_at`.
    Verifiziert,
    /// The review interval has passed.
    Abgelaufen,
    /// Kept for reference, no longer maintained.
    Archiviert,
}

impl VerificationStatus {
    /// All statuses in lifecycle order.
    pub const ALL: [VerificationStatus; 5] = [
        VerificationStatus::Entwurf,
        VerificationStatus::InPruefung,
        VerificationStatus::Verifiziert,
        VerificationStatus::Abgelaufen,
        VerificationStatus::Archiviert,
    ];

    /// Stable key for the API, the search index and filters.
    pub fn key(self) -> &'static str {
        match self {
            VerificationStatus::Entwurf => "entwurf",
            VerificationStatus::InPruefung => "in_pruefung",
            VerificationStatus::Verifiziert => "verifiziert",
            VerificationStatus::Abgelaufen => "abgelaufen",
            VerificationStatus::Archiviert => "archiviert",
        }
    }

    /// German label for badges.
    pub fn label(self) -> &'static str {
        match self {
            VerificationStatus::Entwurf => "Entwurf",
            VerificationStatus::InPruefung => "in Prüfung",
            VerificationStatus::Verifiziert => "verifiziert",
            VerificationStatus::Abgelaufen => "abgelaufen",
            VerificationStatus::Archiviert => "archiviert",
        }
    }

    /// Parses a key (or the German label).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_lowercase();
        Self::ALL
            .into_iter()
            .find(|v| v.key() == s || v.label().to_lowercase() == s)
    }
}

impl fmt::Display for VerificationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The verification record of an article.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Stored status (read through [`Verification::effective`]).
    pub status: VerificationStatus,
    /// Last confirmation.
    #[serde(default)]
    pub verified_at: Option<Timestamp>,
    /// Who confirmed (login).
    #[serde(default)]
    pub verified_by: Option<String>,
    /// When the confirmation runs out.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
    /// Review interval for this article; None = the space's default.
    #[serde(default)]
    pub interval_days: Option<u32>,
}

impl Verification {
    /// The status at time `at`: a confirmation past its expiry counts as expired even
    /// before the daily job has written that down.
    pub fn effective(&self, at: Timestamp) -> VerificationStatus {
        match (self.status, self.expires_at) {
            (VerificationStatus::Verifiziert, Some(exp)) if exp <= at => {
                VerificationStatus::Abgelaufen
            }
            (s, _) => s,
        }
    }
}

/// Retention settings of a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpaceRetention {
    /// Default review interval for the space's articles.
    pub interval_days: u32,
    /// Whether a content edit turns "verifiziert" into "in Prüfung".
    pub reset_on_edit: bool,
}

impl Default for SpaceRetention {
    fn default() -> Self {
        SpaceRetention {
            interval_days: DEFAULT_INTERVAL_DAYS,
            reset_on_edit: false,
        }
    }
}

/// Checks a review interval (1 day to 10 years).
pub fn check_interval(days: u32) -> Result<u32, String> {
    if (1..=3650).contains(&days) {
        Ok(days)
    } else {
        Err("Das Prüfintervall muss zwischen 1 und 3650 Tagen liegen.".to_owned())
    }
}

/// A planned exit (retirement, move): visible to knowledge managers and admins only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedExit {
    /// The last working day, `YYYY-MM-DD`.
    pub date: String,
    /// Last change.
    pub updated_at: Timestamp,
    /// Who set it.
    pub updated_by: String,
}

/// Parses `YYYY-MM-DD` into the start of that day (UTC, ms).
pub fn parse_date(s: &str) -> Result<Timestamp, String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s.trim(), &fmt)
        .map_err(|_| format!("„{s}“ ist kein Datum im Format JJJJ-MM-TT."))?;
    Ok(d.midnight().assume_utc().unix_timestamp() * 1000)
}

/// Formats a timestamp as `YYYY-MM-DD` (UTC).
pub fn format_date(at: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(at.div_euclid(1000))
        .map(|t| {
            let d = t.date();
            format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
        })
        .unwrap_or_default()
}

/// What a person knows, as listed in the (opt-in) expert directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpertProfile {
    /// Whether the person agreed to be listed. Without consent nothing is shown to
    /// others and the profile does not count as knowledge holder.
    pub consent: bool,
    /// Free topics.
    #[serde(default)]
    pub topics: Vec<String>,
    /// Process steps: (process id, element id).
    #[serde(default)]
    pub steps: Vec<StepRef>,
    /// Articles.
    #[serde(default)]
    pub articles: Vec<ArticleId>,
    /// Last change.
    #[serde(default)]
    pub updated_at: Timestamp,
}

/// A process step reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StepRef {
    /// Process id (as text).
    pub process_id: String,
    /// BPMN element id.
    pub element_id: String,
}

/// Per-step data kept by stafette: criticality and an anonymous view counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepMeta {
    /// 1 (low) … 3 (high); default 2.
    pub criticality: u8,
    /// Step page views (no user data).
    #[serde(default)]
    pub views: u64,
}

impl Default for StepMeta {
    fn default() -> Self {
        StepMeta {
            criticality: 2,
            views: 0,
        }
    }
}

/// Stable handover plan id (a ULID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PlanId(pub Ulid);

impl PlanId {
    /// A fresh id.
    pub fn new() -> Self {
        PlanId(Ulid::new())
    }
}

impl Default for PlanId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for PlanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for PlanId {
    type Err = ulid::DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ulid::from_string(s).map(PlanId)
    }
}

/// The phases of a Wissensstafette.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// First conversation.
    #[default]
    Vorgespraech,
    /// Mapping the knowledge.
    Wissenslandkarte,
    /// Planning the transfer.
    Transferplan,
    /// Transferring.
    Transfer,
    /// Looking back.
    Reflexion,
    /// Completed.
    Abgeschlossen,
}

impl Phase {
    /// All phases in order.
    pub const ALL: [Phase; 6] = [
        Phase::Vorgespraech,
        Phase::Wissenslandkarte,
        Phase::Transferplan,
        Phase::Transfer,
        Phase::Reflexion,
        Phase::Abgeschlossen,
    ];
    /// Stable key.
    pub fn key(self) -> &'static str {
        match self {
            Phase::Vorgespraech => "vorgespraech",
            Phase::Wissenslandkarte => "wissenslandkarte",
            Phase::Transferplan => "transferplan",
            Phase::Transfer => "transfer",
            Phase::Reflexion => "reflexion",
            Phase::Abgeschlossen => "abgeschlossen",
        }
    }
    /// German label.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Vorgespraech => "Vorgespräch",
            Phase::Wissenslandkarte => "Wissenslandkarte",
            Phase::Transferplan => "Transferplan",
            Phase::Transfer => "Transfer",
            Phase::Reflexion => "Reflexion",
            Phase::Abgeschlossen => "abgeschlossen",
        }
    }
}

/// How a knowledge-map item is handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Written down as an article.
    #[default]
    Artikel,
    /// Shadowing.
    Hospitation,
    /// Recorded interview.
    Interview,
    /// Training session.
    Schulung,
}

/// Progress of one knowledge-map item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Not started.
    #[default]
    Offen,
    /// Under way.
    InArbeit,
    /// Done.
    Erledigt,
}

/// One entry of the knowledge map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapItem {
    /// Topic (free text) — or the step's name when `step` is set.
    pub topic: String,
    /// The process step, if the item is one.
    #[serde(default)]
    pub step: Option<StepRef>,
    /// 1 (high) … 3 (low).
    #[serde(default = "default_priority")]
    pub priority: u8,
    /// Transfer method.
    #[serde(default)]
    pub method: Method,
    /// The article that should hold the knowledge.
    #[serde(default)]
    pub target_article: Option<ArticleId>,
    /// Progress.
    #[serde(default)]
    pub status: ItemStatus,
}

fn default_priority() -> u8 {
    2
}

/// One checklist point (from the Übergabeprotokoll template).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckItem {
    /// What to do.
    pub text: String,
    /// Done?
    #[serde(default)]
    pub done: bool,
}

/// The checklist template, after the Übergabeprotokoll of the KGSt/BVA guides.
pub const CHECKLIST_TEMPLATE: [&str; 8] = [
    "Laufende Vorgänge und Fristen übergeben",
    "Ansprechpersonen intern und extern vorgestellt",
    "Ablage- und Aktenorte erläutert",
    "Zugänge zu Fachverfahren für Nachfolge beantragt",
    "Wiederkehrende Aufgaben und Termine übergeben",
    "Offene Probleme und Besonderheiten dokumentiert",
    "Artikel der Wissenslandkarte an Nachfolge übertragen",
    "Übergabeprotokoll von beiden Seiten bestätigt",
];

/// A handover plan for one leaver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverPlan {
    /// Stable id.
    pub id: PlanId,
    /// The person leaving.
    pub leaver: UserId,
    /// Successors.
    pub successors: Vec<UserId>,
    /// Current phase.
    pub phase: Phase,
    /// Knowledge map.
    #[serde(default)]
    pub items: Vec<MapItem>,
    /// Checklist.
    #[serde(default)]
    pub checklist: Vec<CheckItem>,
    /// Created.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// Who changed it last.
    pub updated_by: String,
}

impl HandoverPlan {
    /// Done and total steps (map items plus checklist points).
    pub fn progress(&self) -> (usize, usize) {
        let done = self
            .items
            .iter()
            .filter(|i| i.status == ItemStatus::Erledigt)
            .count()
            + self.checklist.iter().filter(|c| c.done).count();
        (done, self.items.len() + self.checklist.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verified_past_expiry_reads_as_expired() {
        let v = Verification {
            status: VerificationStatus::Verifiziert,
            expires_at: Some(1000),
            ..Verification::default()
        };
        assert_eq!(v.effective(999), VerificationStatus::Verifiziert);
        assert_eq!(v.effective(1000), VerificationStatus::Abgelaufen);
    }

    #[test]
    fn dates_roundtrip() {
        let t = parse_date("2027-09-30").unwrap();
        assert_eq!(format_date(t), "2027-09-30");
        assert!(parse_date("30.09.2027").is_err());
    }

    #[test]
    fn status_keys_parse() {
        for s in VerificationStatus::ALL {
            assert_eq!(VerificationStatus::parse(s.key()), Some(s));
        }
    }
}
