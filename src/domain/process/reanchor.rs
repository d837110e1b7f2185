//! Carrying links over to a re-imported model revision: ids that still exist keep their
//! links, unambiguous fingerprint matches ([`bpmn::match_steps`]) move them and are
//! reported, everything else is detached with candidate steps (a suggestion for the
//! process owner) or without (an orphan). Nothing is dropped.

use super::{Anchor, AnchorReport, ProcessRevision, Reanchored, StepLink, StoredStep};
use crate::domain::bpmn;

/// Re-anchors `links` of a process whose model moved from `old` (the steps the links
/// were anchored in; `None` for the first import) to `new`. Returns the changed links
/// and the report. Detached links from earlier re-imports are tried again against
/// `new` by their remembered step.
pub fn reanchor(
    links: &[StepLink],
    old: Option<&ProcessRevision>,
    new: &ProcessRevision,
) -> (Vec<StepLink>, AnchorReport) {
    let mut report = AnchorReport::default();
    let mut changed = Vec::new();
    // The old side: the previous revision plus the remembered steps of detached links.
    let mut old_model = old.map(ProcessRevision::to_model).unwrap_or_default();
    let known: std::collections::HashSet<String> = old_model
        .steps
        .iter()
        .map(|s| s.element_id.clone())
        .collect();
    for l in links {
        if let Anchor::Detached { step, .. } = &l.anchor
            && !known.contains(&step.element_id)
            && old_model.step(&step.element_id).is_none()
        {
            old_model.steps.push(step.to_step());
        }
    }
    let new_model = new.to_model();
    let matching = bpmn::match_steps(&old_model, &new_model);
    let moved: std::collections::HashMap<&str, &str> = matching
        .by_fingerprint
        .iter()
        .map(|(o, n)| (o.as_str(), n.as_str()))
        .collect();
    for l in links {
        let remembered = match &l.anchor {
            Anchor::Detached { step, .. } => Some((**step).clone()),
            Anchor::Anchored => old.and_then(|o| o.step(&l.element_id)).cloned(),
        };
        if new.step(&l.element_id).is_some() {
            report.kept += 1;
            if !l.is_anchored() {
                let mut c = l.clone();
                c.anchor = Anchor::Anchored;
                changed.push(c);
            }
            continue;
        }
        if let Some(to) = moved.get(l.element_id.as_str()) {
            let name = new
                .step(to)
                .map(StoredStep::display_name)
                .unwrap_or_default();
            report.reanchored.push(Reanchored {
                link_id: l.id,
                from: l.element_id.clone(),
                to: (*to).to_owned(),
                name,
            });
            let mut c = l.clone();
            c.element_id = (*to).to_owned();
            c.anchor = Anchor::Anchored;
            changed.push(c);
            continue;
        }
        let Some(step) = remembered else {
            // Linked to an id the old revision did not know: nothing to match by.
            report.orphaned += 1;
            let detached = Anchor::Detached {
                step: Box::new(StoredStep {
                    element_id: l.element_id.clone(),
                    bpmn_type: String::new(),
                    name: String::new(),
                    process_id: String::new(),
                    pool: None,
                    lane_path: Vec::new(),
                    parent: None,
                    parent_name: None,
                    documentation: String::new(),
                    has_shape: false,
                    called_element: None,
                    attached_to: None,
                    event_definition: None,
                    triggered_by_event: false,
                }),
                since_revision: new.n,
                candidates: Vec::new(),
            };
            if l.anchor != detached {
                let mut c = l.clone();
                c.anchor = detached;
                changed.push(c);
            }
            continue;
        };
        let candidates = candidates_for(&step, new);
        if candidates.is_empty() {
            report.orphaned += 1;
        } else {
            report.suggested += 1;
        }
        let since_revision = match &l.anchor {
            Anchor::Detached { since_revision, .. } => *since_revision,
            Anchor::Anchored => new.n,
        };
        let detached = Anchor::Detached {
            step: Box::new(step),
            since_revision,
            candidates,
        };
        if l.anchor != detached {
            let mut c = l.clone();
            c.anchor = detached;
            changed.push(c);
        }
    }
    (changed, report)
}

/// Steps of `new` that `old` may have become: same fingerprint first, then same type
/// and name anywhere, then same name with another type. At most five.
pub fn candidates_for(old: &StoredStep, new: &ProcessRevision) -> Vec<String> {
    let old_step = old.to_step();
    let fp = old_step.fingerprint();
    let name = bpmn::normalise_name(&old.name);
    let mut out: Vec<String> = Vec::new();
    let mut push = |id: &str| {
        if !id.is_empty() && !out.iter().any(|o| o == id) {
            out.push(id.to_owned());
        }
    };
    for s in &new.steps {
        if s.to_step().fingerprint() == fp {
            push(&s.element_id);
        }
    }
    if !name.is_empty() {
        for s in &new.steps {
            if s.bpmn_type == old.bpmn_type && bpmn::normalise_name(&s.name) == name {
                push(&s.element_id);
            }
        }
        for s in &new.steps {
            if bpmn::normalise_name(&s.name) == name {
                push(&s.element_id);
            }
        }
    }
    out.truncate(5);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ArticleId;
    use crate::domain::process::{LinkId, LinkKind, ProcessId};

    fn step(id: &str, ty: &str, name: &str) -> StoredStep {
        StoredStep {
            element_id: id.to_owned(),
            bpmn_type: ty.to_owned(),
            name: name.to_owned(),
            process_id: "P".to_owned(),
            pool: None,
            lane_path: vec!["Amt".to_owned()],
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

    fn revision(n: u32, steps: Vec<StoredStep>) -> ProcessRevision {
        ProcessRevision {
            n,
            created_at: 0,
            created_by: String::new(),
            file_name: None,
            size: 0,
            sha256: String::new(),
            encoding: String::new(),
            exporter: None,
            model_name: None,
            has_diagram: false,
            warnings: Vec::new(),
            pools: Vec::new(),
            lanes: Vec::new(),
            steps,
            flows: Vec::new(),
            anchors: AnchorReport::default(),
        }
    }

    fn link(element: &str) -> StepLink {
        StepLink {
            id: LinkId::new(),
            process: ProcessId::new(),
            element_id: element.to_owned(),
            article: ArticleId::new(),
            kind: LinkKind::Checkliste,
            order: 0,
            created_at: 0,
            created_by: String::new(),
            anchor: Anchor::Anchored,
        }
    }

    #[test]
    fn keeps_moves_suggests_and_orphans() {
        let old = revision(
            1,
            vec![
                step("A", "userTask", "Antrag prüfen"),
                step("B", "task", "Ablegen"),
                step("C", "task", "Ablegen "),
                step("D", "task", "Weg"),
                step("E", "subProcess", "Prüfung"),
            ],
        );
        let new = revision(
            2,
            vec![
                step("A", "userTask", "Antrag prüfen"),
                step("x1", "task", "Ablegen"),
                step("x2", "task", "ablegen"),
                step("x3", "callActivity", "Prüfung"),
            ],
        );
        let links: Vec<StepLink> = ["A", "B", "C", "D", "E"].iter().map(|e| link(e)).collect();
        let (changed, report) = reanchor(&links, Some(&old), &new);
        assert_eq!(report.kept, 1);
        assert!(report.reanchored.is_empty());
        // B and C share a fingerprint (two "Ablegen" tasks), E changed type: suggestions.
        assert_eq!(report.suggested, 3);
        assert_eq!(report.orphaned, 1);
        assert_eq!(changed.len(), 4);
        let d = changed.iter().find(|l| l.element_id == "D").unwrap();
        assert!(matches!(&d.anchor, Anchor::Detached { candidates, .. } if candidates.is_empty()));
        let e = changed.iter().find(|l| l.element_id == "E").unwrap();
        assert!(matches!(&e.anchor, Anchor::Detached { candidates, .. } if candidates == &["x3"]));

        // The next import brings "Weg" back under a new id: the orphan is re-anchored.
        let newer = revision(3, vec![step("y", "task", "Weg")]);
        let detached: Vec<StepLink> = changed.clone();
        let (again, report) = reanchor(&detached, Some(&new), &newer);
        assert_eq!(report.reanchored.len(), 1);
        assert_eq!(report.reanchored[0].to, "y");
        assert!(again.iter().any(|l| l.element_id == "y" && l.is_anchored()));
    }
}
