//! The single error type of the importer.
//!
//! Every error is the *user's* problem (a file we cannot read), never an internal
//! one: the parser has no IO and no state. That is why the message is German and
//! meant to be shown verbatim in the upload form, while [`ParseErrorKind`] lets the
//! caller branch (e.g. log `TooLarge` differently) without parsing text.

use std::fmt;

/// What went wrong, coarsely. The German text lives in [`ParseError::message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The bytes could not be decoded (unsupported or inconsistent encoding).
    Encoding,
    /// The document is not well-formed XML.
    Xml,
    /// A `<!DOCTYPE …>` was found. DTDs are refused outright, which rules out
    /// external entities (XXE) and entity expansion bombs.
    DoctypeForbidden,
    /// An entity reference other than the five predefined ones or a character reference.
    Entity,
    /// The root element is not `{BPMN MODEL}definitions`.
    NotBpmn,
    /// The input exceeds [`crate::domain::bpmn::MAX_INPUT_BYTES`].
    TooLarge,
    /// Elements are nested deeper than [`crate::domain::bpmn::MAX_DEPTH`].
    TooDeep,
}

/// A file that cannot be imported, with a German, user-facing message.
///
/// `line`/`column` are 1-based and refer to the decoded text (columns count
/// characters, not bytes), so they match what an editor shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// 1-based line of the problem, when known.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the problem, when known.
    pub column: Option<usize>,
    /// German message, already prefixed with "Zeile N: " when the line is known.
    pub message: String,
    /// Machine-readable category.
    pub kind: ParseErrorKind,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl ParseError {
    /// An error without a position (size, encoding, structure of the whole file).
    pub(crate) fn new(kind: ParseErrorKind, message: impl Into<String>) -> Self {
        Self {
            line: None,
            column: None,
            message: message.into(),
            kind,
        }
    }

    /// An error at a byte offset of the decoded `text`; the message gets a
    /// "Zeile N, Spalte M: " prefix so it is self-contained when displayed alone.
    pub(crate) fn at(kind: ParseErrorKind, text: &str, offset: usize, detail: &str) -> Self {
        let (line, column) = line_column(text, offset);
        Self {
            line: Some(line),
            column: Some(column),
            message: format!("Zeile {line}, Spalte {column}: {detail}"),
            kind,
        }
    }
}

/// 1-based line and character column of a byte offset. Offsets past the end or
/// inside a multi-byte character are clamped, because quick-xml positions of
/// truncated input may point one past the last byte.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters_not_bytes() {
        let text = "a\nüb\nc";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 2), (2, 1));
        // 'ü' is two bytes; the 'b' after it is column 2.
        assert_eq!(line_column(text, 4), (2, 2));
        assert_eq!(line_column(text, 3), (2, 1)); // inside 'ü': clamped
        assert_eq!(line_column(text, 999), (3, 2));
    }
}
