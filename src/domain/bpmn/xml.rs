//! Low-level XML helpers for the walker: attribute extraction, entity
//! resolution and the German wording of XML errors. Kept apart so that
//! `walk.rs` reads as the BPMN structure it recognises.

use quick_xml::XmlVersion;
use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesRef, BytesStart};

use crate::domain::bpmn::error::{ParseError, ParseErrorKind};
use crate::domain::bpmn::text::collapse_whitespace;

/// An element's attributes as `(local name, unescaped value)` pairs.
pub(crate) type Attrs = Vec<(String, String)>;

/// A German message for the common quick-xml errors (what a process owner can
/// understand: a missing end, a wrong closing tag), falling back to a generic
/// sentence with quick-xml's English detail, which support can act on.
pub(crate) fn describe_xml_error(err: &XmlError) -> String {
    let eof = "Unerwartetes Dateiende";
    match err {
        XmlError::Syntax(SyntaxError::UnclosedTag) => format!("{eof} innerhalb eines Tags."),
        XmlError::Syntax(SyntaxError::UnclosedComment) => {
            format!("{eof} innerhalb eines Kommentars.")
        }
        XmlError::Syntax(SyntaxError::UnclosedCData) => {
            format!("{eof} innerhalb eines CDATA-Abschnitts.")
        }
        XmlError::Syntax(
            SyntaxError::UnclosedSingleQuotedAttributeValue
            | SyntaxError::UnclosedDoubleQuotedAttributeValue,
        ) => "Ein Attributwert ist nicht mit einem Anführungszeichen abgeschlossen.".to_owned(),
        XmlError::IllFormed(IllFormedError::MismatchedEndTag { expected, found }) => format!(
            "Das schließende Tag „</{found}>“ passt nicht zum offenen Element „<{expected}>“."
        ),
        XmlError::IllFormed(IllFormedError::UnmatchedEndTag(name)) => {
            format!("Das schließende Tag „</{name}>“ hat kein öffnendes Gegenstück.")
        }
        XmlError::IllFormed(IllFormedError::MissingEndTag(name)) => {
            format!("{eof}: das Element „{name}“ wurde nicht geschlossen.")
        }
        XmlError::InvalidAttr(AttrError::Duplicated(_, _)) => {
            "Ein Element enthält dasselbe Attribut zweimal.".to_owned()
        }
        other => format!("Die Datei ist kein gültiges XML ({other})."),
    }
}

/// A well-formedness error at `offset`; `detail` is a complete German sentence.
pub(crate) fn xml_error(text: &str, offset: usize, detail: &str) -> ParseError {
    ParseError::at(ParseErrorKind::Xml, text, offset, detail)
}

/// Only character references and the five predefined entities exist without a
/// DTD, and we refuse DTDs, so anything else is an error rather than a lookup.
pub(crate) fn resolve_reference(
    r: &BytesRef<'_>,
    text: &str,
    offset: usize,
) -> Result<String, ParseError> {
    let entity_error = || {
        ParseError::at(
            ParseErrorKind::Entity,
            text,
            offset,
            &format!(
                "Unbekannte oder ungültige Entität „&{};“. Nur die XML-Standardentitäten und Zeichenreferenzen sind erlaubt.",
                &**r
            ),
        )
    };
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            _ => Err(entity_error()),
        };
    }
    resolve_xml_entity(r)
        .map(str::to_owned)
        .ok_or_else(entity_error)
}

/// The unprefixed attributes the walker reads. Prefixed attributes are vendor
/// extensions (`camunda:…`) or namespace declarations; everything else is
/// dropped early so an element with a million attributes costs no memory.
const READ_ATTRIBUTES: &[&str] = &[
    "id",
    "name",
    "targetNamespace",
    "exporter",
    "exporterVersion",
    "processRef",
    "isExecutable",
    "calledElement",
    "attachedToRef",
    "triggeredByEvent",
    "sourceRef",
    "targetRef",
    "bpmnElement",
];

/// The attributes of an element that we read (see [`READ_ATTRIBUTES`]),
/// unescaped. All values are still checked for bad entity references.
pub(crate) fn attributes(
    e: &BytesStart<'_>,
    text: &str,
    offset: usize,
) -> Result<Attrs, ParseError> {
    let mut out = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| xml_error(text, offset, &describe_xml_error(&err.into())))?;
        let value = attr
            .normalized_value_with(XmlVersion::Implicit1_0, 1, resolve_xml_entity)
            .map_err(|err| {
                ParseError::at(
                    ParseErrorKind::Entity,
                    text,
                    offset,
                    &format!(
                        "Ein Attributwert enthält eine unbekannte oder ungültige Entität ({err}). Nur die XML-Standardentitäten und Zeichenreferenzen sind erlaubt."
                    ),
                )
            })?;
        let key = attr.key.0;
        if READ_ATTRIBUTES.contains(&key) {
            out.push((key.to_owned(), value.into_owned()));
        }
    }
    Ok(out)
}

/// The value of attribute `key`, if present.
pub(crate) fn get(attrs: &[(String, String)], key: &str) -> Option<String> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// An `xsd:boolean`; anything else counts as absent.
pub(crate) fn parse_bool(value: Option<String>) -> Option<bool> {
    match value?.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// The `name` attribute in display form (whitespace collapsed), or "".
pub(crate) fn display_name(attrs: &[(String, String)]) -> String {
    get(attrs, "name")
        .map(|n| collapse_whitespace(&n))
        .unwrap_or_default()
}
