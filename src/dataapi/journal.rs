//! What the Data API keeps across restarts with `--state-dir`: a log of its statements (one
//! JSON line when a statement is accepted and one when it ends) beside their result files.
//! On start the log is read back: a statement that ended is served as it ended, with its
//! result; one that had not ended was cut off by the stop and is FAILED. The log is then
//! written anew with one line per statement kept.

use super::results::ResultSet;
use super::statement::{Mode, NewStatement, Statement, Status, Sub, Target};
use crate::control::store::Scope;
use crate::model::data::ColumnMetadata;
use crate::sql::client::Column;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

const LOG: &str = "statements.jsonl";

/// A statement as the log keeps it.
#[derive(Serialize, Deserialize)]
pub struct Record {
    id: String,
    scope: Scope,
    seq: u64,
    workgroup: String,
    database: String,
    db_user: String,
    sqls: Vec<String>,
    batch: bool,
    name: Option<String>,
    parameters: Vec<(String, String)>,
    csv: bool,
    transaction: bool,
    session_id: Option<String>,
    created_at: DateTime<Utc>,
    status: Status,
    updated_at: DateTime<Utc>,
    pid: Option<i32>,
    error: Option<String>,
    duration_ns: Option<i64>,
    subs: Vec<SubRecord>,
}

#[derive(Serialize, Deserialize)]
struct SubRecord {
    status: Option<Status>,
    updated_at: Option<DateTime<Utc>>,
    duration_ns: Option<i64>,
    error: Option<String>,
    has_result_set: bool,
    rows: Option<i64>,
    query_id: i64,
    result: Option<ResultRecord>,
    metadata: Vec<ColumnMetadata>,
}

#[derive(Serialize, Deserialize)]
struct ResultRecord {
    file: PathBuf,
    columns: Vec<Column>,
}

impl Record {
    pub fn of(statement: &Statement) -> Record {
        let p = statement.progress();
        Record {
            id: statement.id.clone(),
            scope: statement.scope.clone(),
            seq: statement.seq,
            workgroup: statement.target.workgroup.clone(),
            database: statement.target.database.clone(),
            db_user: statement.target.db_user.clone(),
            sqls: statement.sqls.clone(),
            batch: statement.batch,
            name: statement.name.clone(),
            parameters: statement.parameters.clone(),
            csv: statement.csv,
            transaction: statement.mode == Mode::Transaction,
            session_id: statement.session_id.clone(),
            created_at: statement.created_at,
            status: p.status,
            updated_at: p.updated_at,
            pid: p.pid,
            error: p.error.clone(),
            duration_ns: p.duration_ns,
            subs: p
                .subs
                .iter()
                .map(|s| SubRecord {
                    status: s.status,
                    updated_at: s.updated_at,
                    duration_ns: s.duration_ns,
                    error: s.error.clone(),
                    has_result_set: s.has_result_set,
                    rows: s.rows,
                    query_id: s.query_id,
                    result: s.result.as_ref().and_then(|r| {
                        Some(ResultRecord {
                            file: r.file()?.to_path_buf(),
                            columns: r.columns.clone(),
                        })
                    }),
                    metadata: s.metadata.clone(),
                })
                .collect(),
        }
    }

    /// The statement again, as it was when this was written; one that had not ended is
    /// FAILED, cut off by the stop at `now`.
    async fn restore(self, now: DateTime<Utc>) -> Statement {
        let statement = Statement::new(NewStatement {
            id: self.id,
            scope: self.scope,
            seq: self.seq,
            target: Target {
                workgroup: self.workgroup,
                database: self.database,
                db_user: self.db_user,
            },
            sqls: self.sqls,
            batch: self.batch,
            name: self.name,
            parameters: self.parameters,
            csv: self.csv,
            mode: match self.transaction {
                true => Mode::Transaction,
                false => Mode::AutoCommit,
            },
            session_id: self.session_id,
            created_at: self.created_at,
            active: None,
        });
        let cut_off = !super::statement::is_final(self.status);
        let mut subs = Vec::with_capacity(self.subs.len());
        for s in self.subs {
            let result = match s.result {
                Some(r) => ResultSet::open(r.columns, &r.file).await.ok().map(Arc::new),
                None => None,
            };
            let status = match (cut_off, s.status) {
                (true, Some(st)) if super::statement::is_final(st) => Some(st),
                (true, _) => Some(Status::Failed),
                (false, st) => st,
            };
            subs.push(Sub {
                status,
                updated_at: s.updated_at,
                started: None,
                duration_ns: s.duration_ns,
                error: s.error,
                has_result_set: s.has_result_set && result.is_some(),
                rows: s.rows,
                result,
                metadata: s.metadata,
                query_id: s.query_id,
            });
        }
        {
            let mut p = statement.progress();
            p.subs = subs;
            p.pid = self.pid;
            p.duration_ns = self.duration_ns;
            p.updated_at = self.updated_at;
            p.status = self.status;
            p.error = self.error;
            if cut_off {
                p.status = Status::Failed;
                p.updated_at = now;
                p.error = Some("ERROR: the statement was running when the emulator stopped".into());
            }
        }
        statement.end_now();
        statement
    }
}

/// The log's writer: lines go to it in the order statements change.
pub struct Journal {
    lines: tokio::sync::mpsc::UnboundedSender<String>,
    pub dir: PathBuf,
}

impl Journal {
    /// Reads the log in `dir` (statements made since `since` are kept), writes it anew, and
    /// starts its writer; the statements it kept.
    pub async fn open(
        dir: &Path,
        now: DateTime<Utc>,
        keep: impl Fn(&DateTime<Utc>) -> bool,
    ) -> std::io::Result<(Journal, Vec<Statement>)> {
        tokio::fs::create_dir_all(dir.join("results")).await?;
        let path = dir.join(LOG);
        let text = match tokio::fs::read_to_string(&path).await {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        // The last line of each statement is how far it got.
        let mut last: std::collections::BTreeMap<u64, Record> = Default::default();
        for line in text.lines() {
            // A line cut short by a kill is the last one, and is skipped.
            if let Ok(record) = serde_json::from_str::<Record>(line) {
                last.insert(record.seq, record);
            }
        }
        let mut statements = Vec::new();
        let mut kept_files = std::collections::HashSet::new();
        let mut rewritten = String::new();
        for (_, record) in last {
            if !keep(&record.created_at) {
                continue;
            }
            let statement = record.restore(now).await;
            let record = Record::of(&statement);
            for sub in &record.subs {
                if let Some(r) = &sub.result {
                    kept_files.insert(r.file.clone());
                }
            }
            rewritten.push_str(&serde_json::to_string(&record).map_err(std::io::Error::other)?);
            rewritten.push('\n');
            statements.push(statement);
        }
        // Result files of statements no longer kept (or never logged as ended) go.
        let mut entries = tokio::fs::read_dir(dir.join("results")).await?;
        while let Some(entry) = entries.next_entry().await? {
            if !kept_files.contains(&entry.path()) {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
        let fresh = dir.join(format!("{LOG}.new"));
        tokio::fs::write(&fresh, rewritten).await?;
        tokio::fs::rename(&fresh, &path).await?;
        let mut file = tokio::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .await?;
        let (lines, mut receiver) = tokio::sync::mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Some(line) = receiver.recv().await {
                if let Err(e) = file.write_all(line.as_bytes()).await {
                    tracing::warn!(error = %e, "the Data API's statement log could not be written");
                }
            }
            let _ = file.flush().await;
        });
        Ok((
            Journal {
                lines,
                dir: dir.to_path_buf(),
            },
            statements,
        ))
    }

    /// Logs how far `statement` got.
    pub fn write(&self, statement: &Statement) {
        if let Ok(mut line) = serde_json::to_string(&Record::of(statement)) {
            line.push('\n');
            let _ = self.lines.send(line);
        }
    }

    /// Where results are kept.
    pub fn results_dir(&self) -> PathBuf {
        self.dir.join("results")
    }
}
