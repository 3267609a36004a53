//! Engine sessions kept between statements that have no Data API session of their own, so
//! that a statement does not pay for a new engine backend: a session goes back to the pool
//! when its statement ends outside a transaction, reset (`DISCARD ALL`, after the statement
//! has ended, so no caller waits for it) before it serves another, unless what ran can have
//! left nothing behind ([`leaves_state`]). Sessions idle longer than
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

    /// Keeps `client` for the next statement of `key`, reset when `dirty`, unless it is in a
    /// transaction, cannot be reset, or enough are kept.
    pub async fn put(&self, key: Key, mut client: Client, dirty: bool) {
        if client.in_transaction() || (dirty && client.reset().await.is_err()) {
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

/// Words that mark a statement as one that may leave session state behind: settings, temporary
/// objects, prepared statements, cursors, locks, notifications, roles.
const STATEFUL_WORDS: &[&str] = &[
    "set",
    "reset",
    "set_config",
    "temp",
    "temporary",
    "prepare",
    "declare",
    "listen",
    "lock",
    "role",
    "session",
    "begin",
    "start",
    "call",
    "do",
    "load",
    "create",
    "alter",
    "discard",
    "nextval",
    "setval",
    "lo_open",
];

/// Prefixes of such words (the advisory lock functions).
const STATEFUL_PREFIXES: &[&str] = &["pg_advisory", "pg_try_advisory"];

/// Statements that read or change data and nothing else, when no stateful word is in them.
const PLAIN_FIRST_WORDS: &[&str] = &[
    "select", "with", "insert", "update", "delete", "values", "table", "show",
];

/// Whether `sql` may leave state in the session that the next statement must not see: true
/// unless it starts as a plain query and no word of it names session state (strings, quoted
/// names and comments are not read).
pub fn leaves_state(sql: &str) -> bool {
    use crate::sql::dialect::lex::{tokens, Kind};
    let mut words = tokens(sql)
        .filter(|t| t.kind == Kind::Word)
        .map(|t| &sql[t.start..t.end]);
    let plain = words
        .next()
        .is_some_and(|w| PLAIN_FIRST_WORDS.iter().any(|p| p.eq_ignore_ascii_case(w)));
    let stateful = |w: &str| {
        let w = w.to_ascii_lowercase();
        STATEFUL_WORDS.contains(&w.as_str()) || STATEFUL_PREFIXES.iter().any(|p| w.starts_with(p))
    };
    !plain || words.any(stateful)
}

#[cfg(test)]
mod tests {
    use super::leaves_state;

    #[test]
    fn only_plain_queries_leave_nothing_behind() {
        for plain in [
            "select 1",
            "SELECT * FROM t WHERE a = 'set temp' -- create",
            "insert into t values (1)",
            "with x as (select 1) select * from x",
        ] {
            assert!(!leaves_state(plain), "{plain}");
        }
        for stateful in [
            "set search_path to x",
            "create temp table t (a int)",
            "select set_config('a.b', '1', false)",
            "select * into temp t from s",
            "select pg_advisory_lock(1)",
            "select pg_try_advisory_lock_shared(1)",
            "select nextval('s')",
            "begin",
            "prepare p as select 1",
            "call p()",
            "",
        ] {
            assert!(leaves_state(stateful), "{stateful}");
        }
    }
}
