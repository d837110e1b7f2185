//! Text clean-up: display names, fingerprint keys and documentation.
//!
//! Documentation is returned as **plain text**, not as sanitised HTML. Real files
//! put HTML into `<documentation>` (CDATA, escaped markup, or XHTML children), but
//! the KB shows it next to articles and indexes it in tantivy; plain text is what
//! both need, and templates then escape it like any other string. Keeping HTML
//! would mean carrying ammonia here and trusting every caller to use the
//! sanitised variant. Block-level tags become line breaks so paragraphs and list
//! items stay readable.

/// Collapses every run of whitespace (including line breaks from `&#10;` and
/// no-break spaces) into one space and trims the ends. Case and umlauts are kept:
/// this is the display form of a name.
pub fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace()
        .map(|w| w.replace('\u{AD}', ""))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The comparison key of a name: whitespace collapsed, lower-cased, German
/// umlauts and ß folded (`ä`→`ae`, `ß`→`ss`), so "Gebührenbescheid  erstellen"
/// and "Gebuehrenbescheid&#10;Erstellen" compare equal. Used in fingerprints and
/// for name search; never for display.
pub fn normalise_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in collapse_whitespace(s).chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            // Typographic dashes and quotes vary between tools and keyboard layouts.
            '\u{2010}'..='\u{2015}' => out.push('-'),
            '\u{201C}' | '\u{201D}' | '\u{201E}' => out.push('"'),
            '\u{2018}' | '\u{2019}' | '\u{201A}' => out.push('\''),
            _ => out.push(c),
        }
    }
    out
}

/// Block-level HTML elements whose boundaries become line breaks.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "br",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "blockquote",
    "pre",
    "hr",
    "dd",
    "dt",
    "section",
    "article",
    "header",
    "footer",
];

/// Every other HTML element name we strip. Anything not listed (e.g. the
/// placeholder in `"Tarifstelle <Gewerbe>"`) is kept as text, because plain-text
/// documentation legitimately contains angle brackets.
const INLINE_TAGS: &[&str] = &[
    "html",
    "body",
    "span",
    "a",
    "b",
    "i",
    "u",
    "s",
    "em",
    "strong",
    "font",
    "small",
    "big",
    "sub",
    "sup",
    "code",
    "tt",
    "kbd",
    "abbr",
    "cite",
    "q",
    "mark",
    "del",
    "ins",
    "strike",
    "img",
    "td",
    "th",
    "tbody",
    "thead",
    "tfoot",
    "caption",
    "col",
    "colgroup",
    "dl",
    "center",
    "label",
    "input",
    "form",
    "button",
    "meta",
    "link",
    "iframe",
    "object",
    "embed",
    "svg",
    "nobr",
    "wbr",
    "figure",
    "figcaption",
    "main",
    "nav",
    "aside",
    "details",
    "summary",
];

/// Elements whose *content* is dropped, not shown as text.
const SKIP_CONTENT_TAGS: &[&str] = &["script", "style", "head", "title"];

/// Converts documentation (plain text or HTML) into plain text.
///
/// Only tags of known HTML elements, comments and `<!…>`/`<?…?>` are removed, so
/// `"a < b"` or `"<Name>"` placeholders in plain-text documentation survive.
/// HTML character references are decoded afterwards, because in HTML the text
/// was escaped once more than the XML layer sees.
pub fn html_to_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut skip_until: Option<String> = None;
    let mut pos = 0;
    // Absolute position of the next '>' at or after the current '<' (`raw.len()`
    // if there is none), cached so that input like "<x<x<x…" stays linear
    // instead of rescanning to the same '>' (or to the end) for every '<'.
    let mut next_gt: Option<usize> = None;
    while let Some(lt) = raw[pos..].find('<').map(|i| pos + i) {
        if skip_until.is_none() {
            out.push_str(&raw[pos..lt]);
        }
        if next_gt.is_none_or(|g| g < lt) {
            next_gt = Some(raw[lt..].find('>').map_or(raw.len(), |i| lt + i));
        }
        let Some(tag_end) = tag_end(raw, lt, next_gt) else {
            if skip_until.is_none() {
                out.push('<');
            }
            pos = lt + 1;
            continue;
        };
        let tag = &raw[lt..tag_end];
        let (closing, name) = tag_name(tag);
        let is_markup = tag.starts_with("<!") || tag.starts_with("<?");
        if !is_markup && !is_html_tag(&name) {
            if skip_until.is_none() {
                out.push('<');
            }
            pos = lt + 1;
            continue;
        }
        pos = tag_end;
        if let Some(wanted) = &skip_until {
            if closing && name == *wanted {
                skip_until = None;
            }
            continue;
        }
        if !closing && !tag.ends_with("/>") && SKIP_CONTENT_TAGS.contains(&name.as_str()) {
            skip_until = Some(name);
        } else if BLOCK_TAGS.contains(&name.as_str()) {
            // One break per boundary: "</li><li>" must not become a blank line.
            if !out.trim_end_matches([' ', '\t']).ends_with('\n') {
                out.push('\n');
            }
            if name == "li" && !closing {
                out.push_str("• ");
            }
        }
    }
    if skip_until.is_none() {
        out.push_str(&raw[pos..]);
    }
    tidy_lines(&decode_html_entities(&out))
}

/// Whether `name` (lower-case local name) is an HTML element we strip.
pub(crate) fn is_html_tag(name: &str) -> bool {
    BLOCK_TAGS.contains(&name) || INLINE_TAGS.contains(&name) || SKIP_CONTENT_TAGS.contains(&name)
}

/// End (exclusive) of the tag starting at `raw[lt] == '<'`, or `None` if it is
/// not a tag. `next_gt` is the first '>' at or after `lt` (`raw.len()` if
/// none). An unterminated
/// comment runs to the end of the text, as in browsers.
fn tag_end(raw: &str, lt: usize, next_gt: Option<usize>) -> Option<usize> {
    let s = &raw[lt..];
    let next = s[1..].chars().next()?;
    if !(next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?')) {
        return None;
    }
    if let Some(comment) = s.strip_prefix("<!--") {
        return Some(comment.find("-->").map_or(raw.len(), |i| lt + 4 + i + 3));
    }
    next_gt.filter(|&g| g < raw.len()).map(|g| g + 1)
}

/// Lower-cased element name of a tag and whether it is a closing tag.
fn tag_name(tag: &str) -> (bool, String) {
    let inner = tag.trim_start_matches('<');
    let closing = inner.starts_with('/');
    let name: String = inner
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '-')
        .collect();
    // XHTML children may carry a prefix ("xhtml:p"); the local part decides.
    let local = name
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    (closing, local)
}

/// Decodes the HTML character references that occur in exported documentation.
/// Unknown names are left as they are, so nothing is silently lost.
fn decode_html_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let end = tail[1..]
            .find(|c: char| c == ';' || c.is_whitespace() || c == '&')
            .map(|i| i + 1)
            .filter(|&i| i <= 12 && tail[i..].starts_with(';'));
        let decoded = end.and_then(|i| entity_char(&tail[1..i]).map(|c| (c, i)));
        match decoded {
            Some((c, i)) => {
                out.push(c);
                rest = &tail[i + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity_char(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "Auml" => 'Ä',
        "Ouml" => 'Ö',
        "Uuml" => 'Ü',
        "szlig" => 'ß',
        "euro" => '€',
        "sect" => '§',
        "ndash" => '–',
        "mdash" => '—',
        "bdquo" => '„',
        "ldquo" => '“',
        "rdquo" => '”',
        "laquo" => '«',
        "raquo" => '»',
        "bull" => '•',
        "hellip" => '…',
        "copy" => '©',
        "reg" => '®',
        "shy" => '\u{AD}',
        _ => return None,
    })
}

/// Collapses whitespace inside each line, drops blank runs to one empty line and
/// trims the whole text.
fn tidy_lines(s: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in s.lines() {
        let line = collapse_whitespace(line);
        let previous_blank = lines.last().is_none_or(|l| l.is_empty());
        if !line.is_empty() || !previous_blank {
            lines.push(line);
        }
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_umlauts_but_lose_line_breaks() {
        assert_eq!(
            collapse_whitespace("  Rechnung\n klären \t"),
            "Rechnung klären"
        );
    }

    #[test]
    fn normalise_folds_case_umlauts_and_whitespace() {
        assert_eq!(
            normalise_name("Gebührenbescheid\n  ERSTELLEN"),
            "gebuehrenbescheid erstellen"
        );
        assert_eq!(
            normalise_name("Gebuehrenbescheid erstellen"),
            "gebuehrenbescheid erstellen"
        );
        assert_eq!(normalise_name("Straße – Prüfung"), "strasse - pruefung");
        assert_eq!(normalise_name("ÄÖÜ"), "aeoeue");
    }

    #[test]
    fn hostile_markup_stays_linear() {
        let started = std::time::Instant::now();
        for unit in ["<x", "<!--", "<p", "&amp", "<a ", "<script>"] {
            let text = html_to_text(&unit.repeat(100_000));
            assert!(!text.contains('\u{FFFD}'));
        }
        assert!(started.elapsed().as_secs() < 20, "quadratic behaviour?");
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(html_to_text("<h1>THIS IS HTML</h1>"), "THIS IS HTML");
        assert_eq!(
            html_to_text(
                "<p>Gebühr&nbsp;pr&uuml;fen</p><ul><li>eins</li><li>zwei &amp; drei</li></ul>"
            ),
            "Gebühr prüfen\n• eins\n• zwei & drei"
        );
        assert_eq!(html_to_text("<script>alert(1)</script>ok"), "ok");
        assert_eq!(html_to_text("a < b und c > d"), "a < b und c > d");
        assert_eq!(
            html_to_text("Kosten &#8364; 5 &unknown; &"),
            "Kosten € 5 &unknown; &"
        );
        assert_eq!(
            html_to_text("<!-- x > y -->sichtbar<br/>zweite"),
            "sichtbar\nzweite"
        );
        assert_eq!(html_to_text("<b"), "<b");
        assert_eq!(
            html_to_text("Tarifstelle <Gewerbe> gilt"),
            "Tarifstelle <Gewerbe> gilt"
        );
        assert_eq!(html_to_text("<P CLASS=x>Gro&szlig;</P>"), "Groß");
        assert_eq!(html_to_text("a<!-- offen"), "a");
        assert_eq!(html_to_text("<x<y<p>z"), "<x<y\nz");
    }
}
