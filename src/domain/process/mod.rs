//! Processes (the Prozessregister) and their imported BPMN revisions, and the links
//! from process steps to articles (issue #6).
//!
//! A [`Process`] exists without a model: title, unit, owner, LeiKa key, status. Each
//! BPMN import adds an immutable [`ProcessRevision`] holding the parsed steps (so
//! pages and the API never re-parse) and, separately in the store, the raw file.
//! [`StepLink`]s live here in stafette, never in the BPMN: they address a step by
//! `(process, element_id)` and are re-anchored on re-import (see
//! [`crate::domain::bpmn::match_steps`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

use super::article::{ArticleId, Timestamp};
use super::bpmn::{self, StepKind};

mod reanchor;

pub use reanchor::{candidates_for, reanchor};

/// Longest accepted process title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest unit and owner, in characters.
pub const MAX_FIELD_CHARS: usize = 200;

/// Stable process id (a ULID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProcessId(pub Ulid);

impl ProcessId {
    /// A fresh id.
    pub fn new() -> Self {
        ProcessId(Ulid::new())
    }
    /// The 16 big-endian bytes used as sled key prefix.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_bytes()
    }
    /// Inverse of [`ProcessId::to_bytes`].
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        ProcessId(Ulid::from_bytes(bytes))
    }
}

impl Default for ProcessId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ProcessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for ProcessId {
    type Err = ulid::DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ulid::from_string(s).map(ProcessId)
    }
}

/// Stable id of one article ↔ step link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LinkId(pub Ulid);

impl LinkId {
    /// A fresh id.
    pub fn new() -> Self {
        LinkId(Ulid::new())
    }
    /// The 16 big-endian bytes used in sled keys.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_bytes()
    }
}

impl Default for LinkId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for LinkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for LinkId {
    type Err = ulid::DecodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ulid::from_string(s).map(LinkId)
    }
}

/// A LeiKa Leistungsschlüssel (= FIM Prozessschlüssel): exactly 14 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Leika(String);

impl Leika {
    /// The key as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Leika {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if t.len() == 14 && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Leika(t))
        } else {
            Err(format!(
                "Der LeiKa-Schlüssel muss aus genau 14 Ziffern bestehen (eingegeben: „{}“).",
                s.trim()
            ))
        }
    }
}

impl From<Leika> for String {
    fn from(l: Leika) -> String {
        l.0
    }
}

impl fmt::Display for Leika {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a process stands in the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProcessStatus {
    /// Being modelled or described.
    #[default]
    Entwurf,
    /// In force.
    Aktiv,
    /// No longer practised; kept for reference.
    Archiviert,
}

impl ProcessStatus {
    /// All values, in display order.
    pub const ALL: [ProcessStatus; 3] = [Self::Entwurf, Self::Aktiv, Self::Archiviert];

    /// The API/form value.
    pub fn key(self) -> &'static str {
        match self {
            Self::Entwurf => "entwurf",
            Self::Aktiv => "aktiv",
            Self::Archiviert => "archiviert",
        }
    }

    /// German label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Entwurf => "Entwurf",
            Self::Aktiv => "Aktiv",
            Self::Archiviert => "Archiviert",
        }
    }
}

impl FromStr for ProcessStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let k = s.trim().to_lowercase();
        Self::ALL
            .into_iter()
            .find(|v| v.key() == k || v.label().to_lowercase() == k)
            .ok_or_else(|| {
                format!(
                    "Unbekannter Status „{}“ (erlaubt: entwurf, aktiv, archiviert).",
                    s.trim()
                )
            })
    }
}

/// A Prozessregister entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    /// Stable id.
    pub id: ProcessId,
    /// Title, e.g. "Gewerbeanmeldung bearbeiten".
    pub title: String,
    /// Organisational unit (Fachbereich, Amt).
    pub unit: String,
    /// Process owner (login or name).
    pub owner: String,
    /// LeiKa key, if known.
    pub leika: Option<Leika>,
    /// Register status.
    pub status: ProcessStatus,
    /// Number of the current model revision; 0 while no model was imported.
    pub revision: u32,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change of the record or its model.
    pub updated_at: Timestamp,
    /// Who changed it last.
    pub updated_by: String,
}

impl Process {
    /// Whether a BPMN model has been imported.
    pub fn has_model(&self) -> bool {
        self.revision > 0
    }
}

/// The register fields a user sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessFields {
    /// Title (required).
    pub title: String,
    /// Unit.
    pub unit: String,
    /// Owner.
    pub owner: String,
    /// LeiKa key.
    pub leika: Option<Leika>,
    /// Status.
    pub status: ProcessStatus,
}

/// Raw register input before validation (form or JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessInput {
    /// Title.
    pub title: String,
    /// Unit.
    pub unit: String,
    /// Owner.
    pub owner: String,
    /// LeiKa key; empty means none.
    pub leika: String,
    /// Status key; empty means "entwurf".
    pub status: String,
}

impl ProcessInput {
    /// Validates and normalises the input; the error is German and meant for the user.
    pub fn validate(&self) -> Result<ProcessFields, String> {
        let title = collapse(&self.title);
        if title.is_empty() {
            return Err("Bitte geben Sie einen Titel an.".to_owned());
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(format!(
                "Der Titel ist zu lang (höchstens {MAX_TITLE_CHARS} Zeichen)."
            ));
        }
        let unit = collapse(&self.unit);
        let owner = collapse(&self.owner);
        if unit.chars().count() > MAX_FIELD_CHARS || owner.chars().count() > MAX_FIELD_CHARS {
            return Err(format!(
                "Organisationseinheit und Verantwortliche(r) dürfen höchstens {MAX_FIELD_CHARS} Zeichen lang sein."
            ));
        }
        let leika = if self.leika.trim().is_empty() {
            None
        } else {
            Some(Leika::try_from(self.leika.clone())?)
        };
        let status = if self.status.trim().is_empty() {
            ProcessStatus::default()
        } else {
            self.status.parse()?
        };
        Ok(ProcessFields {
            title,
            unit,
            owner,
            leika,
            status,
        })
    }
}

/// Collapses whitespace runs (including line breaks) into single spaces.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What an article is for a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum LinkKind {
    /// How to do the step.
    Arbeitsanweisung,
    /// What to check.
    Checkliste,
    /// The legal basis.
    Rechtsgrundlage,
    /// A form used in the step.
    Formular,
    /// Frequent questions.
    Faq,
    /// Exceptions and special cases.
    Sonderfall,
}

impl LinkKind {
    /// All kinds, in display order.
    pub const ALL: [LinkKind; 6] = [
        Self::Arbeitsanweisung,
        Self::Checkliste,
        Self::Rechtsgrundlage,
        Self::Formular,
        Self::Faq,
        Self::Sonderfall,
    ];

    /// The API/form value.
    pub fn key(self) -> &'static str {
        match self {
            Self::Arbeitsanweisung => "arbeitsanweisung",
            Self::Checkliste => "checkliste",
            Self::Rechtsgrundlage => "rechtsgrundlage",
            Self::Formular => "formular",
            Self::Faq => "faq",
            Self::Sonderfall => "sonderfall",
        }
    }

    /// German label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Arbeitsanweisung => "Arbeitsanweisung",
            Self::Checkliste => "Checkliste",
            Self::Rechtsgrundlage => "Rechtsgrundlage",
            Self::Formular => "Formular",
            Self::Faq => "FAQ",
            Self::Sonderfall => "Sonderfall",
        }
    }
}

impl TryFrom<String> for LinkKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let k = s.trim().to_lowercase();
        Self::ALL
            .into_iter()
            .find(|v| v.key() == k)
            .ok_or_else(|| {
                format!(
                    "Unbekannte Verknüpfungsart „{}“ (erlaubt: arbeitsanweisung, checkliste, rechtsgrundlage, formular, faq, sonderfall).",
                    s.trim()
                )
            })
    }
}

impl From<LinkKind> for String {
    fn from(k: LinkKind) -> String {
        k.key().to_owned()
    }
}

/// A step as stored with a revision: [`bpmn::Step`] in a serialisable form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredStep {
    /// BPMN `@id`.
    pub element_id: String,
    /// BPMN local element name (`userTask`, …).
    pub bpmn_type: String,
    /// Display name (whitespace collapsed).
    pub name: String,
    /// Top-level process id in the file.
    pub process_id: String,
    /// Pool name.
    pub pool: Option<String>,
    /// Lane names, outermost first.
    pub lane_path: Vec<String>,
    /// Enclosing sub-process id.
    pub parent: Option<String>,
    /// Enclosing sub-process name.
    pub parent_name: Option<String>,
    /// Plain-text documentation.
    pub documentation: String,
    /// Whether the diagram has a shape for it.
    pub has_shape: bool,
    /// `callActivity/@calledElement`.
    pub called_element: Option<String>,
    /// `boundaryEvent/@attachedToRef`.
    pub attached_to: Option<String>,
    /// Event definition local name.
    pub event_definition: Option<String>,
    /// Event sub-process flag.
    pub triggered_by_event: bool,
}

impl StoredStep {
    /// The coarse category.
    pub fn kind(&self) -> StepKind {
        StepKind::from_local_name(&self.bpmn_type).unwrap_or(StepKind::Task)
    }

    /// The parser's view of the step, for fingerprints and matching.
    pub fn to_step(&self) -> bpmn::Step {
        bpmn::Step {
            element_id: self.element_id.clone(),
            kind: self.kind(),
            bpmn_type: self.bpmn_type.clone(),
            name: self.name.clone(),
            process_id: self.process_id.clone(),
            pool: self.pool.clone(),
            lane_path: self.lane_path.clone(),
            parent: self.parent.clone(),
            parent_name: self.parent_name.clone(),
            documentation: self.documentation.clone(),
            has_shape: self.has_shape,
            called_element: self.called_element.clone(),
            attached_to: self.attached_to.clone(),
            event_definition: self.event_definition.clone(),
            triggered_by_event: self.triggered_by_event,
        }
    }

    /// A label for lists when the step has no name ("Endereignis (Event_1)").
    pub fn display_name(&self) -> String {
        if self.name.is_empty() {
            format!("{} ({})", type_label(&self.bpmn_type), self.element_id)
        } else {
            self.name.clone()
        }
    }
}

impl From<&bpmn::Step> for StoredStep {
    fn from(s: &bpmn::Step) -> Self {
        StoredStep {
            element_id: s.element_id.clone(),
            bpmn_type: s.bpmn_type.clone(),
            name: s.name.clone(),
            process_id: s.process_id.clone(),
            pool: s.pool.clone(),
            lane_path: s.lane_path.clone(),
            parent: s.parent.clone(),
            parent_name: s.parent_name.clone(),
            documentation: s.documentation.clone(),
            has_shape: s.has_shape,
            called_element: s.called_element.clone(),
            attached_to: s.attached_to.clone(),
            event_definition: s.event_definition.clone(),
            triggered_by_event: s.triggered_by_event,
        }
    }
}

/// German label of a BPMN element type.
pub fn type_label(bpmn_type: &str) -> &'static str {
    match bpmn_type {
        "task" => "Aufgabe",
        "userTask" => "Benutzeraufgabe",
        "serviceTask" => "Serviceaufgabe",
        "manualTask" => "Manuelle Aufgabe",
        "scriptTask" => "Skriptaufgabe",
        "businessRuleTask" => "Geschäftsregelaufgabe",
        "sendTask" => "Sendeaufgabe",
        "receiveTask" => "Empfangsaufgabe",
        "subProcess" => "Teilprozess",
        "transaction" => "Transaktion",
        "adHocSubProcess" => "Ad-hoc-Teilprozess",
        "callActivity" => "Aufruf-Aktivität",
        "startEvent" => "Startereignis",
        "endEvent" => "Endereignis",
        "intermediateCatchEvent" => "Zwischenereignis (empfangend)",
        "intermediateThrowEvent" => "Zwischenereignis (auslösend)",
        "boundaryEvent" => "Angeheftetes Ereignis",
        "implicitThrowEvent" => "Ereignis",
        "exclusiveGateway" => "Exklusives Gateway",
        "parallelGateway" => "Paralleles Gateway",
        "inclusiveGateway" => "Inklusives Gateway",
        "eventBasedGateway" => "Ereignisbasiertes Gateway",
        "complexGateway" => "Komplexes Gateway",
        _ => "Schritt",
    }
}

/// A lane as stored with a revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredLane {
    /// `@id`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Process id.
    pub process_id: String,
    /// Enclosing lane id.
    pub parent_lane: Option<String>,
}

/// A pool as stored with a revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPool {
    /// Participant id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Referenced process id; `None` for black-box pools.
    pub process_ref: Option<String>,
}

/// A sequence flow, kept for neighbour-based re-anchoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredFlow {
    /// Source id.
    pub source: String,
    /// Target id.
    pub target: String,
}

/// One link carried over to another element id on re-import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reanchored {
    /// The link.
    pub link_id: LinkId,
    /// Element id before.
    pub from: String,
    /// Element id now.
    pub to: String,
    /// Step name.
    pub name: String,
}

/// What a re-import did to the links.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorReport {
    /// Links whose element id still exists.
    pub kept: usize,
    /// Links moved to a new element id by an unambiguous fingerprint match.
    pub reanchored: Vec<Reanchored>,
    /// Links with several candidate steps: the owner decides.
    pub suggested: usize,
    /// Links matching nothing.
    pub orphaned: usize,
}

/// An imported model: immutable once written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessRevision {
    /// Revision number, from 1.
    pub n: u32,
    /// Import time.
    pub created_at: Timestamp,
    /// Who imported it.
    pub created_by: String,
    /// Uploaded file name, if known.
    pub file_name: Option<String>,
    /// Size of the raw file.
    pub size: usize,
    /// Hex SHA-256 of the raw file.
    pub sha256: String,
    /// Encoding the file was decoded with.
    pub encoding: String,
    /// `definitions/@exporter` and version.
    pub exporter: Option<String>,
    /// Model name (`definitions/@name` or first process name).
    pub model_name: Option<String>,
    /// Whether the file has diagram layout.
    pub has_diagram: bool,
    /// Import warnings (German).
    pub warnings: Vec<String>,
    /// Pools.
    pub pools: Vec<StoredPool>,
    /// Lanes.
    pub lanes: Vec<StoredLane>,
    /// Steps, in document order.
    pub steps: Vec<StoredStep>,
    /// Sequence flows.
    pub flows: Vec<StoredFlow>,
    /// How links were carried over from the previous revision.
    pub anchors: AnchorReport,
}

impl ProcessRevision {
    /// Builds the stored form of a parsed model.
    pub fn from_model(
        n: u32,
        model: &bpmn::Model,
        size: usize,
        file_name: Option<String>,
        created_at: Timestamp,
        created_by: String,
    ) -> Self {
        let exporter = model
            .exporter
            .as_ref()
            .map(|e| match &model.exporter_version {
                Some(v) => format!("{e} {v}"),
                None => e.clone(),
            });
        let model_name = model.name.clone().filter(|n| !n.is_empty()).or_else(|| {
            model
                .processes
                .iter()
                .map(|p| p.name.clone())
                .find(|n| !n.is_empty())
        });
        ProcessRevision {
            n,
            created_at,
            created_by,
            file_name,
            size,
            sha256: model.source_sha256.clone(),
            encoding: model.source_encoding.clone(),
            exporter,
            model_name,
            has_diagram: model.has_diagram,
            warnings: model.warnings.clone(),
            pools: model
                .participants
                .iter()
                .map(|p| StoredPool {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    process_ref: p.process_ref.clone(),
                })
                .collect(),
            lanes: model
                .lanes
                .iter()
                .map(|l| StoredLane {
                    id: l.id.clone(),
                    name: l.name.clone(),
                    process_id: l.process_id.clone(),
                    parent_lane: l.parent_lane.clone(),
                })
                .collect(),
            steps: model.steps.iter().map(StoredStep::from).collect(),
            flows: model
                .sequence_flows
                .iter()
                .map(|f| StoredFlow {
                    source: f.source.clone(),
                    target: f.target.clone(),
                })
                .collect(),
            anchors: AnchorReport::default(),
        }
    }

    /// The step with this element id.
    pub fn step(&self, element_id: &str) -> Option<&StoredStep> {
        self.steps
            .iter()
            .find(|s| !s.element_id.is_empty() && s.element_id == element_id)
    }

    /// The parser's model view (steps, pools, flows), for [`bpmn::match_steps`].
    pub fn to_model(&self) -> bpmn::Model {
        bpmn::Model {
            steps: self.steps.iter().map(StoredStep::to_step).collect(),
            sequence_flows: self
                .flows
                .iter()
                .enumerate()
                .map(|(i, f)| bpmn::SequenceFlow {
                    id: format!("f{i}"),
                    name: String::new(),
                    source: f.source.clone(),
                    target: f.target.clone(),
                })
                .collect(),
            ..bpmn::Model::default()
        }
    }

    /// Counts of (pools with a process, lanes, tasks, sub-processes, call activities).
    pub fn counts(&self) -> ModelCounts {
        let of = |k: StepKind| self.steps.iter().filter(|s| s.kind() == k).count();
        ModelCounts {
            pools: self.pools.len(),
            lanes: self.lanes.len(),
            steps: self.steps.len(),
            tasks: of(StepKind::Task),
            sub_processes: of(StepKind::SubProcess),
            call_activities: of(StepKind::CallActivity),
            events: of(StepKind::Event),
            gateways: of(StepKind::Gateway),
        }
    }
}

/// Element counts of a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelCounts {
    /// Pools (participants).
    pub pools: usize,
    /// Lanes, nested ones included.
    pub lanes: usize,
    /// All steps.
    pub steps: usize,
    /// Tasks of any type.
    pub tasks: usize,
    /// Sub-processes, transactions, ad-hoc sub-processes.
    pub sub_processes: usize,
    /// Call activities.
    pub call_activities: usize,
    /// Events.
    pub events: usize,
    /// Gateways.
    pub gateways: usize,
}

/// Where a link points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum Anchor {
    /// The step exists in the current revision.
    Anchored,
    /// The step vanished on a re-import; `step` is how it looked, `candidates` are
    /// element ids of the current revision it may have become (empty: an orphan).
    Detached {
        /// The step as it was in the revision the link was last anchored in.
        step: Box<StoredStep>,
        /// Revision in which it vanished.
        since_revision: u32,
        /// Possible successors, best first.
        candidates: Vec<String>,
    },
}

/// An article linked to a process step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepLink {
    /// Stable link id.
    pub id: LinkId,
    /// The process.
    pub process: ProcessId,
    /// BPMN element id of the step (the last known one when detached).
    pub element_id: String,
    /// The linked article.
    pub article: ArticleId,
    /// What the article is for the step.
    pub kind: LinkKind,
    /// Position among the step's links (ascending).
    pub order: u32,
    /// When it was linked.
    pub created_at: Timestamp,
    /// Who linked it.
    pub created_by: String,
    /// Anchoring state.
    pub anchor: Anchor,
}

impl StepLink {
    /// Whether the link points at an existing step.
    pub fn is_anchored(&self) -> bool {
        matches!(self.anchor, Anchor::Anchored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leika_needs_exactly_14_digits() {
        assert!(Leika::try_from("99050100001000".to_owned()).is_ok());
        assert_eq!(
            Leika::try_from(" 9905 0100 0010 00 ".to_owned())
                .map(String::from)
                .as_deref(),
            Ok("99050100001000")
        );
        assert!(Leika::try_from("9905010000100".to_owned()).is_err());
        assert!(Leika::try_from("990501000010001".to_owned()).is_err());
        assert!(Leika::try_from("9905010000100x".to_owned()).is_err());
    }

    #[test]
    fn link_kinds_parse_case_insensitively() {
        assert_eq!(
            LinkKind::try_from("Checkliste".to_owned()),
            Ok(LinkKind::Checkliste)
        );
        assert_eq!(LinkKind::try_from("FAQ".to_owned()), Ok(LinkKind::Faq));
        assert!(LinkKind::try_from("Rezept".to_owned()).is_err());
    }

    #[test]
    fn input_validation_reports_german_errors() {
        let mut input = ProcessInput {
            title: "  Gewerbe\nanmeldung ".to_owned(),
            leika: "99050100001000".to_owned(),
            status: "Aktiv".to_owned(),
            ..ProcessInput::default()
        };
        let f = input.validate().unwrap();
        assert_eq!(f.title, "Gewerbe anmeldung");
        assert_eq!(f.status, ProcessStatus::Aktiv);
        input.leika = "123".to_owned();
        assert!(input.validate().unwrap_err().contains("14 Ziffern"));
        input.title = " ".to_owned();
        assert!(input.validate().unwrap_err().contains("Titel"));
    }
}
