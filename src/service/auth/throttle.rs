//! Login throttling: after repeated failures for one login (or from one client address)
//! further attempts are refused for a while, before any password is checked. Kept in
//! memory: a restart clears it, which is acceptable for a lockout measured in minutes and
//! keeps the addresses out of the database (no tracking).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures within [`WINDOW`] that trigger a lockout.
pub const MAX_FAILURES: u32 = 5;
/// How long failures are remembered and a lockout lasts.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures from one address (across logins) that trigger a lockout of that address.
const MAX_FAILURES_PER_ADDRESS: u32 = 30;
/// Bound on remembered keys, so a flood of random logins cannot grow memory without limit.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// Failure counters per login and per client address.
#[derive(Debug, Default)]
pub struct Throttle {
    entries: Mutex<HashMap<String, Entry>>,
}

impl Throttle {
    fn keys(login: &str, addr: &str) -> [(String, u32); 2] {
        [
            (format!("l:{login}"), MAX_FAILURES),
            (format!("a:{addr}"), MAX_FAILURES_PER_ADDRESS),
        ]
    }

    /// Whether attempts for this login or from this address are locked right now; returns
    /// the remaining minutes.
    pub fn locked(&self, login: &str, addr: &str) -> Option<u64> {
        let now = Instant::now();
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Self::keys(login, addr)
            .iter()
            .filter_map(|(k, _)| map.get(k).and_then(|e| e.locked_until))
            .filter(|until| *until > now)
            .map(|until| (until - now).as_secs().div_ceil(60).max(1))
            .max()
    }

    /// Records a failed attempt.
    pub fn failed(&self, login: &str, addr: &str) {
        let now = Instant::now();
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS {
            map.retain(|_, e| now.duration_since(e.first) < WINDOW);
        }
        for (key, limit) in Self::keys(login, addr) {
            let e = map.entry(key).or_insert(Entry {
                failures: 0,
                first: now,
                locked_until: None,
            });
            if now.duration_since(e.first) >= WINDOW {
                *e = Entry {
                    failures: 0,
                    first: now,
                    locked_until: None,
                };
            }
            e.failures += 1;
            if e.failures >= limit {
                e.locked_until = Some(now + WINDOW);
            }
        }
    }

    /// Clears the login's counter after a successful login.
    pub fn succeeded(&self, login: &str) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&format!("l:{login}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_five_failures_and_success_resets() {
        let t = Throttle::default();
        for _ in 0..MAX_FAILURES - 1 {
            t.failed("anna", "10.0.0.1");
        }
        assert_eq!(t.locked("anna", "10.0.0.1"), None);
        t.succeeded("anna");
        for _ in 0..MAX_FAILURES {
            t.failed("anna", "10.0.0.1");
        }
        assert_eq!(t.locked("anna", "10.0.0.2"), Some(15));
        assert_eq!(t.locked("bert", "10.0.0.3"), None);
    }
}
