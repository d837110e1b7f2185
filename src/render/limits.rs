//! Size and nesting caps, checked before any HTML is produced.
//!
//! html5ever (inside ammonia) is quadratic in nesting depth: 100 KB of `>` took 54 s to
//! sanitise while pulldown-cmark parsed it in 15 ms (research/reliability.md §3.2). So the
//! depth is measured on pulldown-cmark's event stream, which is linear and exact about what
//! is a blockquote or a list (a byte scan could not tell a `>` inside a code fence from a
//! quote, nor an indented sub-list from an indented line). The walk stops at the first
//! level over the cap, and ammonia never sees rejected input.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::{MAX_MARKDOWN_BYTES, MAX_NESTING, RenderError, parser_options};

/// Checks size and nesting caps without rendering.
///
/// Nesting counts every open container: blockquotes, lists, footnote definitions, inline
/// emphasis/strong/strikethrough/links/images, plus raw HTML elements still open at that
/// point. A list with its items is one level, so 30 nested lists are 30 levels.
pub(super) fn check(markdown: &str) -> Result<(), RenderError> {
    if markdown.len() > MAX_MARKDOWN_BYTES {
        return Err(RenderError::TooLarge {
            size: markdown.len(),
            max: MAX_MARKDOWN_BYTES,
        });
    }
    let too_deep = RenderError::TooDeep { max: MAX_NESTING };
    let mut depth = 0usize;
    let mut html = HtmlStack::default();
    for event in Parser::new_ext(markdown, parser_options()) {
        match event {
            Event::Start(tag) if is_nesting_tag(&tag) => depth += 1,
            Event::End(end) if is_nesting_end(end) => depth = depth.saturating_sub(1),
            Event::Html(text) | Event::InlineHtml(text) => {
                html.scan(&text, MAX_NESTING.saturating_sub(depth))
                    .map_err(|()| too_deep.clone())?;
            }
            _ => {}
        }
        if depth + html.depth() > MAX_NESTING {
            return Err(too_deep);
        }
    }
    Ok(())
}

fn is_nesting_tag(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::BlockQuote(_)
            | Tag::List(_)
            | Tag::FootnoteDefinition(_)
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::Link { .. }
            | Tag::Image { .. }
    )
}

fn is_nesting_end(end: TagEnd) -> bool {
    matches!(
        end,
        TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::FootnoteDefinition
            | TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// Elements without content; they never nest.
const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements a browser closes when a sibling of the same name opens (`<p>a<p>b`), so a
/// second one is not a new level.
const SELF_CLOSING_SIBLINGS: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "rb",
    "rt", "rp",
];

/// Approximates the open-element stack html5ever will build from the raw HTML in a
/// document. It errs on the high side (tags inside attribute values or comments count,
/// `<div/>` counts as open because HTML ignores the slash), which is the safe direction
/// for a DoS cap. The stack never grows past the allowed room, so the searches in it are
/// bounded and the scan stays linear.
#[derive(Debug, Default)]
struct HtmlStack {
    open: Vec<String>,
}

impl HtmlStack {
    fn depth(&self) -> usize {
        self.open.len()
    }

    /// Feeds one chunk of raw HTML; fails as soon as more than `room` elements are open.
    fn scan(&mut self, html: &str, room: usize) -> Result<(), ()> {
        let bytes = html.as_bytes();
        let mut i = 0;
        while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
            i += offset + 1;
            let closing = bytes.get(i) == Some(&b'/');
            if closing {
                i += 1;
            }
            let start = i;
            if !bytes.get(i).is_some_and(u8::is_ascii_alphabetic) {
                continue;
            }
            while bytes
                .get(i)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-')
            {
                i += 1;
            }
            let name = html[start..i].to_ascii_lowercase();
            if VOID_ELEMENTS.contains(&name.as_str()) {
                continue;
            }
            let same = self.open.iter().rposition(|open| *open == name);
            if closing {
                if let Some(at) = same {
                    self.open.truncate(at);
                }
                continue;
            }
            if let Some(at) = same.filter(|_| SELF_CLOSING_SIBLINGS.contains(&name.as_str())) {
                self.open.truncate(at);
            }
            self.open.push(name);
            if self.open.len() > room {
                return Err(());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn nested_list(levels: usize) -> String {
        (0..levels)
            .map(|level| format!("{}- Ebene {}\n", "  ".repeat(level), level + 1))
            .collect()
    }

    #[test]
    fn text_over_the_size_cap_is_refused() {
        let text = "a".repeat(MAX_MARKDOWN_BYTES + 1);
        assert_eq!(
            check(&text),
            Err(RenderError::TooLarge {
                size: MAX_MARKDOWN_BYTES + 1,
                max: MAX_MARKDOWN_BYTES
            })
        );
        assert_eq!(check(&"a".repeat(MAX_MARKDOWN_BYTES)), Ok(()));
    }

    #[test]
    fn hundred_kilobytes_of_quote_markers_are_refused_quickly() {
        let text = ">".repeat(100 * 1024);
        let started = Instant::now();
        assert_eq!(check(&text), Err(RenderError::TooDeep { max: MAX_NESTING }));
        // Sanitising this took 54 s; the check must answer long before that even in a
        // debug build on a busy CI machine.
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn quotes_up_to_the_cap_pass_and_one_more_fails() {
        let ok = format!("{} Zitat", ">".repeat(MAX_NESTING));
        let deep = format!("{} Zitat", ">".repeat(MAX_NESTING + 1));
        assert_eq!(check(&ok), Ok(()));
        assert_eq!(check(&deep), Err(RenderError::TooDeep { max: MAX_NESTING }));
    }

    #[test]
    fn nested_lists_count_one_level_each() {
        assert_eq!(check(&nested_list(30)), Ok(()));
        assert_eq!(
            check(&nested_list(MAX_NESTING + 1)),
            Err(RenderError::TooDeep { max: MAX_NESTING })
        );
    }

    #[test]
    fn quote_markers_inside_code_do_not_count() {
        let text = format!("```\n{}\n```\n\n`{}`", ">".repeat(200), ">".repeat(200));
        assert_eq!(check(&text), Ok(()));
    }

    #[test]
    fn raw_html_nesting_counts_and_adds_to_markdown_nesting() {
        let divs = format!(
            "{}x{}",
            "<div>".repeat(MAX_NESTING + 1),
            "</div>".repeat(MAX_NESTING + 1)
        );
        assert_eq!(check(&divs), Err(RenderError::TooDeep { max: MAX_NESTING }));
        let inline = format!("a {} b", "<span>".repeat(MAX_NESTING + 1));
        assert_eq!(
            check(&inline),
            Err(RenderError::TooDeep { max: MAX_NESTING })
        );
        let mixed = format!("{} {}", ">".repeat(20), "<b>".repeat(13));
        assert_eq!(
            check(&mixed),
            Err(RenderError::TooDeep { max: MAX_NESTING })
        );
    }

    #[test]
    fn closed_void_and_sibling_html_elements_do_not_accumulate() {
        let text = "<div>x</div>\n\n<br><img src=a.png><p>a<p>b<li>c<li>d\n\n".repeat(200);
        assert_eq!(check(&text), Ok(()));
    }

    #[test]
    fn half_a_megabyte_of_open_tags_is_refused_quickly() {
        let text = "<div>".repeat(MAX_MARKDOWN_BYTES / 5);
        let started = Instant::now();
        assert_eq!(check(&text), Err(RenderError::TooDeep { max: MAX_NESTING }));
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn deep_inline_emphasis_is_refused() {
        let text = format!(
            "{}x{}",
            "**".repeat(MAX_NESTING + 1),
            "**".repeat(MAX_NESTING + 1)
        );
        assert_eq!(check(&text), Err(RenderError::TooDeep { max: MAX_NESTING }));
    }
}
