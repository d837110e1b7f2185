//! Group commit: concurrent saves share one sled flush instead of queueing one each.
//!
//! A writer calls [`Flusher::durable`] after its transaction committed. If no flush is
//! running, it starts one; otherwise it waits for the next flush that starts after its
//! request, which covers its write. One flush is in flight at a time, so under load each
//! flush covers every write that arrived while the previous one ran.

use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::store::Store;

#[derive(Debug, Default)]
struct Counters {
    /// Tickets handed out (one per write waiting for durability).
    requested: u64,
    /// A flush task is running.
    in_flight: bool,
    /// Set once a flush failed: the store is treated as failed from then on.
    failed: bool,
}

/// Shared group-commit coordinator. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct Flusher {
    store: Store,
    counters: Arc<Mutex<Counters>>,
    /// Highest ticket known durable; `u64::MAX` signals a failed store.
    done: watch::Sender<u64>,
}

impl Flusher {
    /// A coordinator for `store`.
    pub fn new(store: Store) -> Self {
        let (done, _) = watch::channel(0);
        Flusher {
            store,
            counters: Arc::default(),
            done,
        }
    }

    /// True once a flush failed; writes must then be refused.
    pub fn failed(&self) -> bool {
        self.counters.lock().map(|c| c.failed).unwrap_or(true)
    }

    /// Waits until every write committed before this call is durable. `false` means the
    /// flush failed and the write must not be acknowledged.
    pub async fn durable(&self) -> bool {
        let mut rx = self.done.subscribe();
        let (ticket, start) = {
            let Ok(mut c) = self.counters.lock() else {
                return false;
            };
            if c.failed {
                return false;
            }
            c.requested += 1;
            let start = !c.in_flight;
            c.in_flight = true;
            (c.requested, start)
        };
        if start {
            let me = self.clone();
            tokio::spawn(async move { me.run().await });
        }
        loop {
            let seen = *rx.borrow_and_update();
            if seen == u64::MAX {
                return false;
            }
            if seen >= ticket {
                return true;
            }
            if rx.changed().await.is_err() {
                return false;
            }
        }
    }

    async fn run(self) {
        loop {
            // Every ticket handed out before the flush starts is covered by it.
            let target = match self.counters.lock() {
                Ok(c) => c.requested,
                Err(_) => return,
            };
            let ok = match self.store.flush().await {
                Ok(()) => true,
                Err(e) => {
                    tracing::error!(error = %e, "flushing the database failed; refusing further writes");
                    false
                }
            };
            let Ok(mut c) = self.counters.lock() else {
                return;
            };
            if !ok {
                c.failed = true;
                c.in_flight = false;
                self.done.send_replace(u64::MAX);
                return;
            }
            self.done.send_replace(target);
            if c.requested == target {
                c.in_flight = false;
                return;
            }
        }
    }
}
