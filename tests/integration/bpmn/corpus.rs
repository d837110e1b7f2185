//! The shared fixture corpus (`shared/fixtures/bpmn`, see its README): every file
//! must parse or fail cleanly, and the documented counts must match. Skipped
//! when the corpus is not found (see [`super::corpus_dir`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use stafette::domain::bpmn::{Model, StepKind, parse};

use super::corpus_dir;

fn bpmn_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            bpmn_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "bpmn") {
            out.push(path);
        }
    }
}

fn load(rel: &str) -> Option<Model> {
    let dir = corpus_dir()?;
    let bytes = std::fs::read(dir.join(rel)).unwrap();
    Some(parse(&bytes).unwrap_or_else(|e| panic!("{rel}: {}", e.message)))
}

fn type_counts(m: &Model) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for s in &m.steps {
        *counts.entry(s.bpmn_type.as_str()).or_default() += 1;
    }
    counts
}

fn activities(m: &Model) -> usize {
    m.steps.iter().filter(|s| s.kind.is_activity()).count()
}

fn pools_with_process(m: &Model) -> usize {
    m.participants
        .iter()
        .filter(|p| p.process_ref.is_some())
        .count()
}

#[test]
fn every_corpus_file_parses_or_fails_cleanly() {
    let Some(dir) = corpus_dir() else {
        eprintln!("corpus not found; skipped");
        return;
    };
    let mut files = Vec::new();
    bpmn_files(&dir, &mut files);
    assert!(
        files.len() >= 30,
        "corpus looks incomplete: {} files",
        files.len()
    );
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        match parse(&bytes) {
            Ok(m) => {
                for s in &m.steps {
                    assert!(!s.name.contains(['\n', '\r', '\t']), "{name}: {:?}", s.name);
                    assert!(
                        !s.documentation.contains('\u{FFFD}'),
                        "{name}: broken decoding"
                    );
                }
                if name.starts_with("error/") || name.contains("/error/") {
                    assert!(
                        !m.warnings.is_empty(),
                        "{name}: error fixture without warnings"
                    );
                }
            }
            Err(e) => {
                assert!(!e.message.is_empty());
                // Only the lane fragment is expected to be rejected.
                assert!(
                    name.contains("lane-childLaneSets.part"),
                    "{name}: {}",
                    e.message
                );
            }
        }
    }
}

#[test]
fn miwg_b20_everything_model() {
    let Some(m) = load("miwg-reference/B.2.0.bpmn") else {
        return;
    };
    assert_eq!(m.source_encoding, "windows-1252");
    assert_eq!(activities(&m), 41);
    let t = type_counts(&m);
    let expected = [
        ("task", 22),
        ("userTask", 5),
        ("serviceTask", 4),
        ("sendTask", 1),
        ("receiveTask", 1),
        ("subProcess", 5),
        ("callActivity", 3),
        ("boundaryEvent", 11),
    ];
    for (ty, n) in expected {
        assert_eq!(t.get(ty).copied(), Some(n), "{ty}");
    }
}

#[test]
fn miwg_encodings_declarations_and_diagrams() {
    for case in ["A.1.0", "A.2.0", "A.3.0", "A.4.0", "B.1.0", "B.2.0"] {
        let Some(m) = load(&format!("miwg-reference/{case}.bpmn")) else {
            return;
        };
        assert_eq!(m.source_encoding, "windows-1252", "{case}");
    }
    let Some(c4) = load("miwg-reference/C.4.0.bpmn") else {
        return;
    };
    assert_eq!(c4.diagram_ids.len(), 4);
    let Some(c5) = load("miwg-reference/C.5.0.bpmn") else {
        return;
    };
    assert_eq!(c5.diagram_ids.len(), 2);
    let Some(c1) = load("miwg-reference/C.1.0.bpmn") else {
        return;
    };
    assert!(c1.steps.iter().any(|s| s.name.contains("Rechnung klären")));
    let Some(c7) = load("miwg-reference/C.7.0.bpmn") else {
        return;
    };
    assert!(
        c7.warnings.iter().any(|w| w.contains("kein Modellelement")),
        "{:?}",
        c7.warnings
    );
}

#[test]
fn miwg_line_break_names_are_collapsed() {
    for case in [
        "A.3.0", "B.1.0", "C.1.0", "C.1.1", "C.2.0", "C.4.0", "C.6.0", "C.7.0",
    ] {
        let Some(dir) = corpus_dir() else { return };
        let raw = std::fs::read(dir.join(format!("miwg-reference/{case}.bpmn"))).unwrap();
        let text = String::from_utf8_lossy(&raw);
        // The README says "&#10;"; C.1.0 and C.1.1 actually use the hex form "&#xA;".
        assert!(
            text.contains("&#10;") || text.to_ascii_lowercase().contains("&#xa;"),
            "{case} has no encoded line break any more?"
        );
        let m = parse(&raw).unwrap();
        let names = m
            .steps
            .iter()
            .map(|s| s.name.as_str())
            .chain(m.lanes.iter().map(|l| l.name.as_str()))
            .chain(m.participants.iter().map(|p| p.name.as_str()));
        for name in names {
            assert!(
                !name.contains('\n') && !name.contains("  "),
                "{case}: {name:?}"
            );
        }
    }
}

#[test]
fn bpmn_moddle_vendor_files() {
    let Some(sig) = load("bpmn-moddle/vendor/signavio-complex-no-extensions.bpmn") else {
        return;
    };
    assert_eq!(sig.participants.len(), 17);
    assert_eq!(sig.processes.len(), 9);
    assert_eq!(sig.lanes.len(), 9);
    assert_eq!(activities(&sig), 44);

    let Some(bizagi) = load("bpmn-moddle/vendor/bizagi-nested-ns-definition.bpmn") else {
        return;
    };
    assert!(bizagi.has_diagram);
    assert!(bizagi.steps.iter().all(|s| s.has_shape));

    let Some(collision) = load("bpmn-moddle/namespace-prefix-collision.bpmn") else {
        return;
    };
    assert!(collision.steps.is_empty());
    assert!(collision.has_diagram);
    assert!(
        collision
            .warnings
            .iter()
            .any(|w| w.contains("SubProcess_1"))
    );

    let Some(nested) = load("bpmn-moddle/nested-default-namespace-prefix.bpmn") else {
        return;
    };
    assert!(
        nested.steps.is_empty(),
        "foreign default-namespace elements are not steps"
    );

    let Some(ext) = load("bpmn-moddle/extension-attributes.bpmn") else {
        return;
    };
    assert_eq!(ext.steps.len(), 2);
    assert!(!ext.has_diagram);

    let Some(doc) = load("bpmn-moddle/documentation-extension-elements.bpmn") else {
        return;
    };
    assert_eq!(doc.steps.len(), 1);
    assert_eq!(doc.steps[0].documentation, "THIS IS HTML");
}

#[test]
fn bpmn_js_examples() {
    let Some(pizza) = load("bpmn-js-examples/pizza-collaboration.bpmn") else {
        return;
    };
    assert_eq!(pools_with_process(&pizza), 2);
    assert_eq!(pizza.lanes.len(), 3);
    assert!(pizza.warnings.is_empty(), "{:?}", pizza.warnings);

    let Some(nested) = load("bpmn-js-examples/nested-subprocesses.bpmn") else {
        return;
    };
    assert_eq!(nested.diagram_ids.len(), 6);
    assert_eq!(activities(&nested), 11);
    let depth = |s: &stafette::domain::bpmn::Step| {
        let mut d = 0;
        let mut cur = s.parent.clone();
        while let Some(p) = cur {
            d += 1;
            cur = nested.step(&p).and_then(|p| p.parent.clone());
        }
        d
    };
    assert!(
        nested.steps.iter().map(depth).max().unwrap() >= 2,
        "nested sub-processes"
    );
}

#[test]
fn synthetic_municipal_models() {
    let Some(g) = load("synthetic/gewerbeanmeldung-bearbeiten.bpmn") else {
        return;
    };
    assert_eq!((g.participants.len(), pools_with_process(&g)), (3, 1));
    let lanes: Vec<&str> = g.lanes.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(lanes, ["Bürgerbüro", "Gewerbeamt", "Kasse"]);
    assert_eq!(activities(&g), 8);
    let t = type_counts(&g);
    for (ty, n) in [
        ("userTask", 4),
        ("serviceTask", 2),
        ("sendTask", 1),
        ("manualTask", 1),
    ] {
        assert_eq!(t.get(ty).copied(), Some(n), "{ty}");
    }
    assert!(
        g.steps
            .iter()
            .any(|s| s.documentation.contains("99050100001000"))
            || g.processes
                .iter()
                .any(|p| p.documentation.contains("99050100001000"))
    );

    let Some(w) = load("synthetic/wohngeldantrag-pruefen.bpmn") else {
        return;
    };
    assert_eq!((w.participants.len(), pools_with_process(&w)), (1, 1));
    assert_eq!(w.lanes.len(), 4);
    assert_eq!(
        w.lanes
            .iter()
            .filter(|l| l.parent_lane.as_deref() == Some("Lane_Wohngeldstelle"))
            .count(),
        2
    );
    assert_eq!(activities(&w), 13);
    let t = type_counts(&w);
    assert_eq!(t.get("subProcess").copied(), Some(2));
    assert_eq!(t.get("businessRuleTask").copied(), Some(1));
    assert_eq!(t.get("task").copied(), Some(1));
    assert!(w.processes[0].documentation.contains("99107100002000"));

    let Some(p) = load("synthetic/personalausweis-beantragen.bpmn") else {
        return;
    };
    assert_eq!(p.source_encoding, "windows-1252");
    assert_eq!((p.participants.len(), pools_with_process(&p)), (3, 1));
    assert_eq!(p.lanes.len(), 2);
    assert_eq!(activities(&p), 8);
    assert_eq!(
        p.steps
            .iter()
            .filter(|s| s.kind == StepKind::CallActivity)
            .count(),
        1
    );
}
