//! Hostile and broken input: DTDs, entities, caps, truncation, random mutation,
//! and partial problems that must become warnings rather than errors.

use std::panic::{AssertUnwindSafe, catch_unwind};

use stafette::domain::bpmn::{MAX_DEPTH, MAX_INPUT_BYTES, ParseErrorKind, parse};

use super::{Rng, fixture};

const NS: &str = r#"xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI""#;

fn kind_of(xml: &str) -> ParseErrorKind {
    parse(xml.as_bytes()).unwrap_err().kind
}

#[test]
fn external_entity_doctype_is_rejected() {
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<definitions {NS}><process id=\"P\"><task id=\"T\" name=\"&xxe;\"/></process></definitions>"
    );
    let err = parse(xml.as_bytes()).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::DoctypeForbidden);
    assert_eq!(err.line, Some(2));
    assert!(err.message.starts_with("Zeile 2"), "{}", err.message);
    assert!(err.message.contains("DOCTYPE"));
}

#[test]
fn billion_laughs_is_rejected() {
    let mut xml = String::from("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_owned()
        } else {
            format!("lol{}", i - 1)
        };
        xml.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        ));
    }
    xml.push_str(&format!("]><definitions {NS}>&lol9;</definitions>"));
    assert_eq!(kind_of(&xml), ParseErrorKind::DoctypeForbidden);
}

#[test]
fn only_predefined_entities_and_char_refs_are_resolved() {
    let ok = format!(
        "<definitions {NS}><process id=\"P\"><task id=\"T\" name=\"A &amp; B &lt;C&gt; &#228;&#x20AC;&apos;&quot;\"><documentation>x &amp;amp; y &#8364;</documentation></task></process></definitions>"
    );
    let m = parse(ok.as_bytes()).unwrap();
    assert_eq!(m.steps[0].name, "A & B <C> ä€'\"");
    assert_eq!(m.steps[0].documentation, "x & y €");

    let in_text = format!(
        "<definitions {NS}><process id=\"P\"><documentation>&nbsp;</documentation></process></definitions>"
    );
    assert_eq!(kind_of(&in_text), ParseErrorKind::Entity);
    let in_attr = format!("<definitions {NS}><process id=\"P\" name=\"&uuml;\"/></definitions>");
    assert_eq!(kind_of(&in_attr), ParseErrorKind::Entity);
    let bad_char = format!(
        "<definitions {NS}><process id=\"P\"><documentation>&#0;</documentation></process></definitions>"
    );
    assert_eq!(kind_of(&bad_char), ParseErrorKind::Entity);
}

#[test]
fn oversized_input_is_rejected_before_parsing() {
    let big = vec![b' '; MAX_INPUT_BYTES + 1];
    let err = parse(&big).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::TooLarge);
    assert!(err.message.contains("20 MiB"), "{}", err.message);
    assert_eq!(
        stafette::domain::bpmn::transcode_to_utf8(&big)
            .unwrap_err()
            .kind,
        ParseErrorKind::TooLarge
    );
}

#[test]
fn nesting_depth_is_capped() {
    let nested = |depth: usize| {
        let inner = depth - 1; // the root counts as one level
        format!(
            "<definitions {NS}>{}{}</definitions>",
            "<extensionElements>".repeat(inner),
            "</extensionElements>".repeat(inner)
        )
    };
    assert!(parse(nested(MAX_DEPTH).as_bytes()).is_ok());
    let err = parse(nested(MAX_DEPTH + 1).as_bytes()).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::TooDeep);
    assert!(err.line.is_some());
}

#[test]
fn deeply_nested_subprocesses_are_fine() {
    let depth = 50;
    let mut xml = format!("<definitions {NS}><process id=\"P\">");
    for i in 0..depth {
        xml.push_str(&format!("<subProcess id=\"S{i}\" name=\"Ebene {i}\">"));
    }
    xml.push_str("<userTask id=\"T\" name=\"Innen\"/>");
    xml.push_str(&"</subProcess>".repeat(depth));
    xml.push_str("</process></definitions>");
    let m = parse(xml.as_bytes()).unwrap();
    let t = m.step("T").unwrap();
    assert_eq!(t.parent.as_deref(), Some("S49"));
    assert_eq!(t.parent_name.as_deref(), Some("Ebene 49"));
    assert_eq!(m.step("S1").unwrap().parent.as_deref(), Some("S0"));
}

#[test]
fn structural_errors_are_german_and_positioned() {
    let unclosed = format!("<definitions {NS}>\n<process id=\"P\">\n<task id=\"T\"/>\n");
    let err = parse(unclosed.as_bytes()).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::Xml);
    assert!(
        err.message.contains("Unerwartetes Dateiende"),
        "{}",
        err.message
    );
    assert!(err.message.starts_with("Zeile "), "{}", err.message);

    let mismatched = format!("<definitions {NS}>\n<process id=\"P\">\n</task>\n</definitions>");
    let err = parse(mismatched.as_bytes()).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::Xml);
    assert_eq!(err.line, Some(3), "{}", err.message);

    assert_eq!(kind_of(""), ParseErrorKind::NotBpmn);
    assert_eq!(kind_of("   \n "), ParseErrorKind::NotBpmn);
    assert_eq!(kind_of("<definitions/>"), ParseErrorKind::NotBpmn);
    assert_eq!(kind_of("<html><body/></html>"), ParseErrorKind::NotBpmn);
    assert_eq!(
        kind_of(&format!("<definitions {NS}/><definitions {NS}/>")),
        ParseErrorKind::Xml
    );
}

/// Truncating a valid file must give an error or a model, never a panic. Every
/// cut inside the first 256 bytes (BOM, declaration, root start), then about
/// 150 cuts spread over the rest: parsing runs at a few MB/s in debug builds.
#[test]
fn truncated_fixtures_never_panic() {
    for name in [
        "gewerbe-iso-8859-1.bpmn",
        "gewerbe-utf-16.bpmn",
        "wohngeldantrag-pruefen.bpmn",
    ] {
        let bytes = fixture(name);
        let step = (bytes.len() / 150).max(1) | 1; // odd, so UTF-16 gets odd lengths too
        let cuts = (0..256).chain((256..bytes.len()).step_by(step));
        let mut errors = 0;
        for len in cuts {
            match catch_unwind(AssertUnwindSafe(|| parse(&bytes[..len]))) {
                Ok(Err(_)) => errors += 1,
                Ok(Ok(_)) => {}
                Err(_) => panic!("{name}: panic when truncated to {len} bytes"),
            }
        }
        assert!(errors > 0, "{name}: truncation never produced an error");
    }
}

/// Random byte-level mutations (flips, markup characters, deletions, copies).
/// `BPMN_FUZZ_ROUNDS=20000 cargo test mutated` runs a longer session locally.
#[test]
fn mutated_fixtures_never_panic() {
    let rounds: usize = std::env::var("BPMN_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(600);
    let sources = [
        fixture("gewerbe-iso-8859-1.bpmn"),
        fixture("A.1.0.bpmn"),
        fixture("gewerbe-utf-16.bpmn"),
    ];
    let specials: &[u8] = b"<>&;\"'/!?[]#x\0\xFF\xC3\xA4\xFE\n:=";
    let mut rng = Rng::new(0x5EED_B9A1);
    for round in 0..rounds {
        let src = &sources[round % sources.len()];
        let mut bytes = src.clone();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(bytes.len());
            match rng.below(4) {
                0 => bytes[at] ^= 1 << rng.below(8),
                1 => bytes[at] = specials[rng.below(specials.len())],
                2 => {
                    let end = (at + rng.below(64)).min(bytes.len());
                    bytes.drain(at..end);
                }
                _ => {
                    let end = (at + rng.below(256)).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    let to = rng.below(bytes.len());
                    bytes.splice(to..to, copy);
                }
            }
            if bytes.is_empty() {
                break;
            }
        }
        let result = catch_unwind(AssertUnwindSafe(|| parse(&bytes)));
        assert!(result.is_ok(), "panic in mutation round {round}");
        if let Ok(Err(e)) = result {
            assert!(!e.message.is_empty());
        }
    }
}

#[test]
fn random_garbage_never_panics() {
    let mut rng = Rng::new(42);
    for _ in 0..300 {
        let len = rng.below(2000);
        let bytes: Vec<u8> = (0..len).map(|_| (rng.next() >> 24) as u8).collect();
        assert!(parse(&bytes).is_err());
    }
}

#[test]
fn partial_problems_become_warnings() {
    let xml = format!(
        r#"<definitions {NS} xmlns:tns="urn:x">
  <collaboration id="C">
    <participant id="Pool_A" name="Amt" processRef="tns:P"/>
    <participant id="Pool_B" name="Geister" processRef="P_fehlt"/>
  </collaboration>
  <process id="P">
    <laneSet id="LS"><lane id="L" name="Lane"><flowNodeRef>T1</flowNodeRef><flowNodeRef>Weg</flowNodeRef></lane></laneSet>
    <task id="T1" name="Eins"/>
    <task id="T1" name="Doppelt"/>
    <task id="T3"/>
    <boundaryEvent id="B" attachedToRef="Nirgends"/>
    <sequenceFlow id="F" sourceRef="T1" targetRef="Nirgendwo"/>
  </process>
  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="PL" bpmnElement="C">
    <bpmndi:BPMNShape id="S1" bpmnElement="T1"/>
    <bpmndi:BPMNShape id="S2" bpmnElement="Unbekannt"/>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</definitions>"#
    );
    let m = parse(xml.as_bytes()).unwrap();
    let all = m.warnings.join("\n");
    for needle in [
        "„T1“ kommt 2-mal",
        "„Weg“",
        "„P_fehlt“",
        "„Nirgends“",
        "„Nirgendwo“",
        "„Unbekannt“",
        "ohne Namen: „T3“",
        "nicht dargestellt",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
    // The prefixed processRef still resolves, so the pool applies.
    assert_eq!(m.participants[0].process_ref.as_deref(), Some("P"));
    assert_eq!(m.steps[0].pool.as_deref(), Some("Amt"));
    assert_eq!(m.steps[0].lane_path, ["Lane"]);
}

#[test]
fn warnings_are_capped() {
    let refs: String = (0..500)
        .map(|i| format!("<flowNodeRef>X{i}</flowNodeRef>"))
        .collect();
    let xml = format!(
        "<definitions {NS}><process id=\"P\"><laneSet><lane id=\"L\">{refs}</lane></laneSet></process></definitions>"
    );
    let m = parse(xml.as_bytes()).unwrap();
    assert!(m.warnings.len() <= 101);
    assert!(m.warnings.last().unwrap().contains("weitere Hinweise"));
}

#[test]
fn vendor_content_is_not_interpreted() {
    let xml = format!(
        r#"<definitions {NS} xmlns:v="urn:vendor">
  <process id="P">
    <task id="T" name="Echt">
      <extensionElements><task id="Fake1" name="Erweiterung"/><v:info/></extensionElements>
    </task>
    <v:task id="Fake2" name="Fremd"/>
    <v:wrapper><task id="Fake3"/></v:wrapper>
  </process>
</definitions>"#
    );
    let m = parse(xml.as_bytes()).unwrap();
    let ids: Vec<&str> = m.steps.iter().map(|s| s.element_id.as_str()).collect();
    assert_eq!(ids, ["T"]);
}

#[test]
fn xhtml_children_in_documentation() {
    let xml = format!(
        r#"<definitions {NS} xmlns:h="http://www.w3.org/1999/xhtml"><process id="P"><task id="T"><documentation textFormat="text/html"><h:p>Erster <h:b>Absatz</h:b></h:p><h:p>Zweiter</h:p><h:script>alert(1)</h:script></documentation></task></process></definitions>"#
    );
    let m = parse(xml.as_bytes()).unwrap();
    assert_eq!(m.steps[0].documentation, "Erster Absatz\nZweiter");
}

#[test]
fn event_subprocess_transaction_and_gateways() {
    let xml = format!(
        r#"<definitions {NS}><process id="P">
  <subProcess id="E" triggeredByEvent="true"><startEvent id="ES"><errorEventDefinition/><signalEventDefinition/></startEvent></subProcess>
  <transaction id="TX"><adHocSubProcess id="AH"><scriptTask id="ST"/></adHocSubProcess></transaction>
  <complexGateway id="G1"/><eventBasedGateway id="G2"/><inclusiveGateway id="G3"/>
  <intermediateThrowEvent id="IT"/><businessRuleTask id="BR"/><receiveTask id="RT"/><manualTask id="MT"/>
  <dataObject id="DO"/><dataStoreReference id="DS"/><textAnnotation id="TA"/>
</process></definitions>"#
    );
    let m = parse(xml.as_bytes()).unwrap();
    assert!(m.step("E").unwrap().triggered_by_event);
    assert_eq!(
        m.step("ES").unwrap().event_definition.as_deref(),
        Some("multiple")
    );
    assert_eq!(m.step("ST").unwrap().parent.as_deref(), Some("AH"));
    assert_eq!(m.step("AH").unwrap().parent.as_deref(), Some("TX"));
    assert_eq!(m.steps.len(), 12);
    assert!(m.step("DO").is_none() && m.step("DS").is_none() && m.step("TA").is_none());
}

#[test]
fn element_count_is_capped() {
    let tasks = "<task/>".repeat(stafette::domain::bpmn::MAX_ELEMENTS);
    let xml = format!("<definitions {NS}><process id=\"P\">{tasks}</process></definitions>");
    let err = parse(xml.as_bytes()).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::TooLarge);
    assert!(err.message.contains("BPMN-Elemente"), "{}", err.message);
}

#[test]
fn deep_lane_nesting_is_truncated_with_a_warning() {
    let depth = 20;
    let mut lanes = String::new();
    for i in 0..depth {
        lanes.push_str(&format!(
            "<lane id=\"L{i}\" name=\"Ebene {i}\"><flowNodeRef>T</flowNodeRef><childLaneSet>"
        ));
    }
    for _ in 0..depth {
        lanes.push_str("</childLaneSet></lane>");
    }
    let xml = format!(
        "<definitions {NS}><process id=\"P\"><laneSet>{lanes}</laneSet><task id=\"T\" name=\"x\"/></process></definitions>"
    );
    let m = parse(xml.as_bytes()).unwrap();
    let path = &m.step("T").unwrap().lane_path;
    assert_eq!(path.len(), 16);
    assert_eq!(path[0], "Ebene 0");
    assert!(m.warnings.iter().any(|w| w.contains("tiefer als 16")));
}
