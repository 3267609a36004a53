//! UNLOAD to S3: the query (in Redshift's dialect) runs as `COPY (query) TO STDOUT` on the
//! statement's own session; each row, as it arrives, is written in Redshift's format
//! (delimited text, CSV or JSON) to the current part, through its compressor, into an
//! object store writer that uploads in parts; parts are named as Redshift names them. A
//! Parquet part's values go to `parquet::PartWriter` instead, which uploads the part's file
//! when it is complete.

use super::command::{ManifestKind, Unload, UnloadFormat};
use super::parquet::{OutColumn, PartWriter};
use super::session::Session;
use super::{parse_url, Buckets, Context, Done, JobError};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

/// A part's rows are handed to its writer in pieces of about this much.
const PIECE_BYTES: usize = 64 * 1024;
/// Redshift's largest part, and the default MAXFILESIZE.
const DEFAULT_MAX_FILE: u64 = 6_200 * 1024 * 1024;

pub async fn run<S>(
    unload: &Unload,
    session: &mut Session<S>,
    context: &Context<'_>,
) -> Result<Done, JobError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let (bucket, prefix) = parse_url(&unload.target)?;
    let mut buckets = Buckets::new(
        context.config,
        &unload.credentials,
        unload.region.as_deref(),
    );
    let store = buckets.store(bucket, true)?;
    let existing = buckets.list(bucket, prefix).await?;
    if !existing.is_empty() {
        match (unload.allow_overwrite, unload.clean_path) {
            (true, _) => {}
            (false, true) => clean(&store, &existing).await?,
            (false, false) => {
                return Err(JobError::new(
                    "XX000",
                    "Specified unload destination on S3 is not empty. Consider using a different bucket / prefix, manually removing the target files in S3, or using the ALLOWOVERWRITE option.",
                ))
            }
        }
    }
    let query =
        crate::sql::dialect::translate(unload.query.trim().trim_end_matches(';')).into_owned();
    let described = session
        .describe(&format!("SELECT * FROM ({query}) AS unload_query LIMIT 0"))
        .await?;
    let columns: Vec<(String, u32)> = described
        .iter()
        .map(|c| (c.name.clone(), c.type_oid))
        .collect();
    let partition: Vec<usize> = unload
        .partition_by
        .iter()
        .map(|name| {
            columns
                .iter()
                .position(|(c, _)| c == name)
                .ok_or_else(|| JobError::new("42703", format!("column \"{name}\" does not exist")))
        })
        .collect::<Result<_, _>>()?;
    let copy = match partition.is_empty() {
        true => format!("COPY ({query}) TO STDOUT"),
        // One partition after another, so only one part is open at a time.
        false => {
            let order: Vec<String> = partition.iter().map(|i| (i + 1).to_string()).collect();
            format!(
                "COPY (SELECT * FROM ({query}) AS unload_query ORDER BY {}) TO STDOUT",
                order.join(", ")
            )
        }
    };
    // A Parquet part's schema: the written columns, with the modifiers that give a
    // NUMERIC's precision and scale.
    let parquet_columns: Vec<OutColumn> = written_columns(unload, &partition, described.len())
        .map(|i| OutColumn {
            name: described[i].name.clone(),
            type_oid: described[i].type_oid,
            typmod: described[i].type_modifier,
        })
        .collect();
    session.copy_out(&copy).await?;
    let mut writer = Writer {
        unload,
        store,
        bucket,
        prefix,
        columns: &columns,
        parquet_columns: &parquet_columns,
        partition: &partition,
        current: None,
        current_key: None,
        sequence: 0,
        written: Vec::new(),
        line: Vec::new(),
        values: Vec::new(),
    };
    let mut rows = 0u64;
    // The engine's failure ends its COPY itself; a failure to write leaves the rows coming.
    let mut writing_failed = None;
    loop {
        let row = match session.copy_out_data().await {
            Ok(Some(row)) => row,
            Ok(None) => break,
            Err(e) => {
                writer.abandon().await;
                return Err(e.into());
            }
        };
        if let Err(e) = writer.row(&row).await {
            writing_failed = Some(e);
            break;
        }
        rows += 1;
    }
    if let Some(e) = writing_failed {
        // Stop the query rather than read the rest of its rows for nothing.
        crate::sql::client::cancel(context.lease.socket(), context.key).await;
        let _ = session.drain_copy_out().await;
        writer.abandon().await;
        return Err(e);
    }
    if writer.written.is_empty() && writer.current.is_none() {
        writer.open(None).await?;
    }
    writer.close().await?;
    if let Some(kind) = unload.manifest {
        let (key, body) = manifest(&writer, kind);
        writer
            .store
            .put(&ObjectPath::from(key.as_str()), body.into())
            .await
            .map_err(JobError::s3)?;
    }
    Ok(Done {
        notices: vec![format!(
            "UNLOAD completed, {rows} record(s) unloaded successfully."
        )],
        tag: "UNLOAD".into(),
        rows,
    })
}

async fn clean(store: &Arc<dyn ObjectStore>, existing: &[(String, u64)]) -> Result<(), JobError> {
    for (key, _) in existing {
        store
            .delete(&ObjectPath::from(key.as_str()))
            .await
            .map_err(JobError::s3)?;
    }
    Ok(())
}

/// The name of a part: `0000_part_NN` (PARALLEL ON, one slice) or `NNN` (PARALLEL OFF),
/// then the EXTENSION and the compression's suffix.
pub fn part_name(unload: &Unload, sequence: u32) -> String {
    let mut name = match unload.parallel {
        true => format!("0000_part_{sequence:02}"),
        false => format!("{sequence:03}"),
    };
    let suffix = unload.compression.extension();
    let parquet = (unload.format == UnloadFormat::Parquet).then_some("parquet");
    if let Some(extension) = unload.extension.as_deref().or(parquet) {
        let extension = extension.trim_start_matches('.');
        name.push('.');
        name.push_str(extension);
        if name.ends_with(suffix) {
            return name;
        }
    }
    name.push_str(suffix);
    name
}

/// A Hive-style partition path segment: `col=value/`.
fn partition_segment(names: &[&str], values: &[Option<&str>]) -> String {
    let mut out = String::new();
    for (name, value) in names.iter().zip(values) {
        let value = value.unwrap_or("__HIVE_DEFAULT_PARTITION__");
        out.push_str(name);
        out.push('=');
        for c in value.chars() {
            match c {
                '/' | '\\' | '=' | '%' | '#' | '?' | '*' | ':' | '"' | '\'' | '\n' | '\r'
                | '\t' => out.push_str(&format!("%{:02X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('/');
    }
    out
}

/// One part being written.
struct Part {
    key: String,
    sink: Sink,
    /// Bytes written (before compression; a Parquet part's as text), for MAXFILESIZE.
    written: u64,
    records: u64,
}

/// Where a part's rows go.
enum Sink {
    /// Rendered rows, through the compressor, into the object's upload.
    Rendered {
        output: Box<dyn AsyncWrite + Unpin + Send>,
        /// Bytes that reached the object (after compression).
        stored: Arc<AtomicU64>,
        pending: Vec<u8>,
    },
    /// Rows' values, to a Parquet file uploaded when the part is complete.
    Parquet(PartWriter),
}

/// A part that is complete.
struct Written {
    url: String,
    bytes: u64,
    records: u64,
}

struct Writer<'a> {
    unload: &'a Unload,
    store: Arc<dyn ObjectStore>,
    bucket: &'a str,
    prefix: &'a str,
    columns: &'a [(String, u32)],
    parquet_columns: &'a [OutColumn],
    partition: &'a [usize],
    current: Option<Part>,
    /// The partition segment of the current part.
    current_key: Option<String>,
    sequence: u32,
    written: Vec<Written>,
    line: Vec<u8>,
    values: Vec<Option<String>>,
}

impl Writer<'_> {
    fn max_file(&self) -> u64 {
        self.unload.max_file_size.unwrap_or(DEFAULT_MAX_FILE)
    }

    async fn row(&mut self, row: &[u8]) -> Result<(), JobError> {
        self.values.clear();
        copy_text_values(row, &mut self.values);
        let segment = match self.partition.is_empty() {
            true => None,
            false => {
                let names: Vec<&str> = self
                    .partition
                    .iter()
                    .map(|&i| self.columns[i].0.as_str())
                    .collect();
                let values: Vec<Option<&str>> = self
                    .partition
                    .iter()
                    .map(|&i| self.values.get(i).and_then(|v| v.as_deref()))
                    .collect();
                Some(partition_segment(&names, &values))
            }
        };
        let full = self
            .current
            .as_ref()
            .is_some_and(|p| p.written >= self.max_file());
        if self.current.is_none() || segment != self.current_key || full {
            if segment != self.current_key {
                self.sequence = 0;
            }
            self.close().await?;
            self.open(segment).await?;
        }
        let part = self.current.as_mut().expect("opened above");
        part.records += 1;
        match &mut part.sink {
            Sink::Rendered {
                output, pending, ..
            } => {
                self.line.clear();
                render(
                    self.unload,
                    self.columns,
                    self.partition,
                    &self.values,
                    &mut self.line,
                );
                pending.extend_from_slice(&self.line);
                part.written += self.line.len() as u64;
                if pending.len() >= PIECE_BYTES {
                    output.write_all(pending).await.map_err(JobError::s3)?;
                    pending.clear();
                }
            }
            Sink::Parquet(writer) => {
                let values: Vec<Option<String>> =
                    written_columns(self.unload, self.partition, self.values.len())
                        .map(|i| self.values[i].take())
                        .collect();
                part.written += values
                    .iter()
                    .map(|v| v.as_ref().map_or(1, |v| v.len() as u64 + 1))
                    .sum::<u64>();
                writer.push(values).await?;
            }
        }
        Ok(())
    }

    async fn open(&mut self, segment: Option<String>) -> Result<(), JobError> {
        let mut key = self.prefix.to_string();
        if let Some(segment) = &segment {
            if !key.is_empty() && !key.ends_with('/') {
                key.push('/');
            }
            key.push_str(segment);
        }
        key.push_str(&part_name(self.unload, self.sequence));
        self.sequence += 1;
        if self.unload.format == UnloadFormat::Parquet {
            let writer =
                PartWriter::start(self.parquet_columns.to_vec(), self.unload.row_group_size);
            self.current = Some(Part {
                key,
                sink: Sink::Parquet(writer),
                written: 0,
                records: 0,
            });
            self.current_key = segment;
            return Ok(());
        }
        let stored = Arc::new(AtomicU64::new(0));
        let upload = object_store::buffered::BufWriter::with_capacity(
            self.store.clone(),
            ObjectPath::from(key.as_str()),
            10 * 1024 * 1024,
        );
        let counted = Counted {
            inner: upload,
            count: stored.clone(),
        };
        let output: Box<dyn AsyncWrite + Unpin + Send> =
            compressed(counted, self.unload.compression);
        let mut pending = Vec::with_capacity(PIECE_BYTES + 4096);
        if self.unload.header {
            header(self.unload, self.columns, self.partition, &mut pending);
        }
        self.current = Some(Part {
            key,
            sink: Sink::Rendered {
                output,
                stored,
                pending,
            },
            written: 0,
            records: 0,
        });
        self.current_key = segment;
        Ok(())
    }

    async fn close(&mut self) -> Result<(), JobError> {
        let Some(part) = self.current.take() else {
            return Ok(());
        };
        let bytes = match part.sink {
            Sink::Rendered {
                mut output,
                stored,
                pending,
            } => {
                output.write_all(&pending).await.map_err(JobError::s3)?;
                output.shutdown().await.map_err(JobError::s3)?;
                stored.load(Ordering::Relaxed)
            }
            Sink::Parquet(writer) => writer.finish(&self.store, &part.key).await?,
        };
        self.written.push(Written {
            url: format!("s3://{}/{}", self.bucket, part.key),
            bytes,
            records: part.records,
        });
        Ok(())
    }

    /// Leaves the part being written unfinished (its upload is given up).
    async fn abandon(&mut self) {
        self.current = None;
    }
}

/// The values of one row of the engine's COPY text format: tab-separated, `\N` for NULL,
/// backslash escapes undone.
pub fn copy_text_values(row: &[u8], out: &mut Vec<Option<String>>) {
    let row = row.strip_suffix(b"\n").unwrap_or(row);
    for field in row.split(|&b| b == b'\t') {
        if field == b"\\N" {
            out.push(None);
            continue;
        }
        if !field.contains(&b'\\') {
            out.push(Some(String::from_utf8_lossy(field).into_owned()));
            continue;
        }
        let mut value = Vec::with_capacity(field.len());
        let mut i = 0;
        while i < field.len() {
            if field[i] != b'\\' || i + 1 == field.len() {
                value.push(field[i]);
                i += 1;
                continue;
            }
            let next = field[i + 1];
            i += 2;
            value.push(match next {
                b'n' => b'\n',
                b't' => b'\t',
                b'r' => b'\r',
                b'b' => 8,
                b'f' => 12,
                b'v' => 11,
                b'0'..=b'7' => {
                    let mut n = (next - b'0') as u32;
                    let mut digits = 1;
                    while digits < 3 && i < field.len() && (b'0'..=b'7').contains(&field[i]) {
                        n = n * 8 + (field[i] - b'0') as u32;
                        i += 1;
                        digits += 1;
                    }
                    n as u8
                }
                other => other,
            });
        }
        out.push(Some(String::from_utf8_lossy(&value).into_owned()));
    }
}

fn delimiter(unload: &Unload) -> char {
    unload.delimiter.unwrap_or(match unload.format {
        UnloadFormat::Csv => ',',
        _ => '|',
    })
}

/// The columns written (a partition's columns only with INCLUDE).
fn written_columns<'a>(
    unload: &'a Unload,
    partition: &'a [usize],
    count: usize,
) -> impl Iterator<Item = usize> + 'a {
    (0..count).filter(move |i| unload.partition_include || !partition.contains(i))
}

fn header(unload: &Unload, columns: &[(String, u32)], partition: &[usize], out: &mut Vec<u8>) {
    let names: Vec<Option<String>> = columns.iter().map(|(n, _)| Some(n.clone())).collect();
    match unload.format {
        UnloadFormat::Json => {}
        _ => {
            let plain = Unload {
                add_quotes: false,
                ..unload.clone()
            };
            render(&plain, columns, partition, &names, out)
        }
    }
}

/// Whether a column of this type is written as a JSON number or boolean.
fn json_bare(type_oid: u32) -> bool {
    // int2, int4, int8, float4, float8, numeric, bool, oid
    matches!(type_oid, 20 | 21 | 23 | 700 | 701 | 1700 | 16 | 26)
}

/// One row (with its newline) in the UNLOAD's format.
fn render(
    unload: &Unload,
    columns: &[(String, u32)],
    partition: &[usize],
    values: &[Option<String>],
    out: &mut Vec<u8>,
) {
    let delimiter = delimiter(unload);
    let mut first = true;
    if unload.format == UnloadFormat::Json {
        let mut object = serde_json::Map::new();
        for i in written_columns(unload, partition, values.len()) {
            let (name, oid) = &columns[i.min(columns.len() - 1)];
            let value = match &values[i] {
                None => serde_json::Value::Null,
                Some(v) if *oid == 16 => serde_json::Value::Bool(v == "t" || v == "true"),
                Some(v) if json_bare(*oid) => {
                    serde_json::from_str(v).unwrap_or_else(|_| serde_json::Value::String(v.clone()))
                }
                Some(v) => serde_json::Value::String(v.clone()),
            };
            object.insert(name.clone(), value);
        }
        out.extend_from_slice(serde_json::Value::Object(object).to_string().as_bytes());
        out.push(b'\n');
        return;
    }
    for i in written_columns(unload, partition, values.len()) {
        if !first {
            let mut buf = [0u8; 4];
            out.extend_from_slice(delimiter.encode_utf8(&mut buf).as_bytes());
        }
        first = false;
        match &values[i] {
            None => out.extend_from_slice(unload.null_as.as_deref().unwrap_or("").as_bytes()),
            Some(v) => match unload.format {
                UnloadFormat::Csv => csv_value(v, delimiter, out),
                _ => text_value(v, delimiter, unload.add_quotes, unload.escape, out),
            },
        }
    }
    out.push(b'\n');
}

fn csv_value(v: &str, delimiter: char, out: &mut Vec<u8>) {
    let needs = v.contains(delimiter) || v.contains(['"', '\n', '\r']) || v.is_empty();
    if !needs {
        out.extend_from_slice(v.as_bytes());
        return;
    }
    out.push(b'"');
    out.extend_from_slice(v.replace('"', "\"\"").as_bytes());
    out.push(b'"');
}

fn text_value(v: &str, delimiter: char, quotes: bool, escape: bool, out: &mut Vec<u8>) {
    if quotes {
        out.push(b'"');
    }
    if escape {
        for c in v.chars() {
            if c == '\\' || c == '\n' || c == '\r' || c == delimiter || (quotes && c == '"') {
                out.push(b'\\');
            }
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    } else {
        out.extend_from_slice(v.as_bytes());
    }
    if quotes {
        out.push(b'"');
    }
}

/// The manifest's key and body.
fn manifest(writer: &Writer<'_>, kind: ManifestKind) -> (String, Vec<u8>) {
    use serde_json::json;
    let entries: Vec<serde_json::Value> = writer
        .written
        .iter()
        .map(|w| match kind {
            ManifestKind::Plain => json!({ "url": w.url }),
            ManifestKind::Verbose => json!({
                "url": w.url,
                "meta": { "content_length": w.bytes, "record_count": w.records }
            }),
        })
        .collect();
    let mut manifest = json!({ "entries": entries });
    if kind == ManifestKind::Verbose {
        let elements: Vec<serde_json::Value> =
            written_columns(writer.unload, writer.partition, writer.columns.len())
                .map(|i| {
                    let (name, oid) = &writer.columns[i];
                    json!({ "name": name, "type": { "base": type_name(*oid) } })
                })
                .collect();
        manifest["schema"] = json!({ "elements": elements });
        manifest["meta"] = json!({
            "content_length": writer.written.iter().map(|w| w.bytes).sum::<u64>(),
            "record_count": writer.written.iter().map(|w| w.records).sum::<u64>(),
        });
        manifest["author"] = json!({ "name": "Amazon Redshift", "version": "1.0.0" });
    }
    let key = format!("{}manifest", writer.prefix);
    (
        key,
        serde_json::to_vec_pretty(&manifest).unwrap_or_default(),
    )
}

fn type_name(oid: u32) -> &'static str {
    match oid {
        16 => "boolean",
        20 => "bigint",
        21 => "smallint",
        23 => "integer",
        700 => "real",
        701 => "double precision",
        1700 => "numeric",
        1082 => "date",
        1114 => "timestamp without time zone",
        1184 => "timestamp with time zone",
        1042 => "character",
        _ => "character varying",
    }
}

/// `inner`, counting the bytes that pass.
struct Counted<W> {
    inner: W,
    count: Arc<AtomicU64>,
}

impl<W: AsyncWrite + Unpin> AsyncWrite for Counted<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &polled {
            self.count.fetch_add(*n as u64, Ordering::Relaxed);
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

fn compressed<W>(
    inner: W,
    compression: super::command::Compression,
) -> Box<dyn AsyncWrite + Unpin + Send>
where
    W: AsyncWrite + Unpin + Send + 'static,
{
    use super::command::Compression;
    use async_compression::tokio::write::{BzEncoder, GzipEncoder, ZstdEncoder};
    match compression {
        Compression::None => Box::new(inner),
        Compression::Gzip => Box::new(GzipEncoder::new(inner)),
        Compression::Bzip2 => Box::new(BzEncoder::new(inner)),
        Compression::Zstd => Box::new(ZstdEncoder::new(inner)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::s3::command::{classify, Command};

    fn unload(sql: &str) -> Unload {
        match classify(sql) {
            Some(Ok(Command::Unload(u))) => u,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parts_are_named_as_redshift_names_them() {
        let u = unload("unload ('select 1') to 's3://b/p/'");
        assert_eq!(part_name(&u, 0), "0000_part_00");
        assert_eq!(part_name(&u, 12), "0000_part_12");
        let u = unload("unload ('select 1') to 's3://b/p/' parallel off gzip");
        assert_eq!(part_name(&u, 1), "001.gz");
        let u = unload("unload ('select 1') to 's3://b/p/' extension 'csv' zstd");
        assert_eq!(part_name(&u, 0), "0000_part_00.csv.zst");
        let u = unload("unload ('select 1') to 's3://b/p/' parquet");
        assert_eq!(part_name(&u, 3), "0000_part_03.parquet");
        let u = unload("unload ('select 1') to 's3://b/p/' parquet parallel off extension 'pq'");
        assert_eq!(part_name(&u, 0), "000.pq");
        assert_eq!(
            partition_segment(&["d", "k"], &[Some("2024-01-01"), None]),
            "d=2024-01-01/k=__HIVE_DEFAULT_PARTITION__/"
        );
    }

    #[test]
    fn rows_render_in_each_format() {
        let columns = vec![("a".to_string(), 23), ("b".to_string(), 25)];
        let mut values = Vec::new();
        copy_text_values(b"1\tx|y\\n\"z\"\n", &mut values);
        assert_eq!(values, [Some("1".into()), Some("x|y\n\"z\"".into())]);
        let mut out = Vec::new();
        render(
            &unload("unload ('q') to 's3://b/p'"),
            &columns,
            &[],
            &values,
            &mut out,
        );
        assert_eq!(out, b"1|x|y\n\"z\"\n");
        out.clear();
        render(
            &unload("unload ('q') to 's3://b/p' escape addquotes"),
            &columns,
            &[],
            &values,
            &mut out,
        );
        assert_eq!(out, b"\"1\"|\"x\\|y\\\n\\\"z\\\"\"\n");
        out.clear();
        render(
            &unload("unload ('q') to 's3://b/p' csv"),
            &columns,
            &[],
            &values,
            &mut out,
        );
        assert_eq!(out, b"1,\"x|y\n\"\"z\"\"\"\n");
        out.clear();
        render(
            &unload("unload ('q') to 's3://b/p' format json"),
            &columns,
            &[],
            &[Some("1".into()), None],
            &mut out,
        );
        assert_eq!(out, b"{\"a\":1,\"b\":null}\n");
        out.clear();
        render(
            &unload("unload ('q') to 's3://b/p' null as 'NULL' partition by (a)"),
            &columns,
            &[0],
            &[Some("1".into()), None],
            &mut out,
        );
        assert_eq!(out, b"NULL\n");
    }
}
