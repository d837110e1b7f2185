//! Carrying article links over to a re-imported model revision (issue #6 item 5).
//!
//! Links are stored as `(model, element_id)`. Most tools keep ids on re-export,
//! but some rewrite all of them (MIWG roundtrips: Visual Paradigm, Bonita,
//! Enterprise Architect), so an id that vanished is looked up by
//! [`Step::fingerprint`]. Only *unambiguous* fingerprint matches are proposed.
//! Steps whose fingerprint is shared are told apart in further rounds by their
//! pool name, then by the names of their neighbours along sequence flows (two
//! unnamed end events in one lane), then by both. Whatever is still ambiguous,
//! or changed type (a sub-process exported as a call activity), is reported as
//! orphaned for the process owner to fix by hand.

use std::collections::{HashMap, HashSet};

use crate::domain::bpmn::model::{Model, Step};
use crate::domain::bpmn::text::normalise_name;

/// How the steps of an old revision map onto a new one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepMatching {
    /// Old ids that still exist in the new revision: links carry over unchanged.
    pub kept: Vec<String>,
    /// `(old id, new id)` pairs found by fingerprint: propose re-anchoring.
    pub by_fingerprint: Vec<(String, String)>,
    /// Old ids without an unambiguous successor: orphaned links.
    pub orphaned: Vec<String>,
}

/// Matches the steps of `old` to those of `new` (see the module docs). Steps
/// without an id are ignored, since nothing can be linked to them.
pub fn match_steps(old: &Model, new: &Model) -> StepMatching {
    let new_ids: HashSet<&str> = new.steps.iter().map(|s| s.element_id.as_str()).collect();
    let old_ids: HashSet<&str> = old.steps.iter().map(|s| s.element_id.as_str()).collect();
    let mut result = StepMatching::default();
    let mut old_rest: Vec<&Step> = Vec::new();
    for step in old.steps.iter().filter(|s| !s.element_id.is_empty()) {
        if new_ids.contains(step.element_id.as_str()) {
            result.kept.push(step.element_id.clone());
        } else {
            old_rest.push(step);
        }
    }
    let new_rest: Vec<&Step> = new
        .steps
        .iter()
        .filter(|s| !s.element_id.is_empty() && !old_ids.contains(s.element_id.as_str()))
        .collect();

    // First by fingerprint alone; leftovers get tie-breakers added.
    let old_neighbours = neighbours(old);
    let new_neighbours = neighbours(new);
    let mut unmatched_old = old_rest;
    let mut unmatched_new = new_rest;
    let rounds = [(false, false), (true, false), (false, true), (true, true)];
    for (with_pool, with_neighbours) in rounds {
        let key = |hood: &HashMap<&str, String>, s: &Step| {
            let mut k = s.fingerprint();
            if with_pool {
                k.push('|');
                k.push_str(&normalise_name(s.pool.as_deref().unwrap_or_default()));
            }
            if with_neighbours {
                k.push('|');
                k.push_str(hood.get(s.element_id.as_str()).map_or("", String::as_str));
            }
            k
        };
        let mut old_groups: HashMap<String, Vec<&Step>> = HashMap::new();
        for s in &unmatched_old {
            old_groups
                .entry(key(&old_neighbours, s))
                .or_default()
                .push(s);
        }
        let mut new_groups: HashMap<String, Vec<&Step>> = HashMap::new();
        for s in &unmatched_new {
            new_groups
                .entry(key(&new_neighbours, s))
                .or_default()
                .push(s);
        }
        let mut matched_old = HashSet::new();
        let mut matched_new = HashSet::new();
        for s in &unmatched_old {
            let k = key(&old_neighbours, s);
            if let (Some([o]), Some([n])) = (
                old_groups.get(&k).map(Vec::as_slice),
                new_groups.get(&k).map(Vec::as_slice),
            ) {
                result
                    .by_fingerprint
                    .push((o.element_id.clone(), n.element_id.clone()));
                matched_old.insert(o.element_id.as_str());
                matched_new.insert(n.element_id.as_str());
            }
        }
        unmatched_old.retain(|s| !matched_old.contains(s.element_id.as_str()));
        unmatched_new.retain(|s| !matched_new.contains(s.element_id.as_str()));
    }
    result.orphaned = unmatched_old.iter().map(|s| s.element_id.clone()).collect();
    result
}

/// For every step id: type and normalised name of its predecessors and
/// successors along sequence flows (and the host of a boundary event), sorted,
/// so the key depends neither on ids nor on document order. One pass over the
/// flows keeps this linear in the model size.
fn neighbours(model: &Model) -> HashMap<&str, String> {
    let describe: HashMap<&str, String> = model
        .steps
        .iter()
        .map(|s| {
            let d = format!("{}:{}", s.bpmn_type, normalise_name(&s.name));
            (s.element_id.as_str(), d)
        })
        .collect();
    let label = |id: &str| describe.get(id).map_or("", String::as_str);
    let mut parts: HashMap<&str, Vec<String>> = HashMap::new();
    for f in &model.sequence_flows {
        parts
            .entry(f.source.as_str())
            .or_default()
            .push(format!(">{}", label(&f.target)));
        parts
            .entry(f.target.as_str())
            .or_default()
            .push(format!("<{}", label(&f.source)));
    }
    for s in &model.steps {
        if let Some(host) = &s.attached_to {
            parts
                .entry(s.element_id.as_str())
                .or_default()
                .push(format!("@{}", label(host)));
        }
    }
    parts
        .into_iter()
        .map(|(id, mut p)| {
            p.sort();
            (id, p.join(","))
        })
        .collect()
}
