//! Wiki-link syntax `[[target]]` and `[[target|label]]` inside one Markdown text run.
//!
//! Links are found on pulldown-cmark `Text` events (after adjacent ones are merged), so code
//! spans and code blocks, which arrive as other events or are skipped by the caller, are
//! never touched. A `|` in a table cell splits the cell before we see it; inside tables
//! write `[[target\|label]]`.

/// One piece of a text run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece<'t> {
    /// Ordinary text, to be emitted as is (the HTML writer escapes it).
    Text(&'t str),
    /// A wiki link with trimmed, non-empty target and label.
    Link { target: &'t str, label: &'t str },
}

/// Splits `text` into plain runs and wiki links. Malformed or empty links (`[[ ]]`,
/// `[[|x]]`, an unclosed `[[`) stay literal text.
pub(super) fn split(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut literal_start = 0;
    let mut search_from = 0;
    while let Some(open) = text[search_from..].find("[[").map(|at| search_from + at) {
        let body_start = open + 2;
        let Some(close) = text[body_start..].find("]]").map(|at| body_start + at) else {
            break;
        };
        // `[[a [[b]]`: the innermost opener wins, as it would for nested brackets.
        let open = text[open..close].rfind("[[").map_or(open, |at| open + at);
        let body = &text[open + 2..close];
        let (target, label) = match body.split_once('|') {
            Some((target, label)) => (target.trim(), label.trim()),
            None => (body.trim(), body.trim()),
        };
        if target.is_empty() {
            search_from = close + 2;
            continue;
        }
        if open > literal_start {
            pieces.push(Piece::Text(&text[literal_start..open]));
        }
        let label = if label.is_empty() { target } else { label };
        pieces.push(Piece::Link { target, label });
        literal_start = close + 2;
        search_from = literal_start;
    }
    if literal_start < text.len() {
        pieces.push(Piece::Text(&text[literal_start..]));
    }
    pieces
}

/// Percent-encodes everything but RFC 3986 unreserved characters, for a query value.
pub(super) fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

#[cfg(test)]
mod tests {
    use super::Piece::{Link, Text};
    use super::*;

    #[test]
    fn links_with_and_without_label_are_found() {
        assert_eq!(
            split("Siehe [[Bauantrag]] und [[meldewesen | das Meldewesen ]]."),
            vec![
                Text("Siehe "),
                Link {
                    target: "Bauantrag",
                    label: "Bauantrag"
                },
                Text(" und "),
                Link {
                    target: "meldewesen",
                    label: "das Meldewesen"
                },
                Text("."),
            ]
        );
    }

    #[test]
    fn empty_and_unclosed_links_stay_text() {
        assert_eq!(split("a [[ ]] b"), vec![Text("a [[ ]] b")]);
        assert_eq!(split("a [[|x]] b"), vec![Text("a [[|x]] b")]);
        assert_eq!(split("a [[offen"), vec![Text("a [[offen")]);
        assert_eq!(
            split("[[x|]]"),
            vec![Link {
                target: "x",
                label: "x"
            }]
        );
    }

    #[test]
    fn innermost_opener_wins() {
        assert_eq!(
            split("[[a [[b]] c]]"),
            vec![
                Text("[[a "),
                Link {
                    target: "b",
                    label: "b"
                },
                Text(" c]]")
            ]
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_query_value("Übergabe & Prüfung/2"),
            "%C3%9Cbergabe%20%26%20Pr%C3%BCfung%2F2"
        );
    }
}
