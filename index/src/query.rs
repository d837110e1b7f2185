//! Parsing of user query text into a small, flat structure.
//!
//! We never hand raw input to tantivy's `QueryParser`: its time doubles with every level of
//! parentheses (reliability.md §2.6) and it rejects half-typed input. Instead this parser
//! understands only what users type into a search box and treats everything else as words:
//!
//! - `"exact phrase"`; an unbalanced quote makes the rest plain words,
//! - `-word` / `-"phrase"` (and `NOT word`) to exclude,
//! - `a OR b` to accept either (uppercase `OR`, or `|`); `AND` is ignored (it is the default),
//! - everything else (`field:`, `*`, `^2`, `~`, parentheses, …) is split into words by the
//!   analyzer later, so it simply does not matter.
//!
//! Input is cut at [`MAX_QUERY_CHARS`] chars and [`MAX_ITEMS`] items, so the work per query is
//! bounded no matter what is sent. There is no nesting at all, hence no nesting blow-up.

/// Longest query text considered, in chars; the rest is ignored.
pub const MAX_QUERY_CHARS: usize = 512;
/// Most items (words, phrases, exclusions) considered per query.
pub const MAX_ITEMS: usize = 32;

/// A word or a quoted phrase as typed (not yet analysed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// A single word (may still contain punctuation; the analyzer splits it).
    Word(String),
    /// A quoted phrase.
    Phrase(String),
}

/// The parsed query: required-ish groups of alternatives, and exclusions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ParsedQuery {
    /// Each group is satisfied by any of its items (`a OR b` gives one group of two).
    pub(crate) groups: Vec<Vec<Item>>,
    /// Items a hit must not contain.
    pub(crate) excluded: Vec<Item>,
}

impl ParsedQuery {
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

/// Raw lexical tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lexeme {
    Item { item: Item, negated: bool },
    Or,
    Not,
}

fn lex(input: &str) -> Vec<Lexeme> {
    let chars: Vec<char> = input.chars().take(MAX_QUERY_CHARS).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() && out.len() < MAX_ITEMS * 2 {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let negated = c == '-' && chars.get(i + 1).is_some_and(|n| !n.is_whitespace());
        if negated {
            i += 1;
        }
        if chars.get(i) == Some(&'"') {
            if let Some(len) = chars[i + 1..].iter().position(|&c| c == '"') {
                let phrase: String = chars[i + 1..i + 1 + len].iter().collect();
                i += len + 2;
                if !phrase.trim().is_empty() {
                    out.push(Lexeme::Item {
                        item: Item::Phrase(phrase),
                        negated,
                    });
                }
                continue;
            }
            // Unbalanced quote: ignore it and read the rest as words.
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '"' {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        match word.as_str() {
            "OR" | "|" | "||" if !negated => out.push(Lexeme::Or),
            "NOT" if !negated => out.push(Lexeme::Not),
            "AND" | "&&" | "+" if !negated => {}
            _ => out.push(Lexeme::Item {
                item: Item::Word(word),
                negated,
            }),
        }
    }
    out
}

/// Parses any input; never fails.
pub(crate) fn parse(input: &str) -> ParsedQuery {
    let mut parsed = ParsedQuery::default();
    let mut pending_or = false;
    let mut pending_not = false;
    let mut items = 0;
    for lexeme in lex(input) {
        match lexeme {
            Lexeme::Or => pending_or = !parsed.groups.is_empty(),
            Lexeme::Not => pending_not = true,
            Lexeme::Item { item, negated } => {
                items += 1;
                if items > MAX_ITEMS {
                    break;
                }
                if negated || pending_not {
                    parsed.excluded.push(item);
                } else if pending_or && let Some(last) = parsed.groups.last_mut() {
                    last.push(item);
                } else {
                    parsed.groups.push(vec![item]);
                }
                pending_or = false;
                pending_not = false;
            }
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Item {
        Item::Word(s.to_owned())
    }

    #[test]
    fn words_phrases_exclusions_and_or() {
        let q = parse(r#"Perso "neu beantragen" -Reisepass Hund OR Katze"#);
        assert_eq!(
            q.groups,
            vec![
                vec![w("Perso")],
                vec![Item::Phrase("neu beantragen".to_owned())],
                vec![w("Hund"), w("Katze")],
            ]
        );
        assert_eq!(q.excluded, vec![w("Reisepass")]);
    }

    #[test]
    fn malformed_input_degrades_to_words() {
        let q = parse(r#"title:(foo "bar"#);
        assert_eq!(q.groups, vec![vec![w("title:(foo")], vec![w("bar")]]);
        assert!(parse("").is_empty());
        assert!(parse("   \"  ").is_empty());
        assert_eq!(parse("OR OR a").groups, vec![vec![w("a")]]);
        assert_eq!(parse("a -").groups, vec![vec![w("a")], vec![w("-")]]);
    }

    #[test]
    fn caps_length_and_items() {
        let long = "wort ".repeat(1000);
        let q = parse(&long);
        assert_eq!(q.groups.len(), MAX_ITEMS);
        let nested = format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(parse(&nested).groups.len(), 1);
    }
}
