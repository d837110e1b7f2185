//! The ammonia policy: the one allow-list every rendered page goes through, and the URL
//! rule that keeps readers' browsers from contacting third-party hosts for images.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

/// `rel` on every link. `nofollow` because any logged-in clerk can add links, so search
/// engines must not read them as the administration's endorsement.
const LINK_REL: &str = "noopener noreferrer nofollow";

/// Built once: the builder is immutable after setup and `clean` takes `&self`, so all
/// requests share it (STYLE §2.5).
static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(build);

/// Search highlights: text plus `<mark>`, nothing else.
static HIGHLIGHT: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::empty();
    b.add_tags(["mark"]);
    b
});

/// Reduces highlighted search output to text and `<mark>` elements.
pub(super) fn clean_highlight(html: &str) -> String {
    HIGHLIGHT.clean(html).to_string()
}

/// Runs `html` through the allow-list and serialises the result.
pub(super) fn clean(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// Starts from `Builder::empty()` and lists everything explicitly, so a new ammonia release
/// that widens its defaults cannot widen what we let through.
fn build() -> Builder<'static> {
    let headings = ["h1", "h2", "h3", "h4", "h5", "h6"];

    // Only what our renderer emits. No svg/math/iframe/style: the ammonia XSS advisories
    // listed in research/reliability.md §3.1 each needed one of those on the allow-list.
    let mut tags: HashSet<&'static str> = [
        "p",
        "a",
        "em",
        "strong",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "input",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "hr",
        "br",
        "img",
        "sup",
        "section",
        "div",
    ]
    .into_iter()
    .collect();
    tags.extend(headings);

    // Elements whose content is dropped together with the tag: keeping the text of a
    // `<script>` or `<style>` would show code to readers, and svg/math bring their own
    // namespace rules that were the root of past mXSS bugs.
    let clean_content: HashSet<&'static str> = [
        "script", "style", "svg", "math", "iframe", "object", "embed", "template", "noscript",
        "textarea", "title", "xmp", "noembed", "noframes",
    ]
    .into_iter()
    .collect();

    let mut attributes: HashMap<&'static str, HashSet<&'static str>> = HashMap::new();
    // `id` on links only for footnote back-references; the filter below checks its shape.
    attributes.insert("a", ["href", "title", "id"].into_iter().collect());
    attributes.insert("img", ["src", "alt", "title"].into_iter().collect());
    attributes.insert("ol", ["start"].into_iter().collect());
    attributes.insert("li", ["id"].into_iter().collect());
    attributes.insert("input", ["checked", "disabled"].into_iter().collect());
    for h in headings {
        attributes.insert(h, ["id"].into_iter().collect());
    }

    let classes: HashMap<&'static str, HashSet<&'static str>> = [
        (
            "a",
            &["wikilink", "missing", "blocked-image", "footnote-backref"][..],
        ),
        ("th", &["align-left", "align-center", "align-right"][..]),
        ("td", &["align-left", "align-center", "align-right"][..]),
        ("div", &["table-wrap"][..]),
        ("section", &["footnotes"][..]),
        ("sup", &["footnote-reference"][..]),
    ]
    .into_iter()
    .map(|(tag, names)| (tag, names.iter().copied().collect()))
    .collect();

    let mut builder = Builder::empty();
    builder
        .tags(tags)
        .clean_content_tags(clean_content)
        .generic_attributes(HashSet::new())
        .tag_attributes(attributes)
        .allowed_classes(classes)
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        // Relative links are how the wiki links to itself (`/artikel/…`, `#abschnitt`).
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some(LINK_REL))
        .strip_comments(true)
        .id_prefix(None)
        // Whatever `<input>` arrives becomes a checkbox, so raw HTML cannot put a
        // look-alike password field into an article. (Only one attribute is *set* per tag:
        // ammonia keeps set values in a HashMap, so two would come out in random order.)
        .set_tag_attribute_value("input", "type", "checkbox")
        .set_tag_attribute_value("img", "loading", "lazy")
        .attribute_filter(filter_attribute);
    builder
}

/// Last word on attribute values that the allow-list admits by name only.
fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    let keep = match (element, attribute) {
        // DSGVO: a reader's browser must never fetch an image from another host. Markdown
        // images are turned into links before this point; this catches raw `<img>`.
        ("img", "src") => is_local_url(value),
        // Our heading ids are slugs; refusing anything else keeps raw HTML from planting
        // ids such as `csrf_token` that page scripts might look up (DOM clobbering).
        ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", "id") => is_slug_shaped(value),
        ("li", "id") => is_numbered_id(value, "fn-"),
        ("a", "id") => is_numbered_id(value, "fnref-"),
        _ => true,
    };
    keep.then_some(Cow::Borrowed(value))
}

fn is_slug_shaped(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_numbered_id(value: &str, prefix: &str) -> bool {
    value
        .strip_prefix(prefix)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// True for a URL that stays on our own host: a path (`/anhaenge/x.png`, `bild.png`), a
/// query or a fragment. False for anything with a scheme and for protocol-relative
/// `//host` URLs.
///
/// Mirrors what a browser does before resolving: tabs and newlines anywhere are removed,
/// surrounding spaces and control characters trimmed, and `\` counts as `/`, so `/\host`
/// and ` //host` are caught too. Anything with a `:` before the first `/`, `?` or `#` is
/// treated as having a scheme, even where a browser might not, which errs on the blocking side.
pub(super) fn is_local_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let url = cleaned.trim_matches(|c: char| c <= ' ');
    let mut start = url.chars().take(2);
    let protocol_relative = matches!(
        (start.next(), start.next()),
        (Some('/' | '\\'), Some('/' | '\\'))
    );
    let head_end = url.find(['/', '\\', '?', '#']).unwrap_or(url.len());
    !protocol_relative && !url[..head_end].contains(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_urls_are_paths_queries_and_fragments() {
        for url in [
            "/anhaenge/plan.png",
            "plan.png",
            "./a/b.png",
            "?x=1",
            "#abschnitt",
            "a/b:c.png",
        ] {
            assert!(is_local_url(url), "{url}");
        }
    }

    #[test]
    fn urls_reaching_other_hosts_are_not_local() {
        for url in [
            "https://tracker.example/p.gif",
            "HTTP://tracker.example/p.gif",
            "//tracker.example/p.gif",
            "/\\tracker.example/p.gif",
            "\\\\tracker.example/p.gif",
            " //tracker.example/p.gif",
            "/\t/tracker.example/p.gif",
            "data:image/png;base64,AAAA",
            "javascript:alert(1)",
            "java\tscript:alert(1)",
            "ftp://host/x.png",
        ] {
            assert!(!is_local_url(url), "{url:?}");
        }
    }

    #[test]
    fn ids_are_restricted_to_the_shapes_we_generate() {
        assert!(is_slug_shaped("uebergabe-pruefung"));
        assert!(!is_slug_shaped("csrf_token"));
        assert!(!is_slug_shaped(""));
        assert!(is_numbered_id("fn-12", "fn-"));
        assert!(!is_numbered_id("fn-", "fn-"));
        assert!(!is_numbered_id("fn-1x", "fn-"));
    }
}
