//! Search analytics for the content backlog: which questions staff ask and which find
//! nothing. Aggregated per day and normalised query; no user id, no session, no IP is
//! stored (BRIEF.md §5: the Personalrat must not get a monitoring tool).

use serde::{Deserialize, Serialize};

use super::blocking;
use crate::error::Result;
use crate::state::AppState;
use crate::store::Store;

/// Longest stored query; longer input is cut (and is rarely a real question anyway).
const MAX_QUERY_CHARS: usize = 120;

/// Counters for one query on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Times searched.
    pub searches: u64,
    /// Times it found nothing.
    pub zero_results: u64,
    /// Times a result was opened.
    pub clicks: u64,
    /// Result count at the latest search.
    pub last_results: u64,
}

/// Lowercase, single spaces, capped: "Perso  Verloren " and "perso verloren" count together.
pub fn normalise(query: &str) -> String {
    query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect()
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn day_ago(days: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() - time::Duration::days(days);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Records one search (called from the search service; blocking).
pub fn record_search(store: &Store, query: &str, results: usize) -> Result<()> {
    let q = normalise(query);
    if q.is_empty() {
        return Ok(());
    }
    store.bump_search_counters(&today(), &q, |c| {
        c.searches += 1;
        c.last_results = results as u64;
        if results == 0 {
            c.zero_results += 1;
        }
    })?;
    Ok(())
}

/// Records that a result of `query` was opened.
pub async fn record_click(state: &AppState, query: String) -> Result<()> {
    let store = state.store.clone();
    blocking(move || {
        let q = normalise(&query);
        if !q.is_empty() {
            store.bump_search_counters(&today(), &q, |c| c.clicks += 1)?;
        }
        Ok(())
    })
    .await
}

/// One row of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Normalised query.
    pub query: String,
    /// Summed counters over the period.
    #[serde(flatten)]
    pub counters: Counters,
}

/// Top queries and zero-result queries over the last `days` days.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Days covered.
    pub days: u32,
    /// Most frequent queries.
    pub top: Vec<Row>,
    /// Queries that found nothing at their latest search, most frequent first.
    pub zero_results: Vec<Row>,
}

/// Builds the report.
pub async fn report(
    state: &AppState,
    actor: &crate::service::Actor,
    days: u32,
    limit: usize,
) -> Result<Report> {
    actor.require(crate::domain::Role::Wissensmanager)?;
    let store = state.store.clone();
    blocking(move || {
        let from = day_ago(i64::from(days.clamp(1, 366)) - 1);
        let mut sums: std::collections::BTreeMap<String, Counters> =
            std::collections::BTreeMap::new();
        for (_, q, c) in store.search_counters_since(&from)? {
            let s = sums.entry(q).or_default();
            s.searches += c.searches;
            s.zero_results += c.zero_results;
            s.clicks += c.clicks;
            // Days are visited in order, so the newest day's result count wins.
            s.last_results = c.last_results;
        }
        let mut rows: Vec<Row> = sums
            .into_iter()
            .map(|(query, counters)| Row { query, counters })
            .collect();
        rows.sort_by(|a, b| {
            b.counters
                .searches
                .cmp(&a.counters.searches)
                .then_with(|| a.query.cmp(&b.query))
        });
        let zero_results: Vec<Row> = rows
            .iter()
            .filter(|r| r.counters.last_results == 0)
            .take(limit)
            .cloned()
            .collect();
        rows.truncate(limit);
        Ok(Report {
            days,
            top: rows,
            zero_results,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_normalised() {
        assert_eq!(normalise("  Perso   VERLOREN "), "perso verloren");
        assert_eq!(normalise(&"a".repeat(500)).len(), MAX_QUERY_CHARS);
    }
}
