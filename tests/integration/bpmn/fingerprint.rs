//! Fingerprints must survive a tool rewriting every element id (MIWG roundtrips
//! of Visual Paradigm, Bonita, Enterprise Architect do exactly that).

use std::collections::HashMap;

use stafette::domain::bpmn::{Model, parse};

use super::{Rng, fixture};

/// Replaces every `id="…"` value, and every reference to it, with a fresh
/// random id. References are attribute values or element texts that are exactly
/// an id, or a QName `prefix:id`; words inside names are left alone.
fn rewrite_ids(text: &str, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut map: HashMap<String, String> = HashMap::new();
    for part in text.split(" id=\"").skip(1) {
        if let Some(end) = part.find('"') {
            let new = format!("sid-{:016X}", rng.next());
            map.entry(part[..end].to_owned()).or_insert(new);
        }
    }
    let replace = |value: &str| -> Option<String> {
        let trimmed = value.trim();
        let (prefix, local) = match trimmed.rsplit_once(':') {
            Some((p, l)) if !map.contains_key(trimmed) => (format!("{p}:"), l),
            _ => (String::new(), trimmed),
        };
        let new = map.get(local)?;
        Some(value.replacen(trimmed, &format!("{prefix}{new}"), 1))
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        // Text node before the tag.
        let node = &rest[..lt];
        out.push_str(&replace(node).unwrap_or_else(|| node.to_owned()));
        let tag_end = rest[lt..].find('>').map_or(rest.len(), |i| lt + i + 1);
        let tag = &rest[lt..tag_end];
        // Quoted attribute values inside the tag.
        let mut pieces = tag.split('"');
        let mut rebuilt = String::new();
        let mut inside = false;
        let first = pieces.next().unwrap_or_default();
        rebuilt.push_str(first);
        let mut key_is_name = first.trim_end().ends_with(" name=");
        for piece in pieces {
            inside = !inside;
            rebuilt.push('"');
            if inside && !key_is_name {
                rebuilt.push_str(&replace(piece).unwrap_or_else(|| piece.to_owned()));
            } else {
                rebuilt.push_str(piece);
            }
            // Names may equal ids (C.1.0 has a lane "Approver" with id "Approver").
            key_is_name = !inside && piece.trim_end().ends_with(" name=");
        }
        out.push_str(&rebuilt);
        rest = &rest[tag_end..];
    }
    out.push_str(rest);
    out
}

fn sorted_fingerprints(m: &Model) -> Vec<String> {
    let mut f: Vec<String> = m
        .steps
        .iter()
        .map(stafette::domain::bpmn::Step::fingerprint)
        .collect();
    f.sort();
    f
}

fn sorted_names(m: &Model) -> Vec<String> {
    let mut n: Vec<String> = m.steps.iter().map(|s| s.name.clone()).collect();
    n.sort();
    n
}

fn assert_stable_under_id_rewrite(label: &str, bytes: &[u8]) {
    let original = parse(bytes).unwrap();
    let text = stafette::domain::bpmn::transcode_to_utf8(bytes).unwrap();
    for seed in [1, 2, 3] {
        let rewritten = parse(rewrite_ids(&text, seed).as_bytes()).unwrap();
        assert_eq!(rewritten.steps.len(), original.steps.len(), "{label}");
        // Guard against the test itself: ids really changed, names did not.
        for s in &rewritten.steps {
            assert!(
                original.step(&s.element_id).is_none(),
                "{label}: id {} kept",
                s.element_id
            );
        }
        assert_eq!(sorted_names(&rewritten), sorted_names(&original), "{label}");
        // Warnings quote ids, so only their number is comparable.
        assert_eq!(rewritten.warnings.len(), original.warnings.len(), "{label}");
        assert_eq!(
            sorted_fingerprints(&rewritten),
            sorted_fingerprints(&original),
            "{label}"
        );
    }
}

#[test]
fn own_fixtures_keep_fingerprints_when_ids_are_rewritten() {
    for name in [
        "gewerbe-iso-8859-1.bpmn",
        "gewerbe-utf-16.bpmn",
        "wohngeldantrag-pruefen.bpmn",
        "personalausweis-beantragen.bpmn",
        "A.1.0.bpmn",
    ] {
        assert_stable_under_id_rewrite(name, &fixture(name));
    }
}

#[test]
fn corpus_models_keep_fingerprints_when_ids_are_rewritten() {
    let Some(dir) = super::corpus_dir() else {
        return;
    };
    for rel in [
        "miwg-reference/B.2.0.bpmn",
        "miwg-reference/C.1.0.bpmn",
        "miwg-reference/A.4.0.bpmn",
        "bpmn-moddle/vendor/signavio-complex-no-extensions.bpmn",
        "bpmn-js-examples/pizza-collaboration.bpmn",
        "synthetic/gewerbeanmeldung-bearbeiten.bpmn",
    ] {
        let bytes = std::fs::read(dir.join(rel)).unwrap();
        assert_stable_under_id_rewrite(rel, &bytes);
    }
}

#[test]
fn fingerprints_ignore_cosmetic_name_changes_but_not_moves() {
    let text =
        stafette::domain::bpmn::transcode_to_utf8(&fixture("gewerbe-iso-8859-1.bpmn")).unwrap();
    let original = parse(text.as_bytes()).unwrap();
    let fp = |m: &Model, id: &str| m.step(id).unwrap().fingerprint();

    let cosmetic = text
        .replace(
            "name=\"Gebührenbescheid&#10;erstellen\"",
            "name=\"GEBUEHRENBESCHEID  erstellen\"",
        )
        .replace(
            "name=\"Prüfung der Gewerbeanzeige\"",
            "name=\"Pruefung der&#10;Gewerbeanzeige\"",
        );
    let changed = parse(cosmetic.as_bytes()).unwrap();
    assert_eq!(
        fp(&changed, "Activity_Gebuehrenbescheid"),
        fp(&original, "Activity_Gebuehrenbescheid")
    );
    // A renamed parent is cosmetic too, so its children keep their fingerprints.
    assert_eq!(
        fp(&changed, "Activity_Vollstaendigkeit"),
        fp(&original, "Activity_Vollstaendigkeit")
    );

    // Moving a step to another lane is a real change.
    let moved = text.replacen(
        "<semantic:flowNodeRef>Activity_Ablehnung</semantic:flowNodeRef>\n            <semantic:flowNodeRef>EndEvent_Abgelehnt</semantic:flowNodeRef>\n          </semantic:lane>",
        "<semantic:flowNodeRef>EndEvent_Abgelehnt</semantic:flowNodeRef>\n          </semantic:lane>",
        1,
    ).replacen(
        "<semantic:flowNodeRef>EndEvent_Angemeldet</semantic:flowNodeRef>\n          </semantic:lane>",
        "<semantic:flowNodeRef>EndEvent_Angemeldet</semantic:flowNodeRef>\n            <semantic:flowNodeRef>Activity_Ablehnung</semantic:flowNodeRef>\n          </semantic:lane>",
        1,
    );
    let moved = parse(moved.as_bytes()).unwrap();
    assert_eq!(
        moved.step("Activity_Ablehnung").unwrap().lane_path,
        ["Ordnungsamt", "Sachbearbeitung Ordnungsamt"]
    );
    assert_ne!(
        fp(&moved, "Activity_Ablehnung"),
        fp(&original, "Activity_Ablehnung")
    );
}

#[test]
fn match_steps_reanchors_rewritten_ids() {
    let bytes = fixture("gewerbe-iso-8859-1.bpmn");
    let old = parse(&bytes).unwrap();
    let text = stafette::domain::bpmn::transcode_to_utf8(&bytes).unwrap();

    // Same file: everything kept.
    let same = stafette::domain::bpmn::match_steps(&old, &old);
    assert_eq!(same.kept.len(), old.steps.len());
    assert!(same.by_fingerprint.is_empty() && same.orphaned.is_empty());

    // All ids rewritten: every step is found again, including the unnamed
    // start events (told apart by their neighbours), and the pairs are right.
    let new = parse(rewrite_ids(&text, 7).as_bytes()).unwrap();
    let m = stafette::domain::bpmn::match_steps(&old, &new);
    assert!(m.kept.is_empty());
    assert!(m.orphaned.is_empty(), "orphaned: {:?}", m.orphaned);
    assert_eq!(m.by_fingerprint.len(), old.steps.len());
    for (o, n) in &m.by_fingerprint {
        let (o, n) = (old.step(o).unwrap(), new.step(n).unwrap());
        assert_eq!(
            (&o.name, &o.bpmn_type, &o.lane_path),
            (&n.name, &n.bpmn_type, &n.lane_path)
        );
    }

    // A deleted step leaves exactly its own link orphaned.
    let without = rewrite_ids(&text, 8)
        .replace("<semantic:task id=\"", "<semantic:dataObject id=\"")
        .replace("</semantic:task>", "</semantic:dataObject>");
    let new = parse(without.as_bytes()).unwrap();
    let m = stafette::domain::bpmn::match_steps(&old, &new);
    assert_eq!(m.orphaned, ["Activity_Informieren"]);
}

/// A real roundtrip that rewrote every id (MIWG, Bonita BPM 7.2.3, A.4.0). It
/// also added pools and turned the two expanded sub-processes into call
/// activities of new processes; those and their contents must stay orphaned,
/// everything else must be re-anchored to the step with the same name.
#[test]
fn match_steps_on_the_bonita_roundtrip() {
    let reference = parse(&fixture("A.4.0.bpmn")).unwrap();
    let bonita = parse(&fixture("bonita-A.4.0-roundtrip-semantic.bpmn")).unwrap();
    assert_eq!(bonita.steps.len(), reference.steps.len());
    let m = stafette::domain::bpmn::match_steps(&reference, &bonita);
    assert!(m.kept.is_empty());
    let mut matched: Vec<&str> = m
        .by_fingerprint
        .iter()
        .map(|(o, n)| {
            let (o, n) = (reference.step(o).unwrap(), bonita.step(n).unwrap());
            assert_eq!(o.name, n.name);
            o.name.as_str()
        })
        .collect();
    matched.sort_unstable();
    assert_eq!(
        matched,
        [
            "End Event 1",
            "End Event 2",
            "End Event 5",
            "Start Event 1",
            "Start Event 2",
            "Task 1",
            "Task 2",
            "Task 3",
            "Task 5"
        ]
    );
    let mut orphaned: Vec<&str> = m
        .orphaned
        .iter()
        .map(|id| reference.step(id).unwrap().name.as_str())
        .collect();
    orphaned.sort_unstable();
    assert_eq!(
        orphaned,
        [
            "End Event 3",
            "End Event 4",
            "Expanded Sub-Process 1",
            "Expanded Sub-Process 2",
            "Start Event 3",
            "Start Event 4",
            "Task 4",
            "Task 6"
        ]
    );
}
