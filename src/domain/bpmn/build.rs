//! Second pass: resolve the cross-references collected by [`crate::domain::bpmn::walk`] into
//! the final [`Model`] and turn every dangling or duplicate reference into a
//! German warning. Nothing here fails: a half-broken model is still worth
//! showing as a step list, and the warnings tell the process owner what to fix.

use std::collections::{HashMap, HashSet};

use crate::domain::bpmn::model::{Lane, Model, Step};
use crate::domain::bpmn::walk::Raw;

/// Warnings beyond this many are summarised in one line, so a hostile or badly
/// broken file cannot produce megabytes of messages.
const MAX_WARNINGS: usize = 100;

/// Deepest lane nesting reflected in [`crate::domain::bpmn::Step::lane_path`]. Real models nest
/// two or three levels; the cap bounds memory for hostile files.
const MAX_LANE_DEPTH: usize = 16;

/// How many ids a summarising warning lists before "…".
const MAX_LISTED: usize = 5;

pub(crate) fn build(raw: Raw) -> Model {
    let mut warnings = Warnings::default();

    let mut id_counts: HashMap<&str, usize> = HashMap::new();
    for id in &raw.ids {
        *id_counts.entry(id.as_str()).or_default() += 1;
    }
    let mut reported = HashSet::new();
    for id in &raw.ids {
        let n = id_counts.get(id.as_str()).copied().unwrap_or(0);
        if n > 1 && reported.insert(id.as_str()) {
            warnings.push(format!(
                "Die Element-ID „{id}“ kommt {n}-mal vor; Verknüpfungen mit diesem Element sind nicht eindeutig."
            ));
        }
    }
    let known = |r: &str| id_counts.contains_key(r);
    // References are IDREFs, but some tools write QNames ("tns:Process_1"). Ids
    // are NCNames and cannot contain ':', so dropping a prefix is safe.
    let resolve = |r: &str| -> String {
        if known(r) {
            return r.to_owned();
        }
        r.rsplit_once(':').map_or(r, |(_, local)| local).to_owned()
    };

    let process_ids: HashSet<&str> = raw.processes.iter().map(|p| p.id.as_str()).collect();
    let mut participants = raw.participants.clone();
    let mut pool_of_process: HashMap<String, String> = HashMap::new();
    for p in &mut participants {
        let Some(reference) = p.process_ref.as_deref() else {
            continue;
        };
        let resolved = resolve(reference);
        if process_ids.contains(resolved.as_str()) {
            pool_of_process
                .entry(resolved.clone())
                .or_insert_with(|| p.name.clone());
        } else {
            warnings.push(format!(
                "Der Pool „{}“ verweist auf den unbekannten Prozess „{reference}“.",
                label(&p.name, &p.id)
            ));
        }
        p.process_ref = Some(resolved);
    }

    let lanes = resolve_lanes(&raw, &known, &mut warnings);
    let lane_of_node = lane_paths(&raw.lanes, &mut warnings);

    let shapes: HashSet<String> = raw.shape_refs.iter().map(|r| resolve(r)).collect();
    let mut steps: Vec<Step> = Vec::with_capacity(raw.steps.len());
    for (step, parent) in &raw.steps {
        let mut step = step.clone();
        step.pool = pool_of_process.get(&step.process_id).cloned();
        step.lane_path = match lane_of_node.get(step.element_id.as_str()) {
            Some(path) => path.clone(),
            // Nodes inside a sub-process are usually not listed in any lane but
            // are drawn inside the sub-process's lane; inherit that.
            None => parent
                .and_then(|i| steps.get(i))
                .map(|p| p.lane_path.clone())
                .unwrap_or_default(),
        };
        step.has_shape = shapes.contains(&step.element_id);
        step.attached_to = step.attached_to.as_deref().map(resolve);
        if let Some(target) = &step.attached_to
            && !known(target)
        {
            warnings.push(format!(
                "Das Randereignis „{}“ ist an das unbekannte Element „{target}“ angeheftet.",
                label(&step.name, &step.element_id)
            ));
        }
        steps.push(step);
    }

    for flow in &raw.flows {
        for end in [&flow.source, &flow.target] {
            if !known(&resolve(end)) {
                warnings.push(format!(
                    "Der Sequenzfluss „{}“ verweist auf das unbekannte Element „{end}“.",
                    flow.id
                ));
            }
        }
    }
    check_diagram_refs(&raw, &known, &resolve, &mut warnings);
    summarise_steps(&raw, &steps, &mut warnings);

    Model {
        definitions_id: raw.definitions_id,
        name: raw.name,
        target_namespace: raw.target_namespace,
        exporter: raw.exporter,
        exporter_version: raw.exporter_version,
        source_sha256: String::new(),
        source_encoding: String::new(),
        processes: raw.processes,
        participants,
        steps,
        lanes,
        sequence_flows: raw.flows,
        has_diagram: !raw.diagram_ids.is_empty(),
        diagram_ids: raw.diagram_ids,
        warnings: warnings.finish(),
    }
}

/// Converts lane parent indices to ids and reports refs to unknown elements.
fn resolve_lanes(raw: &Raw, known: &dyn Fn(&str) -> bool, warnings: &mut Warnings) -> Vec<Lane> {
    let mut lanes = Vec::with_capacity(raw.lanes.len());
    for (lane, parent) in &raw.lanes {
        let mut lane = lane.clone();
        lane.parent_lane = parent
            .and_then(|i| raw.lanes.get(i))
            .map(|(p, _)| p.id.clone());
        for r in &lane.flow_node_refs {
            if !known(r) {
                warnings.push(format!(
                    "Die Lane „{}“ verweist auf das unbekannte Element „{r}“.",
                    label(&lane.name, &lane.id)
                ));
            }
        }
        lanes.push(lane);
    }
    lanes
}

/// For every referenced node, the names of its innermost lane and all
/// enclosing lanes, outermost first. Nested lanes usually repeat their
/// parent's refs, so the deepest lane wins. Uses the walk's parent indices
/// rather than lane ids, which may be missing or duplicated.
fn lane_paths<'a>(
    raw_lanes: &'a [(Lane, Option<usize>)],
    warnings: &mut Warnings,
) -> HashMap<&'a str, Vec<String>> {
    // A parent lane is always pushed before its children, so `p < i` holds and
    // one forward pass computes every depth.
    let mut depth: Vec<usize> = Vec::with_capacity(raw_lanes.len());
    for (i, (_, parent)) in raw_lanes.iter().enumerate() {
        let d = parent
            .filter(|&p| p < i)
            .and_then(|p| depth.get(p))
            .map_or(1, |d| d + 1);
        depth.push(d);
    }
    if depth.iter().any(|&d| d > MAX_LANE_DEPTH) {
        warnings.push(format!(
            "Lanes sind tiefer als {MAX_LANE_DEPTH} Ebenen verschachtelt; tiefere Ebenen werden nicht angezeigt."
        ));
    }
    let mut best: HashMap<&str, usize> = HashMap::new();
    let mut conflicts: Vec<&str> = Vec::new();
    for (i, (lane, _)) in raw_lanes.iter().enumerate() {
        for node in &lane.flow_node_refs {
            match best.get(node.as_str()) {
                Some(&old) if depth[old] > depth[i] || old == i => {}
                Some(&old) if depth[old] == depth[i] => conflicts.push(node),
                _ => {
                    best.insert(node.as_str(), i);
                }
            }
        }
    }
    for node in conflicts {
        warnings.push(format!(
            "Das Element „{node}“ ist mehreren Lanes derselben Ebene zugeordnet; die erste wird verwendet."
        ));
    }
    let path_of = |start: usize| -> Vec<String> {
        let mut path = Vec::new();
        let mut current = Some(start);
        while let Some(i) = current {
            path.push(raw_lanes[i].0.name.clone());
            current = raw_lanes[i].1.filter(|&p| p < i);
        }
        path.reverse();
        path.truncate(MAX_LANE_DEPTH);
        path
    };
    let mut memo: HashMap<usize, Vec<String>> = HashMap::new();
    best.into_iter()
        .map(|(node, lane)| {
            (
                node,
                memo.entry(lane).or_insert_with(|| path_of(lane)).clone(),
            )
        })
        .collect()
}

fn check_diagram_refs(
    raw: &Raw,
    known: &dyn Fn(&str) -> bool,
    resolve: &dyn Fn(&str) -> String,
    warnings: &mut Warnings,
) {
    let groups = [
        (&raw.shape_refs, "eine Form"),
        (&raw.edge_refs, "eine Verbindung"),
        (&raw.plane_refs, "eine Ebene"),
    ];
    if raw.di_without_ref > 0 {
        warnings.push(format!(
            "{} Form(en) oder Verbindung(en) im Diagramm verweisen auf kein Modellelement.",
            raw.di_without_ref
        ));
    }
    for (refs, what) in groups {
        for r in refs {
            if !known(&resolve(r)) {
                warnings.push(format!(
                    "Das Diagramm enthält {what} für das unbekannte Element „{r}“."
                ));
            }
        }
    }
}

/// Whole-model hints: nothing to show, no diagram, unnamed or undrawn steps.
fn summarise_steps(raw: &Raw, steps: &[Step], warnings: &mut Warnings) {
    if steps.is_empty() {
        warnings.push("Die Datei enthält keine Prozessschritte.".to_owned());
    }
    if raw.diagram_ids.is_empty() {
        warnings.push(
            "Die Datei enthält kein Diagramm (BPMNDiagram); es wird nur die Schrittliste angezeigt."
                .to_owned(),
        );
    }
    let without_id = steps.iter().filter(|s| s.element_id.is_empty()).count();
    if without_id > 0 {
        warnings.push(format!(
            "{without_id} Prozessschritt(e) haben keine ID und können nicht mit Artikeln verknüpft werden."
        ));
    }
    let unnamed: Vec<&str> = steps
        .iter()
        .filter(|s| s.kind.is_activity() && s.name.is_empty())
        .map(|s| s.element_id.as_str())
        .collect();
    if !unnamed.is_empty() {
        warnings.push(format!(
            "{} Aktivität(en) ohne Namen: {}.",
            unnamed.len(),
            list(&unnamed)
        ));
    }
    if !raw.diagram_ids.is_empty() {
        let undrawn: Vec<&str> = steps
            .iter()
            .filter(|s| !s.has_shape)
            .map(|s| s.element_id.as_str())
            .collect();
        if !undrawn.is_empty() {
            warnings.push(format!(
                "{} Prozessschritt(e) sind im Diagramm nicht dargestellt: {}.",
                undrawn.len(),
                list(&undrawn)
            ));
        }
    }
}

fn list(ids: &[&str]) -> String {
    let mut shown: Vec<String> = ids
        .iter()
        .take(MAX_LISTED)
        .map(|id| format!("„{id}“"))
        .collect();
    if ids.len() > MAX_LISTED {
        shown.push("…".to_owned());
    }
    shown.join(", ")
}

/// The name if there is one, else the id: what a process owner recognises.
fn label<'a>(name: &'a str, id: &'a str) -> &'a str {
    if name.is_empty() { id } else { name }
}

/// A capped list of warnings (see [`MAX_WARNINGS`]).
#[derive(Debug, Default)]
struct Warnings {
    items: Vec<String>,
    dropped: usize,
}

impl Warnings {
    fn push(&mut self, w: String) {
        if self.items.len() < MAX_WARNINGS {
            self.items.push(w);
        } else {
            self.dropped += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.items.push(format!(
                "{} weitere Hinweise wurden ausgelassen.",
                self.dropped
            ));
        }
        self.items
    }
}
