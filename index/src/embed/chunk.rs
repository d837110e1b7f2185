//! Splitting long passages into chunks that fit one encoder window.
//!
//! Splits are tried from coarse to fine: paragraphs (blank lines), lines, sentences (after
//! `.`, `!`, `?`, `:` or `;` followed by whitespace), words, and finally characters. Pieces are
//! then packed greedily. Each chunk is a trimmed slice of the original text, so Markdown and
//! wording are preserved, and every candidate is measured with the real tokenizer (token
//! counts are not additive across a join).

/// Splits `text` into trimmed chunks for which `len(chunk) <= max_tokens`.
pub(crate) fn chunk(text: &str, max_tokens: usize, len: impl Fn(&str) -> usize) -> Vec<String> {
    let mut pieces = Vec::new();
    split(text, 0, text.len(), 0, max_tokens, &len, &mut pieces);
    // Greedy packing of adjacent pieces (byte ranges that tile the text in order).
    let mut out = Vec::new();
    let mut cur: Option<(usize, usize)> = None;
    for (s, e) in pieces {
        cur = match cur {
            Some((cs, _)) if len(text[cs..e].trim()) <= max_tokens => Some((cs, e)),
            Some(c) => {
                push(text, c, &mut out);
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    if let Some(c) = cur {
        push(text, c, &mut out);
    }
    out
}

fn push(text: &str, (s, e): (usize, usize), out: &mut Vec<String>) {
    let t = text[s..e].trim();
    if !t.is_empty() {
        out.push(t.to_owned());
    }
}

/// Split levels, coarse to fine.
const LEVELS: usize = 5;

/// Appends to `out` byte ranges tiling `text[s..e]`, each fitting `max` unless it is one char.
fn split(
    text: &str,
    s: usize,
    e: usize,
    level: usize,
    max: usize,
    len: &impl Fn(&str) -> usize,
    out: &mut Vec<(usize, usize)>,
) {
    let part = &text[s..e];
    if part.trim().is_empty() || len(part.trim()) <= max || level >= LEVELS {
        out.push((s, e));
        return;
    }
    let cuts = boundaries(part, level);
    if cuts.is_empty() {
        split(text, s, e, level + 1, max, len, out);
        return;
    }
    let mut prev = 0;
    for c in cuts.into_iter().chain([part.len()]) {
        if c > prev {
            split(text, s + prev, s + c, level + 1, max, len, out);
        }
        prev = c;
    }
}

/// Byte offsets (relative to `part`, strictly inside it) where a new piece starts.
fn boundaries(part: &str, level: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    let chars: Vec<(usize, char)> = part.char_indices().collect();
    for (i, &(pos, c)) in chars.iter().enumerate().skip(1) {
        let prev = chars[i - 1].1;
        let cut = match level {
            // Paragraph: first char after a blank line.
            0 => !c.is_whitespace() && i >= 2 && blank_line_before(&chars[..i]),
            1 => prev == '\n' && !c.is_whitespace(),
            2 => {
                !c.is_whitespace()
                    && prev.is_whitespace()
                    && chars[..i]
                        .iter()
                        .rev()
                        .find(|(_, ch)| !ch.is_whitespace())
                        .is_some_and(|&(_, ch)| matches!(ch, '.' | '!' | '?' | ':' | ';'))
            }
            3 => !c.is_whitespace() && prev.is_whitespace(),
            _ => true,
        };
        if cut {
            cuts.push(pos);
        }
    }
    cuts
}

/// Whether the whitespace run just before the end of `chars` contains two newlines.
fn blank_line_before(chars: &[(usize, char)]) -> bool {
    chars
        .iter()
        .rev()
        .take_while(|(_, c)| c.is_whitespace())
        .filter(|(_, c)| *c == '\n')
        .count()
        >= 2
}
