//! The import result: the flat, tool-independent view of a BPMN file that the KB
//! links articles to. Everything is owned and `Clone` so it can be stored as is.
//!
//! Steps are flat (not a tree) because links, search and the fallback list all
//! address a step by `(model, element_id)`; the nesting is kept in
//! [`Step::parent`] and [`Step::lane_path`].

use crate::domain::bpmn::text::normalise_name;

/// A parsed BPMN 2.0 file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Model {
    /// `definitions/@id`, if present.
    pub definitions_id: Option<String>,
    /// `definitions/@name`, if present (whitespace collapsed).
    pub name: Option<String>,
    /// `definitions/@targetNamespace` (required by the schema, often missing in practice).
    pub target_namespace: Option<String>,
    /// `definitions/@exporter`, e.g. "Camunda Modeler", "Signavio Process Editor".
    pub exporter: Option<String>,
    /// `definitions/@exporterVersion`.
    pub exporter_version: Option<String>,
    /// Hex SHA-256 of the raw input bytes, to store the file immutably per revision.
    pub source_sha256: String,
    /// WHATWG name of the encoding the file was decoded with (e.g. `"windows-1252"`).
    pub source_encoding: String,
    /// Top-level `process` elements, in document order.
    pub processes: Vec<ProcessDef>,
    /// `collaboration/participant` elements (pools), including black-box pools.
    pub participants: Vec<Participant>,
    /// All flow nodes of all processes and sub-processes, in document order.
    pub steps: Vec<Step>,
    /// All lanes, nested ones included (see [`Lane::parent_lane`]), in document order.
    pub lanes: Vec<Lane>,
    /// Sequence flows between steps, for neighbour-based matching and the fallback list.
    pub sequence_flows: Vec<SequenceFlow>,
    /// Whether the file has at least one `BPMNDiagram`; if not, bpmn-js cannot
    /// render it and the UI shows the step list instead.
    pub has_diagram: bool,
    /// Ids of the `BPMNDiagram` elements (bpmn-js can open one at a time).
    pub diagram_ids: Vec<String>,
    /// German notes about partial problems that did not stop the import.
    pub warnings: Vec<String>,
}

impl Model {
    /// The step with this element id, if any.
    pub fn step(&self, element_id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.element_id == element_id)
    }
}

/// A `process` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessDef {
    /// `@id` (empty if the file omitted it).
    pub id: String,
    /// `@name`, whitespace collapsed; empty if missing.
    pub name: String,
    /// `@isExecutable`, if present and a valid boolean.
    pub is_executable: Option<bool>,
    /// Plain-text documentation of the process itself (LeiKa keys often live here).
    pub documentation: String,
}

/// A pool: a collaboration participant, optionally pointing at a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// `@id`.
    pub id: String,
    /// `@name`, whitespace collapsed; empty if missing.
    pub name: String,
    /// The referenced process id (QName prefix stripped); `None` for black-box pools.
    pub process_ref: Option<String>,
}

/// A lane. Lanes *reference* flow nodes; they do not contain them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// `@id`.
    pub id: String,
    /// `@name`, whitespace collapsed; empty if missing.
    pub name: String,
    /// Id of the process whose `laneSet` holds this lane.
    pub process_id: String,
    /// Id of the enclosing lane for lanes inside a `childLaneSet`.
    pub parent_lane: Option<String>,
    /// The `flowNodeRef` ids, trimmed, in document order.
    pub flow_node_refs: Vec<String>,
}

/// A directed sequence flow between two flow nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceFlow {
    /// `@id`.
    pub id: String,
    /// `@name` (e.g. "ja"/"nein" at gateways), whitespace collapsed.
    pub name: String,
    /// `@sourceRef`.
    pub source: String,
    /// `@targetRef`.
    pub target: String,
}

/// The coarse category of a step, for icons and grouping in the step list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepKind {
    /// `task` and its specialisations (`userTask`, `serviceTask`, …).
    Task,
    /// `subProcess`, `transaction`, `adHocSubProcess` (incl. event sub-processes).
    SubProcess,
    /// `callActivity`: invokes another process or global task.
    CallActivity,
    /// Start, end, intermediate and boundary events.
    Event,
    /// All gateway types.
    Gateway,
}

impl StepKind {
    /// The kind for a BPMN local element name, or `None` if it is not a flow node
    /// we treat as a step (data objects, sequence flows, artifacts, …).
    pub fn from_local_name(name: &str) -> Option<Self> {
        Some(match name {
            "task" | "userTask" | "serviceTask" | "manualTask" | "scriptTask"
            | "businessRuleTask" | "sendTask" | "receiveTask" => Self::Task,
            "subProcess" | "transaction" | "adHocSubProcess" => Self::SubProcess,
            "callActivity" => Self::CallActivity,
            "startEvent"
            | "endEvent"
            | "intermediateCatchEvent"
            | "intermediateThrowEvent"
            | "boundaryEvent"
            | "implicitThrowEvent" => Self::Event,
            "exclusiveGateway" | "parallelGateway" | "inclusiveGateway" | "eventBasedGateway"
            | "complexGateway" => Self::Gateway,
            _ => return None,
        })
    }

    /// Whether this is an activity (something people *do*): tasks, sub-processes, calls.
    pub fn is_activity(self) -> bool {
        matches!(self, Self::Task | Self::SubProcess | Self::CallActivity)
    }
}

/// One flow node: the unit that articles get linked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The BPMN `@id` (empty if the file omitted it; such steps cannot be linked).
    pub element_id: String,
    /// Coarse category.
    pub kind: StepKind,
    /// The BPMN local element name, e.g. `"userTask"`, `"boundaryEvent"`.
    pub bpmn_type: String,
    /// `@name` with whitespace collapsed (umlauts and case kept); empty if missing.
    pub name: String,
    /// Id of the top-level process the step belongs to.
    pub process_id: String,
    /// Name of the pool (participant) showing that process, if any.
    pub pool: Option<String>,
    /// Lane names, outermost first. Steps inside a sub-process that no lane
    /// references inherit the sub-process's lanes, as the diagram shows them.
    pub lane_path: Vec<String>,
    /// Id of the directly enclosing sub-process, if any.
    pub parent: Option<String>,
    /// Name of that sub-process (display form), kept here so
    /// [`Step::fingerprint`] needs no access to the model.
    pub parent_name: Option<String>,
    /// Plain-text documentation (all `documentation` children joined by blank lines,
    /// HTML stripped); empty if none.
    pub documentation: String,
    /// Whether a `BPMNShape` references this element.
    pub has_shape: bool,
    /// `callActivity/@calledElement` as written (may be a QName into another file).
    pub called_element: Option<String>,
    /// `boundaryEvent/@attachedToRef`.
    pub attached_to: Option<String>,
    /// For events: the local name of the event definition, e.g.
    /// `"timerEventDefinition"`; `"multiple"` if there are several.
    pub event_definition: Option<String>,
    /// `subProcess/@triggeredByEvent="true"`: an event sub-process.
    pub triggered_by_event: bool,
}

impl Step {
    /// A key that survives id rewriting by modelling tools: BPMN type,
    /// normalised name, lane path and the enclosing sub-process's name, all
    /// normalised with [`normalise_name`] and joined with `|`.
    ///
    /// The pool is deliberately left out: roundtrips rename or add pools (the
    /// MIWG Bonita export of A.4.0 wraps every process in a new pool), so it
    /// serves only as a tie-breaker in [`crate::domain::bpmn::match_steps`].
    ///
    /// It is *not* unique (two unnamed end events in one lane collide); callers
    /// re-anchor a link automatically only when exactly one old and one new step
    /// share a key, and otherwise ask the process owner.
    pub fn fingerprint(&self) -> String {
        let lanes: Vec<String> = self.lane_path.iter().map(|l| normalise_name(l)).collect();
        format!(
            "{}|{}|{}|{}",
            self.bpmn_type,
            normalise_name(&self.name),
            lanes.join("/"),
            normalise_name(self.parent_name.as_deref().unwrap_or_default()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &str, lanes: &[&str]) -> Step {
        Step {
            element_id: "Activity_1".into(),
            kind: StepKind::Task,
            bpmn_type: "userTask".into(),
            name: name.into(),
            process_id: "P".into(),
            pool: Some("Stadt".into()),
            lane_path: lanes.iter().map(|s| (*s).to_owned()).collect(),
            parent: None,
            parent_name: None,
            documentation: String::new(),
            has_shape: true,
            called_element: None,
            attached_to: None,
            event_definition: None,
            triggered_by_event: false,
        }
    }

    #[test]
    fn fingerprint_ignores_id_and_spelling_variants() {
        let a = step(
            "Gebührenbescheid erstellen",
            &["Ordnungsamt", "Sachbearbeitung"],
        );
        let mut b = step(
            "Gebuehrenbescheid\nerstellen",
            &["ORDNUNGSAMT", "Sachbearbeitung"],
        );
        b.element_id = "sid-123".into();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(
            a.fingerprint(),
            "userTask|gebuehrenbescheid erstellen|ordnungsamt/sachbearbeitung|"
        );
        let c = step("Gebührenbescheid erstellen", &["Kasse"]);
        assert_ne!(a.fingerprint(), c.fingerprint());
    }
}
