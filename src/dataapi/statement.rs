//! Statements and sessions of the Data API, and the task that runs a statement on the engine:
//! SUBMITTED when accepted, PICKED when a worker takes it, STARTED once its engine session
//! runs it, and FINISHED, FAILED (with the engine's error) or ABORTED (cancelled).

use super::pool::{Key, Pool};
use super::results::ResultSet;
use crate::control::store::Scope;
use crate::sql::client::{Client, Completed, EngineError};
use crate::sql::wire::BackendKey;
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::watch;

pub use crate::model::data::{StatementStatusString as Status, StatusString as StatusFilter};

/// Whether a status is final.
pub fn is_final(status: Status) -> bool {
    matches!(status, Status::Finished | Status::Failed | Status::Aborted)
}

/// How a batch's SQLs commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// In one transaction: the first failure rolls all of them back.
    Transaction,
    /// Each on its own.
    AutoCommit,
}

/// Where a statement runs and as whom.
#[derive(Clone, Debug)]
pub struct Target {
    pub workgroup: String,
    pub database: String,
    pub db_user: String,
}

/// One SQL of a statement (the only one of an ExecuteStatement, or one of a batch's).
#[derive(Default)]
pub struct Sub {
    pub status: Option<Status>,
    pub updated_at: Option<DateTime<Utc>>,
    pub started: Option<Instant>,
    pub duration_ns: Option<i64>,
    pub error: Option<String>,
    pub has_result_set: bool,
    /// Rows returned or changed, when the command counts them.
    pub rows: Option<i64>,
    pub result: Option<Arc<ResultSet>>,
    /// The result's column metadata, read when it ended.
    pub metadata: Vec<crate::model::data::ColumnMetadata>,
    pub query_id: i64,
}

impl Sub {
    pub fn status(&self) -> Status {
        self.status.unwrap_or(Status::Submitted)
    }
}

/// What changes while a statement runs.
pub struct Progress {
    pub status: Status,
    pub updated_at: DateTime<Utc>,
    pub pid: Option<i32>,
    pub error: Option<String>,
    pub subs: Vec<Sub>,
    pub started: Option<Instant>,
    pub duration_ns: Option<i64>,
    /// Where its query is cancelled while it runs.
    pub cancel: Option<(PathBuf, BackendKey)>,
    /// CancelStatement was called.
    pub cancelled: bool,
}

/// What a statement asks, fixed when it is made.
pub struct NewStatement {
    pub id: String,
    pub scope: Scope,
    /// Its place in the order statements were made (ListStatements lists newest first).
    pub seq: u64,
    pub target: Target,
    pub sqls: Vec<String>,
    pub batch: bool,
    pub name: Option<String>,
    pub parameters: Vec<(String, String)>,
    pub csv: bool,
    pub mode: Mode,
    pub session_id: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The count of active statements it joins (none for one restored, ended, from the log).
    pub active: Option<Arc<AtomicUsize>>,
}

/// A statement of the Data API: what was asked (its [`NewStatement`], which it derefs to),
/// and how far it got.
pub struct Statement {
    asked: NewStatement,
    progress: Mutex<Progress>,
    done: watch::Sender<bool>,
    /// Callers waiting on it now (WaitTimeSeconds).
    pub waiting: AtomicUsize,
}

impl std::ops::Deref for Statement {
    type Target = NewStatement;

    fn deref(&self) -> &NewStatement {
        &self.asked
    }
}

impl Statement {
    pub fn new(asked: NewStatement) -> Statement {
        let subs = asked.sqls.iter().map(|_| Sub::default()).collect();
        if let Some(active) = &asked.active {
            active.fetch_add(1, Ordering::AcqRel);
        }
        Statement {
            progress: Mutex::new(Progress {
                status: Status::Submitted,
                updated_at: asked.created_at,
                pid: None,
                error: None,
                subs,
                started: None,
                duration_ns: None,
                cancel: None,
                cancelled: false,
            }),
            done: watch::channel(false).0,
            waiting: AtomicUsize::new(0),
            asked,
        }
    }

    pub fn progress(&self) -> MutexGuard<'_, Progress> {
        self.progress.lock().expect("unpoisoned")
    }

    pub fn status(&self) -> Status {
        self.progress().status
    }

    /// Waits until the statement ends or `deadline` passes; whether it ended.
    pub async fn wait(&self, deadline: tokio::time::Instant) -> bool {
        let mut done = self.done.subscribe();
        let ended = tokio::time::timeout_at(deadline, done.wait_for(|d| *d))
            .await
            .is_ok();
        ended
    }

    fn end(&self) {
        if !self.done.send_replace(true) {
            if let Some(active) = &self.active {
                active.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }

    /// Marks a statement restored from the log as ended.
    pub fn end_now(&self) {
        self.end();
    }
}

/// A statement's run. A request that waits for its statement (`WaitTimeSeconds`) drives the
/// run itself while it waits, so the engine's answer wakes that request's task and no other;
/// whatever is left when the wait ends, or the request goes away, runs on a task of its own.
pub struct Run(Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>>);

impl Run {
    pub fn new(run: impl std::future::Future<Output = ()> + Send + 'static) -> Run {
        Run(Some(Box::pin(run)))
    }

    /// Drives the run until it ends or `deadline` passes; whether it ended.
    pub async fn drive_until(mut self, deadline: tokio::time::Instant) -> bool {
        let Some(run) = self.0.as_mut() else {
            return true;
        };
        let ended = tokio::time::timeout_at(deadline, run).await.is_ok();
        if ended {
            self.0 = None;
        }
        ended
    }

    /// Leaves the run to a task of its own.
    pub fn detach(self) {}
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Some(run) = self.0.take() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(run);
            }
        }
    }
}

/// A session the Data API keeps open for `SessionKeepAliveSeconds` after each statement.
pub struct Session {
    pub id: String,
    pub scope: Scope,
    pub target: Target,
    pub keep_alive: i32,
    pub created_at: DateTime<Utc>,
    /// The engine session, while no statement has it.
    pub client: tokio::sync::Mutex<Option<Client>>,
    pub state: Mutex<SessionState>,
}

pub struct SessionState {
    /// The statement running in it now.
    pub busy: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// When it closes unless a statement uses it first.
    pub expires_at: DateTime<Utc>,
    pub closed: bool,
}

/// How a run left its engine session.
enum Ran {
    Kept,
    Lost,
    /// It had closed before the run's first answer: nothing ran.
    Retry,
}

/// What runs a statement needs from the Data API.
pub struct Runner {
    pub plane: Arc<crate::sql::DataPlane>,
    pub store: Arc<crate::control::store::Store>,
    pub spill_dir: PathBuf,
    pub workers: Arc<tokio::sync::Semaphore>,
    pub pool: Arc<Pool>,
    /// The statement log, with `--state-dir`.
    pub journal: Option<Arc<super::journal::Journal>>,
}

impl Runner {
    fn now(&self) -> DateTime<Utc> {
        self.store.clock.now()
    }

    /// Runs `statement` to its end, in `session` when it has one (else on a pooled engine
    /// session, or a new one).
    pub async fn run(self, statement: Arc<Statement>, session: Option<Arc<Session>>) {
        let _permit = self.workers.clone().acquire_owned().await;
        if !self.advance(&statement, Status::Picked) {
            return self.release(&statement, session, None).await;
        }
        let key = Key {
            scope: statement.scope.clone(),
            workgroup: statement.target.workgroup.clone(),
            database: statement.target.database.clone(),
            user: statement.target.db_user.clone(),
        };
        let kept = match &session {
            Some(session) => session.client.lock().await.take(),
            None => self.pool.take(&key),
        };
        let mut may_retry = kept.is_some() && session.is_none();
        let mut kept = kept;
        loop {
            let client = match kept.take() {
                Some(client) => Ok(client),
                None => self.connect(&statement).await,
            };
            let mut client = match client {
                Ok(client) => client,
                Err(error) => {
                    self.fail_all(&statement, &error.message);
                    return self.release(&statement, session, None).await;
                }
            };
            {
                let mut p = statement.progress();
                p.pid = Some(client.pid());
                p.cancel = Some(client.cancel_target());
            }
            if !self.advance(&statement, Status::Started) {
                return self.release(&statement, session, Some(client)).await;
            }
            statement.progress().started = Some(Instant::now());
            let kept_client = match self.run_subs(&statement, &mut client, may_retry).await {
                Ran::Kept => Some(client),
                Ran::Lost => None,
                // The pooled session had closed before it answered: again, on a new one.
                Ran::Retry => {
                    may_retry = false;
                    continue;
                }
            };
            return match &session {
                Some(_) => self.release(&statement, session, kept_client).await,
                None => {
                    // Ended first: the reset of the engine session for the pool keeps no
                    // caller waiting.
                    self.release(&statement, None, None).await;
                    if let Some(client) = kept_client {
                        let dirty = statement
                            .sqls
                            .iter()
                            .any(|sql| super::pool::leaves_state(sql));
                        self.pool.put(key, client, dirty).await;
                    }
                }
            };
        }
    }

    async fn connect(&self, statement: &Statement) -> Result<Client, crate::sql::wire::PgError> {
        let destination = crate::sql::front::Destination {
            scope: statement.scope.clone(),
            workgroup: statement.target.workgroup.clone(),
        };
        let Some(target) = self
            .store
            .login_target(&destination.scope, &destination.workgroup)
        else {
            return Err(crate::sql::wire::PgError::cannot_connect(format!(
                "workgroup \"{}\" is not available",
                destination.workgroup
            )));
        };
        let session = crate::sql::front::engine_session(
            &self.plane,
            &destination,
            &target,
            &statement.target.db_user,
            &statement.target.database,
        )
        .await?;
        Ok(Client::new(session))
    }

    /// Moves the statement to `status` unless it was cancelled meanwhile (then it is
    /// ABORTED, and `false`).
    fn advance(&self, statement: &Statement, status: Status) -> bool {
        let now = self.now();
        let mut p = statement.progress();
        p.updated_at = now;
        if p.cancelled {
            p.status = Status::Aborted;
            for sub in p.subs.iter_mut().filter(|s| !is_final(s.status())) {
                sub.status = Some(Status::Aborted);
                sub.updated_at = Some(now);
            }
            return false;
        }
        p.status = status;
        true
    }

    fn fail_all(&self, statement: &Statement, message: &str) {
        let now = self.now();
        let mut p = statement.progress();
        p.status = Status::Failed;
        p.error = Some(format!("ERROR: {message}"));
        p.updated_at = now;
        for sub in &mut p.subs {
            sub.status = Some(Status::Failed);
            sub.updated_at = Some(now);
        }
    }

    /// Runs each SQL in order; whether the engine session is still usable.
    async fn run_subs(&self, statement: &Statement, client: &mut Client, may_retry: bool) -> Ran {
        let transaction = statement.batch && statement.mode == Mode::Transaction;
        if transaction {
            if let Err(e) = client
                .run("BEGIN", None, &mut crate::sql::client::Discard)
                .await
            {
                if may_retry && e.code == EngineError::CLOSED {
                    return Ran::Retry;
                }
                self.fail_all(statement, &e.message);
                return Ran::Lost;
            }
            client.tracker().set_block(true);
        }
        let mut failed: Option<EngineError> = None;
        for (i, sql) in statement.sqls.iter().enumerate() {
            if failed.is_some() {
                let mut p = statement.progress();
                p.subs[i].status = Some(Status::Aborted);
                p.subs[i].updated_at = Some(self.now());
                continue;
            }
            let history = client.history().clone();
            let origin = crate::sql::history::Origin {
                pid: client.pid(),
                user: statement.target.db_user.as_str().into(),
                database: statement.target.database.as_str().into(),
                tracked: statement.session_id.is_some(),
            };
            let query_id = history.begin(&origin, sql, client.tracker());
            if crate::sql::history::reads_history(sql) {
                history.write().await;
            }
            {
                let mut p = statement.progress();
                p.subs[i].status = Some(Status::Started);
                p.subs[i].started = Some(Instant::now());
                p.subs[i].query_id = query_id;
                p.subs[i].updated_at = Some(self.now());
            }
            let outcome = self.run_one(statement, client, sql).await;
            if !transaction {
                client.tracker().end_implicit();
            }
            if let Err(e) = &outcome {
                if may_retry && i == 0 && !transaction && e.code == EngineError::CLOSED {
                    history.discard(query_id);
                    let mut p = statement.progress();
                    p.subs[0] = Sub::default();
                    return Ran::Retry;
                }
            }
            history.finish(
                query_id,
                match &outcome {
                    Ok((done, result, _)) => crate::sql::history::Outcome::Done {
                        rows: match result {
                            Some(r) => r.rows() as i64,
                            None => done.last().and_then(|d| d.rows()).unwrap_or(0),
                        },
                    },
                    Err(e) => crate::sql::history::Outcome::Failed {
                        code: e.code.to_string(),
                        message: e.message.clone(),
                    },
                },
            );
            let now = self.now();
            let mut p = statement.progress();
            let sub = &mut p.subs[i];
            sub.updated_at = Some(now);
            sub.duration_ns = sub.started.map(|s| s.elapsed().as_nanos() as i64);
            match outcome {
                Ok((done, result, metadata)) => {
                    sub.metadata = metadata;
                    sub.status = Some(Status::Finished);
                    let last = done.last().cloned().unwrap_or_default();
                    sub.has_result_set = result.is_some();
                    sub.rows = match &result {
                        Some(r) => Some(r.rows() as i64),
                        None => last.rows(),
                    };
                    sub.result = result.map(Arc::new);
                }
                Err(error) => {
                    let aborted = p.cancelled && error.code == "57014";
                    let sub = &mut p.subs[i];
                    sub.status = Some(if aborted {
                        Status::Aborted
                    } else {
                        Status::Failed
                    });
                    sub.error = Some(error.to_string());
                    failed = Some(error);
                }
            }
        }
        let mut lost = false;
        if transaction {
            let end = if failed.is_some() {
                "ROLLBACK"
            } else {
                "COMMIT"
            };
            if let Err(e) = client
                .run(end, None, &mut crate::sql::client::Discard)
                .await
            {
                lost = e.code.starts_with("08");
                failed.get_or_insert(e);
            }
            client.tracker().set_block(false);
        }
        let now = self.now();
        let mut p = statement.progress();
        p.updated_at = now;
        p.duration_ns = p.started.map(|s| s.elapsed().as_nanos() as i64);
        p.cancel = None;
        match failed {
            None => p.status = Status::Finished,
            Some(error) => {
                lost |= error.code.starts_with("08");
                p.status = match p.cancelled && error.code == "57014" {
                    true => Status::Aborted,
                    false => Status::Failed,
                };
                p.error = Some(error.to_string());
            }
        }
        match lost {
            true => Ran::Lost,
            false => Ran::Kept,
        }
    }

    /// One SQL: translated to the engine's dialect, its parameters bound; its result kept.
    async fn run_one(
        &self,
        statement: &Statement,
        client: &mut Client,
        sql: &str,
    ) -> Result<
        (
            Vec<Completed>,
            Option<ResultSet>,
            Vec<crate::model::data::ColumnMetadata>,
        ),
        EngineError,
    > {
        let mut collector = super::results::Collector::new(&self.spill_dir, self.journal.is_some());
        if let Some(command) = crate::sql::s3::command::classify(sql) {
            let command = command.map_err(|r| EngineError {
                code: r.code.into(),
                message: r.message,
            })?;
            let target = &statement.target;
            let done = client
                .run_s3(&command, self.plane.s3(), &target.database, &target.db_user)
                .await?;
            let completed = Completed {
                tag: format!("{} {}", done.tag, done.rows),
                has_result_set: false,
            };
            return Ok((vec![completed], None, Vec::new()));
        }
        let done = if statement.parameters.is_empty() {
            let sql = crate::sql::dialect::translate(sql);
            client.run(&sql, None, &mut collector).await?
        } else {
            let (sql, values) =
                super::params::bind(sql, &statement.parameters).map_err(|e| EngineError {
                    code: "42P02".into(),
                    message: e.to_string(),
                })?;
            let sql = crate::sql::dialect::translate(&sql);
            client.run(&sql, Some(&values), &mut collector).await?
        };
        let result = collector.finish().await?;
        let metadata = match &result {
            Some(r) => super::catalog::result_metadata(client, &r.columns).await,
            None => Vec::new(),
        };
        Ok((done, result, metadata))
    }

    /// Ends the statement: its session is free again (with its engine session, unless that
    /// was lost) and waiters wake.
    async fn release(
        &self,
        statement: &Statement,
        session: Option<Arc<Session>>,
        client: Option<Client>,
    ) {
        if let Some(session) = session {
            let now = self.now();
            let lost = client.is_none();
            *session.client.lock().await = client;
            let mut state = session.state.lock().expect("unpoisoned");
            state.busy = None;
            state.updated_at = now;
            state.expires_at = now + chrono::Duration::seconds(session.keep_alive as i64);
            if lost {
                state.closed = true;
            }
        }
        if let Some(journal) = &self.journal {
            journal.write(statement);
        }
        statement.end();
    }
}
