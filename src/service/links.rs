//! Wiki-link resolution against the store: `[[Titel]]` and `[[slug|Text]]` name an article
//! by the slug of their target text; old slugs still resolve (they redirect).

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::domain::slugify;
use crate::render::LinkResolver;
use crate::store::Store;

/// Resolves wiki links through the slug table; trashed articles count as missing.
#[derive(Debug)]
pub struct StoreLinks<'a>(pub &'a Store);

impl LinkResolver for StoreLinks<'_> {
    fn resolve(&self, target: &str) -> Option<String> {
        let key = slugify(target);
        if key.is_empty() {
            return None;
        }
        match self.0.article_by_slug(&key) {
            Ok(Some(a)) if !a.is_deleted() => Some(format!("/artikel/{}", a.slug)),
            _ => None,
        }
    }

    fn create_url(&self, target: &str) -> String {
        format!(
            "/artikel/neu?titel={}",
            utf8_percent_encode(target.trim(), NON_ALPHANUMERIC)
        )
    }
}

/// The slug keys a body links to (for the backlink table).
pub fn link_keys(markdown: &str) -> Vec<String> {
    let mut keys: Vec<String> = crate::render::wiki_link_targets(markdown)
        .iter()
        .map(|t| slugify(t))
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}
