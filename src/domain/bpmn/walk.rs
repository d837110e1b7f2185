//! The streaming pass over the XML: one `NsReader` walk that collects the raw
//! facts (processes, pools, lanes, steps, flows, DI references) into [`Raw`].
//! Cross-references are resolved afterwards in [`crate::domain::bpmn::build`], because BPMN
//! files reference forward freely (lanes list nodes defined later, DI comes last).
//!
//! Elements are matched by resolved namespace URI + local name, never by prefix.
//! Everything in a foreign namespace and everything below `extensionElements` is
//! skipped as opaque vendor data, so a vendor element that happens to be called
//! `task` cannot become a step.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use crate::domain::bpmn::error::{ParseError, ParseErrorKind};
use crate::domain::bpmn::model::{Lane, Participant, ProcessDef, SequenceFlow, Step, StepKind};
use crate::domain::bpmn::text::{collapse_whitespace, html_to_text, is_html_tag};
use crate::domain::bpmn::xml::{
    attributes, describe_xml_error, display_name, get, parse_bool, resolve_reference, xml_error,
};
use crate::domain::bpmn::{MAX_DEPTH, MAX_ELEMENTS, NS_BPMN_DI, NS_BPMN_MODEL};

/// What the walk collected, with lane parents still as indices.
#[derive(Debug, Default)]
pub(crate) struct Raw {
    pub(crate) definitions_id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) target_namespace: Option<String>,
    pub(crate) exporter: Option<String>,
    pub(crate) exporter_version: Option<String>,
    pub(crate) processes: Vec<ProcessDef>,
    pub(crate) participants: Vec<Participant>,
    /// Lanes plus the index of their parent lane.
    pub(crate) lanes: Vec<(Lane, Option<usize>)>,
    /// Steps plus the index of their enclosing sub-process step.
    pub(crate) steps: Vec<(Step, Option<usize>)>,
    pub(crate) flows: Vec<SequenceFlow>,
    /// Every `id` of a BPMN-namespace element, in document order, duplicates kept.
    pub(crate) ids: Vec<String>,
    pub(crate) shape_refs: Vec<String>,
    pub(crate) edge_refs: Vec<String>,
    pub(crate) plane_refs: Vec<String>,
    /// `BPMNShape`/`BPMNEdge` elements without a `bpmnElement` attribute.
    pub(crate) di_without_ref: usize,
    pub(crate) diagram_ids: Vec<String>,
}

/// Which namespace an element is in, as far as we care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Model,
    Di,
    Other,
}

/// Who a `documentation` element belongs to.
#[derive(Debug, Clone, Copy)]
enum DocOwner {
    Process(usize),
    Step(usize),
    Ignored,
}

/// The meaning of an open element, kept on a stack parallel to the XML nesting.
/// Indices point into the `Raw` vectors and are taken right after the push, and
/// nothing is ever removed from those vectors, so indexing with them cannot fail.
#[derive(Debug)]
enum Frame {
    Definitions,
    Process(usize),
    Collaboration,
    LaneSet {
        lane_parent: Option<usize>,
    },
    Lane(usize),
    FlowNodeRef {
        lane: usize,
        text: String,
    },
    Step(usize),
    Documentation {
        owner: DocOwner,
        raw: String,
    },
    /// An element inside `documentation` (XHTML children of mixed content).
    DocChild,
    /// A BPMN element we do not interpret; its children are still walked for ids.
    Other,
    /// `BPMNDiagram`/`BPMNPlane`: containers whose DI children we read.
    Diagram,
    /// Foreign-namespace or extension content: nothing below is interpreted.
    Opaque,
}

/// A copyable summary of the parent frame, so the walker can mutate itself while
/// deciding what a child element means.
#[derive(Debug, Clone, Copy)]
enum Parent {
    Definitions,
    Process(usize),
    Collaboration,
    LaneSet(Option<usize>),
    Lane(usize),
    Step(usize),
    Documentation,
    Other,
    Opaque,
}

struct Open {
    frame: Frame,
    /// Qualified name as written, for "not closed" messages.
    qname: String,
}

/// Walks the decoded document and collects the raw model.
pub(crate) fn walk(text: &str) -> Result<Raw, ParseError> {
    let mut reader = NsReader::from_str(text);
    let mut walker = Walker {
        text,
        raw: Raw::default(),
        stack: Vec::new(),
        root_seen: false,
        elements: 0,
    };
    loop {
        // Start of the next event (text is reported separately, so for a tag
        // this is its '<'): the position to report for problems with the event.
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let (ns, event) = match reader.read_resolved_event() {
            Ok((ns, event)) => (classify(&ns), event),
            Err(err) => {
                let offset = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                return Err(xml_error(text, offset, &describe_xml_error(&err)));
            }
        };
        match event {
            Event::Start(e) => walker.open(ns, &e, offset)?,
            Event::Empty(e) => {
                walker.open(ns, &e, offset)?;
                walker.close(offset)?;
            }
            Event::End(_) => walker.close(offset)?,
            Event::Text(t) => walker.text(&t.xml10_content()),
            Event::CData(t) => walker.text(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = resolve_reference(&r, text, offset)?;
                walker.text(&resolved);
            }
            Event::DocType(_) => {
                return Err(ParseError::at(
                    ParseErrorKind::DoctypeForbidden,
                    text,
                    offset,
                    "Die Datei enthält eine DOCTYPE-Deklaration (DTD). DTDs und eigene Entitäten werden aus Sicherheitsgründen nicht unterstützt; bitte ohne DOCTYPE exportieren.",
                ));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = walker.stack.last() {
        return Err(xml_error(
            text,
            text.len(),
            &format!(
                "Unerwartetes Dateiende: das Element „{}“ wurde nicht geschlossen. Ist die Datei vollständig hochgeladen?",
                open.qname
            ),
        ));
    }
    if !walker.root_seen {
        return Err(ParseError::new(
            ParseErrorKind::NotBpmn,
            "Die Datei enthält kein XML-Element; sie ist leer oder keine BPMN-Datei.",
        ));
    }
    Ok(walker.raw)
}

fn classify(ns: &ResolveResult<'_>) -> Ns {
    match ns {
        ResolveResult::Bound(n) if n.0 == NS_BPMN_MODEL => Ns::Model,
        ResolveResult::Bound(n) if n.0 == NS_BPMN_DI => Ns::Di,
        _ => Ns::Other,
    }
}

struct Walker<'t> {
    text: &'t str,
    raw: Raw,
    stack: Vec<Open>,
    root_seen: bool,
    /// BPMN-namespace elements seen so far, checked against [`MAX_ELEMENTS`].
    elements: usize,
}

impl Walker<'_> {
    fn open(&mut self, ns: Ns, e: &BytesStart<'_>, offset: usize) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(ParseError::at(
                ParseErrorKind::TooDeep,
                self.text,
                offset,
                &format!(
                    "Die Elemente sind tiefer als {MAX_DEPTH} Ebenen verschachtelt; die Datei wird nicht verarbeitet."
                ),
            ));
        }
        if ns == Ns::Model {
            self.elements += 1;
            if self.elements > MAX_ELEMENTS {
                return Err(ParseError::at(
                    ParseErrorKind::TooLarge,
                    self.text,
                    offset,
                    &format!(
                        "Die Datei enthält mehr als {MAX_ELEMENTS} BPMN-Elemente; so große Modelle werden nicht verarbeitet."
                    ),
                ));
            }
        }
        let qname = e.name().0.to_owned();
        let local = e.local_name().into_inner().to_owned();
        let attrs = attributes(e, self.text, offset)?;
        let frame = if self.stack.is_empty() {
            self.open_root(ns, &local, &qname, &attrs, offset)?
        } else {
            self.open_child(ns, &local, &attrs)
        };
        self.stack.push(Open { frame, qname });
        Ok(())
    }

    fn open_root(
        &mut self,
        ns: Ns,
        local: &str,
        qname: &str,
        attrs: &[(String, String)],
        offset: usize,
    ) -> Result<Frame, ParseError> {
        if self.root_seen {
            return Err(xml_error(
                self.text,
                offset,
                "Die Datei enthält mehr als ein Wurzelelement.",
            ));
        }
        if ns != Ns::Model || local != "definitions" {
            let hint = if local == "definitions" {
                "das Wurzelelement „definitions“ gehört nicht zum BPMN-2.0-Namensraum"
            } else {
                "das Wurzelelement muss „definitions“ aus dem BPMN-2.0-Namensraum sein"
            };
            return Err(ParseError::new(
                ParseErrorKind::NotBpmn,
                format!("Die Datei ist kein BPMN-2.0-Modell: {hint}, gefunden wurde „{qname}“."),
            ));
        }
        self.root_seen = true;
        let raw = &mut self.raw;
        raw.definitions_id = get(attrs, "id");
        raw.name = get(attrs, "name").map(|n| collapse_whitespace(&n));
        raw.target_namespace = get(attrs, "targetNamespace");
        raw.exporter = get(attrs, "exporter");
        raw.exporter_version = get(attrs, "exporterVersion");
        if let Some(id) = &raw.definitions_id {
            raw.ids.push(id.clone());
        }
        Ok(Frame::Definitions)
    }

    fn parent(&self) -> Parent {
        match self.stack.last().map(|o| &o.frame) {
            Some(Frame::Definitions) => Parent::Definitions,
            Some(Frame::Process(i)) => Parent::Process(*i),
            Some(Frame::Collaboration) => Parent::Collaboration,
            Some(Frame::LaneSet { lane_parent }) => Parent::LaneSet(*lane_parent),
            Some(Frame::Lane(i)) => Parent::Lane(*i),
            Some(Frame::Step(i)) => Parent::Step(*i),
            Some(Frame::Documentation { .. } | Frame::DocChild) => Parent::Documentation,
            Some(Frame::FlowNodeRef { .. } | Frame::Other | Frame::Diagram) => Parent::Other,
            Some(Frame::Opaque) | None => Parent::Opaque,
        }
    }

    fn open_child(&mut self, ns: Ns, local: &str, attrs: &[(String, String)]) -> Frame {
        let parent = self.parent();
        match parent {
            Parent::Opaque => return Frame::Opaque,
            Parent::Documentation => {
                // XHTML children of mixed-content documentation: re-emit known
                // HTML tags so `html_to_text` treats them like escaped markup.
                if is_html_tag(&local.to_ascii_lowercase()) {
                    self.append_doc(&format!("<{local}>"));
                }
                return Frame::DocChild;
            }
            _ => {}
        }
        match ns {
            Ns::Di => return self.open_di(local, attrs),
            Ns::Other => return Frame::Opaque,
            Ns::Model => {}
        }
        if local == "extensionElements" {
            return Frame::Opaque;
        }
        if let Some(id) = get(attrs, "id") {
            self.raw.ids.push(id);
        }
        let in_container = match parent {
            Parent::Process(_) => true,
            Parent::Step(i) => self.raw.steps[i].0.kind == StepKind::SubProcess,
            _ => false,
        };
        match (parent, local) {
            (_, "documentation") => {
                let owner = match parent {
                    Parent::Process(i) => DocOwner::Process(i),
                    Parent::Step(i) => DocOwner::Step(i),
                    _ => DocOwner::Ignored,
                };
                Frame::Documentation {
                    owner,
                    raw: String::new(),
                }
            }
            (Parent::Definitions, "process") => {
                self.raw.processes.push(ProcessDef {
                    id: get(attrs, "id").unwrap_or_default(),
                    name: display_name(attrs),
                    is_executable: parse_bool(get(attrs, "isExecutable")),
                    documentation: String::new(),
                });
                Frame::Process(self.raw.processes.len() - 1)
            }
            (Parent::Definitions, "collaboration") => Frame::Collaboration,
            (Parent::Collaboration, "participant") => {
                self.raw.participants.push(Participant {
                    id: get(attrs, "id").unwrap_or_default(),
                    name: display_name(attrs),
                    process_ref: get(attrs, "processRef").map(|r| r.trim().to_owned()),
                });
                Frame::Other
            }
            (_, "laneSet") if in_container => Frame::LaneSet { lane_parent: None },
            (Parent::Lane(i), "childLaneSet") => Frame::LaneSet {
                lane_parent: Some(i),
            },
            (Parent::LaneSet(lane_parent), "lane") => {
                let lane = Lane {
                    id: get(attrs, "id").unwrap_or_default(),
                    name: display_name(attrs),
                    process_id: self.current_process_id(),
                    parent_lane: None,
                    flow_node_refs: Vec::new(),
                };
                self.raw.lanes.push((lane, lane_parent));
                Frame::Lane(self.raw.lanes.len() - 1)
            }
            (Parent::Lane(i), "flowNodeRef") => Frame::FlowNodeRef {
                lane: i,
                text: String::new(),
            },
            (_, "sequenceFlow") if in_container => {
                self.raw.flows.push(SequenceFlow {
                    id: get(attrs, "id").unwrap_or_default(),
                    name: display_name(attrs),
                    source: get(attrs, "sourceRef").unwrap_or_default(),
                    target: get(attrs, "targetRef").unwrap_or_default(),
                });
                Frame::Other
            }
            (Parent::Step(i), _) if local.ends_with("EventDefinition") => {
                let step = &mut self.raw.steps[i].0;
                if step.kind == StepKind::Event {
                    step.event_definition = Some(match step.event_definition {
                        None => local.to_owned(),
                        Some(_) => "multiple".to_owned(),
                    });
                }
                Frame::Other
            }
            _ if in_container => match StepKind::from_local_name(local) {
                Some(kind) => self.open_step(kind, local, attrs),
                None => Frame::Other,
            },
            _ => Frame::Other,
        }
    }

    fn open_di(&mut self, local: &str, attrs: &[(String, String)]) -> Frame {
        let target = get(attrs, "bpmnElement").map(|r| r.trim().to_owned());
        match (local, target) {
            ("BPMNDiagram", _) => {
                self.raw
                    .diagram_ids
                    .push(get(attrs, "id").unwrap_or_default());
                Frame::Diagram
            }
            ("BPMNPlane", target) => {
                self.raw.plane_refs.extend(target);
                Frame::Diagram
            }
            ("BPMNShape", Some(t)) => {
                self.raw.shape_refs.push(t);
                Frame::Opaque
            }
            ("BPMNEdge", Some(t)) => {
                self.raw.edge_refs.push(t);
                Frame::Opaque
            }
            ("BPMNShape" | "BPMNEdge", None) => {
                self.raw.di_without_ref += 1;
                Frame::Opaque
            }
            // Bounds, labels, waypoints and label styles carry nothing we need.
            _ => Frame::Opaque,
        }
    }

    fn open_step(&mut self, kind: StepKind, local: &str, attrs: &[(String, String)]) -> Frame {
        let parent = self.stack.iter().rev().find_map(|o| match o.frame {
            Frame::Step(i) => Some(i),
            _ => None,
        });
        let (parent_id, parent_name) = match parent {
            Some(i) => {
                let p = &self.raw.steps[i].0;
                (Some(p.element_id.clone()), Some(p.name.clone()))
            }
            None => (None, None),
        };
        let step = Step {
            element_id: get(attrs, "id").unwrap_or_default(),
            kind,
            bpmn_type: local.to_owned(),
            name: display_name(attrs),
            process_id: self.current_process_id(),
            pool: None,
            lane_path: Vec::new(),
            parent: parent_id,
            parent_name,
            documentation: String::new(),
            has_shape: false,
            called_element: get(attrs, "calledElement").map(|c| c.trim().to_owned()),
            attached_to: get(attrs, "attachedToRef").map(|c| c.trim().to_owned()),
            event_definition: None,
            triggered_by_event: parse_bool(get(attrs, "triggeredByEvent")).unwrap_or(false),
        };
        self.raw.steps.push((step, parent));
        Frame::Step(self.raw.steps.len() - 1)
    }

    fn current_process_id(&self) -> String {
        self.stack
            .iter()
            .rev()
            .find_map(|o| match o.frame {
                Frame::Process(i) => Some(self.raw.processes[i].id.clone()),
                _ => None,
            })
            .unwrap_or_default()
    }

    fn append_doc(&mut self, s: &str) {
        let doc = self
            .stack
            .iter_mut()
            .rev()
            .find_map(|o| match &mut o.frame {
                Frame::Documentation { raw, .. } => Some(raw),
                _ => None,
            });
        if let Some(raw) = doc {
            raw.push_str(s);
        }
    }

    fn text(&mut self, s: &str) {
        match self.stack.last_mut().map(|o| &mut o.frame) {
            Some(Frame::FlowNodeRef { text, .. }) => text.push_str(s),
            Some(Frame::Documentation { .. } | Frame::DocChild) => self.append_doc(s),
            _ => {}
        }
    }

    fn close(&mut self, offset: usize) -> Result<(), ParseError> {
        let Some(open) = self.stack.pop() else {
            return Err(xml_error(
                self.text,
                offset,
                "schließendes Tag ohne öffnendes",
            ));
        };
        match open.frame {
            Frame::FlowNodeRef { lane, text } => {
                let id = text.trim();
                if !id.is_empty() {
                    self.raw.lanes[lane].0.flow_node_refs.push(id.to_owned());
                }
            }
            Frame::Documentation { owner, raw } => {
                let plain = html_to_text(&raw);
                let target = match owner {
                    DocOwner::Process(i) => &mut self.raw.processes[i].documentation,
                    DocOwner::Step(i) => &mut self.raw.steps[i].0.documentation,
                    DocOwner::Ignored => return Ok(()),
                };
                if !plain.is_empty() {
                    if !target.is_empty() {
                        target.push_str("\n\n");
                    }
                    target.push_str(&plain);
                }
            }
            Frame::DocChild => {
                let local = open.qname.rsplit(':').next().unwrap_or_default().to_owned();
                if is_html_tag(&local.to_ascii_lowercase()) {
                    self.append_doc(&format!("</{local}>"));
                }
            }
            _ => {}
        }
        Ok(())
    }
}
