//! Turning the uploaded bytes into a Rust `String` before any XML parsing.
//!
//! quick-xml only parses UTF-8, and the modelling tools we import from write
//! UTF-8, UTF-16 (Windows tools, with BOM) and ISO-8859-1/Windows-1252 (the MIWG
//! reference files, older ADONIS/PICTURE exports). We therefore pick the encoding
//! the way the XML spec (appendix F) does: BOM first, then the UTF-16 byte pattern
//! of `<?`, then the `encoding` pseudo-attribute of the XML declaration, else UTF-8.
//! `ISO-8859-1` is decoded as Windows-1252 (the WHATWG mapping in `encoding_rs`);
//! the two differ only in 0x80–0x9F, which are C1 control characters in Latin-1
//! and never meant as text in a BPMN file.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::domain::bpmn::MAX_INPUT_BYTES;
use crate::domain::bpmn::error::{ParseError, ParseErrorKind};

/// The decoded document and how it was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The document as UTF-8 text, without BOM. The XML declaration is unchanged
    /// (it may still name the original encoding); see [`crate::domain::bpmn::transcode_to_utf8`].
    pub text: String,
    /// The WHATWG name of the encoding that was used, e.g. `"UTF-8"`, `"windows-1252"`.
    pub encoding: &'static str,
    /// German notes about encoding repairs (e.g. a UTF-8 file with Latin-1 bytes).
    pub warnings: Vec<String>,
}

/// Decodes `bytes` according to BOM, byte pattern or XML declaration.
///
/// Invalid UTF-8 is not fatal: files that claim UTF-8 but were saved as Latin-1
/// are common, and a process owner cannot fix encodings. If the text contains no
/// valid non-ASCII UTF-8 at all we re-read it as Windows-1252; otherwise we keep
/// UTF-8 and replace the broken bytes. Both cases add a warning.
///
/// Input over [`MAX_INPUT_BYTES`] is rejected here, so every entry point
/// ([`crate::domain::bpmn::parse`], [`crate::domain::bpmn::transcode_to_utf8`]) is covered.
pub fn decode(bytes: &[u8]) -> Result<Decoded, ParseError> {
    check_size(bytes)?;
    if bytes.starts_with(&[0, 0, 0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return Err(unsupported("UTF-32"));
    }
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decode_as(encoding, &bytes[bom_len..]);
    }
    // UTF-16 without BOM: the document must start with '<' (XML spec appendix F).
    if bytes.starts_with(&[b'<', 0, b'?', 0]) || bytes.starts_with(&[b'<', 0, b'b', 0]) {
        return decode_as(UTF_16LE, bytes);
    }
    if bytes.starts_with(&[0, b'<', 0, b'?']) || bytes.starts_with(&[0, b'<', 0, b'b']) {
        return decode_as(UTF_16BE, bytes);
    }
    let encoding = match declared_encoding(bytes) {
        None => UTF_8,
        Some(label) => match Encoding::for_label(label.as_bytes()) {
            // The bytes are ASCII-compatible (we got here), so a "UTF-16" label is
            // wrong, usually left over after a tool transcoded the file. Trust the bytes.
            Some(enc) if enc == UTF_16LE || enc == UTF_16BE => UTF_8,
            Some(enc) => enc,
            None => return Err(unsupported(&label)),
        },
    };
    decode_as(encoding, bytes)
}

fn decode_as(encoding: &'static Encoding, bytes: &[u8]) -> Result<Decoded, ParseError> {
    if encoding == UTF_8 {
        return Ok(decode_utf8(bytes));
    }
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let mut warnings = Vec::new();
    if had_errors {
        // Single-byte encodings never fail; this is a UTF-16 file with an odd
        // length or unpaired surrogates, e.g. truncated during upload.
        warnings.push(format!(
            "Die Datei enthält Bytes, die in der Kodierung {} ungültig sind; sie wurden durch \u{FFFD} ersetzt.",
            encoding.name()
        ));
    }
    Ok(Decoded {
        text: text.into_owned(),
        encoding: encoding.name(),
        warnings,
    })
}

fn decode_utf8(bytes: &[u8]) -> Decoded {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Decoded {
            text: text.to_owned(),
            encoding: UTF_8.name(),
            warnings: Vec::new(),
        };
    }
    let lossy = String::from_utf8_lossy(bytes);
    let has_valid_non_ascii = lossy.chars().any(|c| !c.is_ascii() && c != '\u{FFFD}');
    if has_valid_non_ascii {
        return Decoded {
            text: lossy.into_owned(),
            encoding: UTF_8.name(),
            warnings: vec![
                "Die Datei ist nicht durchgehend gültig UTF-8-kodiert; ungültige Bytes wurden durch \u{FFFD} ersetzt."
                    .to_owned(),
            ],
        };
    }
    let (text, _) = WINDOWS_1252.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        encoding: WINDOWS_1252.name(),
        warnings: vec![
            "Die Datei ist als UTF-8 angegeben, enthält aber Zeichen einer westeuropäischen Kodierung; sie wurde als Windows-1252 gelesen. Bitte Umlaute prüfen."
                .to_owned(),
        ],
    }
}

/// The `encoding="…"` value of an XML declaration at the very start of `bytes`.
/// Only ASCII-compatible input reaches this, so a byte-level scan is enough.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(1024)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let rest = &decl[decl.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].trim().to_owned())
}

fn check_size(bytes: &[u8]) -> Result<(), ParseError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ParseError::new(
            ParseErrorKind::TooLarge,
            format!(
                "Die Datei ist zu groß ({:.1} MiB); erlaubt sind höchstens {} MiB.",
                bytes.len() as f64 / (1024.0 * 1024.0),
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(())
}

fn unsupported(label: &str) -> ParseError {
    ParseError::new(
        ParseErrorKind::Encoding,
        format!(
            "Die Zeichenkodierung „{label}“ wird nicht unterstützt. Bitte die Datei als UTF-8, UTF-16 oder ISO-8859-1 speichern."
        ),
    )
}

/// Rewrites the `encoding` of the XML declaration in already decoded text to
/// `UTF-8`, so the viewer (bpmn-js, which parses JavaScript strings) does not
/// warn about a declaration that no longer matches the bytes it is served.
pub(crate) fn rewrite_declaration(text: &str) -> String {
    let Some(decl_end) = text.starts_with("<?xml").then(|| text.find("?>")).flatten() else {
        return text.to_owned();
    };
    let decl = &text[..decl_end];
    let Some(pos) = decl.find("encoding") else {
        return text.to_owned();
    };
    let after = &decl[pos + "encoding".len()..];
    let Some(eq) = after.find('=') else {
        return text.to_owned();
    };
    let value_part = after[eq + 1..].trim_start();
    let Some(quote) = value_part
        .chars()
        .next()
        .filter(|c| *c == '"' || *c == '\'')
    else {
        return text.to_owned();
    };
    let Some(close) = value_part[1..].find(quote) else {
        return text.to_owned();
    };
    let value_start = decl_end - value_part.len();
    let value_end = value_start + 1 + close + 1;
    format!("{}\"UTF-8\"{}", &text[..value_start], &text[value_end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        let plain = decode("<a>ä</a>".as_bytes()).unwrap();
        assert_eq!(plain.text, "<a>ä</a>");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("<a>ä</a>".as_bytes());
        let with_bom = decode(&bom).unwrap();
        assert_eq!(with_bom.text, "<a>ä</a>");
        assert!(with_bom.warnings.is_empty());
    }

    #[test]
    fn latin1_declared() {
        let mut bytes = b"<?xml version='1.0' encoding='ISO-8859-1'?><a>".to_vec();
        bytes.push(0xFC); // ü
        bytes.extend_from_slice(b"</a>");
        let d = decode(&bytes).unwrap();
        assert!(d.text.ends_with("<a>ü</a>"));
        assert_eq!(d.encoding, "windows-1252");
    }

    #[test]
    fn utf16_with_bom_and_without() {
        let s = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>Gebühr</a>";
        let mut le = vec![0xFF, 0xFE];
        le.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&le).unwrap().text, s);
        let be: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&be).unwrap().text, s);
    }

    #[test]
    fn undeclared_latin1_falls_back_with_warning() {
        let d = decode(b"<a>Pr\xFCfung</a>").unwrap();
        assert_eq!(d.text, "<a>Prüfung</a>");
        assert_eq!(d.warnings.len(), 1);
    }

    #[test]
    fn mostly_utf8_keeps_utf8() {
        let d = decode(b"<a>\xC3\xBC \xFF</a>").unwrap();
        assert_eq!(d.text, "<a>ü \u{FFFD}</a>");
        assert_eq!(d.encoding, "UTF-8");
    }

    #[test]
    fn unknown_label_is_an_error() {
        let err = decode(b"<?xml version=\"1.0\" encoding=\"klingon\"?><a/>").unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::Encoding);
        assert!(err.message.contains("klingon"));
    }

    #[test]
    fn declaration_is_rewritten() {
        assert_eq!(
            rewrite_declaration("<?xml version='1.0' encoding='ISO-8859-1' standalone='yes'?><a/>"),
            "<?xml version='1.0' encoding=\"UTF-8\" standalone='yes'?><a/>"
        );
        assert_eq!(rewrite_declaration("<a/>"), "<a/>");
    }
}
