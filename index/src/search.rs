//! Executing searches and suggestions: filters, collectors, hits and snippets.
//!
//! The query itself is built by [`crate::expand`]; this module adds the permission and facet
//! filters *inside* the query (so totals, facets and hits can never count unreadable
//! documents), runs the collectors and renders safe HTML snippets.

use std::collections::HashMap;

use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::StrColumn;
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, TantivyDocument, Value};
use tantivy::snippet::{Snippet, SnippetGenerator};
use tantivy::{DocAddress, DocId, Order, Score, Searcher, SegmentOrdinal, SegmentReader, Term};

use crate::analysis;
use crate::error::{IndexError, Result};
use crate::expand::{self, Built};
use crate::index::Inner;
use crate::query;
use crate::schema::{Fields, names};
use crate::types::{Facets, Filter, Hit, SearchRequest, SearchResults, SortOrder, Suggestion};

/// Largest page size accepted.
pub const MAX_LIMIT: usize = 200;
/// Deepest paging offset accepted (deep paging costs memory proportional to the offset).
pub const MAX_OFFSET: usize = 10_000;
/// Most suggestions returned by one call.
const MAX_SUGGESTIONS: usize = 50;
/// Most tag values returned as facets.
const MAX_TAG_FACETS: usize = 50;
/// Length of body snippets, in chars.
const SNIPPET_CHARS: usize = 200;

/// Builds the filter clause, or `None` when the user may read nothing at all.
/// `Some(None)` means "no restriction".
fn filter_query(f: &Fields, filter: &Filter) -> Option<Option<Box<dyn Query>>> {
    let any_of = |field: Field, values: &[String]| -> Box<dyn Query> {
        Box::new(BooleanQuery::union(
            values
                .iter()
                .map(|v| {
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, v),
                        IndexRecordOption::Basic,
                    )) as Box<dyn Query>
                })
                .collect(),
        ))
    };
    let mut must: Vec<Box<dyn Query>> = Vec::new();
    if let Some(readable) = &filter.readable_spaces {
        if readable.is_empty() {
            return None;
        }
        must.push(any_of(f.space, readable));
    }
    if !filter.spaces.is_empty() {
        must.push(any_of(f.space, &filter.spaces));
    }
    for tag in &filter.tags {
        must.push(any_of(f.tags, std::slice::from_ref(tag)));
    }
    if !filter.kinds.is_empty() {
        must.push(any_of(f.kind, &filter.kinds));
    }
    if !filter.statuses.is_empty() {
        must.push(any_of(f.status, &filter.statuses));
    }
    if must.is_empty() {
        return Some(None);
    }
    // Filters must not change scores: wrap them in a zero constant score.
    Some(Some(Box::new(ConstScoreQuery::new(
        Box::new(BooleanQuery::intersection(must)),
        0.0,
    ))))
}

/// Combines a scoring query with the filter and exclusions.
fn compose(
    scoring: Box<dyn Query>,
    filter: &Option<Box<dyn Query>>,
    excluded: &[Box<dyn Query>],
) -> BooleanQuery {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, scoring)];
    if let Some(filter) = filter {
        clauses.push((Occur::Must, filter.box_clone()));
    }
    clauses.extend(excluded.iter().map(|q| (Occur::MustNot, q.box_clone())));
    BooleanQuery::new(clauses)
}

/// Runs a search; only the first `highlight` hits get highlighted titles and snippets (the
/// others carry their escaped title and an empty snippet), which makes deep candidate lists
/// for rank fusion cheap.
pub(crate) fn search(
    inner: &Inner,
    req: &SearchRequest,
    highlight: usize,
) -> Result<SearchResults> {
    if req.limit > MAX_LIMIT {
        return Err(IndexError::InvalidQuery(format!(
            "limit {} exceeds {MAX_LIMIT}",
            req.limit
        )));
    }
    if req.offset > MAX_OFFSET {
        return Err(IndexError::InvalidQuery(format!(
            "offset {} exceeds {MAX_OFFSET}",
            req.offset
        )));
    }
    let f = &inner.fields;
    let Some(filter) = filter_query(f, &req.filter) else {
        return Ok(SearchResults::default());
    };
    let searcher = inner.reader.searcher();
    let synonyms = match inner.synonyms.read() {
        Ok(s) => s.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    let features = match inner.features.read() {
        Ok(x) => *x,
        Err(poisoned) => *poisoned.into_inner(),
    };
    let parsed = query::parse(&req.query);
    let built = expand::build(
        &searcher,
        f,
        filter.as_deref(),
        &synonyms,
        &parsed,
        req.prefix,
        features,
    )?;

    // The empty query returns nothing rather than everything: an empty search box is not a
    // request to list the whole knowledge base. With an explicit filter (space, tag, kind,
    // status) it lists the filtered documents instead, which is how "all articles tagged X"
    // pages are served.
    let browsing = built.units.is_empty();
    if browsing && !req.filter.is_narrowing() {
        return Ok(SearchResults::default());
    }

    let mut outcome = None;
    let strict = expand::minimum_match(built.units.len()).max(1);
    let passes: &[usize] = if strict > 1 { &[strict, 1] } else { &[1] };
    for &msm in passes {
        let scoring: Box<dyn Query> = if browsing {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::union_with_minimum_required_clauses(
                built.units.iter().map(|u| u.box_clone()).collect(),
                msm,
            ))
        };
        let q = compose(scoring, &filter, &built.excluded);
        let sort = if browsing {
            SortOrder::Newest
        } else {
            req.sort
        };
        let run = run_collectors(&searcher, &q, req, sort)?;
        // Queries whose words do not all co-occur fall back to "any word": documents matching
        // more words still rank first through BM25, and the user gets something to look at.
        if run.total > 0 || msm == 1 || browsing {
            outcome = Some(run);
            break;
        }
    }
    let Some(run) = outcome else {
        return Ok(SearchResults::default());
    };

    let highlight_with = Highlighter::new(&searcher, f, &built)?;
    let mut hits = Vec::with_capacity(run.top.len());
    for (i, (score, addr)) in run.top.into_iter().enumerate() {
        let doc: TantivyDocument = searcher.doc(addr)?;
        hits.push(if i < highlight {
            highlight_with.hit(f, &doc, score)
        } else {
            plain_hit(f, &doc, score)
        });
    }
    Ok(SearchResults {
        total: run.total,
        hits,
        facets: run.facets,
        suggestion: built.suggestion,
        expanded_terms: built.expanded,
    })
}

struct Run {
    top: Vec<(Score, DocAddress)>,
    total: usize,
    facets: Facets,
}

fn run_collectors(
    searcher: &Searcher,
    q: &dyn Query,
    req: &SearchRequest,
    sort: SortOrder,
) -> Result<Run> {
    // TopDocs panics on a zero limit; a zero-limit request still wants total and facets.
    let top = TopDocs::with_limit(req.limit.max(1)).and_offset(req.offset);
    let facets = FacetCounter;
    let (mut top, total, facets): (Vec<(Score, DocAddress)>, usize, Facets) = match sort {
        SortOrder::Relevance => searcher.search(q, &(top.order_by_score(), Count, facets))?,
        SortOrder::Newest => {
            let (top, total, facets) = searcher.search(
                q,
                &(
                    top.order_by_fast_field::<i64>(names::UPDATED_AT, Order::Desc),
                    Count,
                    facets,
                ),
            )?;
            (
                top.into_iter().map(|(_, a)| (0.0, a)).collect(),
                total,
                facets,
            )
        }
    };
    if req.limit == 0 {
        top.clear();
    }
    Ok(Run { top, total, facets })
}

/// Creates per-request snippet generators and turns stored documents into [`Hit`]s.
struct Highlighter {
    title: SnippetGenerator,
    body: SnippetGenerator,
    /// Highlights compounds whose *part* matched ("Genehmigung" in "Baugenehmigung").
    compounds: SnippetGenerator,
    compounds_title: SnippetGenerator,
}

impl Highlighter {
    fn new(searcher: &Searcher, f: &Fields, built: &Built) -> Result<Self> {
        // Only the positive part of the query is highlighted, never excluded words.
        let positive = BooleanQuery::union(built.units.iter().map(|u| u.box_clone()).collect());
        let mut title = SnippetGenerator::create(searcher, &positive, f.title)?;
        title.set_max_num_chars(10_000);
        let mut body = SnippetGenerator::create(searcher, &positive, f.body)?;
        body.set_max_num_chars(SNIPPET_CHARS);
        let mut compounds = SnippetGenerator::create(searcher, &positive, f.compounds)?;
        compounds.set_max_num_chars(SNIPPET_CHARS);
        let mut compounds_title = SnippetGenerator::create(searcher, &positive, f.compounds)?;
        compounds_title.set_max_num_chars(10_000);
        Ok(Self {
            title,
            body,
            compounds,
            compounds_title,
        })
    }

    fn hit(&self, f: &Fields, doc: &TantivyDocument, score: Score) -> Hit {
        let title = first_text(doc, f.title);
        let body = first_text(doc, f.body);
        let title_html = [&self.title, &self.compounds_title]
            .into_iter()
            .map(|g| g.snippet(&title))
            .find(|s| !s.highlighted().is_empty())
            .map_or_else(|| escape(&title), |s| snippet_html(&s));
        let snippet_html = [&self.body, &self.compounds]
            .into_iter()
            .map(|g| g.snippet(&body))
            .find(|s| !s.highlighted().is_empty())
            .map_or_else(
                || {
                    let text = if body.trim().is_empty() {
                        first_text(doc, f.description)
                    } else {
                        body.clone()
                    };
                    escape(&leading_chars(&text, SNIPPET_CHARS))
                },
                |s| snippet_html(&s),
            );
        Hit {
            id: first_text(doc, f.id),
            kind: first_text(doc, f.kind),
            score,
            title_html,
            snippet_html,
            space: first_text(doc, f.space),
            tags: all_texts(doc, f.tags),
            status: opt_text(doc, f.status),
            updated_at: doc
                .get_first(f.updated_at)
                .and_then(|v| v.as_i64())
                .unwrap_or(0),
            url_hint: opt_text(doc, f.url_hint),
        }
    }
}

/// A hit without highlighting: escaped title, empty snippet.
fn plain_hit(f: &Fields, doc: &TantivyDocument, score: Score) -> Hit {
    Hit {
        id: first_text(doc, f.id),
        kind: first_text(doc, f.kind),
        score,
        title_html: escape(&first_text(doc, f.title)),
        snippet_html: String::new(),
        space: first_text(doc, f.space),
        tags: all_texts(doc, f.tags),
        status: opt_text(doc, f.status),
        updated_at: doc
            .get_first(f.updated_at)
            .and_then(|v| v.as_i64())
            .unwrap_or(0),
        url_hint: opt_text(doc, f.url_hint),
    }
}

fn opt_text(doc: &TantivyDocument, field: Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

fn first_text(doc: &TantivyDocument, field: Field) -> String {
    opt_text(doc, field).unwrap_or_default()
}

fn all_texts(doc: &TantivyDocument, field: Field) -> Vec<String> {
    doc.get_all(field)
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// The first `n` chars of `text`, with an ellipsis if cut.
fn leading_chars(text: &str, n: usize) -> String {
    let mut out: String = text.chars().take(n).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders a snippet with `<mark>` around matches and everything else escaped. We do not use
/// `Snippet::to_html` so that the escaping rules are ours and visible here.
fn snippet_html(snippet: &Snippet) -> String {
    let fragment = snippet.fragment();
    let mut ranges: Vec<_> = snippet.highlighted().to_vec();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::new();
    let mut pos = 0;
    for r in ranges {
        // Ranges are byte offsets from the tokenizer; skip anything overlapping or invalid
        // rather than slicing inside a char.
        if r.start < pos
            || r.end > fragment.len()
            || !fragment.is_char_boundary(r.start)
            || !fragment.is_char_boundary(r.end)
        {
            continue;
        }
        out.push_str(&escape(&fragment[pos..r.start]));
        out.push_str("<mark>");
        out.push_str(&escape(&fragment[r.start..r.end]));
        out.push_str("</mark>");
        pos = r.end;
    }
    out.push_str(&escape(fragment.get(pos..).unwrap_or("")));
    out
}

pub(crate) fn suggest(
    inner: &Inner,
    prefix: &str,
    filter: &Filter,
    limit: usize,
) -> Result<Vec<Suggestion>> {
    let f = &inner.fields;
    let limit = limit.min(MAX_SUGGESTIONS);
    let Some(filter) = filter_query(f, filter) else {
        return Ok(Vec::new());
    };
    let prefix: String = prefix.chars().take(query::MAX_QUERY_CHARS).collect();
    let words = analysis::tokens(&mut analysis::spell(), &prefix);
    let Some((last, complete)) = words.split_last() else {
        return Ok(Vec::new());
    };
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut de = analysis::german();
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for word in complete.iter().take(query::MAX_ITEMS) {
        // Earlier words are complete: match them in the title, or as a title-word prefix so
        // that a word the stemmer drops (stop word) or truncates still narrows the list.
        let mut alts: Vec<Box<dyn Query>> = analysis::tokens(&mut de, word)
            .into_iter()
            .map(|s| {
                Box::new(TermQuery::new(
                    Term::from_field_text(f.title, &s),
                    IndexRecordOption::WithFreqs,
                )) as Box<dyn Query>
            })
            .collect();
        if alts.is_empty() {
            continue;
        }
        alts.push(prefix_term(f, word));
        clauses.push((Occur::Must, Box::new(BooleanQuery::union(alts))));
    }
    clauses.push((Occur::Must, prefix_term(f, last)));
    if let Some(filter) = filter {
        clauses.push((Occur::Must, filter));
    }
    let q = BooleanQuery::new(clauses);
    let searcher = inner.reader.searcher();
    let top = searcher.search(&q, &TopDocs::with_limit(limit).order_by_score())?;
    let mut out = Vec::with_capacity(top.len());
    for (_, addr) in top {
        let doc: TantivyDocument = searcher.doc(addr)?;
        out.push(Suggestion {
            id: first_text(&doc, f.id),
            kind: first_text(&doc, f.kind),
            title: first_text(&doc, f.title),
            space: first_text(&doc, f.space),
            url_hint: opt_text(&doc, f.url_hint),
        });
    }
    Ok(out)
}

fn prefix_term(f: &Fields, word: &str) -> Box<dyn Query> {
    let folded: String = analysis::fold(word).chars().take(20).collect();
    Box::new(TermQuery::new(
        Term::from_field_text(f.title_prefix, &folded),
        IndexRecordOption::Basic,
    ))
}

/// Counts space, tag and status values over all matching documents, using the string fast
/// fields (term ordinals per segment, resolved to strings once per segment).
struct FacetCounter;

const FACET_FIELDS: [&str; 3] = [names::SPACE, names::TAGS, names::STATUS];

struct SegmentFacetCounter {
    columns: Vec<Option<StrColumn>>,
    counts: Vec<Vec<u64>>,
}

impl Collector for FacetCounter {
    type Fruit = Facets;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let mut columns = Vec::new();
        let mut counts = Vec::new();
        for name in FACET_FIELDS {
            let column = segment.fast_fields().str(name)?;
            counts.push(vec![0; column.as_ref().map_or(0, |c| c.num_terms())]);
            columns.push(column);
        }
        Ok(SegmentFacetCounter { columns, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<HashMap<String, u64>>>) -> tantivy::Result<Facets> {
        let mut merged: Vec<HashMap<String, u64>> = vec![HashMap::new(); FACET_FIELDS.len()];
        for fruit in fruits {
            for (into, from) in merged.iter_mut().zip(fruit) {
                for (k, v) in from {
                    *into.entry(k).or_default() += v;
                }
            }
        }
        let sorted = |m: HashMap<String, u64>, cap: usize| {
            let mut v: Vec<(String, u64)> = m.into_iter().filter(|(k, _)| !k.is_empty()).collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            v.truncate(cap);
            v
        };
        let mut it = merged.into_iter();
        Ok(Facets {
            spaces: sorted(it.next().unwrap_or_default(), usize::MAX),
            tags: sorted(it.next().unwrap_or_default(), MAX_TAG_FACETS),
            statuses: sorted(it.next().unwrap_or_default(), usize::MAX),
        })
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = Vec<HashMap<String, u64>>;

    fn collect(&mut self, doc: DocId, _: Score) {
        for (column, counts) in self.columns.iter().zip(&mut self.counts) {
            if let Some(column) = column {
                for ord in column.term_ords(doc) {
                    if let Some(c) = usize::try_from(ord).ok().and_then(|o| counts.get_mut(o)) {
                        *c += 1;
                    }
                }
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        let mut out = Vec::with_capacity(self.columns.len());
        for (column, counts) in self.columns.iter().zip(self.counts) {
            let mut map = HashMap::new();
            if let Some(column) = column {
                let mut value = String::new();
                for (ord, count) in counts.into_iter().enumerate() {
                    if count == 0 {
                        continue;
                    }
                    value.clear();
                    if matches!(column.ord_to_str(ord as u64, &mut value), Ok(true)) {
                        map.insert(value.clone(), count);
                    }
                }
            }
            out.push(map);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_html_specials() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
    }

    #[test]
    fn leading_chars_cuts_on_char_boundaries() {
        assert_eq!(leading_chars("äöü", 2), "äö…");
        assert_eq!(leading_chars("abc", 5), "abc");
    }
}
