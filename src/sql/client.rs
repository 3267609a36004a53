//! A small client of the engine's protocol for the emulator's own sessions (the Data API):
//! it sends SQL and reads its answers with every value as text, as PostgreSQL renders it, and
//! hands rows on as they arrive so that nothing is buffered whole here.
//!
//! A statement with parameters goes by the extended protocol (Parse/Bind/Describe/Execute/
//! Sync), its parameters bound as text of a type the engine infers; one without goes as a
//! simple `Query`, which may hold several statements.

use crate::sql::front::EngineSession;
use crate::sql::wire;
use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

/// The largest answer message read whole (a row, say).
const MAX_MESSAGE_BYTES: usize = 1 << 30;

/// A column of a result, as the engine's RowDescription describes it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    pub name: String,
    /// The table the column comes from (0 when it is computed).
    pub table: u32,
    /// Its attribute number in that table.
    pub attribute: i16,
    pub type_oid: u32,
    pub type_size: i16,
    pub type_modifier: i32,
}

/// The engine's error, as it words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineError {
    pub code: String,
    pub message: String,
}

impl EngineError {
    /// The session was closed before it answered: nothing of the run was done.
    pub const CLOSED: &'static str = "08003";

    fn closed() -> EngineError {
        EngineError {
            code: EngineError::CLOSED.into(),
            message: "the engine session was closed before it answered".into(),
        }
    }

    fn lost(e: impl std::fmt::Display) -> EngineError {
        EngineError {
            code: "08006".into(),
            message: format!("the connection to the database was lost: {e}"),
        }
    }
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ERROR: {}", self.message)
    }
}

/// What a run hands its rows to, statement by statement.
pub trait Rows {
    /// A statement's result starts: its columns.
    fn columns(&mut self, columns: Vec<Column>);
    /// One row: a DataRow's body (a count, then each value's length and text).
    fn row(
        &mut self,
        row: Bytes,
    ) -> impl std::future::Future<Output = Result<(), EngineError>> + Send;
}

/// How one statement of a run ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completed {
    /// The command tag (`SELECT 3`, `INSERT 0 1`, ...).
    pub tag: String,
    /// Whether the statement returned rows (a RowDescription came).
    pub has_result_set: bool,
}

impl Completed {
    /// The rows the command tag counts (selected, inserted, updated, ...), if it counts any.
    pub fn rows(&self) -> Option<i64> {
        wire::tag_rows(self.tag.as_bytes())
    }
}

/// One engine session.
pub struct Client {
    stream: BufReader<UnixStream>,
    session: SessionParts,
    /// Whether the session is inside a transaction block (ReadyForQuery said so).
    in_transaction: bool,
    /// The session's transactions and query group, as the history records them.
    tracker: crate::sql::history::Tracker,
}

struct SessionParts {
    key: wire::BackendKey,
    lease: crate::sql::engine::Lease,
    socket: std::path::PathBuf,
}

impl Client {
    pub fn new(session: EngineSession) -> Client {
        let socket = session.lease.socket().to_path_buf();
        Client {
            stream: BufReader::new(session.stream),
            session: SessionParts {
                key: session.key,
                lease: session.lease,
                socket,
            },
            in_transaction: false,
            tracker: Default::default(),
        }
    }

    /// Discards the session's state (settings, temporary tables, prepared statements,
    /// locks), as for a session handed to the next statement.
    pub async fn reset(&mut self) -> Result<(), EngineError> {
        self.tracker.reset();
        self.run("DISCARD ALL", None, &mut Discard).await.map(drop)
    }

    /// The session's transactions and query group, as the history records them.
    pub fn tracker(&mut self) -> &mut crate::sql::history::Tracker {
        &mut self.tracker
    }

    /// The query history of the session's namespace.
    pub fn history(&self) -> &std::sync::Arc<crate::sql::history::Log> {
        self.session.lease.history()
    }

    /// The engine's process id for this session (`pg_backend_pid()`).
    pub fn pid(&self) -> i32 {
        self.session.key.pid
    }

    /// Where and with what key this session's query is cancelled.
    pub fn cancel_target(&self) -> (std::path::PathBuf, wire::BackendKey) {
        (self.session.socket.clone(), self.session.key)
    }

    pub fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    /// Runs `sql` (with `params` bound by the extended protocol when given), handing rows to
    /// `rows`; how each statement ended, or the first error (after which the engine has
    /// rolled back what the run did in its implicit transaction).
    pub async fn run(
        &mut self,
        sql: &str,
        params: Option<&[String]>,
        rows: &mut (impl Rows + Send),
    ) -> Result<Vec<Completed>, EngineError> {
        let mut out = BytesMut::new();
        match params {
            None => message(&mut out, b'Q', |b| cstr(b, sql)),
            Some(params) => extended(&mut out, sql, params),
        }
        self.stream
            .get_mut()
            .write_all(&out)
            .await
            .map_err(|_| EngineError::closed())?;
        self.read_answers(rows).await
    }

    async fn read_answers(
        &mut self,
        rows: &mut (impl Rows + Send),
    ) -> Result<Vec<Completed>, EngineError> {
        let mut done = Vec::new();
        let mut current = Completed::default();
        let mut error = None;
        let mut answered = false;
        loop {
            let Ok((tag, body)) = wire::read_message(&mut self.stream, MAX_MESSAGE_BYTES).await
            else {
                return Err(match answered {
                    true => EngineError::lost("the engine closed the session"),
                    false => EngineError::closed(),
                });
            };
            answered = true;
            match tag {
                b'T' => {
                    current.has_result_set = true;
                    rows.columns(row_description(Bytes::from(body))?);
                }
                b'D' if error.is_none() => {
                    if let Err(e) = rows.row(Bytes::from(body)).await {
                        // Too large, say: stop the query and keep reading to its end.
                        error = Some(e);
                        self.cancel().await;
                    }
                }
                b'C' => {
                    current.tag =
                        String::from_utf8_lossy(body.strip_suffix(b"\0").unwrap_or(&body))
                            .into_owned();
                    done.push(std::mem::take(&mut current));
                }
                b'I' => done.push(std::mem::take(&mut current)),
                b'E' => {
                    let (code, message) = wire::error_fields(&body);
                    error.get_or_insert(EngineError { code, message });
                }
                b'Z' => {
                    self.in_transaction = body.first().is_some_and(|&s| s != b'I');
                    return match error {
                        Some(e) => Err(e),
                        None => Ok(done),
                    };
                }
                // ParseComplete, BindComplete, NoData, notices, parameter changes,
                // notifications, rows after an error: nothing a caller reads.
                _ => {}
            }
        }
    }

    /// Runs a COPY or UNLOAD of S3 on this session (see `sql::s3`).
    pub async fn run_s3(
        &mut self,
        command: &crate::sql::s3::command::Command,
        config: &crate::sql::s3::S3Config,
        database: &str,
        user: &str,
    ) -> Result<crate::sql::s3::Done, EngineError> {
        let status = if self.in_transaction { b'T' } else { b'I' };
        let context = crate::sql::s3::Context {
            config,
            lease: &self.session.lease,
            database,
            user,
            key: self.session.key,
        };
        let mut session = crate::sql::s3::session::Session::new(&mut self.stream, status);
        let outcome = crate::sql::s3::run(command, &mut session, &context).await;
        self.in_transaction = session.status() != b'I';
        outcome.map_err(|e| EngineError {
            code: e.code,
            message: e.message,
        })
    }

    /// Cancels what the session runs now.
    pub async fn cancel(&self) {
        let (socket, key) = self.cancel_target();
        cancel(&socket, key).await;
    }
}

/// Rows nobody reads.
pub struct Discard;

impl Rows for Discard {
    fn columns(&mut self, _: Vec<Column>) {}

    async fn row(&mut self, _: Bytes) -> Result<(), EngineError> {
        Ok(())
    }
}

/// Sends a CancelRequest for `key` to the engine on `socket`.
pub async fn cancel(socket: &std::path::Path, key: wire::BackendKey) {
    if let Ok(mut stream) = UnixStream::connect(socket).await {
        let _ = stream.write_all(&key.cancel_request()).await;
        let _ = stream.shutdown().await;
    }
}

fn message(out: &mut BytesMut, tag: u8, body: impl FnOnce(&mut BytesMut)) {
    out.put_u8(tag);
    let at = out.len();
    out.put_i32(0);
    body(out);
    let len = (out.len() - at) as i32;
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
}

fn cstr(out: &mut BytesMut, s: &str) {
    out.put_slice(s.as_bytes());
    out.put_u8(0);
}

/// Parse, Bind (parameters and results as text), Describe, Execute and Sync.
fn extended(out: &mut BytesMut, sql: &str, params: &[String]) {
    message(out, b'P', |b| {
        cstr(b, "");
        cstr(b, sql);
        b.put_i16(0);
    });
    message(out, b'B', |b| {
        cstr(b, "");
        cstr(b, "");
        b.put_i16(0);
        b.put_i16(params.len() as i16);
        for p in params {
            b.put_i32(p.len() as i32);
            b.put_slice(p.as_bytes());
        }
        b.put_i16(0);
    });
    message(out, b'D', |b| {
        b.put_u8(b'P');
        cstr(b, "");
    });
    message(out, b'E', |b| {
        cstr(b, "");
        b.put_i32(0);
    });
    message(out, b'S', |_| {});
}

fn malformed() -> EngineError {
    EngineError {
        code: "08P01".into(),
        message: "the engine sent a malformed message".into(),
    }
}

pub fn row_description(mut body: Bytes) -> Result<Vec<Column>, EngineError> {
    if body.remaining() < 2 {
        return Err(malformed());
    }
    let count = body.get_i16().max(0) as usize;
    let mut columns = Vec::with_capacity(count);
    for _ in 0..count {
        let Some(end) = body.iter().position(|&b| b == 0) else {
            return Err(malformed());
        };
        let name = String::from_utf8_lossy(&body[..end]).into_owned();
        body.advance(end + 1);
        if body.remaining() < 18 {
            return Err(malformed());
        }
        let table = body.get_u32();
        let attribute = body.get_i16();
        let type_oid = body.get_u32();
        let type_size = body.get_i16();
        let type_modifier = body.get_i32();
        let _format = body.get_i16();
        columns.push(Column {
            name,
            table,
            attribute,
            type_oid,
            type_size,
            type_modifier,
        });
    }
    Ok(columns)
}

/// The values of a DataRow's body: `None` for NULL, else the text.
pub fn values(row: &[u8]) -> impl Iterator<Item = Option<&[u8]>> {
    let mut rest = row.get(2..).unwrap_or_default();
    let count = row
        .get(0..2)
        .map_or(0, |c| i16::from_be_bytes([c[0], c[1]]).max(0) as usize);
    (0..count).map_while(move |_| {
        let len = i32::from_be_bytes(rest.get(0..4)?.try_into().ok()?);
        rest = &rest[4..];
        if len < 0 {
            return Some(None);
        }
        let value = rest.get(..len as usize)?;
        rest = &rest[len as usize..];
        Some(Some(value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_row_reads_as_its_values() {
        let mut row = BytesMut::new();
        row.put_i16(3);
        row.put_i32(1);
        row.put_slice(b"7");
        row.put_i32(-1);
        row.put_i32(2);
        row.put_slice(b"ab");
        let got: Vec<_> = values(&row).collect();
        assert_eq!(got, vec![Some(&b"7"[..]), None, Some(&b"ab"[..])]);
        // A truncated row stops where it breaks off.
        assert_eq!(values(&row[..9]).count(), 1);
        assert_eq!(values(&[]).count(), 0);
    }

    #[test]
    fn command_tags_count_rows() {
        let tag = |t: &str| Completed {
            tag: t.into(),
            has_result_set: false,
        };
        assert_eq!(tag("SELECT 3").rows(), Some(3));
        assert_eq!(tag("INSERT 0 12").rows(), Some(12));
        assert_eq!(tag("CREATE TABLE").rows(), None);
        assert_eq!(tag("BEGIN").rows(), None);
    }

    #[test]
    fn the_extended_protocol_binds_text() {
        let mut out = BytesMut::new();
        extended(&mut out, "select $1", &["42".into()]);
        let tags: Vec<u8> = {
            let mut tags = Vec::new();
            let mut rest = &out[..];
            while !rest.is_empty() {
                tags.push(rest[0]);
                let len = i32::from_be_bytes(rest[1..5].try_into().unwrap()) as usize;
                rest = &rest[1 + len..];
            }
            tags
        };
        assert_eq!(tags, b"PBDES");
    }
}
