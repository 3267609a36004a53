//! The engine's protocol as a COPY or UNLOAD drives it: simple queries with small results,
//! `COPY ... FROM STDIN` fed in CopyData messages, and `COPY (...) TO STDOUT` read as it
//! comes. It runs on any session's stream, between two of its ReadyForQuery messages.

use crate::sql::wire;
use bytes::{BufMut, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

/// The largest answer message read whole.
const MAX_MESSAGE_BYTES: usize = 1 << 30;

/// The engine's refusal, or a lost session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineFailure {
    pub code: String,
    pub message: String,
}

impl EngineFailure {
    fn lost() -> EngineFailure {
        EngineFailure {
            code: "08006".into(),
            message: "the connection to the database engine was lost".into(),
        }
    }

    /// Whether the session can no longer be used.
    pub fn is_lost(&self) -> bool {
        self.code == "08006"
    }
}

/// One engine session, driven a message at a time.
pub struct Session<S> {
    stream: BufReader<S>,
    /// The transaction status of the last ReadyForQuery (`I`, `T` or `E`).
    status: u8,
    out: BytesMut,
}

impl<S> Session<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    pub fn new(stream: S, status: u8) -> Session<S> {
        Session {
            stream: BufReader::with_capacity(64 * 1024, stream),
            status,
            out: BytesMut::with_capacity(64 * 1024),
        }
    }

    /// The transaction status the engine last reported.
    pub fn status(&self) -> u8 {
        self.status
    }

    /// The stream, and what was read from it past the last message handled.
    pub fn into_parts(self) -> (S, Vec<u8>) {
        let unread = self.stream.buffer().to_vec();
        (self.stream.into_inner(), unread)
    }

    async fn send_query(&mut self, sql: &str) -> Result<(), EngineFailure> {
        self.out.clear();
        self.out.put_u8(b'Q');
        self.out.put_i32((4 + sql.len() + 1) as i32);
        self.out.put_slice(sql.as_bytes());
        self.out.put_u8(0);
        self.flush_out().await
    }

    async fn flush_out(&mut self) -> Result<(), EngineFailure> {
        let stream = self.stream.get_mut();
        stream
            .write_all(&self.out)
            .await
            .map_err(|_| EngineFailure::lost())?;
        self.out.clear();
        Ok(())
    }

    async fn read(&mut self) -> Result<(u8, Vec<u8>), EngineFailure> {
        wire::read_message(&mut self.stream, MAX_MESSAGE_BYTES)
            .await
            .map_err(|_| EngineFailure::lost())
    }

    /// Reads to the ReadyForQuery that ends the exchange, keeping the first error.
    async fn finish(&mut self, mut error: Option<EngineFailure>) -> Result<(), EngineFailure> {
        loop {
            let (tag, body) = self.read().await?;
            match tag {
                b'E' => {
                    let (code, message) = wire::error_fields(&body);
                    error.get_or_insert(EngineFailure { code, message });
                }
                b'Z' => {
                    self.status = body.first().copied().unwrap_or(b'I');
                    return error.map_or(Ok(()), Err);
                }
                _ => {}
            }
        }
    }

    /// Runs `sql` (a statement with a small result): its rows, each value as text.
    pub async fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, EngineFailure> {
        self.send_query(sql).await?;
        let mut rows = Vec::new();
        let mut error = None;
        loop {
            let (tag, body) = self.read().await?;
            match tag {
                b'D' => rows.push(
                    crate::sql::client::values(&body)
                        .map(|v| v.map(|v| String::from_utf8_lossy(v).into_owned()))
                        .collect(),
                ),
                b'E' => {
                    let (code, message) = wire::error_fields(&body);
                    error = Some(EngineFailure { code, message });
                    return self.finish(error).await.map(|_| rows);
                }
                // A COPY the query turned out to be: refuse it, then read to the end.
                b'G' => {
                    self.copy_fail("unexpected COPY").await?;
                    error = Some(EngineFailure {
                        code: "0A000".into(),
                        message: "unexpected COPY".into(),
                    });
                }
                b'Z' => {
                    self.status = body.first().copied().unwrap_or(b'I');
                    return error.map_or(Ok(rows), Err);
                }
                _ => {}
            }
        }
    }

    /// Starts `COPY ... FROM STDIN`; the engine then takes CopyData.
    pub async fn copy_in(&mut self, sql: &str) -> Result<(), EngineFailure> {
        self.start_copy(sql, b'G').await
    }

    /// Sends `sql`, a COPY, and reads the engine's answer up to its `CopyInResponse` or
    /// `CopyOutResponse` (`started`).
    async fn start_copy(&mut self, sql: &str, started: u8) -> Result<(), EngineFailure> {
        self.send_query(sql).await?;
        loop {
            let (tag, body) = self.read().await?;
            match tag {
                tag if tag == started => return Ok(()),
                b'E' => {
                    let (code, message) = wire::error_fields(&body);
                    return self.finish(Some(EngineFailure { code, message })).await;
                }
                b'Z' => {
                    self.status = body.first().copied().unwrap_or(b'I');
                    return Err(EngineFailure {
                        code: "XX000".into(),
                        message: "the engine did not start the COPY".into(),
                    });
                }
                _ => {}
            }
        }
    }

    /// Sends `rows` (whole rows in COPY's text format) as one CopyData message.
    pub async fn copy_data(&mut self, rows: &[u8]) -> Result<(), EngineFailure> {
        self.out.clear();
        self.out.put_u8(b'd');
        self.out.put_i32((4 + rows.len()) as i32);
        let stream = self.stream.get_mut();
        let sent = async {
            stream.write_all(&self.out).await?;
            stream.write_all(rows).await
        };
        sent.await.map_err(|_| EngineFailure::lost())?;
        self.out.clear();
        Ok(())
    }

    /// Ends the COPY: the rows it loaded, or the engine's refusal of them.
    pub async fn copy_done(&mut self) -> Result<u64, EngineFailure> {
        self.out.clear();
        self.out.put_u8(b'c');
        self.out.put_i32(4);
        self.flush_out().await?;
        let mut loaded = 0;
        let mut error = None;
        loop {
            let (tag, body) = self.read().await?;
            match tag {
                b'C' => {
                    let tag = String::from_utf8_lossy(body.strip_suffix(b"\0").unwrap_or(&body))
                        .into_owned();
                    loaded = tag
                        .rsplit(' ')
                        .next()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or(0);
                }
                b'E' => {
                    let (code, message) = wire::error_fields(&body);
                    error.get_or_insert(EngineFailure { code, message });
                }
                b'Z' => {
                    self.status = body.first().copied().unwrap_or(b'I');
                    return error.map_or(Ok(loaded), Err);
                }
                _ => {}
            }
        }
    }

    /// Abandons the COPY: the engine loads none of it.
    pub async fn copy_fail(&mut self, reason: &str) -> Result<(), EngineFailure> {
        self.out.clear();
        self.out.put_u8(b'f');
        self.out.put_i32((4 + reason.len() + 1) as i32);
        self.out.put_slice(reason.as_bytes());
        self.out.put_u8(0);
        self.flush_out().await?;
        match self.finish(None).await {
            Err(e) if e.is_lost() => Err(e),
            _ => Ok(()),
        }
    }

    /// Starts `COPY (...) TO STDOUT`; then [`Session::copy_out_data`] until `None`.
    pub async fn copy_out(&mut self, sql: &str) -> Result<(), EngineFailure> {
        self.start_copy(sql, b'H').await
    }

    /// The next row of a COPY out, `None` at its end (the engine's error, if it failed).
    pub async fn copy_out_data(&mut self) -> Result<Option<Vec<u8>>, EngineFailure> {
        loop {
            let (tag, body) = self.read().await?;
            match tag {
                b'd' => return Ok(Some(body)),
                b'E' => {
                    let (code, message) = wire::error_fields(&body);
                    return self
                        .finish(Some(EngineFailure { code, message }))
                        .await
                        .map(|_| None);
                }
                b'Z' => {
                    self.status = body.first().copied().unwrap_or(b'I');
                    return Ok(None);
                }
                _ => {}
            }
        }
    }

    /// Reads what is left of a COPY out that is given up (the engine still sends it all).
    pub async fn drain_copy_out(&mut self) -> Result<(), EngineFailure> {
        while self.copy_out_data().await?.is_some() {}
        Ok(())
    }
}

/// A quoted SQL string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl<S> Session<S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    /// Runs `sql` for the client: every answer but the closing ReadyForQuery is written to
    /// `client` as it comes. Whether it succeeded.
    pub async fn relay<W>(&mut self, sql: &str, client: &mut W) -> Result<bool, EngineFailure>
    where
        W: AsyncWrite + Unpin + Send,
    {
        self.send_query(sql).await?;
        let mut ok = true;
        loop {
            let (tag, body) = self.read().await?;
            match tag {
                b'Z' => {
                    self.status = body.first().copied().unwrap_or(b'I');
                    return Ok(ok);
                }
                // The client's own COPY FROM STDIN cannot share a query with a COPY of S3.
                b'G' => {
                    self.out.clear();
                    let reason =
                        "COPY FROM STDIN cannot share a query with a COPY or UNLOAD of Amazon S3";
                    self.out.put_u8(b'f');
                    self.out.put_i32((4 + reason.len() + 1) as i32);
                    self.out.put_slice(reason.as_bytes());
                    self.out.put_u8(0);
                    self.flush_out().await?;
                    continue;
                }
                b'E' => ok = false,
                _ => {}
            }
            let mut framed = Vec::with_capacity(5 + body.len());
            framed.push(tag);
            framed.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
            framed.extend_from_slice(&body);
            client
                .write_all(&framed)
                .await
                .map_err(|_| EngineFailure::lost())?;
        }
    }

    /// The columns `sql` returns (names, type oids and modifiers), without running it to its
    /// end.
    pub async fn describe(
        &mut self,
        sql: &str,
    ) -> Result<Vec<crate::sql::client::Column>, EngineFailure> {
        self.send_query(sql).await?;
        let mut columns = Vec::new();
        let mut error = None;
        loop {
            let (tag, body) = self.read().await?;
            match tag {
                b'T' => {
                    columns = crate::sql::client::row_description(bytes::Bytes::from(body))
                        .map_err(|e| EngineFailure {
                            code: e.code,
                            message: e.message,
                        })?
                }
                b'E' => {
                    let (code, message) = wire::error_fields(&body);
                    error.get_or_insert(EngineFailure { code, message });
                }
                b'Z' => {
                    self.status = body.first().copied().unwrap_or(b'I');
                    return error.map_or(Ok(columns), Err);
                }
                _ => {}
            }
        }
    }
}
