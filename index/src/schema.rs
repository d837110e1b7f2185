//! The tantivy schema and its field handles, built once per [`SearchIndex`](crate::SearchIndex).
//!
//! Bump [`SCHEMA_VERSION`] whenever the schema *or the analysis* (analyzers, dictionary)
//! changes: an index written with another version is wiped and rebuilt on open, because
//! terms produced by an old analyzer would silently stop matching.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analysis::{DE, DE_COMPOUND, SPELL, TITLE_PREFIX};

/// Version of schema + analysis. Stored in every commit payload.
pub const SCHEMA_VERSION: u32 = 1;

/// Field handles, resolved once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) id: Field,
    pub(crate) kind: Field,
    pub(crate) title: Field,
    pub(crate) description: Field,
    pub(crate) headings: Field,
    pub(crate) body: Field,
    pub(crate) compounds: Field,
    pub(crate) spell: Field,
    pub(crate) title_prefix: Field,
    pub(crate) space: Field,
    pub(crate) tags: Field,
    pub(crate) status: Field,
    pub(crate) updated_at: Field,
    pub(crate) url_hint: Field,
}

/// Field names shared with collectors that address fast fields by name.
pub(crate) mod names {
    pub(crate) const SPACE: &str = "space";
    pub(crate) const TAGS: &str = "tags";
    pub(crate) const STATUS: &str = "status";
    pub(crate) const UPDATED_AT: &str = "updated_at";
}

fn text(analyzer: &str, record: IndexRecordOption, stored: bool) -> TextOptions {
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(record),
    );
    if stored {
        options.set_stored()
    } else {
        options
    }
}

/// Builds the schema and returns it with its field handles.
pub(crate) fn build() -> (Schema, Fields) {
    let positions = IndexRecordOption::WithFreqsAndPositions;
    let mut b = Schema::builder();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED | FAST),
        // Positions on the precise fields make phrase queries possible.
        title: b.add_text_field("title", text(DE, positions, true)),
        description: b.add_text_field("description", text(DE, positions, true)),
        headings: b.add_text_field("headings", text(DE, positions, false)),
        body: b.add_text_field("body", text(DE, positions, true)),
        // No positions: the parts of one compound share a position, so phrases make no sense.
        compounds: b.add_text_field(
            "compounds",
            text(DE_COMPOUND, IndexRecordOption::WithFreqs, false),
        ),
        spell: b.add_text_field("spell", text(SPELL, IndexRecordOption::Basic, false)),
        title_prefix: b.add_text_field(
            "title_prefix",
            text(TITLE_PREFIX, IndexRecordOption::Basic, false),
        ),
        space: b.add_text_field(names::SPACE, STRING | STORED | FAST),
        tags: b.add_text_field(names::TAGS, STRING | STORED | FAST),
        status: b.add_text_field(names::STATUS, STRING | STORED | FAST),
        updated_at: b.add_i64_field(names::UPDATED_AT, INDEXED | STORED | FAST),
        url_hint: b.add_text_field("url_hint", STORED),
    };
    (b.build(), fields)
}
