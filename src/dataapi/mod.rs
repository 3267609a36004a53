//! The Redshift Data API (`RedshiftData.<Operation>`), served on the control plane's listener
//! over the data plane's engines. Statements run asynchronously on a bounded pool of workers
//! (`statement::Runner`), each on an engine session of its own or of a Data API session kept
//! alive between statements; their results are kept (`results`) until they expire, 24 hours
//! on the emulator's clock. Catalog operations (ListDatabases, ...) read the engine's catalog
//! through a session opened for the call.
//!
//! Invariant: the Data API reads the control plane (workgroups, namespaces, the clock) and
//! never changes it.

mod catalog;
mod journal;
pub mod params;
mod pool;
pub mod results;
pub mod statement;

use crate::control::store::{Caller, Scope, Store};
use crate::model::data::*;
use crate::model::EpochTime;
use crate::sql::DataPlane;
use chrono::{DateTime, Utc};
use results::{ResultSet, Value};
use statement::{
    is_final, Mode, NewStatement, Run, Runner, Session, SessionState, Statement, Status,
    StatusFilter, Target,
};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// How long a finished statement and its result are kept: 24 hours, as AWS keeps them.
const RETENTION: chrono::Duration = chrono::Duration::hours(24);
/// How long a ClientToken makes ExecuteStatement idempotent: 8 hours.
const TOKEN_LIFETIME: chrono::Duration = chrono::Duration::hours(8);
/// Statements running at once on the engines; the rest wait SUBMITTED.
const WORKERS: usize = 32;
/// Statements not yet ended, per account and region, before ExecuteStatement refuses more.
const MAX_ACTIVE_STATEMENTS: usize = 500;
/// Sessions open at once, per account and region.
const MAX_ACTIVE_SESSIONS: usize = 500;
/// Requests waiting (WaitTimeSeconds) on one statement at once.
const MAX_WAITERS: usize = 10;
/// The largest SQL text: 100 KB, as AWS documents its quota.
const MAX_SQL_BYTES: usize = 100 * 1024;
/// How often CancelStatement tells the engine, and how long it waits for the end each time.
const CANCEL_ATTEMPTS: usize = 20;
const CANCEL_PATIENCE: std::time::Duration = std::time::Duration::from_millis(50);
/// The most result bytes one GetStatementResult page carries.
const PAGE_BYTES: usize = 1 << 20;

/// A refusal, as the Data API words it.
#[derive(Debug)]
pub struct DataError {
    pub code: &'static str,
    pub message: String,
    /// The member some errors name: `ResourceId` or `StatementId`.
    pub detail: Option<(&'static str, String)>,
}

impl DataError {
    pub fn status(&self) -> u16 {
        match self.code {
            "InternalServerException" => 500,
            _ => 400,
        }
    }

    fn validation(message: impl Into<String>) -> DataError {
        DataError {
            code: "ValidationException",
            message: message.into(),
            detail: None,
        }
    }

    fn not_found(message: impl Into<String>, id: &str) -> DataError {
        DataError {
            code: "ResourceNotFoundException",
            message: message.into(),
            detail: Some(("ResourceId", id.to_string())),
        }
    }

    fn no_statement(id: &str) -> DataError {
        DataError::not_found("Query does not exist.", id)
    }

    fn no_result(id: &str) -> DataError {
        DataError::not_found(
            "Query does not have result. Please check query status with DescribeStatement.",
            id,
        )
    }

    fn database_connection(message: impl Into<String>) -> DataError {
        DataError {
            code: "DatabaseConnectionException",
            message: message.into(),
            detail: None,
        }
    }

    fn internal(message: impl Into<String>) -> DataError {
        DataError {
            code: "InternalServerException",
            message: message.into(),
            detail: None,
        }
    }
}

pub type DataResult<T> = Result<T, DataError>;

/// What ExecuteStatement and BatchExecuteStatement answer (their outputs have the same
/// members): the statement as it is now.
macro_rules! submitted {
    ($output:ident, $statement:expr) => {{
        let statement = &$statement;
        let p = statement.progress();
        $output {
            id: Some(statement.id.clone()),
            created_at: Some(EpochTime(statement.created_at)),
            cluster_identifier: None,
            db_user: Some(statement.target.db_user.clone()),
            db_groups: None,
            database: Some(statement.target.database.clone()),
            secret_arn: None,
            workgroup_name: Some(statement.target.workgroup.clone()),
            session_id: statement.session_id.clone(),
            status: Some(p.status),
            redshift_pid: p.pid.map(i64::from),
            has_result_set: is_final(p.status).then(|| p.subs.iter().any(|s| s.has_result_set)),
        }
    }};
}

#[derive(Default)]
struct State {
    statements: HashMap<String, Arc<Statement>>,
    /// Statement ids by scope and the order they were made, for ListStatements and expiry.
    order: BTreeMap<(Scope, u64), String>,
    /// Statement ids by `seq` alone: the order they were made, oldest first, for expiry.
    by_age: BTreeMap<u64, (Scope, String)>,
    sessions: HashMap<String, Arc<Session>>,
    /// When the next session may close (or a closed one be forgotten): sessions are looked
    /// at only then.
    sessions_due: Option<DateTime<Utc>>,
    /// ClientTokens: the statement each made, and until when it counts.
    tokens: HashMap<(Scope, String), (String, DateTime<Utc>)>,
    /// The same, in the order they expire.
    token_ages: std::collections::VecDeque<(DateTime<Utc>, (Scope, String))>,
    /// Statements not yet ended, per account and region.
    active: HashMap<Scope, Arc<std::sync::atomic::AtomicUsize>>,
    next_seq: u64,
}

pub struct DataApi {
    store: Arc<Store>,
    plane: Arc<DataPlane>,
    spill_dir: PathBuf,
    workers: Arc<tokio::sync::Semaphore>,
    pool: Arc<pool::Pool>,
    journal: Option<Arc<journal::Journal>>,
    state: Mutex<State>,
}

/// What a catalog request (ListDatabases, ...) names as its target; `$database` is its
/// `Database` member as an `Option<&str>`.
macro_rules! named {
    ($req:expr, $database:expr) => {
        Named {
            workgroup: $req.workgroup_name.as_deref(),
            database: $database,
            cluster: $req.cluster_identifier.as_deref(),
            secret: $req.secret_arn.as_deref(),
        }
    };
}

/// Where a statement or catalog call runs, as a request names it.
struct Named<'a> {
    workgroup: Option<&'a str>,
    database: Option<&'a str>,
    cluster: Option<&'a str>,
    secret: Option<&'a str>,
}

impl DataApi {
    /// The Data API over `plane`'s engines. With `--state-dir` its statements and results
    /// are kept there and read back now; otherwise what an earlier run left is removed.
    pub async fn start(store: Arc<Store>, plane: Arc<DataPlane>) -> Arc<DataApi> {
        let dir = plane.scratch_dir().join("data-api");
        let now = store.clock.now();
        let mut state = State::default();
        let mut journal = None;
        let mut spill_dir = dir.join("spill");
        if plane.durable() {
            match journal::Journal::open(&dir, now, |created| *created + RETENTION > now).await {
                Ok((log, statements)) => {
                    for statement in statements {
                        state.next_seq = state.next_seq.max(statement.seq + 1);
                        state.order.insert(
                            (statement.scope.clone(), statement.seq),
                            statement.id.clone(),
                        );
                        state.by_age.insert(
                            statement.seq,
                            (statement.scope.clone(), statement.id.clone()),
                        );
                        state
                            .statements
                            .insert(statement.id.clone(), Arc::new(statement));
                    }
                    spill_dir = log.results_dir();
                    journal = Some(Arc::new(log));
                }
                Err(e) => tracing::warn!(
                    error = %e,
                    "the Data API's statement log could not be read; statements will not survive a restart"
                ),
            }
        }
        // In memory, `dir` is inside this run's own temporary directory: nothing is there.
        let api = Arc::new(DataApi {
            store,
            plane,
            spill_dir,
            workers: Arc::new(tokio::sync::Semaphore::new(WORKERS)),
            pool: Arc::default(),
            journal,
            state: Mutex::new(state),
        });
        tokio::spawn(Self::tend_pool(Arc::downgrade(&api)));
        api
    }

    /// Closes pooled engine sessions that idled too long or whose workgroup is gone, and
    /// Data API sessions past their keep-alive, every few seconds, for as long as the Data
    /// API exists.
    async fn tend_pool(api: std::sync::Weak<DataApi>) {
        loop {
            tokio::time::sleep(pool::IDLE / 3).await;
            let Some(api) = api.upgrade() else { return };
            // Sessions past their keep-alive close even when no request comes to notice.
            api.expire();
            let store = api.store.clone();
            api.pool.prune(|key| {
                store
                    .data_api_workgroup(&key.scope, &key.workgroup)
                    .is_none()
            });
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.store.clock.now()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("unpoisoned")
    }

    fn runner(&self) -> Runner {
        Runner {
            plane: self.plane.clone(),
            store: self.store.clone(),
            spill_dir: self.spill_dir.clone(),
            workers: self.workers.clone(),
            pool: self.pool.clone(),
            journal: self.journal.clone(),
        }
    }

    /// Forgets what expired by the emulator's clock: statements older than a day, sessions
    /// past their keep-alive (their engine sessions close), ClientTokens past 8 hours.
    fn expire(&self) {
        let now = self.now();
        let mut state = self.state();
        // Statements are made in `seq` order on a clock that only moves ahead: the oldest
        // come first, and the scan stops at the first one kept.
        while let Some((&seq, (scope, id))) = state.by_age.first_key_value() {
            let expired = state
                .statements
                .get(id)
                .is_none_or(|s| s.created_at + RETENTION <= now && is_final(s.status()));
            if !expired {
                break;
            }
            let (scope, id) = (scope.clone(), id.clone());
            state.by_age.remove(&seq);
            state.order.remove(&(scope, seq));
            if let Some(statement) = state.statements.remove(&id) {
                for sub in &statement.progress().subs {
                    if let Some(result) = &sub.result {
                        result.expire();
                    }
                }
            }
        }
        while state
            .token_ages
            .front()
            .is_some_and(|(until, _)| *until <= now)
        {
            let (until, key) = state.token_ages.pop_front().expect("looked at");
            if state.tokens.get(&key).is_some_and(|(_, u)| *u == until) {
                state.tokens.remove(&key);
            }
        }
        if state.sessions_due.is_none_or(|due| due > now) {
            return;
        }
        let mut due: Option<DateTime<Utc>> = None;
        let mut gone = Vec::new();
        for (id, session) in &state.sessions {
            let mut st = session.state.lock().expect("unpoisoned");
            if st.busy.is_none() && !st.closed && st.expires_at <= now {
                st.closed = true;
                // The engine session closes now (no statement holds it).
                if let Ok(mut client) = session.client.try_lock() {
                    client.take();
                }
            }
            if !st.closed {
                due = Some(due.map_or(st.expires_at, |d| d.min(st.expires_at)));
            } else if st.updated_at + RETENTION <= now {
                // Closed sessions stay listed (CLOSED) for as long as statements are kept.
                gone.push(id.clone());
            } else {
                let drop_at = st.updated_at + RETENTION;
                due = Some(due.map_or(drop_at, |d| d.min(drop_at)));
            }
        }
        for id in gone {
            state.sessions.remove(&id);
        }
        state.sessions_due = due;
    }

    /// The workgroup a request names, refused as AWS refuses a target it cannot reach.
    fn resolve(&self, scope: &Scope, named: &Named) -> DataResult<(String, String)> {
        // The emulator has no provisioned clusters: any one named does not exist.
        if named.cluster.is_some() {
            return Err(DataError::validation(
                "Redshift endpoint doesn't exist in this region.",
            ));
        }
        let Some(workgroup) = named.workgroup else {
            return Err(DataError::validation(
                "Either WorkgroupName, ClusterIdentifier or SessionId must be specified.",
            ));
        };
        if let Some(secret) = named.secret {
            return Err(DataError::validation(format!(
                "Secrets Manager can't find the specified secret: {secret}"
            )));
        }
        let Some(database) = named.database else {
            return Err(DataError::validation("Database must be specified."));
        };
        let Some(found) = self.store.data_api_workgroup(scope, workgroup) else {
            return Err(DataError::validation(format!(
                "Workgroup {workgroup} doesn't exist in this region."
            )));
        };
        if !found.serving {
            return Err(DataError::validation(format!(
                "Workgroup {} is not available: its status is {}.",
                found.name, found.status
            )));
        }
        Ok((found.name, database.to_string()))
    }

    pub async fn execute_statement(
        self: &Arc<Self>,
        scope: &Scope,
        caller: &Caller,
        req: ExecuteStatementInput,
    ) -> DataResult<ExecuteStatementOutput> {
        let parameters = pairs(req.parameters.as_deref());
        check_sql(&req.sql)?;
        if !parameters.is_empty() {
            params::bind(&req.sql, &parameters)
                .map_err(|e| DataError::validation(e.to_string()))?;
        }
        let ask = Ask {
            sqls: vec![req.sql],
            batch: false,
            name: req.statement_name,
            parameters,
            csv: req.result_format == Some(ResultFormatString::Csv),
            mode: Mode::AutoCommit,
            named: NamedOwned {
                workgroup: req.workgroup_name,
                database: req.database,
                cluster: req.cluster_identifier,
                secret: req.secret_arn,
            },
            session_id: req.session_id,
            keep_alive: req.session_keep_alive_seconds,
            client_token: req.client_token,
        };
        let (statement, run) = self.submit(scope, caller, ask)?;
        match req.wait_time_seconds {
            Some(seconds) => self.wait(&statement, seconds, run).await?,
            None => run.map_or((), Run::detach),
        }
        Ok(submitted!(ExecuteStatementOutput, statement))
    }

    pub async fn batch_execute_statement(
        self: &Arc<Self>,
        scope: &Scope,
        caller: &Caller,
        req: BatchExecuteStatementInput,
    ) -> DataResult<BatchExecuteStatementOutput> {
        for sql in &req.sqls {
            check_sql(sql)?;
        }
        let parameters = pairs(req.parameters.as_deref());
        if !parameters.is_empty() {
            return Err(DataError::validation(
                "Parameters are not supported by BatchExecuteStatement.",
            ));
        }
        let ask = Ask {
            sqls: req.sqls,
            batch: true,
            name: req.statement_name,
            parameters,
            csv: req.result_format == Some(ResultFormatString::Csv),
            mode: match req.execution_mode {
                Some(ExecutionMode::AutoCommit) => Mode::AutoCommit,
                _ => Mode::Transaction,
            },
            named: NamedOwned {
                workgroup: req.workgroup_name,
                database: req.database,
                cluster: req.cluster_identifier,
                secret: req.secret_arn,
            },
            session_id: req.session_id,
            keep_alive: req.session_keep_alive_seconds,
            client_token: req.client_token,
        };
        let (statement, run) = self.submit(scope, caller, ask)?;
        match req.wait_time_seconds {
            Some(seconds) => self.wait(&statement, seconds, run).await?,
            None => run.map_or((), Run::detach),
        }
        Ok(submitted!(BatchExecuteStatementOutput, statement))
    }

    /// Accepts a statement: its target, session and limits checked, then its run started.
    fn submit(
        self: &Arc<Self>,
        scope: &Scope,
        caller: &Caller,
        ask: Ask,
    ) -> DataResult<(Arc<Statement>, Option<Run>)> {
        self.expire();
        let now = self.now();
        let db_user = crate::control::ops::db_user(caller);
        if let Some(token) = &ask.client_token {
            let state = self.state();
            if let Some((id, _)) = state.tokens.get(&(scope.clone(), token.clone())) {
                if let Some(statement) = state.statements.get(id) {
                    return Ok((statement.clone(), None));
                }
            }
        }
        let mut state = self.state();
        let active = state.active.entry(scope.clone()).or_default().clone();
        if active.load(std::sync::atomic::Ordering::Acquire) >= MAX_ACTIVE_STATEMENTS {
            return Err(DataError {
                code: "ActiveStatementsExceededException",
                message: format!(
                    "The number of active statements exceeds the limit of {MAX_ACTIVE_STATEMENTS}."
                ),
                detail: None,
            });
        }
        let id = uuid::Uuid::new_v4().to_string();
        let (target, session) = match ask.session_id {
            Some(session_id) => {
                if ask.named.workgroup.is_some()
                    || ask.named.cluster.is_some()
                    || ask.named.database.is_some()
                    || ask.named.secret.is_some()
                {
                    return Err(DataError::validation(
                        "SessionId can't be specified with WorkgroupName, ClusterIdentifier, Database or SecretArn: the session decides them.",
                    ));
                }
                let Some(session) = state
                    .sessions
                    .get(&session_id)
                    .filter(|s| s.scope == *scope)
                    .cloned()
                else {
                    return Err(DataError::validation(format!(
                        "Session {session_id} doesn't exist."
                    )));
                };
                let mut st = session.state.lock().expect("unpoisoned");
                if st.closed || st.expires_at <= now {
                    return Err(DataError::validation(format!("Session {session_id} is closed: it expired after {} seconds without a statement.", session.keep_alive)));
                }
                if let Some(busy) = &st.busy {
                    return Err(DataError::validation(format!(
                        "Session {session_id} is busy running statement {busy}. Run one statement at a time in a session."
                    )));
                }
                st.busy = Some(id.clone());
                st.updated_at = now;
                drop(st);
                (session.target.clone(), Some(session))
            }
            None => {
                drop(state);
                let named = Named {
                    workgroup: ask.named.workgroup.as_deref(),
                    database: ask.named.database.as_deref(),
                    cluster: ask.named.cluster.as_deref(),
                    secret: ask.named.secret.as_deref(),
                };
                let (workgroup, database) = self.resolve(scope, &named)?;
                state = self.state();
                let target = Target {
                    workgroup,
                    database,
                    db_user: db_user.clone(),
                };
                let session = match ask.keep_alive.filter(|&k| k > 0) {
                    None => None,
                    Some(keep_alive) => {
                        let open = state
                            .sessions
                            .values()
                            .filter(|s| {
                                s.scope == *scope && !s.state.lock().expect("unpoisoned").closed
                            })
                            .count();
                        if open >= MAX_ACTIVE_SESSIONS {
                            return Err(DataError {
                                code: "ActiveSessionsExceededException",
                                message: format!("The number of active sessions exceeds the limit of {MAX_ACTIVE_SESSIONS}."),
                                detail: None,
                            });
                        }
                        let session = Arc::new(Session {
                            id: uuid::Uuid::new_v4().to_string(),
                            scope: scope.clone(),
                            target: target.clone(),
                            keep_alive,
                            created_at: now,
                            client: tokio::sync::Mutex::new(None),
                            state: Mutex::new(SessionState {
                                busy: Some(id.clone()),
                                updated_at: now,
                                expires_at: now + chrono::Duration::seconds(keep_alive as i64),
                                closed: false,
                            }),
                        });
                        state.sessions.insert(session.id.clone(), session.clone());
                        let expires = now + chrono::Duration::seconds(keep_alive as i64);
                        state.sessions_due =
                            Some(state.sessions_due.map_or(expires, |d| d.min(expires)));
                        Some(session)
                    }
                };
                (target, session)
            }
        };
        let seq = state.next_seq;
        state.next_seq += 1;
        let statement = Arc::new(Statement::new(NewStatement {
            id: id.clone(),
            scope: scope.clone(),
            seq,
            target,
            sqls: ask.sqls,
            batch: ask.batch,
            name: ask.name,
            parameters: ask.parameters,
            csv: ask.csv,
            mode: ask.mode,
            session_id: session.as_ref().map(|s| s.id.clone()),
            created_at: now,
            active: Some(active),
        }));
        state.statements.insert(id.clone(), statement.clone());
        state.order.insert((scope.clone(), seq), id.clone());
        state.by_age.insert(seq, (scope.clone(), id.clone()));
        if let Some(token) = ask.client_token {
            let key = (scope.clone(), token);
            let until = now + TOKEN_LIFETIME;
            state.tokens.insert(key.clone(), (id, until));
            state.token_ages.push_back((until, key));
        }
        drop(state);
        if let Some(journal) = &self.journal {
            journal.write(&statement);
        }
        let run = Run::new(self.runner().run(statement.clone(), session));
        Ok((statement, Some(run)))
    }

    /// Waits (WaitTimeSeconds) until the statement ends, counting the waiters; driving its
    /// run meanwhile when given it.
    async fn wait(&self, statement: &Statement, seconds: i32, run: Option<Run>) -> DataResult<()> {
        use std::sync::atomic::Ordering;
        if statement.waiting.fetch_add(1, Ordering::AcqRel) >= MAX_WAITERS {
            statement.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(DataError {
                code: "ActiveWaitingRequestsExceededException",
                message: format!(
                    "The number of requests waiting on statement {} exceeds the limit of {MAX_WAITERS}.",
                    statement.id
                ),
                detail: None,
            });
        }
        // Counted down however the wait ends, a request dropped mid-wait too.
        struct Waiter<'a>(&'a std::sync::atomic::AtomicUsize);
        impl Drop for Waiter<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let _waiter = Waiter(&statement.waiting);
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds as u64);
        match run {
            Some(run) => run.drive_until(deadline).await,
            None => statement.wait(deadline).await,
        };
        Ok(())
    }

    /// The statement of `id` (a batch's own id, or `<id>:<n>` of one of its SQLs: then the
    /// SQL's index too), in `scope`.
    fn find(&self, scope: &Scope, id: &str) -> DataResult<(Arc<Statement>, Option<usize>)> {
        self.expire();
        let (base, sub) = match id.split_once(':') {
            None => (id, None),
            Some((base, n)) => (base, Some(n.parse::<usize>().ok().filter(|&n| n >= 1))),
        };
        let statement = self
            .state()
            .statements
            .get(base)
            .filter(|s| s.scope == *scope)
            .cloned()
            .ok_or_else(|| DataError::no_statement(id))?;
        match sub {
            None => Ok((statement, None)),
            Some(Some(n)) if statement.batch && n <= statement.sqls.len() => {
                Ok((statement, Some(n - 1)))
            }
            Some(_) => Err(DataError::no_statement(id)),
        }
    }

    pub async fn describe_statement(
        &self,
        scope: &Scope,
        req: DescribeStatementRequest,
    ) -> DataResult<DescribeStatementResponse> {
        let (statement, _) = self.find(scope, &req.id)?;
        if let Some(seconds) = req.wait_time_seconds {
            self.wait(&statement, seconds, None).await?;
        }
        let p = statement.progress();
        let finished = is_final(p.status);
        let rows: i64 = p.subs.iter().filter_map(|s| s.rows).sum();
        let size: i64 = p
            .subs
            .iter()
            .filter_map(|s| s.result.as_ref())
            .map(|r| r.size() as i64)
            .sum();
        let subs = statement.batch.then(|| {
            p.subs
                .iter()
                .enumerate()
                .map(|(i, sub)| SubStatementData {
                    id: format!("{}:{}", statement.id, i + 1),
                    duration: Some(sub.duration_ns.unwrap_or(-1)),
                    error: sub.error.clone(),
                    status: Some(sub.status()),
                    created_at: Some(EpochTime(statement.created_at)),
                    updated_at: Some(EpochTime(sub.updated_at.unwrap_or(statement.created_at))),
                    query_string: Some(statement.sqls[i].clone()),
                    result_rows: Some(match is_final(sub.status()) {
                        true => sub.rows.unwrap_or(0),
                        false => -1,
                    }),
                    result_size: Some(match (is_final(sub.status()), &sub.result) {
                        (true, Some(r)) => r.size() as i64,
                        (true, None) => 0,
                        (false, _) => -1,
                    }),
                    redshift_query_id: Some(sub.query_id),
                    redshift_query_uuid: None,
                    has_result_set: Some(sub.has_result_set),
                })
                .collect()
        });
        Ok(DescribeStatementResponse {
            id: statement.id.clone(),
            secret_arn: None,
            db_user: Some(statement.target.db_user.clone()),
            database: Some(statement.target.database.clone()),
            cluster_identifier: None,
            duration: Some(p.duration_ns.unwrap_or(-1)),
            error: p.error.clone(),
            status: Some(listed(p.status)),
            created_at: Some(EpochTime(statement.created_at)),
            updated_at: Some(EpochTime(p.updated_at)),
            redshift_pid: Some(p.pid.map_or(0, i64::from)),
            has_result_set: Some(p.subs.iter().any(|s| s.has_result_set)),
            query_string: (!statement.batch).then(|| statement.sqls[0].clone()),
            result_rows: Some(if finished { rows } else { -1 }),
            result_size: Some(if finished { size } else { -1 }),
            redshift_query_id: Some(p.subs.last().map_or(0, |s| s.query_id)),
            redshift_query_uuid: None,
            query_parameters: sql_parameters(&statement.parameters),
            sub_statements: subs,
            workgroup_name: Some(statement.target.workgroup.clone()),
            result_format: Some(result_format(&statement)),
            session_id: statement.session_id.clone(),
            execution_mode: statement.batch.then_some(match statement.mode {
                Mode::Transaction => ExecutionMode::Transaction,
                Mode::AutoCommit => ExecutionMode::AutoCommit,
            }),
        })
    }

    /// The result of the statement `id` names, once it finished with one.
    async fn result_of(
        &self,
        scope: &Scope,
        id: &str,
        wait: Option<i32>,
        csv: bool,
    ) -> DataResult<(Arc<ResultSet>, Vec<ColumnMetadata>)> {
        let (statement, sub) = self.find(scope, id)?;
        if statement.batch && sub.is_none() {
            return Err(DataError::validation(
                "BatchExecuteStatement result can only be retrieved with sub-statement id",
            ));
        }
        if let Some(seconds) = wait {
            self.wait(&statement, seconds, None).await?;
        }
        if statement.csv != csv {
            return Err(DataError::validation(match csv {
                true => "The statement's ResultFormat is JSON: fetch its result with GetStatementResult.",
                false => "The statement's ResultFormat is CSV: fetch its result with GetStatementResultV2.",
            }));
        }
        let p = statement.progress();
        let sub = &p.subs[sub.unwrap_or(0)];
        match (sub.status(), &sub.result) {
            (Status::Finished, Some(result)) => Ok((result.clone(), sub.metadata.clone())),
            _ => Err(DataError::no_result(id)),
        }
    }

    pub async fn get_statement_result(
        &self,
        scope: &Scope,
        req: GetStatementResultRequest,
    ) -> DataResult<GetStatementResultResponse> {
        let (result, metadata) = self
            .result_of(scope, &req.id, req.wait_time_seconds, false)
            .await?;
        let (rows, next) = page(&result, req.next_token.as_deref()).await?;
        let typings: Vec<results::Typing> =
            result.columns.iter().map(|c| typing(c.type_oid)).collect();
        let records = rows
            .iter()
            .map(|row| {
                crate::sql::client::values(row)
                    .zip(&typings)
                    .map(|(v, t)| field(results::typed(*t, v)))
                    .collect()
            })
            .collect();
        Ok(GetStatementResultResponse {
            records,
            column_metadata: Some(metadata),
            total_num_rows: Some(result.rows() as i64),
            next_token: next,
        })
    }

    pub async fn get_statement_result_v2(
        &self,
        scope: &Scope,
        req: GetStatementResultV2Request,
    ) -> DataResult<GetStatementResultV2Response> {
        let (result, metadata) = self
            .result_of(scope, &req.id, req.wait_time_seconds, true)
            .await?;
        let (rows, next) = page(&result, req.next_token.as_deref()).await?;
        let mut csv = String::new();
        if req.next_token.is_none() {
            let names: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
            csv_line(&mut csv, names.iter().map(|n| Some(n.as_bytes())));
        }
        let typings: Vec<results::Typing> =
            result.columns.iter().map(|c| typing(c.type_oid)).collect();
        for row in &rows {
            let values = crate::sql::client::values(row)
                .zip(&typings)
                .map(|(v, t)| match (v, t) {
                    (Some(v), results::Typing::Super) => Some(crate::sql::json::compact_super(v)),
                    (v, _) => v.map(std::borrow::Cow::Borrowed),
                });
            csv_line(&mut csv, values);
        }
        Ok(GetStatementResultV2Response {
            records: vec![QueryRecords::CSVRecords(csv)],
            column_metadata: Some(metadata),
            total_num_rows: Some(result.rows() as i64),
            result_format: Some(ResultFormatString::Csv),
            next_token: next,
        })
    }

    pub async fn cancel_statement(
        &self,
        scope: &Scope,
        req: CancelStatementRequest,
    ) -> DataResult<CancelStatementResponse> {
        let (statement, _) = self.find(scope, &req.id)?;
        let target = {
            let mut p = statement.progress();
            if is_final(p.status) {
                return Err(DataError::validation(format!(
                    "Could not cancel a query that is already in {} state with ID: {}",
                    p.status.as_str(),
                    statement.id
                )));
            }
            p.cancelled = true;
            p.cancel.clone()
        };
        // A cancel that reaches the engine just before the query starts finds nothing to
        // cancel: it is sent again, a few times, while the statement still runs there.
        let mut target = target;
        for _ in 0..CANCEL_ATTEMPTS {
            if let Some((socket, key)) = &target {
                crate::sql::client::cancel(socket, *key).await;
            }
            let deadline = tokio::time::Instant::now() + CANCEL_PATIENCE;
            if statement.wait(deadline).await {
                break;
            }
            target = statement.progress().cancel.clone();
        }
        Ok(CancelStatementResponse { status: Some(true) })
    }

    pub async fn list_statements(
        &self,
        scope: &Scope,
        caller: &Caller,
        req: ListStatementsRequest,
    ) -> DataResult<ListStatementsResponse> {
        self.expire();
        let db_user = crate::control::ops::db_user(caller);
        let limit = match req.max_results {
            Some(n) if n > 0 => n as usize,
            _ => 100,
        };
        let before = match req.next_token.as_deref() {
            None => u64::MAX,
            Some(token) => token
                .parse::<u64>()
                .map_err(|_| DataError::validation("The NextToken is not valid."))?,
        };
        let wanted = req.status.filter(|s| *s != StatusFilter::All);
        let state = self.state();
        let mut statements = Vec::new();
        let mut next = None;
        for ((_, seq), id) in state
            .order
            .range((scope.clone(), 0)..(scope.clone(), before))
            .rev()
        {
            let Some(s) = state.statements.get(id) else {
                continue;
            };
            let p = s.progress();
            let keep = s.target.db_user == db_user
                && wanted.is_none_or(|w| w == listed(p.status))
                && req
                    .statement_name
                    .as_deref()
                    .is_none_or(|n| s.name.as_deref().is_some_and(|name| name.starts_with(n)))
                && req
                    .database
                    .as_deref()
                    .is_none_or(|d| d == s.target.database)
                && req
                    .workgroup_name
                    .as_deref()
                    .is_none_or(|w| w == s.target.workgroup)
                && req.cluster_identifier.is_none();
            if !keep {
                continue;
            }
            if statements.len() == limit {
                next = Some((seq + 1).to_string());
                break;
            }
            statements.push(StatementData {
                id: s.id.clone(),
                query_string: (!s.batch).then(|| s.sqls[0].clone()),
                query_strings: s.batch.then(|| s.sqls.clone()),
                secret_arn: None,
                status: Some(listed(p.status)),
                statement_name: s.name.clone(),
                created_at: Some(EpochTime(s.created_at)),
                updated_at: Some(EpochTime(p.updated_at)),
                query_parameters: sql_parameters(&s.parameters),
                is_batch_statement: Some(s.batch),
                result_format: Some(result_format(s)),
                session_id: s.session_id.clone(),
            });
        }
        Ok(ListStatementsResponse {
            statements,
            next_token: next,
        })
    }

    pub async fn list_sessions(
        &self,
        scope: &Scope,
        caller: &Caller,
        req: ListSessionsRequest,
    ) -> DataResult<ListSessionsResponse> {
        self.expire();
        let now = self.now();
        let db_user = crate::control::ops::db_user(caller);
        let limit = match req.max_results {
            Some(n) if n > 0 => n as usize,
            _ => 100,
        };
        let start = match req.next_token.as_deref() {
            None => 0,
            Some(token) => token
                .parse::<usize>()
                .map_err(|_| DataError::validation("The NextToken is not valid."))?,
        };
        let state = self.state();
        let mut matching: Vec<&Arc<Session>> = state
            .sessions
            .values()
            .filter(|s| s.scope == *scope && s.target.db_user == db_user)
            .filter(|s| req.session_id.as_deref().is_none_or(|id| id == s.id))
            .filter(|s| {
                req.workgroup_name
                    .as_deref()
                    .is_none_or(|w| w == s.target.workgroup)
            })
            .filter(|s| {
                req.database
                    .as_deref()
                    .is_none_or(|d| d == s.target.database)
            })
            .filter(|_| req.cluster_identifier.is_none())
            .filter(|s| req.status.is_none_or(|w| w == session_status(s, now)))
            .collect();
        // Newest first; only the page is turned into answers.
        matching.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        let next = (matching.len() > start + limit).then(|| (start + limit).to_string());
        let sessions = matching
            .into_iter()
            .skip(start)
            .take(limit)
            .map(|s| session_data(s, now))
            .collect();
        Ok(ListSessionsResponse {
            sessions,
            next_token: next,
        })
    }

    /// An engine session for a catalog call, as the caller.
    async fn catalog_client(
        &self,
        scope: &Scope,
        caller: &Caller,
        named: Named<'_>,
    ) -> DataResult<crate::sql::client::Client> {
        let (workgroup, database) = self.resolve(scope, &named)?;
        let destination = crate::sql::front::Destination {
            scope: scope.clone(),
            workgroup: workgroup.clone(),
        };
        let target = self.store.login_target(scope, &workgroup).ok_or_else(|| {
            DataError::database_connection(format!("Workgroup {workgroup} is not available."))
        })?;
        let user = crate::control::ops::db_user(caller);
        let session =
            crate::sql::front::engine_session(&self.plane, &destination, &target, &user, &database)
                .await
                .map_err(|e| DataError::database_connection(format!("ERROR: {}", e.message)))?;
        Ok(crate::sql::client::Client::new(session))
    }

    pub async fn list_databases(
        &self,
        scope: &Scope,
        caller: &Caller,
        req: ListDatabasesRequest,
    ) -> DataResult<ListDatabasesResponse> {
        let mut client = self
            .catalog_client(scope, caller, named!(req, req.database.as_deref()))
            .await?;
        let (rows, next) = catalog::list_databases(
            &mut client,
            page_of(req.max_results, req.next_token.as_deref())?,
        )
        .await?;
        Ok(ListDatabasesResponse {
            databases: Some(rows),
            next_token: next,
        })
    }

    pub async fn list_schemas(
        &self,
        scope: &Scope,
        caller: &Caller,
        req: ListSchemasRequest,
    ) -> DataResult<ListSchemasResponse> {
        let mut client = self
            .catalog_client(scope, caller, named!(req, Some(&req.database)))
            .await?;
        let (rows, next) = catalog::list_schemas(
            &mut client,
            req.schema_pattern.as_deref(),
            page_of(req.max_results, req.next_token.as_deref())?,
        )
        .await?;
        Ok(ListSchemasResponse {
            schemas: Some(rows),
            next_token: next,
        })
    }

    pub async fn list_tables(
        &self,
        scope: &Scope,
        caller: &Caller,
        req: ListTablesRequest,
    ) -> DataResult<ListTablesResponse> {
        let mut client = self
            .catalog_client(scope, caller, named!(req, Some(&req.database)))
            .await?;
        let (rows, next) = catalog::list_tables(
            &mut client,
            req.schema_pattern.as_deref(),
            req.table_pattern.as_deref(),
            page_of(req.max_results, req.next_token.as_deref())?,
        )
        .await?;
        Ok(ListTablesResponse {
            tables: Some(rows),
            next_token: next,
        })
    }

    pub async fn describe_table(
        &self,
        scope: &Scope,
        caller: &Caller,
        req: DescribeTableRequest,
    ) -> DataResult<DescribeTableResponse> {
        let mut client = self
            .catalog_client(scope, caller, named!(req, Some(&req.database)))
            .await?;
        let (table, columns, next) = catalog::describe_table(
            &mut client,
            req.schema.as_deref(),
            req.table.as_deref(),
            page_of(req.max_results, req.next_token.as_deref())?,
        )
        .await?;
        Ok(DescribeTableResponse {
            table_name: table,
            column_list: Some(columns),
            next_token: next,
        })
    }
}

/// What ExecuteStatement and BatchExecuteStatement ask for.
struct Ask {
    sqls: Vec<String>,
    batch: bool,
    name: Option<String>,
    parameters: Vec<(String, String)>,
    csv: bool,
    mode: Mode,
    named: NamedOwned,
    session_id: Option<String>,
    keep_alive: Option<i32>,
    client_token: Option<String>,
}

struct NamedOwned {
    workgroup: Option<String>,
    database: Option<String>,
    cluster: Option<String>,
    secret: Option<String>,
}

/// A request's parameters as name and value.
fn pairs(parameters: Option<&[SqlParameter]>) -> Vec<(String, String)> {
    parameters
        .unwrap_or_default()
        .iter()
        .map(|p| (p.name.clone(), p.value.clone()))
        .collect()
}

/// A statement's parameters as DescribeStatement and ListStatements show them (none: absent).
fn sql_parameters(parameters: &[(String, String)]) -> Option<Vec<SqlParameter>> {
    (!parameters.is_empty()).then(|| {
        parameters
            .iter()
            .map(|(name, value)| SqlParameter {
                name: name.clone(),
                value: value.clone(),
            })
            .collect()
    })
}

fn check_sql(sql: &str) -> DataResult<()> {
    if sql.trim().is_empty() {
        return Err(DataError::validation("The SQL statement is empty."));
    }
    if sql.len() > MAX_SQL_BYTES {
        return Err(DataError::validation(format!(
            "The SQL statement is {} bytes: the limit is 100 KB.",
            sql.len()
        )));
    }
    Ok(())
}

/// A session's status at `now`: BUSY while a statement runs in it, CLOSED once it expired.
fn session_status(session: &Session, now: DateTime<Utc>) -> SessionStatusString {
    let st = session.state.lock().expect("unpoisoned");
    match (st.closed || st.expires_at <= now, &st.busy) {
        (_, Some(_)) => SessionStatusString::Busy,
        (true, None) => SessionStatusString::Closed,
        (false, None) => SessionStatusString::Available,
    }
}

/// A session as ListSessions shows it.
fn session_data(session: &Session, now: DateTime<Utc>) -> SessionData {
    let status = session_status(session, now);
    let st = session.state.lock().expect("unpoisoned");
    SessionData {
        session_id: session.id.clone(),
        status,
        created_at: EpochTime(session.created_at),
        updated_at: Some(EpochTime(st.updated_at)),
        database: Some(session.target.database.clone()),
        db_user: Some(session.target.db_user.clone()),
        cluster_identifier: None,
        workgroup_name: Some(session.target.workgroup.clone()),
        session_alive_seconds: Some(session.keep_alive),
        session_ttl: Some(EpochTime(st.expires_at)),
        current_statement_id: st.busy.clone(),
    }
}

/// A statement's status as DescribeStatement and ListStatements name it.
fn listed(status: Status) -> StatusFilter {
    match status {
        Status::Submitted => StatusFilter::Submitted,
        Status::Picked => StatusFilter::Picked,
        Status::Started => StatusFilter::Started,
        Status::Finished => StatusFilter::Finished,
        Status::Aborted => StatusFilter::Aborted,
        Status::Failed => StatusFilter::Failed,
    }
}

fn result_format(statement: &Statement) -> ResultFormatString {
    match statement.csv {
        true => ResultFormatString::Csv,
        false => ResultFormatString::Json,
    }
}

fn typing(type_oid: u32) -> results::Typing {
    results::redshift_type(type_oid).map_or(results::Typing::Text, |(_, t, _)| t)
}

fn field(value: Value) -> Field {
    match value {
        Value::Null => Field::IsNull(true),
        Value::Long(n) => Field::LongValue(n),
        Value::Double(d) => Field::DoubleValue(d),
        Value::Bool(b) => Field::BooleanValue(b),
        Value::Text(s) => Field::StringValue(s),
        Value::Blob(b) => Field::BlobValue(crate::model::Blob(b)),
    }
}

/// One page of rows from `token` (a row number), and the token of the next.
async fn page(
    result: &ResultSet,
    token: Option<&str>,
) -> DataResult<(Vec<bytes::Bytes>, Option<String>)> {
    let from = match token {
        None => 0,
        Some(t) => t
            .parse::<u64>()
            .ok()
            .filter(|&n| n <= result.rows())
            .ok_or_else(|| DataError::validation("The NextToken is not valid."))?,
    };
    // Read in steps until the page holds PAGE_BYTES.
    let mut rows = Vec::new();
    let mut bytes = 0;
    let mut at = from;
    while at < result.rows() && bytes < PAGE_BYTES {
        let step = result
            .read(at, at + 256)
            .await
            .map_err(|e| DataError::internal(format!("The result could not be read: {e}")))?;
        for row in step {
            if bytes >= PAGE_BYTES {
                break;
            }
            bytes += row.len();
            rows.push(row);
            at += 1;
        }
    }
    let next = (at < result.rows()).then(|| at.to_string());
    Ok((rows, next))
}

/// The offset and size of a catalog page.
fn page_of(max: Option<i32>, token: Option<&str>) -> DataResult<catalog::Page> {
    let offset = match token {
        None => 0,
        Some(t) => t
            .parse::<i64>()
            .ok()
            .filter(|&n| n >= 0)
            .ok_or_else(|| DataError::validation("The NextToken is not valid."))?,
    };
    let limit = match max {
        Some(n) if n > 0 => n as i64,
        _ => 1000,
    };
    Ok(catalog::Page { offset, limit })
}

/// A CSV line (RFC 4180 quoting, NULL as an empty field).
fn csv_line<V: AsRef<[u8]>>(out: &mut String, values: impl Iterator<Item = Option<V>>) {
    for (i, value) in values.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let Some(value) = value else { continue };
        let text = String::from_utf8_lossy(value.as_ref());
        if text.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&text.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&text);
        }
    }
    out.push('\n');
}
