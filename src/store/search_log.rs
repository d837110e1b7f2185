//! Per-day search counters (the `search_log` tree): key `YYYY-MM-DD` + 0 + normalised query.

use super::{Result, Store, StoreError, decode, encode};
use crate::service::analytics::Counters;

impl Store {
    /// Atomically updates the counters of `query` on `day`.
    pub fn bump_search_counters(
        &self,
        day: &str,
        query: &str,
        f: impl Fn(&mut Counters),
    ) -> Result<()> {
        let mut key = day.as_bytes().to_vec();
        key.push(0);
        key.extend_from_slice(query.as_bytes());
        let mut failed = None;
        self.search_log.update_and_fetch(&key, |old| {
            let mut c: Counters = old.and_then(|v| decode(v).ok()).unwrap_or_default();
            f(&mut c);
            match encode(&c) {
                Ok(v) => Some(v),
                Err(e) => {
                    failed = Some(e);
                    old.map(<[u8]>::to_vec)
                }
            }
        })?;
        failed.map_or(Ok(()), Err)
    }

    /// All counters from `day` on, in day order: (day, query, counters).
    pub fn search_counters_since(&self, day: &str) -> Result<Vec<(String, String, Counters)>> {
        self.search_log
            .range(day.as_bytes()..)
            .map(|kv| {
                let (k, v) = kv?;
                let sep = k
                    .iter()
                    .position(|b| *b == 0)
                    .ok_or_else(|| StoreError::Corrupt("bad search log key".to_owned()))?;
                let day = String::from_utf8_lossy(&k[..sep]).into_owned();
                let query = String::from_utf8_lossy(&k[sep + 1..]).into_owned();
                Ok((day, query, decode(&v)?))
            })
            .collect()
    }
}
