//! Engine sessions kept between statements that have no Data API session of their own, so
//! that a statement does not pay for a new engine backend: a session goes back to the pool
//! when its statement ends outside a transaction, reset (`DISCARD ALL`, after the statement
//! has ended, so no caller waits for it) before it serves another. Sessions idle longer than
//! [`IDLE`] close, so an idle namespace's engine can stop.

use crate::control::store::Scope;
use crate::sql::client::Client;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a pooled session may stay idle.
pub const IDLE: Duration = Duration::from_secs(30);
/// Sessions kept idle per namespace, database and user.
const PER_KEY: usize = 8;

/// Whose sessions are interchangeable: the same workgroup, database and user.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub scope: Scope,
    pub workgroup: String,
    pub database: String,
    pub user: String,
}

#[derive(Default)]
pub struct Pool {
    idle: Mutex<HashMap<Key, Vec<(Instant, Client)>>>,
}

impl Pool {
    /// An idle session for `key`, if one is pooled.
    pub fn take(&self, key: &Key) -> Option<Client> {
        let mut idle = self.idle.lock().expect("unpoisoned");
        let sessions = idle.get_mut(key)?;
        let client = sessions.pop().map(|(_, c)| c);
        if sessions.is_empty() {
            idle.remove(key);
        }
        client
    }

    /// Resets `client` and keeps it for the next statement of `key`, unless it is in a
    /// transaction, cannot be reset, or enough are kept.
    pub async fn put(&self, key: Key, mut client: Client) {
        if client.in_transaction() || client.reset().await.is_err() {
            return;
        }
        let mut idle = self.idle.lock().expect("unpoisoned");
        let sessions = idle.entry(key).or_default();
        if sessions.len() < PER_KEY {
            sessions.push((Instant::now(), client));
        }
    }

    /// Closes sessions idle for longer than [`IDLE`], and all of a workgroup that is gone.
    pub fn prune(&self, gone: impl Fn(&Key) -> bool) {
        let now = Instant::now();
        let mut idle = self.idle.lock().expect("unpoisoned");
        idle.retain(|key, sessions| {
            if gone(key) {
                return false;
            }
            sessions.retain(|(since, _)| now.duration_since(*since) < IDLE);
            !sessions.is_empty()
        });
    }

    /// Closes every pooled session.
    pub fn clear(&self) {
        self.idle.lock().expect("unpoisoned").clear();
    }
}
