//! Exact expectations for the fixtures shipped in `tests/fixtures/`.

use stafette::domain::bpmn::{Model, ParseErrorKind, StepKind, parse};

use super::fixture;

fn gewerbe() -> Model {
    parse(&fixture("gewerbe-iso-8859-1.bpmn")).unwrap()
}

fn step<'m>(m: &'m Model, id: &str) -> &'m stafette::domain::bpmn::Step {
    m.step(id).unwrap_or_else(|| panic!("step {id} missing"))
}

#[test]
fn gewerbe_latin1_structure() {
    let m = gewerbe();
    assert_eq!(m.source_encoding, "windows-1252");
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    assert_eq!(
        m.exporter.as_deref(),
        Some("stafette test fixture (hand-written)")
    );
    assert_eq!(
        m.target_namespace.as_deref(),
        Some("https://example.org/bpmn/kommune")
    );
    assert!(m.has_diagram);
    assert_eq!(m.diagram_ids, ["BPMNDiagram_Gewerbe"]);

    assert_eq!(m.processes.len(), 2);
    assert_eq!(m.processes[0].name, "Gewerbeanzeige bearbeiten");
    assert_eq!(m.processes[0].is_executable, Some(false));
    assert!(m.processes[0].documentation.contains("§ 14 GewO"));

    let pools: Vec<(&str, Option<&str>)> = m
        .participants
        .iter()
        .map(|p| (p.name.as_str(), p.process_ref.as_deref()))
        .collect();
    assert_eq!(
        pools,
        [
            ("Stadt Musterstadt – Ordnungsamt", Some("Process_Gewerbe")),
            ("Stadtkasse", Some("Process_Kasse"))
        ]
    );

    assert_eq!(m.lanes.len(), 4);
    let sach = m
        .lanes
        .iter()
        .find(|l| l.id == "Lane_Sachbearbeitung")
        .unwrap();
    assert_eq!(sach.name, "Sachbearbeitung Ordnungsamt"); // "&#10;" collapsed
    assert_eq!(sach.parent_lane.as_deref(), Some("Lane_Ordnungsamt"));
    assert_eq!(sach.process_id, "Process_Gewerbe");
    assert_eq!(sach.flow_node_refs.len(), 6);

    assert_eq!(m.steps.len(), 23);
    assert_eq!(m.steps.iter().filter(|s| s.kind.is_activity()).count(), 11);
    assert_eq!(
        m.steps
            .iter()
            .filter(|s| s.kind == StepKind::SubProcess)
            .count(),
        2
    );
    assert_eq!(
        m.steps
            .iter()
            .filter(|s| s.kind == StepKind::Gateway)
            .count(),
        1
    );
    assert!(m.steps.iter().all(|s| s.has_shape));
    // Data objects and text annotations are not steps.
    assert!(m.step("DataObjectReference_Akte").is_none());
    assert!(m.step("TextAnnotation_Hinweis").is_none());
    assert_eq!(m.sequence_flows.len(), 18);
}

#[test]
fn gewerbe_nesting_lanes_and_pools() {
    let m = gewerbe();
    let outer = step(&m, "Activity_Pruefung");
    assert_eq!(outer.name, "Prüfung der Gewerbeanzeige");
    assert_eq!(
        outer.lane_path,
        ["Ordnungsamt", "Sachbearbeitung Ordnungsamt"]
    );
    assert_eq!(outer.parent, None);

    let inner = step(&m, "Activity_Zuverlaessigkeit");
    assert_eq!(inner.kind, StepKind::SubProcess);
    assert_eq!(inner.parent.as_deref(), Some("Activity_Pruefung"));

    let deep = step(&m, "Activity_Fuehrungszeugnis");
    assert_eq!(deep.name, "Führungszeugnis bewerten");
    assert_eq!(deep.parent.as_deref(), Some("Activity_Zuverlaessigkeit"));
    assert_eq!(deep.parent_name.as_deref(), Some("Zuverlässigkeit prüfen"));
    // Not listed in any lane: inherits the enclosing sub-process's lanes.
    assert_eq!(
        deep.lane_path,
        ["Ordnungsamt", "Sachbearbeitung Ordnungsamt"]
    );
    assert_eq!(
        deep.pool.as_deref(),
        Some("Stadt Musterstadt – Ordnungsamt")
    );
    assert_eq!(deep.process_id, "Process_Gewerbe");

    let leitung = step(&m, "Activity_Ablehnung");
    assert_eq!(leitung.lane_path, ["Ordnungsamt", "Sachgebietsleitung"]);
    assert_eq!(step(&m, "Activity_Erfassen").lane_path, ["Bürgerbüro"]);

    let kasse = step(&m, "Activity_Zahlung");
    assert_eq!(kasse.pool.as_deref(), Some("Stadtkasse"));
    assert!(kasse.lane_path.is_empty());
}

#[test]
fn gewerbe_special_steps_and_documentation() {
    let m = gewerbe();
    let call = step(&m, "Activity_Gebuehrenbescheid");
    assert_eq!(call.kind, StepKind::CallActivity);
    assert_eq!(call.name, "Gebührenbescheid erstellen");
    assert_eq!(
        call.called_element.as_deref(),
        Some("Process_Gebuehrenbescheid")
    );
    // Plain text with angle brackets is not mistaken for HTML.
    assert_eq!(
        call.documentation,
        "Gebühr nach Verwaltungsgebührensatzung; Tarifstelle 3.1 <Gewerbe>."
    );

    let boundary = step(&m, "Event_Frist");
    assert_eq!(boundary.bpmn_type, "boundaryEvent");
    assert_eq!(boundary.attached_to.as_deref(), Some("Activity_Pruefung"));
    assert_eq!(
        boundary.event_definition.as_deref(),
        Some("timerEventDefinition")
    );
    assert_eq!(boundary.name, "14 Tage überschritten");

    // Escaped HTML, with a no-break space and a euro sign as character references.
    assert_eq!(
        step(&m, "Activity_Erfassen").documentation,
        "Anzeige im Fachverfahren erfassen und Eingangsdatum vermerken.\n• Personalausweis sichten\n• Gebühr: 26 €"
    );
    // HTML in CDATA.
    assert_eq!(
        step(&m, "Activity_Pruefung").documentation,
        "Prüfung\nZuständig: Sachbearbeitung Ordnungsamt. Frist: 14 Tage & keine Verlängerung."
    );
    assert_eq!(step(&m, "StartEvent_Pruefung").name, "");
}

#[test]
fn utf16_variant_gives_the_same_model() {
    let latin1 = gewerbe();
    let utf16 = parse(&fixture("gewerbe-utf-16.bpmn")).unwrap();
    assert_eq!(utf16.source_encoding, "UTF-16LE");
    assert_ne!(utf16.source_sha256, latin1.source_sha256);
    let strip = |m: Model| Model {
        source_sha256: String::new(),
        source_encoding: String::new(),
        ..m
    };
    assert_eq!(strip(utf16), strip(latin1));
}

#[test]
fn utf16_big_endian_and_utf8_bom_variants() {
    let text = stafette::domain::bpmn::decode(&fixture("gewerbe-iso-8859-1.bpmn"))
        .unwrap()
        .text;
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    let mut utf8 = vec![0xEF, 0xBB, 0xBF];
    utf8.extend_from_slice(text.as_bytes());
    let reference = gewerbe();
    for bytes in [be, utf8] {
        let m = parse(&bytes).unwrap();
        assert_eq!(m.steps, reference.steps);
        assert_eq!(m.lanes, reference.lanes);
    }
}

#[test]
fn transcoding_for_the_viewer_rewrites_the_declaration() {
    let xml =
        stafette::domain::bpmn::transcode_to_utf8(&fixture("gewerbe-iso-8859-1.bpmn")).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    assert!(xml.contains("Prüfung der Gewerbeanzeige"));
    // The transcoded text parses to the same steps.
    assert_eq!(parse(xml.as_bytes()).unwrap().steps, gewerbe().steps);
}

#[test]
fn miwg_a10_latin1_with_semantic_prefix() {
    let m = parse(&fixture("A.1.0.bpmn")).unwrap();
    assert_eq!(m.source_encoding, "windows-1252");
    assert_eq!(m.steps.len(), 5);
    assert_eq!(m.steps.iter().filter(|s| s.bpmn_type == "task").count(), 3);
    assert!(m.steps.iter().all(|s| s.has_shape));
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn bpmn_moddle_documentation_cdata_html() {
    let m = parse(&fixture("documentation.bpmn")).unwrap();
    assert_eq!(m.processes[0].documentation, "THIS IS A PROCESS");
    assert_eq!(
        m.step("SubProcess_1").unwrap().documentation,
        "THIS IS HTML"
    );
    assert!(!m.has_diagram);
    assert!(m.warnings.iter().any(|w| w.contains("kein Diagramm")));
}

#[test]
fn namespace_redefinition_third_prefix() {
    let m = parse(&fixture("namespace-redefinition.bpmn")).unwrap();
    let task = m.step("Task_1").unwrap();
    assert_eq!(task.bpmn_type, "userTask");
    assert_eq!(task.name, "Task 1");
    assert_eq!(m.steps.len(), 1); // the dataObjectReference is not a step
    assert!(m.has_diagram);
    assert!(!task.has_shape);
}

#[test]
fn lane_fragment_is_not_bpmn() {
    let err = parse(&fixture("lane-childLaneSets.part.bpmn")).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::NotBpmn);
    assert!(err.message.contains("bpmn2:lane"), "{}", err.message);
}

#[test]
fn bad_encoding_fixture_is_read_with_warnings() {
    let m = parse(&fixture("bad-encoding.bpmn")).unwrap();
    assert_eq!(m.source_encoding, "windows-1252");
    assert!(m.steps.is_empty());
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("keine Prozessschritte"))
    );
}

#[test]
fn wohngeld_nested_lanes_and_collapsed_subprocess() {
    let m = parse(&fixture("wohngeldantrag-pruefen.bpmn")).unwrap();
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    assert_eq!(m.lanes.len(), 4);
    assert_eq!(m.diagram_ids.len(), 2);
    assert_eq!(m.steps.iter().filter(|s| s.kind.is_activity()).count(), 13);
    assert_eq!(
        m.step("Activity_Freigabe").unwrap().lane_path,
        ["Wohngeldstelle", "Teamleitung"]
    );
    let inner = m.step("Activity_Einkommen").unwrap();
    assert_eq!(inner.parent.as_deref(), Some("Activity_WohngeldBerechnen"));
    assert_eq!(inner.lane_path, ["Wohngeldstelle", "Sachbearbeitung"]);
    assert!(
        inner.has_shape,
        "shape lives in the second (drill-down) diagram"
    );
    let timer = m
        .steps
        .iter()
        .find(|s| s.bpmn_type == "boundaryEvent")
        .unwrap();
    assert_eq!(
        timer.event_definition.as_deref(),
        Some("timerEventDefinition")
    );
}

#[test]
fn personalausweis_latin1_with_character_references() {
    let m = parse(&fixture("personalausweis-beantragen.bpmn")).unwrap();
    assert_eq!(m.source_encoding, "windows-1252");
    assert!(m.participants.iter().any(|p| p.name.contains('–')));
    assert!(m.steps.iter().any(|s| s.documentation.contains('€')));
    let call = m
        .steps
        .iter()
        .find(|s| s.kind == StepKind::CallActivity)
        .unwrap();
    assert!(call.called_element.is_some());
    assert!(m.steps.iter().all(|s| !s.name.contains('\n')));
}
