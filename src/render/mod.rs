//! Markdown → sanitised HTML for articles.
//!
//! This module owns everything between an article's Markdown source and the HTML a template
//! may print: the pulldown-cmark options, wiki links `[[…]]`, heading anchors and the table
//! of contents, footnotes, the rule that external images are never loaded, the plain text
//! for the search index, the size and nesting caps, and the ammonia allow-list. Its output
//! type [`SanitizedHtml`] can only be built here, which is what makes `|safe` in templates
//! safe (STYLE §2.6).
//!
//! Pipeline: [`check_limits`] → pulldown-cmark events → our event rewrites (wiki links,
//! heading ids, images, footnotes, table cells) → pulldown-cmark's HTML writer → ammonia.
//! Everything we add is rewritten at the event level and still passes through ammonia, so
//! the sanitiser stays the single gate for what reaches a browser.
//!
//! # Layout
//! - `limits`: size and nesting caps (DoS protection for html5ever).
//! - `rewrite`: the event rewrite (wiki links, headings, images, footnotes, tables).
//! - `footnotes`: footnote numbering.
//! - `sanitize`: the ammonia policy and the local-URL rule for images.
//! - `wikilinks`: `[[target|label]]` syntax inside a text run.
//! - `toc`: unique heading ids.

mod footnotes;
mod limits;
mod rewrite;
mod sanitize;
mod toc;
mod wikilinks;

#[cfg(test)]
mod tests;

use std::collections::HashSet;
use std::fmt;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, TextMergeStream};

use self::footnotes::Footnotes;
use self::rewrite::Rewriter;
use self::wikilinks::Piece;

/// Largest Markdown source we accept, in bytes.
pub const MAX_MARKDOWN_BYTES: usize = 512 * 1024;

/// Deepest nesting we accept (blockquotes, lists, inline containers and raw HTML elements).
pub const MAX_NESTING: usize = 32;

/// HTML that went through pulldown-cmark and then ammonia with our explicit allow-list.
/// The only type templates may print unescaped. Constructible only inside this module.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SanitizedHtml(String);

impl SanitizedHtml {
    /// The HTML text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SanitizedHtml {
    /// Writes the raw HTML, unescaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Plain text, HTML-escaped, for places that show text verbatim (diff views, previews).
pub fn escape_to_sanitized(text: &str) -> SanitizedHtml {
    SanitizedHtml(escape_html(text))
}

/// Search titles and snippets with `<mark>` highlights. The index crate already escapes
/// them; this second, `<mark>`-only allow-list keeps the template rule simple: only
/// [`SanitizedHtml`] is ever printed unescaped.
pub fn highlight_to_sanitized(html: &str) -> SanitizedHtml {
    SanitizedHtml(sanitize::clean_highlight(html))
}

/// What a wiki link `[[target]]` or `[[target|label]]` points at, decided by the caller.
pub trait LinkResolver {
    /// URL of the existing article that `target` names (by slug or by title, caller decides), or None.
    fn resolve(&self, target: &str) -> Option<String>;
    /// URL that creates the missing article `target` (e.g. "/artikel/neu?titel=...").
    fn create_url(&self, target: &str) -> String;
}

/// A resolver that knows no articles: every wiki link becomes an "Artikel anlegen" link.
/// Useful for previews and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLinks;

impl LinkResolver for NoLinks {
    fn resolve(&self, _target: &str) -> Option<String> {
        None
    }

    fn create_url(&self, target: &str) -> String {
        format!(
            "/artikel/neu?titel={}",
            wikilinks::encode_query_value(target)
        )
    }
}

/// One heading in the table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocEntry {
    /// Heading level, 1 to 6.
    pub level: u8,
    /// The heading's anchor id (link to it with `#id`).
    pub id: String,
    /// The heading's text without markup.
    pub text: String,
}

/// Everything rendering one article produces.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The article body, ready to print unescaped.
    pub html: SanitizedHtml,
    /// Every heading with its anchor id, in document order.
    pub toc: Vec<TocEntry>,
    /// The heading texts in document order (for the search index).
    pub headings: Vec<String>,
    /// Text content without markup, one line per block (for the search index).
    pub plain_text: String,
}

/// Why a text cannot be rendered. The messages are shown to editors as they are.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    /// The source is longer than [`MAX_MARKDOWN_BYTES`].
    #[error("Der Text ist zu lang ({size} Bytes, höchstens {max} erlaubt).")]
    TooLarge {
        /// Size of the rejected source in bytes.
        size: usize,
        /// The cap.
        max: usize,
    },
    /// The source nests deeper than [`MAX_NESTING`].
    #[error("Der Text ist zu tief verschachtelt (mehr als {max} Ebenen).")]
    TooDeep {
        /// The cap.
        max: usize,
    },
}

/// Checks size and nesting caps without rendering (used on save so bad input is refused before it is stored).
///
/// Runs in linear time: a length check, then one pulldown-cmark parse that stops at the
/// first level over [`MAX_NESTING`]. No HTML is built and ammonia is not involved.
pub fn check_limits(markdown: &str) -> Result<(), RenderError> {
    limits::check(markdown)
}

/// Renders an article. Wiki links are resolved through `links`.
///
/// # Blocking
/// CPU-bound; takes milliseconds for ordinary articles but can take longer near the size
/// cap, so servers should call it off the async threads.
pub fn render(markdown: &str, links: &dyn LinkResolver) -> Result<Rendered, RenderError> {
    check_limits(markdown)?;
    let events: Vec<Event<'_>> =
        TextMergeStream::new(Parser::new_ext(markdown, parser_options())).collect();
    let mut rewriter = Rewriter::new(links, Footnotes::number(&events));
    for event in events {
        rewriter.handle(event);
    }
    let output = rewriter.finish();
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 2);
    pulldown_cmark::html::push_html(&mut html, output.events.into_iter());
    Ok(Rendered {
        html: SanitizedHtml(sanitize::clean(&html)),
        toc: output.toc,
        headings: output.headings,
        plain_text: output.plain_text,
    })
}

/// Wiki-link targets in the text, in order, deduplicated (for backlinks). Ignores links inside code spans/blocks.
///
/// Finds exactly the links [`render`] turns into wiki links: not inside code, not inside
/// the text of a Markdown link or the alt text of an image. Targets are trimmed.
pub fn wiki_link_targets(markdown: &str) -> Vec<String> {
    let mut targets = Vec::new();
    let mut seen = HashSet::new();
    let mut in_code_block = false;
    let mut link_depth = 0usize;
    for event in TextMergeStream::new(Parser::new_ext(markdown, parser_options())) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => link_depth += 1,
            Event::End(TagEnd::Link | TagEnd::Image) => link_depth = link_depth.saturating_sub(1),
            Event::Text(text) if !in_code_block && link_depth == 0 => {
                for piece in wikilinks::split(&text) {
                    if let Piece::Link { target, .. } = piece
                        && seen.insert(target.to_owned())
                    {
                        targets.push(target.to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    targets
}

/// GFM-style extensions. Heading attributes (`# Titel {#id .class}`) stay off: they would
/// let authors pick ids and classes, and the ids are ours to assign. Smart punctuation is
/// off because it would also rewrite quotes inside wiki-link targets.
fn parser_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
}

/// Escapes text for HTML element content and quoted attribute values.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}
