//! Property test: random users, groups, nested spaces, ACLs and linked articles; no read
//! path may return or count an article the user cannot read. The expectation is computed
//! here from the generated data, independently of the service's permission code.

use std::collections::{HashMap, HashSet};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::common::{As, TestApp, make_user};

const LEVELS: [&str; 3] = ["none", "read", "write"];

/// (all-staff level, [(group, level)])
type GenAcl = (usize, Vec<(String, usize)>);
/// (slug, parent slug, own ACL)
type GenSpace = (String, Option<String>, Option<GenAcl>);

struct World {
    /// space slug → (parent slug, own acl: (all_staff, [(group, level)]))
    spaces: Vec<GenSpace>,
    /// user → (role, groups)
    users: Vec<(String, String, Vec<String>)>,
    /// article id → space slug
    articles: Vec<(String, String)>,
}

impl World {
    fn level(&self, user: usize, space: &str) -> usize {
        let (_, role, groups) = &self.users[user];
        if role == "admin" {
            return 2;
        }
        let by_slug: HashMap<&str, _> = self.spaces.iter().map(|s| (s.0.as_str(), s)).collect();
        let mut cur = by_slug.get(space).copied();
        while let Some((_, parent, acl)) = cur {
            if let Some((all, grants)) = acl {
                return grants
                    .iter()
                    .filter(|(g, _)| groups.contains(g))
                    .map(|(_, l)| *l)
                    .fold(*all, usize::max);
            }
            cur = parent.as_deref().and_then(|p| by_slug.get(p).copied());
        }
        2 // no ACL on the path: open to all staff
    }

    fn readable(&self, user: usize) -> HashSet<String> {
        self.articles
            .iter()
            .filter(|(_, s)| self.level(user, s) >= 1)
            .map(|(id, _)| id.clone())
            .collect()
    }
}

async fn build(app: &TestApp, rng: &mut StdRng) -> (World, Vec<String>) {
    let groups: Vec<String> = (0..rng.gen_range(1..=3))
        .map(|i| format!("gruppe{i}"))
        .collect();
    for g in &groups {
        assert_eq!(
            app.post_json("/api/v1/groups", json!({"name": g}))
                .await
                .status,
            201
        );
    }
    let mut spaces: Vec<GenSpace> = vec![("allgemein".to_owned(), None, None)];
    for i in 0..rng.gen_range(2..=5) {
        let parent = (rng.gen_bool(0.5)).then(|| spaces[rng.gen_range(0..spaces.len())].0.clone());
        let res = app
            .post_json(
                "/api/v1/spaces",
                json!({"name": format!("Bereich {i}"), "parent": parent}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        let slug = res.json()["slug"].as_str().unwrap().to_owned();
        spaces.push((slug, parent, None));
    }
    for s in spaces.iter_mut() {
        if rng.gen_bool(0.6) {
            let all = rng.gen_range(0..3);
            let mut grants: Vec<(String, usize)> = Vec::new();
            for g in &groups {
                if rng.gen_bool(0.5) {
                    grants.push((g.clone(), rng.gen_range(0..3)));
                }
            }
            let body = json!({
                "all_staff": LEVELS[all],
                "groups": grants.iter().map(|(g, l)| json!({"group": g, "access": LEVELS[*l]})).collect::<Vec<_>>(),
            });
            let res = app
                .put_json(&format!("/api/v1/spaces/{}/acl", s.0), body)
                .await;
            assert_eq!(res.status, 200, "{}", res.text);
            s.2 = Some((all, grants));
        }
    }
    let mut users = Vec::new();
    let mut tokens = Vec::new();
    for i in 0..rng.gen_range(3..=5) {
        let role = ["leser", "autor", "wissensmanager", "admin"][rng.gen_range(0..4)];
        let mine: Vec<String> = groups
            .iter()
            .filter(|_| rng.gen_bool(0.5))
            .cloned()
            .collect();
        let refs: Vec<&str> = mine.iter().map(String::as_str).collect();
        let (token, _) = make_user(&app.state, &format!("person{i}"), role, &refs);
        users.push((format!("person{i}"), role.to_owned(), mine));
        tokens.push(token);
    }
    let mut articles = Vec::new();
    let n = rng.gen_range(6..=12);
    for i in 0..n {
        let space = spaces[rng.gen_range(0..spaces.len())].0.clone();
        let link = if i > 0 {
            format!("[[Prüfwort Artikel {}]]", rng.gen_range(0..i))
        } else {
            String::new()
        };
        let res = app
            .post_json(
                "/api/v1/articles",
                json!({"title": format!("Prüfwort Artikel {i}"), "body": format!("Gemeinsames Prüfwort. {link}"), "space": space}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text);
        let id = res.json()["id"].as_str().unwrap().to_owned();
        // A second revision, so revisions and diffs exist.
        app.put_json(
            &format!("/api/v1/articles/{id}"),
            json!({"title": format!("Prüfwort Artikel {i}"), "body": format!("Gemeinsames Prüfwort, überarbeitet. {link}"), "base_revision": 1}),
        )
        .await;
        articles.push((id, space));
    }
    (
        World {
            spaces,
            users,
            articles,
        },
        tokens,
    )
}

fn ids(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn no_read_path_returns_or_counts_an_unreadable_article() {
    let mut hidden_pairs = 0;
    for seed in 0..6u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let app = TestApp::new();
        let (world, tokens) = build(&app, &mut rng).await;
        // Wait until the index has every article (as the admin sees it).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let r = app
                .get("/api/v1/search?q=Pr%C3%BCfwort&limit=50")
                .await
                .json();
            if r["total"].as_u64() == Some(world.articles.len() as u64) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "index did not catch up"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        // A process whose steps link articles from every space.
        let imported =
            crate::processes::import(&app, crate::bpmn::fixture("gewerbe-iso-8859-1.bpmn")).await;
        let pid = imported["id"].as_str().unwrap().to_owned();
        let steps = ["Activity_Erfassen", "Activity_Gzr", "Activity_Informieren"];
        let mut linked: HashMap<&str, Vec<String>> = HashMap::new();
        for (id, _) in &world.articles {
            let step = steps[rng.gen_range(0..steps.len())];
            let res = app
                .post_json(
                    &format!("/api/v1/processes/{pid}/steps/{step}/links"),
                    json!({"article_id": id, "kind": "FAQ"}),
                )
                .await;
            assert_eq!(res.status, 201, "{}", res.text);
            linked.entry(step).or_default().push(id.clone());
        }
        for (u, token) in tokens.iter().enumerate() {
            let who = || As::Token(token.clone());
            let readable = world.readable(u);
            hidden_pairs += world.articles.len() - readable.len();
            let ctx = format!("seed {seed}, user {:?}", world.users[u]);

            let list = app.get_as("/api/v1/articles?limit=100", who()).await.json();
            assert_eq!(
                list["total"].as_u64().unwrap() as usize,
                readable.len(),
                "list total, {ctx}"
            );
            assert!(
                ids(&list, "items").iter().all(|id| readable.contains(id)),
                "list, {ctx}"
            );

            let found = app
                .get_as("/api/v1/search?q=Pr%C3%BCfwort&limit=50", who())
                .await
                .json();
            assert_eq!(
                found["total"].as_u64().unwrap() as usize,
                readable.len(),
                "search total, {ctx}"
            );
            assert!(
                ids(&found, "hits").iter().all(|id| readable.contains(id)),
                "search hits, {ctx}"
            );
            let facet_sum: u64 = found["facets"]["space"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["count"].as_u64().unwrap())
                .sum();
            assert_eq!(facet_sum as usize, readable.len(), "facet counts, {ctx}");

            let sugg = app
                .get_as("/api/v1/search/suggest?q=Pr%C3%BCfwort", who())
                .await
                .json();
            for s in sugg.as_array().unwrap() {
                let url = s["url"].as_str().unwrap();
                let title = s["title"].as_str().unwrap();
                let visible = world.articles.iter().enumerate().any(|(i, (id, _))| {
                    readable.contains(id) && title == format!("Prüfwort Artikel {i}")
                });
                assert!(visible, "suggestion {title} ({url}), {ctx}");
            }

            for (id, _) in &world.articles {
                let can = readable.contains(id);
                let want = if can { 200 } else { 404 };
                for path in [
                    format!("/api/v1/articles/{id}"),
                    format!("/api/v1/articles/{id}/revisions"),
                    format!("/api/v1/articles/{id}/revisions/1"),
                    format!("/api/v1/articles/{id}/diff?from=1&to=2"),
                    format!("/api/v1/articles/{id}/backlinks"),
                ] {
                    let r = app.get_as(&path, who()).await;
                    assert_eq!(r.status, want, "{path}, {ctx}: {}", r.text);
                }
                if can {
                    let back = app
                        .get_as(&format!("/api/v1/articles/{id}/backlinks"), who())
                        .await
                        .json();
                    for b in back.as_array().unwrap() {
                        assert!(
                            readable.contains(b["id"].as_str().unwrap()),
                            "backlink, {ctx}"
                        );
                    }
                }
            }

            for step in steps {
                let got = app
                    .get_as(
                        &format!("/api/v1/processes/{pid}/steps/{step}/articles"),
                        who(),
                    )
                    .await
                    .json();
                let got: Vec<&str> = got
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["article_id"].as_str().unwrap())
                    .collect();
                let want = linked.get(step).map_or(0, |ids| {
                    ids.iter().filter(|id| readable.contains(*id)).count()
                });
                assert_eq!(got.len(), want, "step {step} articles, {ctx}");
                assert!(
                    got.iter().all(|id| readable.contains(*id)),
                    "step {step}, {ctx}"
                );
            }

            let spaces = app.get_as("/api/v1/spaces", who()).await.json();
            let counted: u64 = spaces
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["articles"].as_u64().unwrap())
                .sum();
            assert_eq!(counted as usize, readable.len(), "space counts, {ctx}");
        }
    }
    assert!(
        hidden_pairs > 10,
        "the generated worlds must hide something: {hidden_pairs}"
    );
}
