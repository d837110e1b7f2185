//! BPMN 2.0 import for stafette: turns an uploaded `.bpmn` file into a flat list
//! of steps (tasks, events, gateways, sub-processes, call activities) with their
//! pool, lane path, enclosing sub-process and plain-text documentation, so the KB
//! can link how-to articles to them.
//!
//! Pure: no IO besides the input bytes, no global state. Layout:
//! - [`decode`](mod@decode): bytes → `String` (BOM, UTF-16, declared ISO-8859-1/Windows-1252);
//! - `walk`: one streaming quick-xml `NsReader` pass, namespace-aware, that
//!   refuses DTDs and caps nesting depth and element count;
//! - `xml`: attribute extraction, entity resolution, German XML error texts;
//! - `build`: resolves references (lanes, pools, DI shapes) and produces warnings;
//! - [`model`]: the result types and [`Step::fingerprint`] for re-anchoring links;
//! - [`reanchor`]: maps the steps of an old revision onto a re-imported one;
//! - [`text`]: name normalisation and HTML → plain text for documentation.
//!
//! Security: the input is capped at [`MAX_INPUT_BYTES`], nesting at [`MAX_DEPTH`],
//! the number of BPMN elements at [`MAX_ELEMENTS`],
//! any `<!DOCTYPE>` is an error (no XXE, no entity expansion), and only the five
//! predefined entities and character references are resolved.

mod build;
pub mod decode;
mod error;
pub mod model;
pub mod reanchor;
pub mod text;
mod walk;
mod xml;

use sha2::{Digest, Sha256};

pub use crate::domain::bpmn::decode::{Decoded, decode};
pub use crate::domain::bpmn::error::{ParseError, ParseErrorKind};
pub use crate::domain::bpmn::model::{
    Lane, Model, Participant, ProcessDef, SequenceFlow, Step, StepKind,
};
pub use crate::domain::bpmn::reanchor::{StepMatching, match_steps};
pub use crate::domain::bpmn::text::{html_to_text, normalise_name};

/// The BPMN 2.0 semantic model namespace; elements are matched on this URI, never on a prefix.
pub const NS_BPMN_MODEL: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
/// The BPMN 2.0 diagram interchange namespace (`BPMNDiagram`, `BPMNShape`, …).
pub const NS_BPMN_DI: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
/// Largest accepted input: real models are well below 1 MiB (the largest MIWG
/// file is 240 KiB), so 20 MiB only ever rejects accidents and abuse.
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;
/// Most BPMN-namespace elements accepted in one file. Large real models have a
/// few thousand; the cap bounds the memory of the resulting [`Model`], which a
/// 20 MiB file of `<task/>` elements could otherwise blow up to gigabytes.
pub const MAX_ELEMENTS: usize = 100_000;
/// Deepest accepted element nesting. Deeply nested sub-processes reach perhaps
/// 20 levels; the cap keeps the walker's stack and work bounded.
pub const MAX_DEPTH: usize = 200;

/// Parses a BPMN 2.0 XML file into a [`Model`].
///
/// Fails only when the file cannot be read at all (encoding, malformed XML, DTD,
/// not BPMN, too large/deep); partial problems such as dangling references end
/// up in [`Model::warnings`].
pub fn parse(bytes: &[u8]) -> Result<Model, ParseError> {
    let decoded = decode(bytes)?;
    let raw = walk::walk(&decoded.text)?;
    let mut model = build::build(raw);
    model.source_sha256 = sha256_hex(bytes);
    model.source_encoding = decoded.encoding.to_owned();
    let mut warnings = decoded.warnings;
    warnings.append(&mut model.warnings);
    model.warnings = warnings;
    Ok(model)
}

/// The file as UTF-8 text with its XML declaration rewritten to `UTF-8`: what
/// the server hands to bpmn-js, which cannot decode ISO-8859-1 itself.
pub fn transcode_to_utf8(bytes: &[u8]) -> Result<String, ParseError> {
    Ok(decode::rewrite_declaration(&decode(bytes)?.text))
}

/// Lower-case hex SHA-256 of `bytes`, the identity of an immutable model revision.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
