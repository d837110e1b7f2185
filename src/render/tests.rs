//! Rendering tests: features, then hostile input, then the caps. Outputs are asserted in
//! full (inline snapshots) so a change in what reaches the browser shows up in review.

use std::time::{Duration, Instant};

use insta::assert_snapshot;

use super::*;
use crate::domain::slug::slugify;

fn html(markdown: &str) -> String {
    render(markdown, &NoLinks)
        .expect("renders")
        .html
        .to_string()
}

/// Knows one article, `bauantrag`, by slug or title; builds create-URLs naively so tests
/// can check that whatever a resolver returns is escaped.
struct OneArticle;

impl LinkResolver for OneArticle {
    fn resolve(&self, target: &str) -> Option<String> {
        (slugify(target) == "bauantrag").then(|| "/artikel/bauantrag".to_owned())
    }

    fn create_url(&self, target: &str) -> String {
        format!("/artikel/neu?titel={target}")
    }
}

// --- Markdown features -------------------------------------------------------------------

#[test]
fn tables_get_alignment_classes_and_a_scroll_wrapper() {
    let md = "| Links | Mitte | Rechts | Ohne |\n|:--|:-:|--:|--|\n| a | b | c | d |";
    assert_snapshot!(html(md), @r#"
    <div class="table-wrap"><table><thead><tr><th class="align-left">Links</th><th class="align-center">Mitte</th><th class="align-right">Rechts</th><th>Ohne</th></tr></thead><tbody>
    <tr><td class="align-left">a</td><td class="align-center">b</td><td class="align-right">c</td><td>d</td></tr>
    </tbody></table>
    </div>
    "#);
}

#[test]
fn task_lists_render_disabled_checkboxes() {
    assert_snapshot!(html("- [ ] offen\n- [x] erledigt"), @r#"
    <ul>
    <li><input disabled="" type="checkbox">
    offen</li>
    <li><input disabled="" checked="" type="checkbox">
    erledigt</li>
    </ul>
    "#);
}

#[test]
fn strikethrough_becomes_del() {
    assert_snapshot!(html("Das ist ~~falsch~~ richtig."), @"<p>Das ist <del>falsch</del> richtig.</p>");
}

#[test]
fn footnotes_are_numbered_by_first_reference_and_linked_both_ways() {
    let md = "Fußnote[^quelle], zweite[^2], wieder[^Quelle].\n\n[^2]: Zweite.\n[^quelle]: Die Quelle.\n[^frei]: Ohne Verweis.";
    assert_snapshot!(html(md), @r##"
    <p>Fußnote<sup class="footnote-reference"><a href="#fn-1" id="fnref-1" rel="noopener noreferrer nofollow">1</a></sup>, zweite<sup class="footnote-reference"><a href="#fn-2" id="fnref-2" rel="noopener noreferrer nofollow">2</a></sup>, wieder<sup class="footnote-reference"><a href="#fn-1" rel="noopener noreferrer nofollow">1</a></sup>.</p>
    <section class="footnotes">
    <ol>
    <li id="fn-1">
    <p>Die Quelle. <a href="#fnref-1" class="footnote-backref" title="Zurück zum Text" rel="noopener noreferrer nofollow">↩</a></p>
    </li>
    <li id="fn-2">
    <p>Zweite. <a href="#fnref-2" class="footnote-backref" title="Zurück zum Text" rel="noopener noreferrer nofollow">↩</a></p>
    </li>
    <li id="fn-3">
    <p>Ohne Verweis.</p>
    </li>
    </ol>
    </section>
    "##);
}

#[test]
fn undefined_footnote_references_stay_text() {
    assert_snapshot!(html("Siehe [^fehlt]."), @"<p>Siehe [^fehlt].</p>");
}

#[test]
fn headings_get_unique_slug_ids_that_survive_sanitising() {
    let md = "# Einleitung\n## Übergabe & Prüfung\n## Übergabe & Prüfung\n### `Code` und *Betonung*\n## ???";
    let rendered = render(md, &NoLinks).expect("renders");
    assert_snapshot!(rendered.html, @r#"
    <h1 id="einleitung">Einleitung</h1>
    <h2 id="uebergabe-pruefung">Übergabe &amp; Prüfung</h2>
    <h2 id="uebergabe-pruefung-2">Übergabe &amp; Prüfung</h2>
    <h3 id="code-und-betonung"><code>Code</code> und <em>Betonung</em></h3>
    <h2 id="abschnitt">???</h2>
    "#);
    let toc: Vec<(u8, &str, &str)> = rendered
        .toc
        .iter()
        .map(|e| (e.level, e.id.as_str(), e.text.as_str()))
        .collect();
    assert_eq!(
        toc,
        [
            (1, "einleitung", "Einleitung"),
            (2, "uebergabe-pruefung", "Übergabe & Prüfung"),
            (2, "uebergabe-pruefung-2", "Übergabe & Prüfung"),
            (3, "code-und-betonung", "Code und Betonung"),
            (2, "abschnitt", "???"),
        ]
    );
    assert_eq!(
        rendered.headings,
        [
            "Einleitung",
            "Übergabe & Prüfung",
            "Übergabe & Prüfung",
            "Code und Betonung",
            "???"
        ]
    );
}

#[test]
fn heading_attribute_syntax_cannot_choose_ids_or_classes() {
    assert_snapshot!(html("## Titel {#csrf_token .evil}"), @r#"<h2 id="titel-csrf-token-evil">Titel {#csrf_token .evil}</h2>"#);
}

#[test]
fn headings_never_take_footnote_ids() {
    assert_snapshot!(html("## Fn 1\n\nText[^a]\n\n[^a]: Notiz"), @r##"
    <h2 id="fn-1-2">Fn 1</h2>
    <p>Text<sup class="footnote-reference"><a href="#fn-1" id="fnref-1" rel="noopener noreferrer nofollow">1</a></sup></p>
    <section class="footnotes">
    <ol>
    <li id="fn-1">
    <p>Notiz <a href="#fnref-1" class="footnote-backref" title="Zurück zum Text" rel="noopener noreferrer nofollow">↩</a></p>
    </li>
    </ol>
    </section>
    "##);
}

#[test]
fn plain_text_has_one_line_per_block_and_no_markup() {
    let md = "# Titel\n\nEin *wichtiger* [Link](/x) und [[Bauantrag|Anträge]].\n\n- eins\n- `zwei`\n\n| a | b |\n|---|---|\n| c | d |\n\n<b>roh</b>";
    let rendered = render(md, &OneArticle).expect("renders");
    assert_snapshot!(rendered.plain_text, @r"
    Titel
    Ein wichtiger Link und Anträge.
    eins
    zwei
    a b
    c d
    roh
    ");
}

// --- Wiki links --------------------------------------------------------------------------

#[test]
fn wiki_links_point_to_existing_articles_or_offer_to_create_them() {
    let md = "[[Bauantrag]], [[bauantrag|Anträge stellen]], [[ Meldewesen ]], [[Meldewesen|die Meldestelle]]";
    assert_snapshot!(render(md, &OneArticle).expect("renders").html, @r#"<p><a href="/artikel/bauantrag" class="wikilink" rel="noopener noreferrer nofollow">Bauantrag</a>, <a href="/artikel/bauantrag" class="wikilink" rel="noopener noreferrer nofollow">Anträge stellen</a>, <a href="/artikel/neu?titel=Meldewesen" class="wikilink missing" title="Artikel anlegen" rel="noopener noreferrer nofollow">Meldewesen</a>, <a href="/artikel/neu?titel=Meldewesen" class="wikilink missing" title="Artikel anlegen" rel="noopener noreferrer nofollow">die Meldestelle</a></p>"#);
}

#[test]
fn wiki_links_inside_code_and_links_are_left_alone() {
    let md = "`[[Code]]` [Text [[Link]]](/x)\n\n```\n[[Block]]\n```\n\n    [[Eingerückt]]";
    assert_snapshot!(html(md), @r#"
    <p><code>[[Code]]</code> <a href="/x" rel="noopener noreferrer nofollow">Text [[Link]]</a></p>
    <pre><code>[[Block]]
    </code></pre>
    <pre><code>[[Eingerückt]]</code></pre>
    "#);
}

#[test]
fn empty_wiki_links_stay_literal_text() {
    assert_snapshot!(html("[[ ]] und [[|Text]]"), @"<p>[[ ]] und [[|Text]]</p>");
}

#[test]
fn wiki_links_in_table_cells_use_an_escaped_pipe() {
    assert_snapshot!(html("| a |\n|---|\n| [[Ziel\\|Text]] |"), @r#"
    <div class="table-wrap"><table><thead><tr><th>a</th></tr></thead><tbody>
    <tr><td><a href="/artikel/neu?titel=Ziel" class="wikilink missing" title="Artikel anlegen" rel="noopener noreferrer nofollow">Text</a></td></tr>
    </tbody></table>
    </div>
    "#);
}

#[test]
fn wiki_link_targets_and_labels_cannot_break_out_of_the_tag() {
    // OneArticle puts the raw target into the URL; the renderer must escape it.
    let md = r#"[[x" onmouseover="alert(1)|a < b & "c"]] [[y|<b onclick=alert(1)>fett</b>]]"#;
    // Markup in a label splits the text run, so that one is no wiki link at all.
    assert_snapshot!(render(md, &OneArticle).expect("renders").html, @r#"<p><a href="/artikel/neu?titel=x&quot; onmouseover=&quot;alert(1)" class="wikilink missing" title="Artikel anlegen" rel="noopener noreferrer nofollow">a &lt; b &amp; "c"</a> [[y|fett]]</p>"#);
}

#[test]
fn no_links_percent_encodes_the_title() {
    assert_eq!(
        NoLinks.create_url("Übergabe & Prüfung"),
        "/artikel/neu?titel=%C3%9Cbergabe%20%26%20Pr%C3%BCfung"
    );
    assert_eq!(NoLinks.resolve("Bauantrag"), None);
}

#[test]
fn wiki_link_targets_are_ordered_trimmed_and_deduplicated() {
    let md = "[[B]] [[ A |x]] [[B|y]] `[[Code]]` [l [[InLink]]](/x)\n\n```\n[[Block]]\n```\n\n# [[C]]\n\n- [[A]]";
    assert_eq!(wiki_link_targets(md), ["B", "A", "C"]);
}

// --- Hostile input -----------------------------------------------------------------------

#[test]
fn script_and_style_are_removed_with_their_content() {
    assert_snapshot!(html("a <script>alert(1)</script> b\n\n<style>body{display:none}</style>\n\n<script>alert(2)</script>"), @"<p>a  b</p>");
}

#[test]
fn event_handlers_are_stripped() {
    assert_snapshot!(html("<img src=x onerror=alert(1)> <b onmouseover=alert(1)>b</b> <p onclick=alert(1)>p</p>"), @r#"<p><img src="x" loading="lazy"> b </p><p>p</p><p></p>"#);
}

#[test]
fn javascript_urls_are_removed_whatever_their_spelling() {
    let md = "[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) <a href=\"JaVaScRiPt:alert(1)\">c</a> <a href=\" javascript:alert(1)\">d</a> <a href=\"vbscript:msgbox(1)\">e</a>";
    assert_snapshot!(html(md), @r#"<p><a rel="noopener noreferrer nofollow">a</a> <a rel="noopener noreferrer nofollow">b</a> <a rel="noopener noreferrer nofollow">c</a> <a rel="noopener noreferrer nofollow">d</a> <a rel="noopener noreferrer nofollow">e</a></p>"#);
}

#[test]
fn entity_encoded_schemes_do_not_sneak_through() {
    // The tab hidden in `jav&#x09;ascript` ends up percent-encoded in the Markdown link,
    // which leaves a harmless relative URL; in raw HTML it is decoded and caught.
    let md = "[a](jav&#x09;ascript:alert(1)) <a href=\"jav&#x09;ascript:alert(1)\">b</a> <a href=\"&#106;avascript&colon;alert(1)\">c</a> [d](&#106;avascript:alert(1))";
    assert_snapshot!(html(md), @r#"<p><a href="jav%09ascript:alert(1)" rel="noopener noreferrer nofollow">a</a> <a rel="noopener noreferrer nofollow">b</a> <a rel="noopener noreferrer nofollow">c</a> <a rel="noopener noreferrer nofollow">d</a></p>"#);
}

#[test]
fn data_urls_are_removed() {
    let md = "[d](data:text/html;base64,PHNjcmlwdD4=) <a href=\"data:text/html,x\">r</a> <img src=\"data:image/png;base64,AAAA\">";
    assert_snapshot!(html(md), @r#"<p><a rel="noopener noreferrer nofollow">d</a> <a rel="noopener noreferrer nofollow">r</a> <img loading="lazy"></p>"#);
}

#[test]
fn embedding_elements_are_removed() {
    let md = "<iframe src=\"https://evil.example\">x</iframe>\n\n<object data=\"/x.swf\">o</object><embed src=\"/x.swf\">\n\n<form action=\"/logout\"><button formaction=\"/x\">k</button></form>";
    assert_snapshot!(html(md), @r"
    <p></p>
    k
    ");
}

#[test]
fn svg_and_math_are_removed_with_their_content() {
    let md = "<svg onload=alert(1)><a href=\"javascript:alert(1)\"><text>t</text></a><animate attributeName=href values=javascript:alert(1)/></svg>\n\n<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>";
    assert_snapshot!(html(md), @r"
    <p></p>
    <p></p>
    ");
}

#[test]
fn namespace_confusion_does_not_create_markup() {
    let md = r#"<svg><iframe><a title="</iframe><img src onerror=alert(1)>">test"#;
    assert_snapshot!(html(md), @"<p></p>");
}

#[test]
fn style_id_target_and_unknown_attributes_are_dropped() {
    let md = r#"<h2 id="csrf_token" style="color:red">Hi</h2><p style="position:fixed" class="admin">p</p><a href="/x" target="_blank" rel="opener" class="wikilink evil">l</a> <div id="x" class="table-wrap other">d</div>"#;
    assert_snapshot!(html(md), @r#"<h2>Hi</h2><p>p</p><a href="/x" class="wikilink" rel="noopener noreferrer nofollow">l</a> <div class="table-wrap">d</div>"#);
}

#[test]
fn raw_inputs_become_checkboxes() {
    assert_snapshot!(html(r#"<input type="text" name="passwort" value="x" onfocus="alert(1)" autofocus> <input disabled>"#), @r#"<p><input type="checkbox"> <input disabled="" type="checkbox"></p>"#);
}

#[test]
fn comments_and_unknown_tags_are_dropped_but_text_kept() {
    assert_snapshot!(html("a <!-- geheim --> <details open ontoggle=alert(1)><summary>S</summary>D</details> <marquee>m</marquee>"), @"<p>a  </p>SD m<p></p>");
}

// --- External images (DSGVO) ---------------------------------------------------------------

#[test]
fn external_markdown_images_become_links_and_local_ones_stay_images() {
    let md = "![Plan](/anhaenge/plan.png \"Lageplan\") ![Pixel](https://tracker.example/p.gif) ![](//cdn.example/x.png) ![x](/\\evil.example/x.png) ![d](data:image/png;base64,AAAA)";
    assert_snapshot!(html(md), @r#"<p><img src="/anhaenge/plan.png" alt="Plan" title="Lageplan" loading="lazy"> <a href="https://tracker.example/p.gif" class="blocked-image" rel="noopener noreferrer nofollow">Externes Bild: Pixel</a> <a href="//cdn.example/x.png" class="blocked-image" rel="noopener noreferrer nofollow">Externes Bild: //cdn.example/x.png</a> <a href="/\evil.example/x.png" class="blocked-image" rel="noopener noreferrer nofollow">Externes Bild: x</a> <a class="blocked-image" rel="noopener noreferrer nofollow">Externes Bild: d</a></p>"#);
}

#[test]
fn external_image_inside_a_link_becomes_text() {
    assert_snapshot!(html("[![Logo](https://ext.example/l.png)](https://ext.example)"), @r#"<p><a href="https://ext.example" rel="noopener noreferrer nofollow">Externes Bild: Logo</a></p>"#);
}

#[test]
fn external_raw_html_images_lose_their_source() {
    let md = r#"<img src="https://tracker.example/p.gif" alt="t"> <img src="//tracker.example/p.gif"> <img src=" /\tracker.example/p.gif"> <img src="/anhaenge/a.png" alt="a" srcset="https://tracker.example/2x.gif 2x">"#;
    assert_snapshot!(html(md), @r#"<p><img loading="lazy" alt="t"> <img loading="lazy"> <img loading="lazy"> <img src="/anhaenge/a.png" alt="a" loading="lazy"></p>"#);
}

// --- Caps --------------------------------------------------------------------------------

#[test]
fn render_refuses_text_over_the_caps() {
    let big = "a".repeat(MAX_MARKDOWN_BYTES + 1);
    assert_eq!(
        render(&big, &NoLinks).map(|_| ()),
        Err(RenderError::TooLarge {
            size: MAX_MARKDOWN_BYTES + 1,
            max: MAX_MARKDOWN_BYTES
        })
    );
    let started = Instant::now();
    let deep = ">".repeat(100 * 1024);
    assert_eq!(
        render(&deep, &NoLinks).map(|_| ()),
        Err(RenderError::TooDeep { max: MAX_NESTING })
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn error_messages_are_german_and_name_the_limit() {
    assert_eq!(
        RenderError::TooLarge {
            size: 600_000,
            max: MAX_MARKDOWN_BYTES
        }
        .to_string(),
        "Der Text ist zu lang (600000 Bytes, höchstens 524288 erlaubt)."
    );
    assert_eq!(
        RenderError::TooDeep { max: MAX_NESTING }.to_string(),
        "Der Text ist zu tief verschachtelt (mehr als 32 Ebenen)."
    );
}

#[test]
fn thirty_nested_lists_render() {
    let md: String = (0..30)
        .map(|level| format!("{}- Ebene {}\n", "  ".repeat(level), level + 1))
        .collect();
    let out = html(&md);
    assert_eq!(out.matches("<ul>").count(), 30);
    assert_eq!(out.matches("</ul>").count(), 30);
    assert!(out.contains("<li>Ebene 30</li>"), "{out}");
}

#[test]
fn large_ordinary_articles_render() {
    // Just under the size cap, with every feature: must render, not trip a cap.
    let chunk = "## Abschnitt\n\nText mit [[Link]], *Betonung* und Fußnote[^n].\n\n> Zitat\n> - Liste\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n";
    let mut md = chunk.repeat(MAX_MARKDOWN_BYTES / chunk.len() - 1);
    md.push_str("[^n]: Notiz\n");
    let rendered = render(&md, &NoLinks).expect("renders");
    assert_eq!(rendered.toc.len(), MAX_MARKDOWN_BYTES / chunk.len() - 1);
    assert_eq!(rendered.toc[2].id, "abschnitt-3");
}

// --- Output type ---------------------------------------------------------------------------

#[test]
fn escape_to_sanitized_escapes_markup() {
    assert_snapshot!(escape_to_sanitized(r#"<script>"a" & 'b'</script>"#), @"&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;");
}

#[test]
fn display_writes_the_raw_html() {
    let rendered = render("*x*", &NoLinks).expect("renders");
    assert_eq!(rendered.html.to_string(), rendered.html.as_str());
    assert_eq!(rendered.html.as_str(), "<p><em>x</em></p>\n");
}

#[test]
fn each_wiki_link_target_is_resolved_once_per_render() {
    struct Counting(std::cell::Cell<usize>);
    impl LinkResolver for Counting {
        fn resolve(&self, _target: &str) -> Option<String> {
            self.0.set(self.0.get() + 1);
            Some("/artikel/a".to_owned())
        }
        fn create_url(&self, _target: &str) -> String {
            unreachable!("every target resolves")
        }
    }
    let resolver = Counting(std::cell::Cell::new(0));
    render("[[A]] [[A|x]] [[A]] [[B]]", &resolver).expect("renders");
    assert_eq!(resolver.0.get(), 2);
}

#[test]
fn resolver_urls_still_pass_the_sanitiser() {
    struct Hostile;
    impl LinkResolver for Hostile {
        fn resolve(&self, _target: &str) -> Option<String> {
            Some("javascript:alert(1)".to_owned())
        }
        fn create_url(&self, _target: &str) -> String {
            String::new()
        }
    }
    assert_snapshot!(render("[[A]]", &Hostile).expect("renders").html, @r#"<p><a class="wikilink" rel="noopener noreferrer nofollow">A</a></p>"#);
}

#[test]
fn footnote_definitions_inside_containers_are_collected() {
    let md =
        "> Zitat[^z]\n>\n> [^z]: Im Zitat\n\n- Punkt[^p]\n\n  [^p]: In der Liste\n    [^q]: Darin";
    assert_snapshot!(html(md), @r##"
    <blockquote>
    <p>Zitat<sup class="footnote-reference"><a href="#fn-1" id="fnref-1" rel="noopener noreferrer nofollow">1</a></sup></p>
    </blockquote>
    <ul>
    <li>
    <p>Punkt<sup class="footnote-reference"><a href="#fn-2" id="fnref-2" rel="noopener noreferrer nofollow">2</a></sup></p>
    </li>
    </ul>
    <section class="footnotes">
    <ol>
    <li id="fn-1">
    <p>Im Zitat <a href="#fnref-1" class="footnote-backref" title="Zurück zum Text" rel="noopener noreferrer nofollow">↩</a></p>
    </li>
    <li id="fn-2">
    <p>In der Liste <a href="#fnref-2" class="footnote-backref" title="Zurück zum Text" rel="noopener noreferrer nofollow">↩</a></p>
    </li>
    <li id="fn-3">
    <p>Darin</p>
    </li>
    </ol>
    </section>
    "##);
}

#[test]
fn escaped_markup_stays_text() {
    let md = "&lt;script&gt;alert(1)&lt;/script&gt; &#60;img src=x onerror=alert(1)&#62; \\<b>fett\\</b>";
    assert_snapshot!(html(md), @"<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; &lt;b&gt;fett&lt;/b&gt;</p>");
}

#[test]
fn highlights_keep_only_mark() {
    let h = highlight_to_sanitized("<mark>Hund</mark> &lt;b&gt; <script>x</script><b>fett</b>");
    assert_eq!(h.as_str(), "<mark>Hund</mark> &lt;b&gt; fett");
}
