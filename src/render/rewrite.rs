//! The event rewrite between pulldown-cmark's parser and its HTML writer: wiki links,
//! heading ids and the table of contents, images, footnotes, table cells, and the plain
//! text for the search index. All HTML added here still goes through ammonia afterwards.

use std::collections::{BTreeMap, HashMap};

use pulldown_cmark::{Alignment, CowStr, Event, HeadingLevel, LinkType, Tag, TagEnd};

use super::footnotes::Footnotes;
use super::toc::HeadingIds;
use super::wikilinks::{self, Piece};
use super::{LinkResolver, TocEntry, escape_html, sanitize};

/// A heading whose id depends on its full text, so its events wait here until it ends.
#[derive(Debug)]
struct PendingHeading<'a> {
    level: HeadingLevel,
    events: Vec<Event<'a>>,
    text: String,
}

/// An image whose alt text is still being collected.
#[derive(Debug)]
struct PendingImage<'a> {
    link_type: LinkType,
    dest_url: CowStr<'a>,
    title: CowStr<'a>,
    id: CowStr<'a>,
    alt: String,
    /// Images nested in alt text (`![![a](b)](c)`) only contribute their text.
    depth: usize,
}

#[derive(Debug, Default)]
struct TableState {
    alignments: Vec<Alignment>,
    in_head: bool,
    cell: usize,
}

/// What the rewrite produces, before HTML writing and sanitising.
#[derive(Debug)]
pub(super) struct RewriteOutput<'a> {
    pub(super) events: Vec<Event<'a>>,
    pub(super) toc: Vec<TocEntry>,
    pub(super) headings: Vec<String>,
    pub(super) plain_text: String,
}

/// Walks pulldown-cmark's events once and rewrites the ones we render our own way.
pub(super) struct Rewriter<'a, 'l> {
    links: &'l dyn LinkResolver,
    /// Opening `<a>` tag per wiki-link target: the resolver may hit the store, and a page
    /// often links the same article many times.
    link_tags: HashMap<String, String>,
    footnotes: Footnotes,
    ids: HeadingIds,
    body: Vec<Event<'a>>,
    /// Footnote bodies by number; they are moved to a list at the end of the article.
    notes: BTreeMap<usize, Vec<Event<'a>>>,
    /// Footnote definitions being collected; a stack because a definition may contain one.
    open_notes: Vec<(usize, Vec<Event<'a>>)>,
    heading: Option<PendingHeading<'a>>,
    image: Option<PendingImage<'a>>,
    in_code_block: bool,
    /// Inside a Markdown link no wiki link may start: nested `<a>` is invalid HTML.
    link_depth: usize,
    table: TableState,
    plain: String,
    toc: Vec<TocEntry>,
    headings: Vec<String>,
}

impl<'a, 'l> Rewriter<'a, 'l> {
    pub(super) fn new(links: &'l dyn LinkResolver, footnotes: Footnotes) -> Self {
        let mut ids = HeadingIds::default();
        for number in footnotes.all_numbers() {
            ids.reserve(format!("fn-{number}"));
            ids.reserve(format!("fnref-{number}"));
        }
        Rewriter {
            links,
            link_tags: HashMap::new(),
            footnotes,
            ids,
            body: Vec::new(),
            notes: BTreeMap::new(),
            open_notes: Vec::new(),
            heading: None,
            image: None,
            in_code_block: false,
            link_depth: 0,
            table: TableState::default(),
            plain: String::new(),
            toc: Vec::new(),
            headings: Vec::new(),
        }
    }

    pub(super) fn handle(&mut self, event: Event<'a>) {
        if self.image.is_some() {
            self.image_event(event);
            return;
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(end) => self.end(end),
            Event::Text(text) => self.text_event(text),
            Event::Code(code) => {
                self.push_text(&code);
                self.emit(Event::Code(code));
            }
            Event::FootnoteReference(label) => self.footnote_reference(&label),
            Event::SoftBreak | Event::HardBreak => {
                self.push_text(" ");
                self.emit(event);
            }
            other => self.emit(other),
        }
    }

    /// Sends an event to wherever output currently goes: a pending heading, a footnote
    /// body, or the article body.
    fn emit(&mut self, event: Event<'a>) {
        if let Some(heading) = &mut self.heading {
            heading.events.push(event);
        } else if let Some((_, note)) = self.open_notes.last_mut() {
            note.push(event);
        } else {
            self.body.push(event);
        }
    }

    fn emit_html(&mut self, html: String) {
        self.emit(Event::InlineHtml(html.into()));
    }

    /// Records text content for the search index and the current heading's text.
    fn push_text(&mut self, text: &str) {
        self.plain.push_str(text);
        if let Some(heading) = &mut self.heading {
            heading.text.push_str(text);
        }
    }

    fn block_break(&mut self) {
        let trimmed = self.plain.trim_end_matches(' ').len();
        self.plain.truncate(trimmed);
        if !self.plain.is_empty() && !self.plain.ends_with('\n') {
            self.plain.push('\n');
        }
    }

    fn start(&mut self, tag: Tag<'a>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.heading = Some(PendingHeading {
                    level,
                    events: Vec::new(),
                    text: String::new(),
                });
            }
            Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            } => {
                self.image = Some(PendingImage {
                    link_type,
                    dest_url,
                    title,
                    id,
                    alt: String::new(),
                    depth: 1,
                });
            }
            Tag::Link { .. } => {
                self.link_depth += 1;
                self.emit(Event::Start(tag));
            }
            Tag::CodeBlock(_) => {
                self.in_code_block = true;
                self.emit(Event::Start(tag));
            }
            Tag::FootnoteDefinition(label) => {
                // Every definition was numbered up front, so the fallback never shows.
                let number = self.footnotes.get(&label).unwrap_or(0);
                self.open_notes.push((number, Vec::new()));
            }
            Tag::Table(alignments) => {
                self.table = TableState {
                    alignments,
                    ..TableState::default()
                };
                // Wide tables scroll inside this box instead of widening the page.
                self.emit(Event::Html(r#"<div class="table-wrap">"#.into()));
                // Without alignments the writer adds no `style`; cells are ours (below).
                self.emit(Event::Start(Tag::Table(Vec::new())));
            }
            Tag::TableHead => {
                self.table.in_head = true;
                self.table.cell = 0;
                self.emit(Event::Start(tag));
            }
            Tag::TableRow => {
                self.table.cell = 0;
                self.emit(Event::Start(tag));
            }
            Tag::TableCell => {
                // Alignment as a class, because `style` is not on the allow-list.
                let element = self.cell_element();
                let class = match self.table.alignments.get(self.table.cell) {
                    Some(Alignment::Left) => r#" class="align-left""#,
                    Some(Alignment::Center) => r#" class="align-center""#,
                    Some(Alignment::Right) => r#" class="align-right""#,
                    Some(Alignment::None) | None => "",
                };
                self.emit_html(format!("<{element}{class}>"));
            }
            other => self.emit(Event::Start(other)),
        }
    }

    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::Heading(_) => self.finish_heading(),
            TagEnd::Link => {
                self.link_depth = self.link_depth.saturating_sub(1);
                self.emit(Event::End(end));
            }
            TagEnd::CodeBlock => {
                self.in_code_block = false;
                self.emit(Event::End(end));
                self.block_break();
            }
            TagEnd::FootnoteDefinition => {
                if let Some((number, events)) = self.open_notes.pop() {
                    // A label defined twice keeps its first definition.
                    self.notes.entry(number).or_insert(events);
                }
                self.block_break();
            }
            TagEnd::Table => {
                self.emit(Event::End(end));
                self.emit(Event::Html("</div>\n".into()));
                self.block_break();
            }
            TagEnd::TableHead => {
                self.table.in_head = false;
                self.emit(Event::End(end));
                self.block_break();
            }
            TagEnd::TableCell => {
                let element = self.cell_element();
                self.emit_html(format!("</{element}>"));
                self.table.cell += 1;
                self.push_text(" ");
            }
            TagEnd::Paragraph
            | TagEnd::Item
            | TagEnd::BlockQuote(_)
            | TagEnd::TableRow
            | TagEnd::List(_)
            | TagEnd::HtmlBlock => {
                self.emit(Event::End(end));
                self.block_break();
            }
            other => self.emit(Event::End(other)),
        }
    }

    fn cell_element(&self) -> &'static str {
        if self.table.in_head { "th" } else { "td" }
    }

    fn text_event(&mut self, text: CowStr<'a>) {
        if self.in_code_block || self.link_depth > 0 || !text.contains("[[") {
            self.push_text(&text);
            self.emit(Event::Text(text));
            return;
        }
        for piece in wikilinks::split(&text) {
            match piece {
                Piece::Text(literal) => {
                    self.push_text(literal);
                    self.emit(Event::Text(literal.to_owned().into()));
                }
                Piece::Link { target, label } => self.wiki_link(target, label),
            }
        }
    }

    fn wiki_link(&mut self, target: &str, label: &str) {
        let links = self.links;
        let open = self
            .link_tags
            .entry(target.to_owned())
            .or_insert_with(|| match links.resolve(target) {
                Some(url) => format!(r#"<a href="{}" class="wikilink">"#, escape_html(&url)),
                None => format!(
                    r#"<a href="{}" class="wikilink missing" title="Artikel anlegen">"#,
                    escape_html(&links.create_url(target))
                ),
            })
            .clone();
        self.emit_html(open);
        self.push_text(label);
        self.emit(Event::Text(label.to_owned().into()));
        self.emit_html("</a>".to_owned());
    }

    fn image_event(&mut self, event: Event<'a>) {
        let Some(image) = &mut self.image else {
            return;
        };
        match event {
            Event::Start(Tag::Image { .. }) => image.depth += 1,
            Event::End(TagEnd::Image) => {
                image.depth -= 1;
                if image.depth == 0
                    && let Some(image) = self.image.take()
                {
                    self.finish_image(image);
                }
            }
            Event::Text(text) | Event::Code(text) => image.alt.push_str(&text),
            Event::SoftBreak | Event::HardBreak => image.alt.push(' '),
            // Markup inside alt text has no place in an `alt` attribute.
            _ => {}
        }
    }

    /// Local images stay images; any other URL becomes a link the reader may follow, so
    /// opening an article never contacts a third party (DSGVO).
    fn finish_image(&mut self, image: PendingImage<'a>) {
        let alt = image.alt.trim().to_owned();
        self.push_text(&alt);
        if sanitize::is_local_url(&image.dest_url) {
            self.emit(Event::Start(Tag::Image {
                link_type: image.link_type,
                dest_url: image.dest_url,
                title: image.title,
                id: image.id,
            }));
            self.emit(Event::Text(alt.into()));
            self.emit(Event::End(TagEnd::Image));
            return;
        }
        let label = if alt.is_empty() {
            image.dest_url.to_string()
        } else {
            alt
        };
        let text = format!("Externes Bild: {label}");
        if self.link_depth > 0 {
            // Already inside a link: a second `<a>` would be invalid, the text suffices.
            self.emit(Event::Text(text.into()));
            return;
        }
        self.emit_html(format!(
            r#"<a href="{}" class="blocked-image">"#,
            escape_html(&image.dest_url)
        ));
        self.emit(Event::Text(text.into()));
        self.emit_html("</a>".to_owned());
    }

    fn finish_heading(&mut self) {
        let Some(heading) = self.heading.take() else {
            return;
        };
        let text = heading
            .text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let id = self.ids.allocate(&text);
        self.emit(Event::Start(Tag::Heading {
            level: heading.level,
            id: Some(id.clone().into()),
            classes: Vec::new(),
            attrs: Vec::new(),
        }));
        for event in heading.events {
            self.emit(event);
        }
        self.emit(Event::End(TagEnd::Heading(heading.level)));
        self.toc.push(TocEntry {
            level: heading_level_number(heading.level),
            id,
            text: text.clone(),
        });
        self.headings.push(text);
        self.block_break();
    }

    fn footnote_reference(&mut self, label: &str) {
        let Some(number) = self.footnotes.get(label) else {
            // pulldown-cmark only reports references to defined footnotes; keep the text
            // visible rather than drop it should that ever change.
            let literal = format!("[^{label}]");
            self.push_text(&literal);
            self.emit(Event::Text(literal.into()));
            return;
        };
        let anchor = if self.footnotes.first_reference(number) {
            format!(r#" id="fnref-{number}""#)
        } else {
            String::new()
        };
        self.emit_html(format!(
            r##"<sup class="footnote-reference"><a href="#fn-{number}"{anchor}>{number}</a></sup>"##
        ));
    }

    pub(super) fn finish(mut self) -> RewriteOutput<'a> {
        // pulldown-cmark balances its events, so nothing is pending here; flush anyway
        // rather than lose text.
        self.finish_heading();
        while let Some((number, events)) = self.open_notes.pop() {
            self.notes.entry(number).or_insert(events);
        }
        let notes = std::mem::take(&mut self.notes);
        if !notes.is_empty() {
            self.body
                .push(Event::Html("<section class=\"footnotes\">\n<ol>\n".into()));
            for (number, mut events) in notes {
                self.body
                    .push(Event::Html(format!("<li id=\"fn-{number}\">\n").into()));
                if self.footnotes.is_referenced(number) {
                    let back = Event::InlineHtml(
                        format!(
                            r##" <a href="#fnref-{number}" class="footnote-backref" title="Zurück zum Text">↩</a>"##
                        )
                        .into(),
                    );
                    // Inside the last paragraph, so the arrow follows the text.
                    match events.last() {
                        Some(Event::End(TagEnd::Paragraph)) => {
                            events.insert(events.len() - 1, back);
                        }
                        _ => events.push(back),
                    }
                }
                self.body.extend(events);
                self.body.push(Event::Html("</li>\n".into()));
            }
            self.body.push(Event::Html("</ol>\n</section>\n".into()));
        }
        let plain_text = self.plain.trim_end().to_owned();
        RewriteOutput {
            events: self.body,
            toc: self.toc,
            headings: self.headings,
            plain_text,
        }
    }
}

fn heading_level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}
