//! Query history: every statement a namespace runs through a workgroup's endpoint or the Data
//! API, as Redshift's STL_QUERY, SVL_QLOG, SYS_QUERY_HISTORY, STV_RECENTS and their kin show
//! it.
//!
//! A namespace's [`Log`] keeps its latest records in memory (bounded) and writes them, as
//! one JSON array, to `query_history.json` beside the cluster's data directory, where the
//! engine reads them (`redshift_query_log()` in `catalog.sql`, with `pg_read_file`, in every
//! database of the cluster). The file is written a second after a change at the latest, and
//! before a statement that reads the history runs ([`reads_history`]), so a session sees
//! the statements it ran before, and the one running. Who ran what is recorded by the
//! front as the engine answers ([`Session`]) and by the Data API's runner.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::dialect::lex::{self, Kind};

/// The records a namespace keeps, and the bytes of text they may hold.
const MAX_RECORDS: usize = 5_000;
const MAX_TEXT_BYTES: usize = 2 << 20;
/// The query text kept, as Redshift keeps it (`querytxt`, `query_text`).
const MAX_TEXT: usize = 4_000;
/// The error message kept (`error_message`).
const MAX_ERROR: usize = 512;
/// The query group kept (`label`, `query_label`).
const MAX_LABEL: usize = 320;
/// How long a change waits to be written when nothing reads it sooner.
const WRITE_BEHIND: Duration = Duration::from_secs(1);

/// The file, beside the data directory (so snapshots, which copy the data directory, do not
/// carry it).
pub const FILE_NAME: &str = "query_history.json";

/// How a statement stands, as SYS_QUERY_HISTORY words it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Running,
    Success,
    Failed,
    Canceled,
}

/// What kind of statement it is (SYS_QUERY_HISTORY's `query_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum QueryType {
    Select,
    Insert,
    Update,
    Delete,
    Copy,
    Unload,
    Ctas,
    Ddl,
    Utility,
    Command,
    Other,
}

/// One statement, as the file holds it (short keys: the engine parses them all on each
/// read of the history).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Record {
    #[serde(rename = "q")]
    pub query_id: i64,
    #[serde(rename = "p")]
    pub pid: i32,
    #[serde(rename = "u")]
    pub user: Arc<str>,
    #[serde(rename = "d")]
    pub database: Arc<str>,
    #[serde(rename = "k")]
    pub kind: QueryType,
    #[serde(rename = "s")]
    pub status: Status,
    /// Microseconds since the Unix epoch.
    #[serde(rename = "b")]
    pub start: i64,
    #[serde(rename = "e")]
    pub end: Option<i64>,
    #[serde(rename = "r")]
    pub rows: i64,
    #[serde(rename = "x", skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(rename = "t")]
    pub text: String,
    /// Whether `pg_last_query_id()` in its session may answer it (see [`Origin::tracked`]).
    #[serde(rename = "l", default, skip_serializing_if = "std::ops::Not::not")]
    pub tracked: bool,
    /// The transaction it ran in (`xid`, `transaction_id`).
    #[serde(rename = "j", default)]
    pub xid: i64,
    /// The session's query group when it began (`label`); none is `default`.
    #[serde(rename = "g", default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Arc<str>>,
}

/// Who runs a statement, and where.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The engine backend's process id (`pg_backend_pid()`, `session_id`).
    pub pid: i32,
    pub user: Arc<str>,
    pub database: Arc<str>,
    /// Whether the session's later statements see this one as their `pg_last_query_id()`:
    /// not so for a Data API statement on a pooled engine session, which stands for a
    /// session of its own.
    pub tracked: bool,
}

/// How a statement ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    Done { rows: i64 },
    Failed { code: String, message: String },
}

/// A session's transactions and query group as its statements open, end and set them: what
/// the history records of each statement beside its text (its `xid` and `label`).
#[derive(Debug, Default)]
pub struct Tracker {
    /// The transaction the session is in, once a statement has run in it.
    xid: Option<i64>,
    /// Whether that transaction is a block (BEGIN ... COMMIT), which outlasts its Query.
    block: bool,
    label: Option<Arc<str>>,
}

impl Tracker {
    /// The end of a Query, a Sync or a Data API statement: the implicit transaction of its
    /// statements ends with it, unless a block is open.
    pub fn end_implicit(&mut self) {
        if !self.block {
            self.xid = None;
        }
    }

    /// A transaction block begun or ended by the Data API itself (a batch run in one
    /// transaction), whose BEGIN and COMMIT are not statements of the history.
    pub fn set_block(&mut self, open: bool) {
        self.block = open;
        if !open {
            self.xid = None;
        }
    }

    /// The session's state discarded (`DISCARD ALL` of a pooled session): no transaction, no
    /// query group.
    pub fn reset(&mut self) {
        *self = Tracker::default();
    }
}

/// A namespace's query history.
pub struct Log {
    path: PathBuf,
    next_id: AtomicI64,
    next_xid: AtomicI64,
    state: Mutex<State>,
    /// Held while the file is written, so writes land in the order they were made.
    writing: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    records: VecDeque<Record>,
    text_bytes: usize,
    /// Changes made, and the count the file holds.
    changes: u64,
    written: u64,
    /// Whether a write-behind is on its way.
    scheduled: bool,
}

impl State {
    /// Where record `id` is. Its session's newest statement, nearly always: the few at the
    /// back are looked at before the binary search, whose probes each miss the cache.
    fn position(&self, id: i64) -> Option<usize> {
        let records = &self.records;
        let back = records.len().saturating_sub(8);
        match records.range(back..).rposition(|r| r.query_id == id) {
            Some(at) => Some(back + at),
            None => records.binary_search_by_key(&id, |r| r.query_id).ok(),
        }
    }
}

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

fn clipped(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// A statement's text as the history keeps it: trimmed, clipped, and without NUL (which a Data
/// API statement may hold, and the engine's jsonb cannot).
fn kept_text(text: &str) -> String {
    let text = clipped(text.trim(), MAX_TEXT);
    match text.contains('\0') {
        true => text.replace('\0', "\u{fffd}"),
        false => text,
    }
}

impl Log {
    /// The history kept in `cluster_dir` (loaded from its file when there is one; blocking).
    pub fn load(cluster_dir: &Path) -> Log {
        let path = cluster_dir.join(FILE_NAME);
        let records: Vec<Record> = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Log::with(path, records)
    }

    /// An empty history for `cluster_dir` (its file, if any, is written over).
    pub fn empty(cluster_dir: &Path) -> Log {
        Log::with(cluster_dir.join(FILE_NAME), Vec::new())
    }

    fn with(path: PathBuf, records: Vec<Record>) -> Log {
        let next_id = records.iter().map(|r| r.query_id).max().unwrap_or(0) + 1;
        let next_xid = records.iter().map(|r| r.xid).max().unwrap_or(0) + 1;
        let mut state = State::default();
        for mut record in records {
            // A statement running when the emulator stopped ended with it.
            if record.status == Status::Running {
                record.status = Status::Canceled;
                record.end = Some(record.start);
            }
            state.text_bytes += record.text.len();
            state.records.push_back(record);
        }
        Log {
            path,
            next_id: AtomicI64::new(next_id),
            next_xid: AtomicI64::new(next_xid),
            state: Mutex::new(state),
            writing: tokio::sync::Mutex::new(()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `text` as running now, in the session `tracker` follows; its query id.
    pub fn begin(self: &Arc<Self>, origin: &Origin, text: &str, tracker: &mut Tracker) -> i64 {
        let Shape {
            kind,
            leader_only,
            effect,
        } = classify(text);
        let xid = *tracker
            .xid
            .get_or_insert_with(|| self.next_xid.fetch_add(1, Ordering::Relaxed));
        let label = tracker.label.clone();
        match effect {
            Effect::None => {}
            Effect::Begin => tracker.block = true,
            Effect::End => tracker.set_block(false),
            Effect::Label(label) => tracker.label = label,
        }
        let record = Record {
            query_id: 0,
            pid: origin.pid,
            user: origin.user.clone(),
            database: origin.database.clone(),
            kind,
            status: Status::Running,
            start: now_micros(),
            end: None,
            rows: 0,
            error: None,
            text: kept_text(text),
            // PG_LAST_QUERY_ID() does not count a query the leader node answers alone (one
            // that reads no table, such as `select pg_last_query_id()` itself).
            tracked: origin.tracked && !leader_only,
            xid,
            label,
        };
        let mut state = self.state();
        // Drawn under the lock, so the records stay in id order.
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        state.text_bytes += record.text.len();
        state.records.push_back(Record {
            query_id: id,
            ..record
        });
        while state.records.len() > MAX_RECORDS || state.text_bytes > MAX_TEXT_BYTES {
            let Some(old) = state.records.pop_front() else {
                break;
            };
            state.text_bytes -= old.text.len();
        }
        self.changed(state);
        id
    }

    /// Records how query `id` ended.
    pub fn finish(self: &Arc<Self>, id: i64, outcome: Outcome) {
        let mut state = self.state();
        let Some(at) = state.position(id) else {
            return;
        };
        let record = &mut state.records[at];
        record.end = Some(now_micros());
        match outcome {
            Outcome::Done { rows } => {
                record.status = Status::Success;
                record.rows = rows;
            }
            Outcome::Failed { code, message } => {
                record.status = match code.as_str() {
                    "57014" => Status::Canceled,
                    _ => Status::Failed,
                };
                record.error = Some(clipped(&message, MAX_ERROR));
            }
        }
        self.changed(state);
    }

    /// Forgets query `id`, which never ran (an earlier statement of its batch failed).
    pub fn discard(self: &Arc<Self>, id: i64) {
        let mut state = self.state();
        if let Some(at) = state.position(id) {
            if let Some(old) = state.records.remove(at) {
                state.text_bytes -= old.text.len();
            }
            self.changed(state);
        }
    }

    fn changed(self: &Arc<Self>, mut state: std::sync::MutexGuard<'_, State>) {
        state.changes += 1;
        if state.scheduled {
            return;
        }
        // Outside a runtime (a unit test) the file is written only when asked.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        state.scheduled = true;
        drop(state);
        let log = self.clone();
        runtime.spawn(async move {
            tokio::time::sleep(WRITE_BEHIND).await;
            log.state().scheduled = false;
            log.write().await;
        });
    }

    /// Writes the file when it lags the records (for a statement about to read it).
    pub async fn write(&self) {
        let _writing = self.writing.lock().await;
        // Copied under the lock (the sessions recording wait on it), encoded off it and off
        // the runtime.
        let (records, changes) = {
            let state = self.state();
            if state.written == state.changes {
                return;
            }
            let records: Vec<Record> = state.records.iter().cloned().collect();
            (records, state.changes)
        };
        let path = self.path.clone();
        let written = tokio::task::spawn_blocking(move || {
            let bytes = serde_json::to_vec(&records).map_err(std::io::Error::other)?;
            write_file(&path, &bytes)
        })
        .await;
        match written {
            Ok(Ok(())) => self.state().written = changes,
            // The namespace is gone, and its directory with it.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
            Ok(Err(e)) => tracing::warn!(target: "engine", path = %self.path.display(),
                "could not write the query history: {e}"),
            Err(_) => {}
        }
    }
}

/// Replaces the file whole: readers see the old one or the new one.
fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let building = path.with_extension("json.tmp");
    std::fs::write(&building, bytes)?;
    // Read by the engine, which may run as another user.
    std::fs::set_permissions(&building, std::fs::Permissions::from_mode(0o644))?;
    std::fs::rename(&building, path)
}

/// Whether `sql` may read the history (a name such as `stl_query`, `sys_query_history` or
/// `pg_last_query_id`): then the file is brought up to date before it runs. A few
/// comparisons at each underscore.
pub fn reads_history(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    let mut at = 0;
    while let Some(found) = bytes[at..].iter().position(|&b| b == b'_') {
        let i = at + found;
        if i >= 3 {
            let before = &bytes[i - 3..i];
            if [b"stl", b"svl", b"sys", b"stv"]
                .iter()
                .any(|p| before.eq_ignore_ascii_case(&p[..]))
            {
                return true;
            }
            if i >= 7 && bytes[i - 7..i].eq_ignore_ascii_case(b"pg_last") {
                return true;
            }
        }
        at = i + 1;
    }
    false
}

/// The statements of a `Query`'s text, as the engine runs them one after another.
pub fn statements(sql: &str) -> Vec<&str> {
    let trimmed = sql.trim_end_matches(|c: char| c.is_whitespace() || c == ';');
    // One statement and no string or comment that could hide a semicolon: the common case.
    if !trimmed.contains(';') {
        return if trimmed.trim().is_empty() {
            Vec::new()
        } else {
            vec![trimmed]
        };
    }
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut end = 0;
    for t in lex::tokens(sql) {
        if t.kind == Kind::Punct && &sql[t.start..t.end] == ";" {
            if let Some(s) = start.take() {
                out.push(&sql[s..end]);
            }
            continue;
        }
        if t.kind != Kind::Space {
            start.get_or_insert(t.start);
            end = t.end;
        }
    }
    if let Some(s) = start {
        out.push(&sql[s..end]);
    }
    out
}

/// What the history reads of a statement's text.
#[derive(Debug, PartialEq)]
pub struct Shape {
    pub kind: QueryType,
    /// A SELECT of no table (which Redshift's leader node answers alone).
    pub leader_only: bool,
    pub effect: Effect,
}

/// What a statement does to its session that the history records of later ones.
#[derive(Debug, PartialEq)]
pub enum Effect {
    None,
    /// BEGIN, START TRANSACTION.
    Begin,
    /// COMMIT, END, ROLLBACK, ABORT (not ROLLBACK TO a savepoint).
    End,
    /// SET or RESET of `query_group`: the label of the statements after it (none: `default`).
    Label(Option<Arc<str>>),
}

/// The kind of a statement, from its first words; whether it reads no table; what it does to
/// its session.
pub fn classify(sql: &str) -> Shape {
    let tokens = lex::significant(sql);
    let kind = query_type(sql, &tokens);
    let leader_only = kind == QueryType::Select
        && !tokens
            .iter()
            .any(|t| t.kind == Kind::Word && sql[t.start..t.end].eq_ignore_ascii_case("from"));
    let effect = match kind {
        QueryType::Utility => effect(sql, &tokens),
        _ => Effect::None,
    };
    Shape {
        kind,
        leader_only,
        effect,
    }
}

/// What a utility statement does to its session's transaction or query group.
fn effect(sql: &str, tokens: &[lex::Token]) -> Effect {
    let mut words = tokens.iter().filter(|t| t.kind != Kind::Space);
    let mut next = || words.next().map(|t| (t.kind, &sql[t.start..t.end]));
    let is = |w: Option<(Kind, &str)>, want: &str| {
        w.is_some_and(|(k, w)| k == Kind::Word && w.eq_ignore_ascii_case(want))
    };
    let first = next();
    let second = next();
    if is(first, "begin") || (is(first, "start") && is(second, "transaction")) {
        return Effect::Begin;
    }
    if ["commit", "end", "abort"].iter().any(|w| is(first, w)) {
        return match is(second, "prepared") {
            true => Effect::None,
            false => Effect::End,
        };
    }
    if is(first, "rollback") {
        // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name keeps the transaction.
        let third = next();
        let to = is(second, "to")
            || (["work", "transaction"].iter().any(|w| is(second, w)) && is(third, "to"));
        return match to || is(second, "prepared") {
            true => Effect::None,
            false => Effect::End,
        };
    }
    if is(first, "reset") && is(second, "query_group") {
        return Effect::Label(None);
    }
    if is(first, "set") {
        let name = match ["session", "local"].iter().any(|w| is(second, w)) {
            true => next(),
            false => second,
        };
        if !is(name, "query_group") {
            return Effect::None;
        }
        let _to = next();
        return match next() {
            Some((Kind::String, quoted)) => {
                let value = crate::sql::s3::command::unquote(quoted).unwrap_or_default();
                Effect::Label(Some(clipped(&value, MAX_LABEL).into()))
            }
            Some((_, w)) if w.eq_ignore_ascii_case("default") => Effect::Label(None),
            Some((Kind::Word | Kind::Number | Kind::QuotedName, w)) => {
                Effect::Label(Some(clipped(w.trim_matches('"'), MAX_LABEL).into()))
            }
            _ => Effect::None,
        };
    }
    Effect::None
}

fn query_type(sql: &str, tokens: &[lex::Token]) -> QueryType {
    let mut words = tokens
        .iter()
        .filter(|t| t.kind != Kind::Space)
        .map(move |t| (t.kind, &sql[t.start..t.end]));
    let Some((Kind::Word, first)) = words.next() else {
        return match sql.trim_start().starts_with('(') {
            true => QueryType::Select,
            false => QueryType::Other,
        };
    };
    let is = |w: &str| first.eq_ignore_ascii_case(w);
    if ["select", "with", "values", "table"].iter().any(|w| is(w)) {
        QueryType::Select
    } else if is("insert") {
        QueryType::Insert
    } else if is("update") {
        QueryType::Update
    } else if is("delete") {
        QueryType::Delete
    } else if is("copy") {
        QueryType::Copy
    } else if is("unload") {
        QueryType::Unload
    } else if is("call") {
        QueryType::Command
    } else if is("create") {
        // CREATE [TEMP] TABLE ... AS query: a CTAS; any other CREATE: DDL.
        let (mut table, mut depth) = (false, 0i32);
        for (kind, word) in words {
            match (kind, word) {
                (Kind::Punct, "(") => depth += 1,
                (Kind::Punct, ")") => depth -= 1,
                (Kind::Word, w) if w.eq_ignore_ascii_case("table") => table = true,
                (Kind::Word, w) if table && depth == 0 && w.eq_ignore_ascii_case("as") => {
                    return QueryType::Ctas
                }
                _ => {}
            }
        }
        QueryType::Ddl
    } else if ["alter", "drop", "truncate", "grant", "revoke", "comment"]
        .iter()
        .any(|w| is(w))
    {
        QueryType::Ddl
    } else if [
        "set",
        "reset",
        "show",
        "begin",
        "start",
        "commit",
        "end",
        "rollback",
        "abort",
        "discard",
        "deallocate",
        "prepare",
        "execute",
        "vacuum",
        "analyze",
        "lock",
        "explain",
        "declare",
        "fetch",
        "close",
        "move",
        "cancel",
        "listen",
        "notify",
    ]
    .iter()
    .any(|w| is(w))
    {
        QueryType::Utility
    } else {
        QueryType::Other
    }
}

/// What the engine owes a front session's client, in order: the answer to a statement
/// (its query id), or a ReadyForQuery.
enum Owed {
    Query(i64),
    Ready,
}

/// The statements and portals a session may name at once, beyond which the front stops
/// remembering their text (they are then recorded without it).
const MAX_NAMED: usize = 256;

/// A front session's part in the history: what its client sent (the client's direction
/// calls `query`, `parse`, `bind`, `execute`, `sync`), matched with what the engine answers
/// (the engine's direction calls `complete`, `error`, `ready`).
pub struct Session {
    log: Arc<Log>,
    origin: Origin,
    owed: Mutex<VecDeque<Owed>>,
    /// The client's direction only.
    tracker: Mutex<Tracker>,
    /// Prepared statements' and portals' text, by name (the client's direction only).
    statements: Mutex<Named>,
}

#[derive(Default)]
struct Named {
    statements: HashMap<Vec<u8>, Arc<str>>,
    portals: HashMap<Vec<u8>, Arc<str>>,
}

impl Drop for Session {
    /// The session ended (the client went away, say) with statements unanswered: they were
    /// cancelled.
    fn drop(&mut self) {
        for owed in self.owed().drain(..) {
            if let Owed::Query(id) = owed {
                let outcome = Outcome::Failed {
                    code: "57014".into(),
                    message: "Query cancelled.".into(),
                };
                self.log.finish(id, outcome);
            }
        }
    }
}

impl Session {
    pub fn new(log: Arc<Log>, origin: Origin) -> Session {
        Session {
            log,
            origin,
            owed: Mutex::new(VecDeque::new()),
            tracker: Mutex::new(Tracker::default()),
            statements: Mutex::new(Named::default()),
        }
    }

    pub fn log(&self) -> &Arc<Log> {
        &self.log
    }

    fn owed(&self) -> std::sync::MutexGuard<'_, VecDeque<Owed>> {
        self.owed.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn named(&self) -> std::sync::MutexGuard<'_, Named> {
        self.statements.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn tracker(&self) -> std::sync::MutexGuard<'_, Tracker> {
        self.tracker.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `text` as running now in this session (an S3 job's statement); its query id.
    pub fn begin(&self, text: &str) -> i64 {
        self.log.begin(&self.origin, text, &mut self.tracker())
    }

    /// The end of a Query or an extended-protocol batch run by an S3 job.
    pub fn end_implicit(&self) {
        self.tracker().end_implicit();
    }

    /// A simple-protocol `Query`: each statement, then its ReadyForQuery.
    pub fn query(&self, sql: &str) {
        let ids: Vec<i64> = {
            let mut tracker = self.tracker();
            let ids = statements(sql)
                .into_iter()
                .map(|s| self.log.begin(&self.origin, s, &mut tracker))
                .collect();
            tracker.end_implicit();
            ids
        };
        let mut owed = self.owed();
        owed.extend(ids.into_iter().map(Owed::Query));
        owed.push_back(Owed::Ready);
    }

    pub fn parse(&self, name: &[u8], sql: &str) {
        let mut named = self.named();
        if name.is_empty() || named.statements.len() < MAX_NAMED {
            named.statements.insert(name.to_vec(), sql.into());
        }
    }

    pub fn bind(&self, portal: &[u8], statement: &[u8]) {
        let mut named = self.named();
        let text = named.statements.get(statement).cloned();
        match text {
            Some(text) if portal.is_empty() || named.portals.len() < MAX_NAMED => {
                named.portals.insert(portal.to_vec(), text);
            }
            _ => {
                named.portals.remove(portal);
            }
        }
    }

    /// A `Close` of a statement (`S`) or portal (`P`).
    pub fn close(&self, what: u8, name: &[u8]) {
        let mut named = self.named();
        match what {
            b'S' => named.statements.remove(name),
            _ => named.portals.remove(name),
        };
    }

    pub fn execute(&self, portal: &[u8]) {
        let text = self.named().portals.get(portal).cloned();
        let id = self.begin(text.as_deref().unwrap_or(""));
        self.owed().push_back(Owed::Query(id));
    }

    /// A `Sync` (or a `FunctionCall`): the engine answers it with a ReadyForQuery.
    pub fn sync(&self) {
        self.tracker().end_implicit();
        self.owed().push_back(Owed::Ready);
    }

    /// Takes back the last `n` Syncs, which the engine ignored (they came during a COPY FROM
    /// STDIN).
    pub fn unsync(&self, n: u64) {
        let mut owed = self.owed();
        for _ in 0..n {
            match owed.iter().rposition(|o| matches!(o, Owed::Ready)) {
                Some(at) => {
                    owed.remove(at);
                }
                None => break,
            }
        }
    }

    /// The next statement owed, unless a ReadyForQuery is owed first.
    fn next_query(&self) -> Option<i64> {
        let mut owed = self.owed();
        match owed.front() {
            Some(Owed::Query(id)) => {
                let id = *id;
                owed.pop_front();
                Some(id)
            }
            _ => None,
        }
    }

    /// A CommandComplete (its tag) or an EmptyQueryResponse (`None`).
    pub fn complete(&self, tag: Option<&[u8]>) {
        if let Some(id) = self.next_query() {
            let rows = tag.and_then(crate::sql::wire::tag_rows).unwrap_or(0);
            self.log.finish(id, Outcome::Done { rows });
        }
    }

    /// An ErrorResponse's body: it ends the statement it answers (if one is owed).
    pub fn error(&self, body: &[u8]) {
        if let Some(id) = self.next_query() {
            let (code, message) = crate::sql::wire::error_fields(body);
            self.log.finish(id, Outcome::Failed { code, message });
        }
    }

    /// A ReadyForQuery: the statements owed before it never ran.
    pub fn ready(&self) {
        let mut owed = self.owed();
        while let Some(next) = owed.pop_front() {
            match next {
                Owed::Query(id) => self.log.discard(id),
                Owed::Ready => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_where_the_engine_splits() {
        assert_eq!(statements("select 1"), vec!["select 1"]);
        assert_eq!(statements("select 1;  \n"), vec!["select 1"]);
        assert_eq!(
            statements("select ';'; insert into t values (1) ;"),
            vec!["select ';'", "insert into t values (1)"]
        );
        assert_eq!(
            statements("select 1; -- a; comment\nselect 2"),
            vec!["select 1", "select 2"]
        );
        assert!(statements("  ;  ").is_empty());
    }

    #[test]
    fn query_types_follow_the_first_words() {
        let query_type = |sql| classify(sql).kind;
        assert_eq!(query_type("SELECT 1"), QueryType::Select);
        assert!(classify("select pg_last_query_id()").leader_only);
        assert!(!classify("select a from t").leader_only);
        assert_eq!(
            query_type("with a as (select 1) select * from a"),
            QueryType::Select
        );
        assert_eq!(query_type("insert into t values (1)"), QueryType::Insert);
        assert_eq!(query_type("create table t (a int)"), QueryType::Ddl);
        assert_eq!(query_type("create table t as select 1"), QueryType::Ctas);
        assert_eq!(
            query_type("create temp table t (a int) diststyle even as select 1"),
            QueryType::Ctas
        );
        assert_eq!(query_type("create view v as select 1"), QueryType::Ddl);
        assert_eq!(query_type("SET search_path TO public"), QueryType::Utility);
        assert_eq!(query_type("call p()"), QueryType::Command);
        assert_eq!(
            query_type("unload ('select 1') to 's3://b/p'"),
            QueryType::Unload
        );
        assert_eq!(query_type("frobnicate"), QueryType::Other);
    }

    #[test]
    fn effects_on_the_session_are_read() {
        let effect = |sql| classify(sql).effect;
        assert_eq!(effect("BEGIN"), Effect::Begin);
        assert_eq!(effect("start transaction read only"), Effect::Begin);
        assert_eq!(effect("commit"), Effect::End);
        assert_eq!(effect("END TRANSACTION"), Effect::End);
        assert_eq!(effect("rollback work"), Effect::End);
        assert_eq!(effect("abort"), Effect::End);
        assert_eq!(effect("rollback to savepoint s"), Effect::None);
        assert_eq!(effect("ROLLBACK TRANSACTION TO s"), Effect::None);
        assert_eq!(effect("commit prepared 'x'"), Effect::None);
        assert_eq!(
            effect("set query_group to 'it''s etl'"),
            Effect::Label(Some("it's etl".into()))
        );
        assert_eq!(
            effect("SET SESSION query_group = nightly"),
            Effect::Label(Some("nightly".into()))
        );
        assert_eq!(effect("set query_group to default"), Effect::Label(None));
        assert_eq!(effect("reset query_group"), Effect::Label(None));
        assert_eq!(effect("set search_path to public"), Effect::None);
        assert_eq!(effect("select 'begin'"), Effect::None);
    }

    #[test]
    fn statements_carry_their_transaction_and_query_group() {
        let (_dir, session) = session();
        let record = |log: &Log, text: &str| {
            let state = log.state();
            let r = state.records.iter().rev().find(|r| r.text == text).cloned();
            r.map(|r| (r.xid, r.label.as_deref().map(str::to_string)))
                .unwrap()
        };
        // Statements of one Query share its implicit transaction; the next Query has its own.
        session.query("select 1; select 2");
        session.query("select 3");
        let (a, b, c) = (
            record(session.log(), "select 1").0,
            record(session.log(), "select 2").0,
            record(session.log(), "select 3").0,
        );
        assert_eq!(a, b);
        assert_ne!(b, c);
        // A block lasts from BEGIN to COMMIT across Queries and Syncs.
        session.query("begin");
        session.query("set query_group to 'etl'");
        session.execute(b"");
        session.sync();
        session.query("commit");
        session.query("select 4");
        let begin = record(session.log(), "begin");
        assert_eq!(begin.1, None);
        assert_eq!(record(session.log(), "set query_group to 'etl'").0, begin.0);
        assert_eq!(record(session.log(), "").0, begin.0);
        assert_eq!(record(session.log(), "").1.as_deref(), Some("etl"));
        assert_eq!(record(session.log(), "commit").0, begin.0);
        let after = record(session.log(), "select 4");
        assert!(after.0 > begin.0);
        assert_eq!(after.1.as_deref(), Some("etl"));
        session.query("reset query_group; select 5");
        assert_eq!(record(session.log(), "select 5").1, None);
    }

    #[test]
    fn readers_of_the_history_are_noticed() {
        assert!(reads_history("select * from STL_QUERY"));
        assert!(reads_history("select * from sys_query_history"));
        assert!(reads_history("select pg_last_query_id()"));
        assert!(reads_history("select * from stv_recents"));
        assert!(!reads_history(
            "SELECT abalance FROM pgbench_accounts WHERE aid = 1"
        ));
        assert!(!reads_history("select 1"));
    }

    fn session() -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().unwrap();
        let log = Arc::new(Log::load(dir.path()));
        let origin = Origin {
            pid: 7,
            user: "admin".into(),
            database: "dev".into(),
            tracked: true,
        };
        (dir, Session::new(log, origin))
    }

    fn statuses(log: &Log) -> Vec<(String, Status, i64)> {
        log.state()
            .records
            .iter()
            .map(|r| (r.text.clone(), r.status, r.rows))
            .collect()
    }

    #[test]
    fn a_failed_statement_ends_its_query_and_the_rest_never_ran() {
        let (_dir, session) = session();
        session.query("insert into t values (1); select nope; select 3");
        session.complete(Some(b"INSERT 0 1\0"));
        session.error(b"SERROR\0C42703\0Mcolumn \"nope\" does not exist\0\0");
        session.ready();
        assert_eq!(
            statuses(session.log()),
            vec![
                ("insert into t values (1)".to_string(), Status::Success, 1),
                ("select nope".to_string(), Status::Failed, 0),
            ]
        );
        // The next query is matched with its own answer.
        session.query("select 1");
        session.complete(Some(b"SELECT 1\0"));
        session.ready();
        assert_eq!(
            statuses(session.log())[2],
            ("select 1".into(), Status::Success, 1)
        );
    }

    #[test]
    fn extended_protocol_statements_are_recorded_by_their_portal() {
        let (_dir, session) = session();
        session.parse(b"s1", "select $1");
        session.bind(b"", b"s1");
        session.execute(b"");
        session.sync();
        session.complete(Some(b"SELECT 1\0"));
        session.ready();
        assert_eq!(
            statuses(session.log()),
            vec![("select $1".into(), Status::Success, 1)]
        );
        assert!(session.owed().is_empty());
    }

    #[test]
    fn records_are_found_near_the_back_and_far_from_it() {
        let (_dir, session) = session();
        let log = session.log();
        let origin = &session.origin;
        let ids: Vec<i64> = (0..40)
            .map(|i| log.begin(origin, &format!("select {i}"), &mut Tracker::default()))
            .collect();
        log.finish(ids[0], Outcome::Done { rows: 5 });
        log.finish(ids[39], Outcome::Done { rows: 7 });
        log.discard(ids[20]);
        log.finish(ids[20], Outcome::Done { rows: 9 });
        let all = statuses(log);
        assert_eq!(all.len(), 39);
        assert_eq!(all[0], ("select 0".into(), Status::Success, 5));
        assert_eq!(all[38], ("select 39".into(), Status::Success, 7));
        assert!(all.iter().all(|(text, _, _)| text != "select 20"));
        assert_eq!(all[20].1, Status::Running);
    }

    #[test]
    fn texts_are_kept_clipped_and_without_nul() {
        assert_eq!(kept_text("  select 1;\n"), "select 1;");
        assert_eq!(kept_text("select 'a\0b'"), "select 'a\u{fffd}b'");
        let long = "é".repeat(3_000);
        let kept = kept_text(&long);
        assert!(kept.len() <= MAX_TEXT && kept.chars().all(|c| c == 'é'));
    }

    #[tokio::test]
    async fn the_file_holds_the_records_and_a_new_log_continues_their_ids() {
        let (dir, session) = session();
        session.query("select 1");
        session.complete(Some(b"SELECT 1\0"));
        session.ready();
        session.log().write().await;
        let reloaded = Log::load(dir.path());
        assert_eq!(reloaded.state().records.len(), 1);
        assert_eq!(reloaded.next_id.load(Ordering::Relaxed), 2);
    }
}
