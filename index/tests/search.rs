//! Behaviour of the search index on real tantivy indexes (in RAM and in temp dirs).

// Helpers outside #[test] fns unwrap too; a panic is the test failure we want.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use stafette_index::{
    Filter, IndexDoc, IndexError, OpenOutcome, SearchIndex, SearchRequest, SearchResults,
    SortOrder, Synonyms,
};

fn doc(id: &str, space: &str, title: &str, body: &str) -> IndexDoc {
    IndexDoc {
        id: id.to_owned(),
        kind: "article".to_owned(),
        title: title.to_owned(),
        description: String::new(),
        headings: Vec::new(),
        body: body.to_owned(),
        space: space.to_owned(),
        tags: Vec::new(),
        status: None,
        updated_at: 0,
        url_hint: None,
    }
}

/// A small municipal corpus.
fn corpus() -> Vec<IndexDoc> {
    let mut docs = vec![
        doc(
            "perso",
            "buergerservice",
            "Personalausweis beantragen",
            "Den Personalausweis beantragen Sie im Bürgerbüro. Mitzubringen sind ein biometrisches Passfoto und die Geburtsurkunde.",
        ),
        doc(
            "bau",
            "bauamt",
            "Baugenehmigung",
            "Für einen Neubau ist eine Baugenehmigung nötig. Der Bauantrag wird bei der Bauaufsichtsbehörde eingereicht.",
        ),
        doc(
            "hund",
            "steuern",
            "Hundesteuer",
            "Wer einen Hund hält, muss ihn anmelden und zahlt Hundesteuer. Die Steuermarke ist am Halsband zu tragen.",
        ),
        doc(
            "fs",
            "buergerservice",
            "Führerschein umtauschen",
            "Alte Führerscheine aus Papier müssen in den EU-Kartenführerschein umgetauscht werden. Anträge nimmt die Führerscheinstelle an.",
        ),
        doc(
            "pass",
            "buergerservice",
            "Reisepass beantragen",
            "Den Reisepass beantragen Sie persönlich. Die Bearbeitung dauert drei Wochen.",
        ),
        doc(
            "umzug",
            "buergerservice",
            "Wohnsitz anmelden",
            "Nach dem Umzug melden Sie den neuen Wohnsitz innerhalb von zwei Wochen an. Die Wohnungsgeberbestätigung ist vorzulegen.",
        ),
    ];
    docs[0].tags = vec!["ausweis".to_owned(), "dokumente".to_owned()];
    docs[3].tags = vec!["ausweis".to_owned()];
    docs[4].tags = vec!["dokumente".to_owned()];
    docs[0].status = Some("verified".to_owned());
    docs[1].status = Some("draft".to_owned());
    for (i, d) in docs.iter_mut().enumerate() {
        d.updated_at = 1_700_000_000 + i as i64 * 1000;
    }
    docs
}

fn index_with(docs: &[IndexDoc], synonyms: Synonyms) -> SearchIndex {
    let index = SearchIndex::in_ram(synonyms).unwrap();
    for d in docs {
        index.upsert(d).unwrap();
    }
    index.commit(1).unwrap();
    index
}

fn index() -> SearchIndex {
    index_with(&corpus(), Synonyms::german_default())
}

fn search(index: &SearchIndex, q: &str) -> SearchResults {
    index.search(&SearchRequest::new(q)).unwrap()
}

fn ids(res: &SearchResults) -> Vec<&str> {
    res.hits.iter().map(|h| h.id.as_str()).collect()
}

fn top(index: &SearchIndex, q: &str) -> Option<String> {
    search(index, q).hits.first().map(|h| h.id.clone())
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let index = index();
    assert_eq!(index.doc_count().unwrap(), 6);
    let mut changed = corpus()[2].clone();
    changed.body = "Katzen sind steuerfrei.".to_owned();
    index.upsert(&changed).unwrap();
    index.commit(2).unwrap();
    assert_eq!(index.doc_count().unwrap(), 6);
    assert!(ids(&search(&index, "Katzen")).contains(&"hund"));
    assert!(!ids(&search(&index, "Halsband")).contains(&"hund"));
    index.delete("hund").unwrap();
    index.commit(3).unwrap();
    assert_eq!(search(&index, "Katzen").total, 0);
    assert_eq!(index.doc_count().unwrap(), 5);
    index.clear().unwrap();
    index.commit(4).unwrap();
    assert_eq!(index.doc_count().unwrap(), 0);
}

#[test]
fn german_stemming_matches_inflections() {
    let index = index();
    assert_eq!(top(&index, "Antrag").as_deref(), Some("fs")); // body has "Anträge"
    assert_eq!(top(&index, "Führerscheine").as_deref(), Some("fs"));
    assert_eq!(top(&index, "Fuehrerschein").as_deref(), Some("fs"));
}

#[test]
fn plural_query_finds_singular_text() {
    let docs = vec![doc("a", "s", "Formulare", "Hier stellen Sie einen Antrag.")];
    let index = index_with(&docs, Synonyms::empty());
    assert_eq!(top(&index, "Anträge").as_deref(), Some("a"));
    assert_eq!(top(&index, "ANTRÄGEN").as_deref(), Some("a"));
}

#[test]
fn compound_parts_find_compounds() {
    let index = index();
    assert_eq!(top(&index, "Genehmigung").as_deref(), Some("bau"));
    assert_eq!(top(&index, "Steuer Hund").as_deref(), Some("hund"));
    // The splitter lets "Hundesteuer" also match a text about "Steuer" for a "Hund".
    let docs = vec![doc(
        "x",
        "s",
        "Abgaben",
        "Für jeden Hund wird eine Steuer erhoben.",
    )];
    let small = index_with(&docs, Synonyms::empty());
    assert_eq!(top(&small, "Hundesteuer").as_deref(), Some("x"));
    let res = search(&index, "Genehmigung");
    assert!(
        res.hits[0]
            .snippet_html
            .contains("<mark>Baugenehmigung</mark>")
    );
}

#[test]
fn synonyms_expand_queries() {
    let index = index();
    assert_eq!(top(&index, "Perso").as_deref(), Some("perso"));
    let res = search(&index, "Perso");
    assert!(res.expanded_terms.iter().any(|t| t == "Personalausweis"));
    assert_eq!(top(&index, "Fahrerlaubnis").as_deref(), Some("fs"));
    assert_eq!(top(&index, "Meldeadresse").as_deref(), Some("umzug"));
    // Without synonyms nothing matches.
    let bare = index_with(&corpus(), Synonyms::empty());
    assert_eq!(search(&bare, "Perso").total, 0);
    // Runtime lists are installed with set_synonyms.
    bare.set_synonyms(Synonyms::parse("Hundemarke => Steuermarke").unwrap());
    assert_eq!(top(&bare, "Hundemarke").as_deref(), Some("hund"));
}

#[test]
fn typos_are_corrected_with_a_suggestion() {
    let index = index();
    let res = search(&index, "Persnalausweis");
    assert_eq!(ids(&res).first(), Some(&"perso"));
    assert_eq!(res.suggestion.as_deref(), Some("personalausweis"));
    assert_eq!(top(&index, "Fuhrerschein").as_deref(), Some("fs"));
    assert_eq!(top(&index, "Reisepas beantragen").as_deref(), Some("pass"));
    assert!(search(&index, "Personalausweis").suggestion.is_none());
}

#[test]
fn phrases_exclusions_and_or() {
    let index = index();
    assert_eq!(ids(&search(&index, "\"Baugenehmigung nötig\"")), ["bau"]);
    assert_eq!(search(&index, "\"nötig Baugenehmigung\"").total, 0);
    let res = search(&index, "beantragen -Reisepass");
    assert!(ids(&res).contains(&"perso"));
    assert!(!ids(&res).contains(&"pass"));
    let res = search(&index, "Hundesteuer OR Reisepass");
    assert_eq!(res.total, 2);
    // Plain words are AND-ish: both must match for two-word queries.
    assert_eq!(ids(&search(&index, "Reisepass beantragen")), ["pass"]);
}

#[test]
fn malformed_queries_never_error() {
    let index = index();
    for q in [
        "\"unbalanced",
        "title:(Hund",
        "*",
        "Hund^2",
        "((((((",
        ")",
        "field:",
        "-",
        "--Hund",
        "OR",
        "AND OR NOT",
        "Hund~2",
        "[a TO z]",
        "\u{0}\u{1}<script>",
        "",
        "   ",
    ] {
        let res = index.search(&SearchRequest::new(q));
        assert!(res.is_ok(), "{q:?} failed: {res:?}");
    }
    assert_eq!(top(&index, "title:Hundesteuer").as_deref(), Some("hund"));
}

#[test]
fn deep_nesting_and_long_input_stay_fast() {
    let index = index();
    // Input beyond 512 chars is ignored, so the word must come first.
    let nested = format!("Hund {}x{}", "(".repeat(5_000), ")".repeat(5_000));
    let long = "Hund Steuer ".repeat(10_000);
    for q in [nested, long] {
        let start = Instant::now();
        let res = index.search(&SearchRequest::new(q)).unwrap();
        assert!(start.elapsed() < Duration::from_secs(2));
        assert_eq!(res.hits.first().map(|h| h.id.as_str()), Some("hund"));
    }
}

#[test]
fn paging_limits_are_user_errors() {
    let index = index();
    let mut req = SearchRequest::new("Hund");
    req.limit = 100_000;
    let err = index.search(&req).unwrap_err();
    assert!(matches!(err, IndexError::InvalidQuery(_)));
    assert!(err.is_user_error());
    req.limit = 0;
    let res = index.search(&req).unwrap();
    assert_eq!(res.total, 1);
    assert!(res.hits.is_empty());
}

#[test]
fn permission_filter_applies_before_counting() {
    let index = index();
    let mut req = SearchRequest::new("beantragen");
    let all = index.search(&req).unwrap();
    assert_eq!(all.total, 2);
    req.filter.readable_spaces = Some(vec!["bauamt".to_owned()]);
    let res = index.search(&req).unwrap();
    assert_eq!(res.total, 0);
    assert!(res.facets.spaces.is_empty());
    assert!(res.facets.tags.is_empty());

    req.query = "Antrag OR beantragen OR Bauantrag".to_owned();
    let res = index.search(&req).unwrap();
    assert_eq!(ids(&res), ["bau"]);
    assert_eq!(res.facets.spaces, [("bauamt".to_owned(), 1)]);
    assert_eq!(res.facets.statuses, [("draft".to_owned(), 1)]);

    req.filter.readable_spaces = Some(Vec::new());
    assert_eq!(index.search(&req).unwrap().total, 0);

    let only_bau = Filter {
        readable_spaces: Some(vec!["bauamt".to_owned()]),
        ..Filter::default()
    };
    assert!(index.suggest("Pers", &only_bau, 10).unwrap().is_empty());
    assert_eq!(index.suggest("Bau", &only_bau, 10).unwrap().len(), 1);
    let nothing = Filter {
        readable_spaces: Some(Vec::new()),
        ..Filter::default()
    };
    assert!(index.suggest("Bau", &nothing, 10).unwrap().is_empty());
}

#[test]
fn typo_corrections_do_not_reveal_unreadable_words() {
    let mut docs = corpus();
    docs.push(doc(
        "secret",
        "personal",
        "Abmahnung",
        "Kündigungsschutzklage Meier",
    ));
    let index = index_with(&docs, Synonyms::empty());
    let mut req = SearchRequest::new("Kündigungsschuttklage");
    let res = index.search(&req).unwrap();
    assert_eq!(res.suggestion.as_deref(), Some("kündigungsschutzklage"));
    req.filter.readable_spaces = Some(vec!["buergerservice".to_owned(), "bauamt".to_owned()]);
    let res = index.search(&req).unwrap();
    assert_eq!(res.total, 0);
    assert_eq!(res.suggestion, None);
    assert!(res.expanded_terms.is_empty());
}

#[test]
fn facets_and_filters() {
    let index = index();
    let mut req = SearchRequest::new("beantragen");
    let res = index.search(&req).unwrap();
    assert_eq!(res.facets.spaces, [("buergerservice".to_owned(), 2)]);
    assert_eq!(
        res.facets.tags,
        [("dokumente".to_owned(), 2), ("ausweis".to_owned(), 1)]
    );
    req.filter.tags = vec!["ausweis".to_owned()];
    assert_eq!(ids(&index.search(&req).unwrap()), ["perso"]);
    req.filter = Filter {
        statuses: vec!["verified".to_owned()],
        ..Filter::default()
    };
    assert_eq!(ids(&index.search(&req).unwrap()), ["perso"]);
    req.filter = Filter {
        kinds: vec!["step".to_owned()],
        ..Filter::default()
    };
    assert_eq!(index.search(&req).unwrap().total, 0);
}

#[test]
fn empty_query_returns_nothing_unless_filtered() {
    let index = index();
    assert_eq!(search(&index, "").total, 0);
    assert_eq!(search(&index, "die und der").total, 0);
    let mut req = SearchRequest::new("");
    req.filter.spaces = vec!["buergerservice".to_owned()];
    let res = index.search(&req).unwrap();
    assert_eq!(res.total, 4);
    // Browsing lists newest first.
    assert_eq!(ids(&res), ["umzug", "pass", "fs", "perso"]);
}

#[test]
fn newest_sort_orders_by_update_time() {
    let index = index();
    let mut req = SearchRequest::new("beantragen");
    req.sort = SortOrder::Newest;
    assert_eq!(ids(&index.search(&req).unwrap()), ["pass", "perso"]);
}

#[test]
fn prefix_search_completes_the_last_word() {
    let index = index();
    let mut req = SearchRequest::new("Personalaus");
    assert_eq!(index.search(&req).unwrap().total, 0);
    req.prefix = true;
    assert_eq!(ids(&index.search(&req).unwrap()).first(), Some(&"perso"));
    req.query = "Reisepass bean".to_owned();
    let res = index.search(&req).unwrap();
    assert_eq!(ids(&res).first(), Some(&"pass"));
    // A half-typed word is completed, not "corrected".
    assert!(res.suggestion.is_none());
}

#[test]
fn suggest_completes_titles() {
    let index = index();
    let all = Filter::default();
    let titles = |p: &str| -> Vec<String> {
        index
            .suggest(p, &all, 5)
            .unwrap()
            .into_iter()
            .map(|s| s.title)
            .collect()
    };
    assert_eq!(titles("Personala"), ["Personalausweis beantragen"]);
    assert_eq!(titles("fuhrer"), ["Führerschein umtauschen"]);
    assert_eq!(titles("genehm"), ["Baugenehmigung"]);
    assert_eq!(titles("Reisepass bea"), ["Reisepass beantragen"]);
    assert!(titles("").is_empty());
}

#[test]
fn snippets_are_escaped_html() {
    let mut d = doc(
        "xss",
        "s",
        "<b>Hund</b> & Katze",
        "Vorher <script>alert('x')</script> Hund \"zitiert\" nachher.",
    );
    d.tags = vec!["t".to_owned()];
    let index = index_with(&[d], Synonyms::empty());
    let res = search(&index, "Hund");
    let hit = &res.hits[0];
    assert_eq!(
        hit.title_html,
        "&lt;b&gt;<mark>Hund</mark>&lt;/b&gt; &amp; Katze"
    );
    assert!(!hit.snippet_html.contains("<script"));
    assert!(hit.snippet_html.contains("&lt;script&gt;"));
    assert!(hit.snippet_html.contains("<mark>Hund</mark>"));
    assert!(hit.snippet_html.contains("&quot;zitiert&quot;"));
    let without_marks = hit
        .snippet_html
        .replace("<mark>", "")
        .replace("</mark>", "");
    assert!(!without_marks.contains('<'));
}

#[test]
fn commit_payload_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (index, outcome) = SearchIndex::open_or_create(dir.path(), Synonyms::empty()).unwrap();
    assert_eq!(outcome, OpenOutcome::Created);
    assert_eq!(index.last_seq(), None);
    index.upsert(&corpus()[0]).unwrap();
    index.commit(42).unwrap();
    assert_eq!(index.last_seq(), Some(42));
    drop(index);

    let (index, outcome) = SearchIndex::open_or_create(dir.path(), Synonyms::empty()).unwrap();
    assert_eq!(outcome, OpenOutcome::Opened { last_seq: Some(42) });
    assert_eq!(index.last_seq(), Some(42));
    assert_eq!(index.doc_count().unwrap(), 1);
    assert_eq!(top(&index, "Personalausweis").as_deref(), Some("perso"));
}

#[test]
fn second_writer_on_same_dir_is_an_error_not_a_wipe() {
    let dir = tempfile::tempdir().unwrap();
    let (index, _) = SearchIndex::open_or_create(dir.path(), Synonyms::empty()).unwrap();
    index.upsert(&corpus()[0]).unwrap();
    index.commit(7).unwrap();
    let second = SearchIndex::open_or_create(dir.path(), Synonyms::empty());
    assert!(second.is_err());
    assert_eq!(index.doc_count().unwrap(), 1);
}

#[test]
fn unusable_directory_in_use_is_not_wiped() {
    let dir = tempfile::tempdir().unwrap();
    let (live, _) = SearchIndex::open_or_create(dir.path(), Synonyms::empty()).unwrap();
    live.upsert(&corpus()[0]).unwrap();
    live.commit(3).unwrap();
    let meta = dir.path().join("meta.json");
    std::fs::write(&meta, "not json").unwrap();
    assert!(SearchIndex::open_or_create(dir.path(), Synonyms::empty()).is_err());
    assert!(meta.exists());
    assert_eq!(live.doc_count().unwrap(), 1);
}

#[test]
fn foreign_or_corrupt_directories_are_rebuilt() {
    // Files that are not an index.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    let (_, outcome) = SearchIndex::open_or_create(dir.path(), Synonyms::empty()).unwrap();
    assert!(
        matches!(outcome, OpenOutcome::Rebuilt { .. }),
        "{outcome:?}"
    );
    assert!(!dir.path().join("notes.txt").exists());

    // An index whose payload carries another schema version.
    let dir = tempfile::tempdir().unwrap();
    {
        let (index, _) = SearchIndex::open_or_create(dir.path(), Synonyms::empty()).unwrap();
        index.upsert(&corpus()[0]).unwrap();
        index.commit(5).unwrap();
    }
    let meta = dir.path().join("meta.json");
    let text = std::fs::read_to_string(&meta).unwrap();
    let old = text.replace("schema_version\\\":", "schema_version\\\":9");
    assert_ne!(old, text, "payload not found in {text}");
    std::fs::write(&meta, old).unwrap();
    let (index, outcome) = SearchIndex::open_or_create(dir.path(), Synonyms::empty()).unwrap();
    assert!(
        matches!(&outcome, OpenOutcome::Rebuilt { reason } if reason.contains("schema version")),
        "{outcome:?}"
    );
    assert_eq!(index.doc_count().unwrap(), 0);
    assert_eq!(index.last_seq(), None);
    drop(index);

    // A damaged segment file.
    let dir = tempfile::tempdir().unwrap();
    {
        let (index, _) = SearchIndex::open_or_create(dir.path(), Synonyms::empty()).unwrap();
        for d in corpus() {
            index.upsert(&d).unwrap();
        }
        index.commit(5).unwrap();
    }
    let victim = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "store"))
        .unwrap();
    let mut bytes = std::fs::read(&victim).unwrap();
    for b in bytes.iter_mut().take(16) {
        *b ^= 0xFF;
    }
    std::fs::write(&victim, bytes).unwrap();
    let (index, outcome) = SearchIndex::open_or_create(dir.path(), Synonyms::empty()).unwrap();
    assert!(
        matches!(outcome, OpenOutcome::Rebuilt { .. }),
        "{outcome:?}"
    );
    assert_eq!(index.doc_count().unwrap(), 0);

    // A missing meta.json with leftover segment files.
    let dir = tempfile::tempdir().unwrap();
    {
        let (index, _) = SearchIndex::open_or_create(dir.path(), Synonyms::empty()).unwrap();
        index.upsert(&corpus()[0]).unwrap();
        index.commit(5).unwrap();
    }
    std::fs::remove_file(dir.path().join("meta.json")).unwrap();
    let (_, outcome) = SearchIndex::open_or_create(dir.path(), Synonyms::empty()).unwrap();
    assert!(
        matches!(outcome, OpenOutcome::Rebuilt { .. }),
        "{outcome:?}"
    );
}

#[test]
fn handle_is_shareable_across_threads() {
    fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync_clone::<SearchIndex>();
    let index = index();
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let index = index.clone();
            std::thread::spawn(move || {
                let mut d = corpus()[0].clone();
                d.id = format!("copy-{i}");
                index.upsert(&d).unwrap();
                index
                    .search(&SearchRequest::new("Personalausweis"))
                    .unwrap()
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    index.commit(9).unwrap();
    assert_eq!(index.doc_count().unwrap(), 10);
}
