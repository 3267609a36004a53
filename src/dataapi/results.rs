//! A statement's result as the Data API keeps it: the engine's columns and its rows as the
//! DataRow bodies it sent (text values), in memory up to [`IN_MEMORY`] and in a file of the
//! spill directory beyond, so a large result costs its size on disk, not in RAM. Pages are
//! read back by row number.

use crate::sql::client::{self, Column, EngineError, Rows};
use bytes::Bytes;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// How much of a result stays in memory before it goes to a file.
pub const IN_MEMORY: usize = 1 << 20;

/// The largest result the Data API keeps: 100 MB, as AWS documents its quota.
pub const MAX_RESULT_BYTES: u64 = 100 * 1024 * 1024;

/// The largest row: 64 KB, as AWS documents its quota.
pub const MAX_ROW_BYTES: usize = 64 * 1024;

/// A value typed as the Data API answers it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Long(i64),
    Double(f64),
    Bool(bool),
    Text(String),
    Blob(Vec<u8>),
}

/// How a column's text becomes a [`Value`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Typing {
    Long,
    Double,
    Bool,
    Blob,
    Text,
    /// SUPER (the engine's jsonb): a string of its compact JSON, as Redshift writes it.
    Super,
}

pub mod oid {
    pub const BOOL: u32 = 16;
    pub const BYTEA: u32 = 17;
    pub const CHAR: u32 = 18;
    pub const NAME: u32 = 19;
    pub const INT8: u32 = 20;
    pub const INT2: u32 = 21;
    pub const INT4: u32 = 23;
    pub const TEXT: u32 = 25;
    pub const OID: u32 = 26;
    pub const JSON: u32 = 114;
    pub const FLOAT4: u32 = 700;
    pub const FLOAT8: u32 = 701;
    pub const BPCHAR: u32 = 1042;
    pub const VARCHAR: u32 = 1043;
    pub const DATE: u32 = 1082;
    pub const TIME: u32 = 1083;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
    pub const INTERVAL: u32 = 1186;
    pub const TIMETZ: u32 = 1266;
    pub const NUMERIC: u32 = 1700;
    pub const JSONB: u32 = 3802;
}

/// What Redshift calls a type, how its values are typed, and its precision when fixed.
/// Types Redshift does not have keep the engine's name (looked up once per result).
pub fn redshift_type(type_oid: u32) -> Option<(&'static str, Typing, i32)> {
    use oid::*;
    Some(match type_oid {
        BOOL => ("bool", Typing::Bool, 1),
        BYTEA => ("varbyte", Typing::Blob, 0),
        CHAR => ("char", Typing::Text, 1),
        NAME => ("name", Typing::Text, 64),
        INT8 => ("int8", Typing::Long, 19),
        INT2 => ("int2", Typing::Long, 5),
        INT4 => ("int4", Typing::Long, 10),
        OID => ("oid", Typing::Long, 10),
        TEXT => ("text", Typing::Text, 0),
        JSON => ("super", Typing::Text, 0),
        JSONB => ("super", Typing::Super, 0),
        FLOAT4 => ("float4", Typing::Double, 8),
        FLOAT8 => ("float8", Typing::Double, 17),
        BPCHAR => ("bpchar", Typing::Text, 0),
        VARCHAR => ("varchar", Typing::Text, 0),
        DATE => ("date", Typing::Text, 13),
        TIME => ("time", Typing::Text, 15),
        TIMESTAMP => ("timestamp", Typing::Text, 29),
        TIMESTAMPTZ => ("timestamptz", Typing::Text, 35),
        INTERVAL => ("interval", Typing::Text, 49),
        TIMETZ => ("timetz", Typing::Text, 21),
        NUMERIC => ("numeric", Typing::Text, 0),
        _ => return None,
    })
}

/// The value of one column's text.
pub fn typed(typing: Typing, text: Option<&[u8]>) -> Value {
    let Some(text) = text else {
        return Value::Null;
    };
    let s = String::from_utf8_lossy(text);
    match typing {
        Typing::Long => s
            .parse()
            .map_or_else(|_| Value::Text(s.into()), Value::Long),
        Typing::Double => match s.parse::<f64>() {
            Ok(d) if d.is_finite() => Value::Double(d),
            _ => Value::Text(s.into()),
        },
        Typing::Bool => Value::Bool(text == b"t"),
        Typing::Blob => match text.strip_prefix(b"\\x").and_then(unhex) {
            Some(bytes) => Value::Blob(bytes),
            None => Value::Text(s.into()),
        },
        Typing::Text => Value::Text(s.into()),
        Typing::Super => {
            Value::Text(String::from_utf8_lossy(&crate::sql::json::compact_super(text)).into())
        }
    }
}

fn unhex(hex: &[u8]) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

/// The rows of one result, as the engine sent them.
pub struct ResultSet {
    pub columns: Vec<Column>,
    /// Where each row starts, in the concatenation of `memory` and the file.
    starts: Vec<u64>,
    memory: Vec<u8>,
    /// Rows that went to a file: where it is, how much of it is written, the writer.
    spilled: Option<Spill>,
    spill_dir: PathBuf,
    size: u64,
    /// Whether the rows are kept in a file that outlives this value (`--state-dir`): then
    /// all of them go to the file, and it is removed only once [`ResultSet::expire`]d.
    durable: bool,
}

struct Spill {
    path: PathBuf,
    writer: Option<tokio::io::BufWriter<tokio::fs::File>>,
    /// Bytes of the concatenation kept in the file (all rows before `memory`'s).
    length: u64,
    remove: std::sync::atomic::AtomicBool,
}

impl Drop for Spill {
    fn drop(&mut self) {
        if self.remove.load(std::sync::atomic::Ordering::Acquire) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl ResultSet {
    pub fn new(columns: Vec<Column>, spill_dir: &Path, durable: bool) -> ResultSet {
        ResultSet {
            columns,
            starts: Vec::new(),
            memory: Vec::new(),
            spilled: None,
            spill_dir: spill_dir.to_path_buf(),
            size: 0,
            durable,
        }
    }

    /// A result kept in `path` by an earlier run (durable).
    pub async fn open(columns: Vec<Column>, path: &Path) -> std::io::Result<ResultSet> {
        let bytes = tokio::fs::read(path).await?;
        let mut result = ResultSet::new(columns, path.parent().unwrap_or(path), true);
        let mut at = 0;
        while at < bytes.len() {
            let len = row_length(&bytes[at..]).ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "a result file is cut short",
                )
            })?;
            result.starts.push(at as u64);
            result.size += values_size(&bytes[at..at + len]) as u64;
            at += len;
        }
        result.spilled = Some(Spill {
            path: path.to_path_buf(),
            writer: None,
            length: bytes.len() as u64,
            remove: std::sync::atomic::AtomicBool::new(false),
        });
        Ok(result)
    }

    /// The file the rows are kept in, if they are.
    pub fn file(&self) -> Option<&Path> {
        self.spilled.as_ref().map(|s| s.path.as_path())
    }

    /// The result is no longer kept: its file goes when the last holder lets it go.
    pub fn expire(&self) {
        if let Some(spill) = &self.spilled {
            spill
                .remove
                .store(true, std::sync::atomic::Ordering::Release);
        }
    }

    pub fn rows(&self) -> u64 {
        self.starts.len() as u64
    }

    /// The bytes of the rows' values, as the Data API reports `ResultSize`.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a row whose values take `values` bytes ([`values_size`]).
    async fn push(&mut self, row: &[u8], values: usize) -> std::io::Result<()> {
        let offset = self.spilled.as_ref().map_or(0, |s| s.length);
        self.starts.push(offset + self.memory.len() as u64);
        self.memory.extend_from_slice(row);
        self.size += values as u64;
        if self.memory.len() >= IN_MEMORY {
            self.spill().await?;
        }
        Ok(())
    }

    /// Moves what is in memory to the file.
    async fn spill(&mut self) -> std::io::Result<()> {
        if self.spilled.is_none() {
            tokio::fs::create_dir_all(&self.spill_dir).await?;
            let path = self.spill_dir.join(uuid::Uuid::new_v4().to_string());
            let file = tokio::fs::File::create(&path).await?;
            self.spilled = Some(Spill {
                path,
                writer: Some(tokio::io::BufWriter::new(file)),
                length: 0,
                remove: std::sync::atomic::AtomicBool::new(!self.durable),
            });
        }
        let spill = self.spilled.as_mut().expect("made above");
        if let Some(writer) = spill.writer.as_mut() {
            writer.write_all(&self.memory).await?;
        }
        spill.length += self.memory.len() as u64;
        self.memory.clear();
        Ok(())
    }

    /// Ends writing: what is in the file is readable.
    pub async fn finish(&mut self) -> std::io::Result<()> {
        if self.durable && !self.memory.is_empty() {
            self.spill().await?;
        }
        if let Some(spill) = self.spilled.as_mut() {
            if let Some(mut writer) = spill.writer.take() {
                writer.flush().await?;
            }
        }
        Ok(())
    }

    /// Rows `from..to` (row numbers), each a DataRow body.
    pub async fn read(&self, from: u64, to: u64) -> std::io::Result<Vec<Bytes>> {
        let to = to.min(self.rows());
        if from >= to {
            return Ok(Vec::new());
        }
        let end_of = |i: u64| {
            self.starts.get(i as usize + 1).copied().unwrap_or_else(|| {
                self.spilled.as_ref().map_or(0, |s| s.length) + self.memory.len() as u64
            })
        };
        let (start, end) = (self.starts[from as usize], end_of(to - 1));
        let in_file = self.spilled.as_ref().map_or(0, |s| s.length);
        let mut bytes = Vec::with_capacity((end - start) as usize);
        if start < in_file {
            let spill = self.spilled.as_ref().expect("rows are in a file");
            let mut file = tokio::fs::File::open(&spill.path).await?;
            file.seek(std::io::SeekFrom::Start(start)).await?;
            let mut part = vec![0; (end.min(in_file) - start) as usize];
            file.read_exact(&mut part).await?;
            bytes.extend_from_slice(&part);
        }
        if end > in_file {
            let from_memory = start.max(in_file) - in_file;
            bytes.extend_from_slice(&self.memory[from_memory as usize..(end - in_file) as usize]);
        }
        let bytes = Bytes::from(bytes);
        Ok((from..to)
            .map(|i| {
                let (s, e) = (self.starts[i as usize] - start, end_of(i) - start);
                bytes.slice(s as usize..e as usize)
            })
            .collect())
    }
}

/// The bytes of a DataRow body's values: the row less its count and lengths.
fn values_size(row: &[u8]) -> usize {
    client::values(row).filter_map(|v| v.map(<[u8]>::len)).sum()
}

/// The length of the DataRow body at the start of `bytes`, if it is whole.
fn row_length(bytes: &[u8]) -> Option<usize> {
    let count = i16::from_be_bytes(bytes.get(0..2)?.try_into().ok()?).max(0) as usize;
    let mut at = 2;
    for _ in 0..count {
        let len = i32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?);
        at += 4 + len.max(0) as usize;
        if at > bytes.len() {
            return None;
        }
    }
    Some(at)
}

fn too_large(what: &str) -> EngineError {
    EngineError {
        code: "54000".into(),
        message: what.into(),
    }
}

/// Collects a run's results: the last statement's that returned rows is the one kept, as
/// the Data API keeps one result per statement.
pub struct Collector {
    spill_dir: PathBuf,
    durable: bool,
    pub result: Option<ResultSet>,
    error: Option<std::io::Error>,
}

impl Collector {
    pub fn new(spill_dir: &Path, durable: bool) -> Collector {
        Collector {
            spill_dir: spill_dir.to_path_buf(),
            durable,
            result: None,
            error: None,
        }
    }

    /// The result, finished, or why it could not be kept.
    pub async fn finish(mut self) -> Result<Option<ResultSet>, EngineError> {
        if let Some(e) = self.error.take() {
            return Err(too_large(&format!("The result could not be kept: {e}")));
        }
        if let Some(result) = self.result.as_mut() {
            result
                .finish()
                .await
                .map_err(|e| too_large(&format!("The result could not be kept: {e}")))?;
        }
        Ok(self.result)
    }
}

impl Rows for Collector {
    fn columns(&mut self, columns: Vec<Column>) {
        // A later statement of the run has rows: the earlier one's are not kept.
        if let Some(earlier) = self.result.take() {
            earlier.expire();
        }
        self.result = Some(ResultSet::new(columns, &self.spill_dir, self.durable));
    }

    async fn row(&mut self, row: Bytes) -> Result<(), EngineError> {
        let values = values_size(&row);
        if values > MAX_ROW_BYTES {
            return Err(too_large(
                "A row of the result exceeds the Data API's limit of 64 KB.",
            ));
        }
        let Some(result) = self.result.as_mut() else {
            return Ok(());
        };
        if result.size() + values as u64 > MAX_RESULT_BYTES {
            return Err(too_large(
                "The result exceeds the Data API's limit of 100 MB. Use UNLOAD for larger results.",
            ));
        }
        if let Err(e) = result.push(&row, values).await {
            let message = format!("The result could not be kept: {e}");
            self.error = Some(e);
            return Err(too_large(&message));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::{BufMut, BytesMut};

    fn row(values: &[Option<&str>]) -> Bytes {
        let mut b = BytesMut::new();
        b.put_i16(values.len() as i16);
        for v in values {
            match v {
                None => b.put_i32(-1),
                Some(v) => {
                    b.put_i32(v.len() as i32);
                    b.put_slice(v.as_bytes());
                }
            }
        }
        b.freeze()
    }

    #[test]
    fn values_are_typed_as_the_data_api_types_them() {
        assert_eq!(typed(Typing::Long, Some(b"-12")), Value::Long(-12));
        assert_eq!(typed(Typing::Double, Some(b"1.5")), Value::Double(1.5));
        assert_eq!(
            typed(Typing::Double, Some(b"NaN")),
            Value::Text("NaN".into())
        );
        assert_eq!(typed(Typing::Bool, Some(b"f")), Value::Bool(false));
        assert_eq!(
            typed(Typing::Blob, Some(b"\\x0aff")),
            Value::Blob(vec![10, 255])
        );
        assert_eq!(typed(Typing::Text, None), Value::Null);
        assert_eq!(
            typed(Typing::Super, Some(br#"{"a": [1, 2]}"#)),
            Value::Text(r#"{"a":[1,2]}"#.into())
        );
        assert_eq!(redshift_type(oid::NUMERIC).unwrap().1, Typing::Text);
    }

    #[tokio::test]
    async fn rows_spill_to_a_file_and_read_back_in_any_range() {
        let dir = tempfile::tempdir().unwrap();
        let mut result = ResultSet::new(Vec::new(), dir.path(), false);
        let big = "x".repeat(300_000);
        let rows: Vec<Bytes> = (0..10)
            .map(|i| row(&[Some(&i.to_string()), Some(&big), None]))
            .collect();
        for r in &rows {
            result.push(r, values_size(r)).await.unwrap();
        }
        result.finish().await.unwrap();
        assert!(result.spilled.is_some(), "3 MB went to a file");
        assert!(result.memory.len() < IN_MEMORY);
        assert_eq!(result.rows(), 10);
        for (from, to) in [(0, 10), (2, 5), (9, 10), (3, 4), (0, 1)] {
            let read = result.read(from, to).await.unwrap();
            assert_eq!(
                read,
                rows[from as usize..to as usize].to_vec(),
                "{from}..{to}"
            );
        }
        assert!(result.read(10, 12).await.unwrap().is_empty());
        let path = result.spilled.as_ref().unwrap().path.clone();
        drop(result);
        assert!(!path.exists(), "the file goes with the result");
    }

    #[tokio::test]
    async fn a_durable_result_reopens_from_its_file_until_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let mut result = ResultSet::new(Vec::new(), dir.path(), true);
        let rows: Vec<Bytes> = (0..3).map(|i| row(&[Some(&i.to_string()), None])).collect();
        for r in &rows {
            result.push(r, values_size(r)).await.unwrap();
        }
        result.finish().await.unwrap();
        let path = result
            .file()
            .expect("a durable result is in a file")
            .to_path_buf();
        let size = result.size();
        drop(result);
        assert!(path.exists(), "kept past its holder");
        let reopened = ResultSet::open(Vec::new(), &path).await.unwrap();
        assert_eq!(reopened.rows(), 3);
        assert_eq!(reopened.size(), size);
        assert_eq!(reopened.read(0, 3).await.unwrap(), rows);
        reopened.expire();
        drop(reopened);
        assert!(!path.exists(), "gone once expired");
    }
}
