//! COPY from S3: the objects under a prefix (in key order) or a manifest's, read as they
//! arrive, decompressed, split into records, checked value by value against the table's
//! columns, and fed to the engine's `COPY ... FROM STDIN` on the statement's own session
//! (so a `#temp` table and the client's transaction are the ones it loads). Bad rows are
//! skipped up to MAXERROR and recorded in the load-error table on a connection of their own;
//! past it the engine's COPY is abandoned, so nothing of the statement stays. A Parquet
//! object is staged to a temporary file and read by `parquet::read_file` on the blocking
//! pool; its values meet the same checks.

use super::command::{Copy, JsonMapping, LoadFormat};
use super::parquet;
use super::session::{literal, Session};
use super::values::{self, Bad, Formats, Type};
use super::{parse_url, Buckets, Context, Done, JobError};
use crate::sql::front::quote_ident;
use std::borrow::Cow;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt};

/// CopyData messages carry about this much.
const BATCH_BYTES: usize = 64 * 1024;
/// The longest line (or JSON object) read: Redshift's row limit.
const MAX_RECORD_BYTES: usize = 4 * 1024 * 1024;
/// The longest manifest or JSONPaths file read.
const MAX_SMALL_FILE: usize = 16 * 1024 * 1024;

/// A column being loaded.
struct Column {
    name: String,
    ty: Type,
    not_null: bool,
    length: Option<usize>,
}

/// One bad row, as STL_LOAD_ERRORS keeps it.
struct LoadError {
    file: String,
    line: u64,
    column: String,
    ty: String,
    length: String,
    raw_line: String,
    raw_value: String,
    bad: Bad,
}

/// Who the statement is: the table's oid, the user's, and the query id it was given.
struct Ids {
    table: i32,
    user: i32,
    query: i64,
}

pub async fn run<S>(
    copy: &Copy,
    session: &mut Session<S>,
    context: &Context<'_>,
) -> Result<Done, JobError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let started = chrono::Utc::now().naive_utc();
    let (ids, columns) = table_columns(copy, session).await?;
    let mut buckets = Buckets::new(context.config, &copy.credentials, copy.region.as_deref());
    let sources = sources(copy, &mut buckets).await?;
    let mut loader = Loader {
        copy,
        formats: Formats::new(
            copy.date_format.as_deref(),
            copy.time_format.as_deref(),
            copy.truncate_columns,
        ),
        json_paths: json_paths(copy, &mut buckets, columns.len()).await?,
        columns,
        errors: Vec::new(),
        batch: Vec::with_capacity(BATCH_BYTES + 4096),
        row: Vec::new(),
    };
    let names: Vec<String> = loader
        .columns
        .iter()
        .map(|c| quote_ident(&c.name))
        .collect();
    session
        .copy_in(&format!(
            "COPY {} ({}) FROM STDIN",
            copy.table,
            names.join(", ")
        ))
        .await?;
    let fed = loader.feed_all(&sources, &mut buckets, session).await;
    let outcome = match fed {
        Ok(()) => session.copy_done().await.map_err(JobError::from),
        Err(e) => {
            session.copy_fail(&e.message).await?;
            Err(e)
        }
    };
    if !loader.errors.is_empty() {
        record_errors(context, &ids, started, &loader.errors).await;
    }
    let loaded = outcome?;
    let settings = format!(
        "SELECT set_config('redshift.last_copy_count', '{loaded}', false), \
         set_config('redshift.last_copy_id', '{}', false)",
        ids.query
    );
    session.query(&settings).await?;
    let table = &copy.table_name;
    let mut notices = vec![format!(
        "Load into table '{table}' completed, {loaded} record(s) loaded successfully."
    )];
    if !loader.errors.is_empty() {
        notices.push(format!(
            "Load into table '{table}' completed, {} record(s) could not be loaded.  Check 'stl_load_errors' system table for details.",
            loader.errors.len()
        ));
    }
    Ok(Done {
        notices,
        tag: "COPY".into(),
        rows: loaded,
    })
}

/// The table's columns the COPY loads (the list given, or all of them, in order).
async fn table_columns<S>(
    copy: &Copy,
    session: &mut Session<S>,
) -> Result<(Ids, Vec<Column>), JobError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let sql = format!(
        "WITH q AS (SELECT nextval('pg_catalog.redshift_query_id') AS id, \
           (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)::int AS userid, \
           {}::regclass::oid::int AS tbl) \
         SELECT q.id, q.userid, q.tbl, a.attname, t.typname, a.atttypmod, a.attnotnull \
         FROM q LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = q.tbl AND a.attnum > 0 \
           AND NOT a.attisdropped \
         LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid ORDER BY a.attnum",
        literal(&copy.table)
    );
    let rows = session.query(&sql).await?;
    let get =
        |row: &Vec<Option<String>>, i: usize| row.get(i).cloned().flatten().unwrap_or_default();
    let first = rows
        .first()
        .ok_or_else(|| JobError::new("XX000", "the table could not be read"))?;
    let ids = Ids {
        query: get(first, 0).parse().unwrap_or(-1),
        user: get(first, 1).parse().unwrap_or(0),
        table: get(first, 2).parse().unwrap_or(0),
    };
    let all: Vec<Column> = rows
        .iter()
        .filter(|r| r.get(3).is_some_and(Option::is_some))
        .map(|r| {
            let typmod: i32 = get(r, 5).parse().unwrap_or(-1);
            let ty = Type::from_catalog(&get(r, 4), typmod);
            let length = match ty {
                Type::Chars { bytes, .. } => bytes,
                _ => None,
            };
            Column {
                name: get(r, 3),
                ty,
                not_null: get(r, 6) == "t",
                length,
            }
        })
        .collect();
    if copy.columns.is_empty() {
        return Ok((ids, all));
    }
    let mut all = all;
    let mut chosen = Vec::with_capacity(copy.columns.len());
    for name in &copy.columns {
        let at = all.iter().position(|c| &c.name == name).ok_or_else(|| {
            JobError::new(
                "42703",
                format!(
                    "column \"{name}\" of relation \"{}\" does not exist",
                    copy.table_name
                ),
            )
        })?;
        chosen.push(all.remove(at));
    }
    Ok((ids, chosen))
}

/// The objects to load: a manifest's entries, or every key under the prefix.
async fn sources(copy: &Copy, buckets: &mut Buckets<'_>) -> Result<Vec<String>, JobError> {
    let (bucket, key) = parse_url(&copy.source)?;
    if copy.manifest {
        return manifest_entries(copy, buckets, bucket, key).await;
    }
    let keys = buckets.list(bucket, key).await?;
    if keys.is_empty() {
        return Err(JobError::s3(format!(
            "The specified S3 prefix '{key}' does not exist"
        )));
    }
    Ok(keys
        .into_iter()
        .map(|(k, _)| format!("s3://{bucket}/{k}"))
        .collect())
}

async fn read_small(buckets: &mut Buckets<'_>, url: &str) -> Result<Option<Vec<u8>>, JobError> {
    use tokio::io::AsyncReadExt;
    let (bucket, key) = parse_url(url)?;
    let Some(reader) = buckets.open(bucket, key).await? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_SMALL_FILE as u64 + 1)
        .read_to_end(&mut bytes)
        .await
        .map_err(JobError::s3)?;
    if bytes.len() > MAX_SMALL_FILE {
        return Err(JobError::new(
            "XX000",
            format!("'{url}' is too large to read"),
        ));
    }
    Ok(Some(bytes))
}

async fn manifest_entries(
    copy: &Copy,
    buckets: &mut Buckets<'_>,
    bucket: &str,
    key: &str,
) -> Result<Vec<String>, JobError> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        entries: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        url: String,
        #[serde(default)]
        mandatory: bool,
    }
    let Some(bytes) = read_small(buckets, &copy.source).await? else {
        return Err(JobError::s3(format!(
            "Problem reading manifest file - The specified key does not exist. Bucket: {bucket}, key: {key}"
        )));
    };
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        JobError::new(
            "XX000",
            format!("Manifest file is not in correct json format: {e}"),
        )
    })?;
    let mut urls = Vec::new();
    for entry in manifest.entries {
        let (bucket, key) = parse_url(&entry.url)?;
        let exists = buckets
            .list(bucket, key)
            .await?
            .iter()
            .any(|(k, _)| k == key);
        match (exists, entry.mandatory) {
            (true, _) => urls.push(entry.url),
            (false, true) => {
                return Err(JobError::s3(format!(
                    "The specified key does not exist. Mandatory manifest entry '{}' not found",
                    entry.url
                )))
            }
            (false, false) => {}
        }
    }
    Ok(urls)
}

/// The JSONPaths of a `JSON 's3://...'` COPY, one per column.
async fn json_paths(
    copy: &Copy,
    buckets: &mut Buckets<'_>,
    columns: usize,
) -> Result<Vec<Vec<Step>>, JobError> {
    let LoadFormat::Json(JsonMapping::Paths(url)) = &copy.format else {
        return Ok(Vec::new());
    };
    #[derive(serde::Deserialize)]
    struct File {
        jsonpaths: Vec<String>,
    }
    let bytes = read_small(buckets, url)
        .await?
        .ok_or_else(|| JobError::s3(format!("The specified key does not exist: {url}")))?;
    let file: File = serde_json::from_slice(&bytes)
        .map_err(|e| JobError::new("XX000", format!("Invalid JSONPath format: {e}")))?;
    if file.jsonpaths.len() != columns {
        return Err(JobError::new(
            "XX000",
            format!(
                "Number of jsonpaths and the number of columns should match. JSONPath size: {}, Number of columns in table or column list: {columns}",
                file.jsonpaths.len()
            ),
        ));
    }
    file.jsonpaths.iter().map(|p| json_path(p)).collect()
}

/// One step of a JSONPath: a member or an element.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Member(String),
    Element(usize),
}

/// `$.a.b`, `$['a']["b"]`, `$.a[0]`.
fn json_path(path: &str) -> Result<Vec<Step>, JobError> {
    let refused = || JobError::new("XX000", format!("Invalid JSONPath format: {path}"));
    let mut rest = path.trim().strip_prefix('$').ok_or_else(refused)?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            if end == 0 {
                return Err(refused());
            }
            steps.push(Step::Member(after[..end].to_string()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']').ok_or_else(refused)?;
            let inside = after[..end].trim();
            let quoted = inside
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inside.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
            steps.push(match quoted {
                Some(name) => Step::Member(name.to_string()),
                None => Step::Element(inside.parse().map_err(|_| refused())?),
            });
            rest = &after[end + 1..];
        } else {
            return Err(refused());
        }
    }
    Ok(steps)
}

/// A field as read, before its column's rules apply.
struct Field {
    text: String,
    /// It was quoted (a quoted empty string is not empty data) or matched the null string.
    quoted: bool,
    null: bool,
}

impl Field {
    fn value(text: String, quoted: bool) -> Field {
        Field {
            text,
            quoted,
            null: false,
        }
    }

    fn null() -> Field {
        Field {
            text: String::new(),
            quoted: false,
            null: true,
        }
    }
}

/// Where one record of a file came from.
struct Origin<'a> {
    file: &'a str,
    line: u64,
    raw: &'a str,
}

struct Loader<'a> {
    copy: &'a Copy,
    formats: Formats,
    json_paths: Vec<Vec<Step>>,
    columns: Vec<Column>,
    errors: Vec<LoadError>,
    batch: Vec<u8>,
    row: Vec<u8>,
}

impl Loader<'_> {
    async fn feed_all<S>(
        &mut self,
        sources: &[String],
        buckets: &mut Buckets<'_>,
        session: &mut Session<S>,
    ) -> Result<(), JobError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        for url in sources {
            let (bucket, key) = parse_url(url)?;
            let Some(object) = buckets.open(bucket, key).await? else {
                return Err(JobError::s3(format!(
                    "The specified key does not exist: {url}"
                )));
            };
            if self.copy.format == LoadFormat::Parquet {
                self.feed_parquet(url, object, session).await?;
                continue;
            }
            let mut reader = super::decompressed(object, self.copy.compression);
            match &self.copy.format {
                LoadFormat::Json(_) => self.feed_json(url, &mut reader, session).await?,
                _ => self.feed_lines(url, &mut reader, session).await?,
            }
        }
        if !self.batch.is_empty() {
            session.copy_data(&self.batch).await?;
            self.batch.clear();
        }
        Ok(())
    }

    async fn flush_if_full<S>(&mut self, session: &mut Session<S>) -> Result<(), JobError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        if self.batch.len() >= BATCH_BYTES {
            session.copy_data(&self.batch).await?;
            self.batch.clear();
        }
        Ok(())
    }

    /// Delimited text, CSV and fixed-width files: records of one or more lines.
    async fn feed_lines<S>(
        &mut self,
        url: &str,
        reader: &mut (dyn AsyncBufRead + Unpin + Send),
        session: &mut Session<S>,
    ) -> Result<(), JobError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        let mut line_no = 0u64;
        let mut bytes = Vec::new();
        loop {
            bytes.clear();
            let first_line = line_no + 1;
            let mut ended = false;
            // A CSV record goes on over lines while a quote is open; an escaped newline too.
            loop {
                let before = bytes.len();
                let got = read_line(reader, &mut bytes).await?;
                if got == 0 {
                    ended = bytes.is_empty();
                    break;
                }
                line_no += 1;
                if !self.continues(&bytes[..], before) {
                    break;
                }
            }
            if ended {
                return Ok(());
            }
            if line_no <= self.copy.ignore_header {
                continue;
            }
            let trimmed = strip_newline(&bytes, self.copy.format == LoadFormat::Csv);
            let text = match self.text_of(trimmed) {
                Ok(text) => text,
                Err(bad) => {
                    let raw = String::from_utf8_lossy(trimmed).into_owned();
                    let origin = Origin {
                        file: url,
                        line: first_line,
                        raw: &raw,
                    };
                    self.reject(&origin, None, "", bad)?;
                    continue;
                }
            };
            if self.copy.ignore_blank_lines && text.trim().is_empty() {
                continue;
            }
            let origin = Origin {
                file: url,
                line: line_no.max(first_line),
                raw: &text,
            };
            let fields = match &self.copy.format {
                LoadFormat::Csv => csv_fields(&text, self.delimiter(), self.copy.quote),
                LoadFormat::FixedWidth(widths) => Ok(fixed_fields(&text, widths)),
                _ => Ok(text_fields(
                    &text,
                    self.delimiter(),
                    self.copy.escape,
                    self.copy.remove_quotes,
                )),
            };
            match fields {
                Ok(fields) => self.record(&origin, fields)?,
                Err(bad) => self.reject(&origin, None, "", bad)?,
            }
            self.flush_if_full(session).await?;
        }
    }

    /// A Parquet file: staged to a temporary file (its footer is at its end), read on the
    /// blocking pool, its rows handed back through a bounded channel.
    async fn feed_parquet<S>(
        &mut self,
        url: &str,
        mut object: impl AsyncBufRead + Unpin + Send,
        session: &mut Session<S>,
    ) -> Result<(), JobError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        let staged = parquet::Staged::new();
        let mut file = tokio::fs::File::create(staged.path())
            .await
            .map_err(JobError::s3)?;
        tokio::io::copy_buf(&mut object, &mut file)
            .await
            .map_err(read_failed)?;
        // The reader opens the file anew: what tokio still holds must reach it first.
        file.flush().await.map_err(JobError::s3)?;
        drop(file);
        let spec = parquet::ReadSpec {
            url: url.to_string(),
            types: self.columns.iter().map(|c| c.ty.clone()).collect(),
            fill_record: self.copy.fill_record,
            accept_inv_chars: self.copy.accept_inv_chars,
        };
        let (tx, mut rx) = tokio::sync::mpsc::channel(4);
        let path = staged.path().to_path_buf();
        let reading = tokio::task::spawn_blocking(move || parquet::read_file(&path, &spec, &tx));
        let mut line = 0u64;
        let fed = async {
            while let Some(batch) = rx.recv().await {
                for cells in batch {
                    line += 1;
                    let origin = Origin {
                        file: url,
                        line,
                        raw: "",
                    };
                    let mut fields = Vec::with_capacity(cells.len());
                    for (i, cell) in cells.into_iter().enumerate() {
                        match cell {
                            Ok(Some(text)) => fields.push(Field::value(text, true)),
                            Ok(None) => fields.push(Field::null()),
                            Err(bad) => {
                                self.reject(&origin, Some(i), "", bad)?;
                                fields.clear();
                                break;
                            }
                        }
                    }
                    if !fields.is_empty() {
                        self.record(&origin, fields)?;
                    }
                }
                self.flush_if_full(session).await?;
            }
            Ok::<(), JobError>(())
        }
        .await;
        // The reader ends once the channel is gone (it stops sending when no one reads).
        drop(rx);
        let read = reading.await.unwrap_or_else(|e| {
            Err(JobError::new(
                "XX000",
                format!("Spectrum Scan Error: reading '{url}' failed: {e}"),
            ))
        });
        fed.and(read)
    }

    fn delimiter(&self) -> char {
        self.copy.delimiter.unwrap_or(match self.copy.format {
            LoadFormat::Csv => ',',
            _ => '|',
        })
    }

    /// Whether the record read so far (its last line starting at `last`) goes on.
    fn continues(&self, bytes: &[u8], last: usize) -> bool {
        if !bytes.ends_with(b"\n") {
            return false;
        }
        match self.copy.format {
            LoadFormat::Csv => {
                let quote = self.copy.quote as u32;
                quote < 128 && bytes.iter().filter(|&&b| b as u32 == quote).count() % 2 == 1
            }
            LoadFormat::Text if self.copy.escape => {
                let line = &bytes[last..bytes.len() - 1];
                let backslashes = line.iter().rev().take_while(|&&b| b == b'\\').count();
                backslashes % 2 == 1
            }
            _ => false,
        }
    }

    /// The line as text: invalid UTF-8 replaced (ACCEPTINVCHARS) or refused.
    fn text_of<'b>(&self, bytes: &'b [u8]) -> Result<Cow<'b, str>, Bad> {
        super::values::utf8_text(bytes, self.copy.accept_inv_chars)
    }

    /// JSON files: one object after another.
    async fn feed_json<S>(
        &mut self,
        url: &str,
        reader: &mut (dyn AsyncBufRead + Unpin + Send),
        session: &mut Session<S>,
    ) -> Result<(), JobError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        let mut scanner = JsonScanner::default();
        let mut object = Vec::new();
        loop {
            object.clear();
            let found = scanner.next(reader, &mut object).await?;
            let Some(line) = found else {
                return Ok(());
            };
            let raw = String::from_utf8_lossy(&object).into_owned();
            let origin = Origin {
                file: url,
                line,
                raw: &raw,
            };
            match serde_json::from_slice::<serde_json::Value>(&object) {
                Ok(serde_json::Value::Object(map)) => {
                    let fields = self.json_fields(&serde_json::Value::Object(map));
                    self.record(&origin, fields)?;
                }
                _ => self.reject(
                    &origin,
                    None,
                    "",
                    Bad {
                        code: 1216,
                        reason: "Invalid JSONPath format: Member is not an object.".into(),
                    },
                )?,
            }
            self.flush_if_full(session).await?;
        }
    }

    fn json_fields(&self, object: &serde_json::Value) -> Vec<Field> {
        let found: Vec<Option<&serde_json::Value>> = match &self.copy.format {
            LoadFormat::Json(JsonMapping::Auto { ignore_case }) => {
                let map = object.as_object();
                self.columns
                    .iter()
                    .map(|c| {
                        map.and_then(|m| match ignore_case {
                            false => m.get(&c.name),
                            true => m
                                .iter()
                                .find(|(k, _)| k.eq_ignore_ascii_case(&c.name))
                                .map(|(_, v)| v),
                        })
                    })
                    .collect()
            }
            _ => self
                .json_paths
                .iter()
                .map(|steps| {
                    steps.iter().try_fold(object, |v, step| match step {
                        Step::Member(name) => v.get(name),
                        Step::Element(i) => v.get(i),
                    })
                })
                .collect(),
        };
        found
            .into_iter()
            .map(|v| match v {
                None | Some(serde_json::Value::Null) => Field::null(),
                Some(serde_json::Value::String(s)) => Field::value(s.clone(), true),
                Some(other) => Field::value(other.to_string(), false),
            })
            .collect()
    }

    /// One record's fields: checked, converted and added to the batch, or rejected.
    fn record(&mut self, origin: &Origin<'_>, mut fields: Vec<Field>) -> Result<(), JobError> {
        let want = self.columns.len();
        if fields.len() > want && !matches!(self.copy.format, LoadFormat::Json(_)) {
            let bad = Bad {
                code: 1202,
                reason: "Extra column(s) found".into(),
            };
            return self.reject(origin, Some(want - 1), "", bad);
        }
        if fields.len() < want {
            if !self.copy.fill_record {
                let at = fields.len();
                let bad = Bad {
                    code: 1214,
                    reason: "Delimiter not found".into(),
                };
                return self.reject(origin, Some(at.min(want - 1)), "", bad);
            }
            while fields.len() < want {
                fields.push(Field::value(String::new(), false));
            }
        }
        self.row.clear();
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                self.row.push(b'\t');
            }
            let column = &self.columns[i];
            let value = match self.value_of(field, column) {
                Ok(value) => value,
                Err(bad) => return self.reject(origin, Some(i), &field.text, bad),
            };
            values::put_copy_text(&mut self.row, value.as_deref());
        }
        self.row.push(b'\n');
        self.batch.extend_from_slice(&self.row);
        Ok(())
    }

    /// A field as its column takes it: `None` for NULL.
    fn value_of<'f>(&self, field: &'f Field, column: &Column) -> Result<Option<Cow<'f, str>>, Bad> {
        let copy = self.copy;
        let text = match copy.trim_blanks && column.ty.is_chars() {
            true => field.text.trim(),
            false => field.text.as_str(),
        };
        let null = field.null
            || (!field.quoted && copy.null_as.as_deref() == Some(text))
            || (copy.null_as.is_none()
                && !field.quoted
                && matches!(copy.format, LoadFormat::Text | LoadFormat::FixedWidth(_))
                && text == "\\N")
            || (text.is_empty() && (!column.ty.is_chars() || copy.empty_as_null && !field.quoted))
            || (copy.blanks_as_null && !text.is_empty() && text.trim().is_empty())
            || (!column.ty.is_chars() && text.trim().is_empty());
        if null {
            return match column.not_null {
                true => Err(Bad {
                    code: 1213,
                    reason: "Missing data for not-null field".into(),
                }),
                false => Ok(None),
            };
        }
        values::convert(text, &column.ty, &self.formats).map(Some)
    }

    /// Records a bad row; fails the statement when there are more than MAXERROR.
    fn reject(
        &mut self,
        origin: &Origin<'_>,
        column: Option<usize>,
        raw_value: &str,
        bad: Bad,
    ) -> Result<(), JobError> {
        let column = column.and_then(|i| self.columns.get(i));
        self.errors.push(LoadError {
            file: origin.file.to_string(),
            line: origin.line,
            column: column.map(|c| c.name.clone()).unwrap_or_default(),
            ty: column.map(|c| c.ty.name().to_string()).unwrap_or_default(),
            length: column
                .and_then(|c| c.length)
                .map(|l| l.to_string())
                .unwrap_or_default(),
            raw_line: truncated(origin.raw, 1024),
            raw_value: truncated(raw_value, 1024),
            bad,
        });
        match self.errors.len() as u64 > self.copy.max_error {
            true => Err(JobError::new(
                "XX000",
                format!(
                    "Load into table '{}' failed.  Check 'stl_load_errors' system table for details.",
                    self.copy.table_name
                ),
            )),
            false => Ok(()),
        }
    }
}

fn truncated(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// Appends one line (with its newline) to `out`; 0 at the end of the input.
async fn read_line(
    reader: &mut (dyn AsyncBufRead + Unpin + Send),
    out: &mut Vec<u8>,
) -> Result<usize, JobError> {
    let mut read = 0;
    loop {
        let available = reader.fill_buf().await.map_err(read_failed)?;
        if available.is_empty() {
            return Ok(read);
        }
        let (taken, done) = match available.iter().position(|&b| b == b'\n') {
            Some(at) => (at + 1, true),
            None => (available.len(), false),
        };
        out.extend_from_slice(&available[..taken]);
        reader.consume(taken);
        read += taken;
        if out.len() > MAX_RECORD_BYTES {
            return Err(JobError::new(
                "XX000",
                format!("a record is longer than the {MAX_RECORD_BYTES} bytes Redshift allows"),
            ));
        }
        if done {
            return Ok(read);
        }
    }
}

fn read_failed(e: std::io::Error) -> JobError {
    JobError::s3(format!("Problem reading the load file: {e}"))
}

fn strip_newline(bytes: &[u8], crlf: bool) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    match crlf {
        true => bytes.strip_suffix(b"\r").unwrap_or(bytes),
        false => bytes,
    }
}

/// Delimited text: ESCAPE makes a backslash take the next character as it is (so `\N` as
/// written is NULL, found before it is unescaped); REMOVEQUOTES drops the double quotes
/// around a field (keeping delimiters inside them).
fn text_fields(line: &str, delimiter: char, escape: bool, remove_quotes: bool) -> Vec<Field> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let (mut in_quotes, mut quoted) = (false, false);
    // Where the field began in `line`, to see it as written.
    let mut began = 0;
    let field = |current: String, quoted: bool, raw: &str| match escape && raw == "\\N" {
        true => Field::null(),
        false => Field::value(current, quoted),
    };
    let mut chars = line.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' if escape => match chars.next() {
                Some((_, next)) => current.push(next),
                None => current.push('\n'),
            },
            '"' if remove_quotes && (in_quotes || current.is_empty()) => {
                in_quotes = !in_quotes;
                quoted = true;
            }
            c if c == delimiter && !in_quotes => {
                fields.push(field(
                    std::mem::take(&mut current),
                    quoted,
                    &line[began..at],
                ));
                quoted = false;
                began = at + c.len_utf8();
            }
            c => current.push(c),
        }
    }
    fields.push(field(current, quoted, &line[began..]));
    fields
}

/// CSV: fields in `quote` may hold delimiters, newlines and doubled quotes.
fn csv_fields(record: &str, delimiter: char, quote: char) -> Result<Vec<Field>, Bad> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = record.chars().peekable();
    loop {
        let Some(c) = chars.next() else {
            fields.push(Field::value(current, quoted));
            return Ok(fields);
        };
        if c == quote && current.is_empty() && !quoted {
            quoted = true;
            loop {
                match chars.next() {
                    Some(c) if c == quote => match chars.peek() {
                        Some(&next) if next == quote => {
                            current.push(quote);
                            chars.next();
                        }
                        _ => break,
                    },
                    Some(c) => current.push(c),
                    None => {
                        return Err(Bad {
                            code: 1216,
                            reason: "Unterminated quoted field".into(),
                        })
                    }
                }
            }
        } else if c == delimiter {
            fields.push(Field::value(std::mem::take(&mut current), quoted));
            quoted = false;
        } else {
            current.push(c);
        }
    }
}

/// Fixed-width text: each column's characters, its padding trimmed.
fn fixed_fields(line: &str, widths: &[usize]) -> Vec<Field> {
    let mut rest = line;
    widths
        .iter()
        .map(|&w| {
            let end = rest.char_indices().nth(w).map_or(rest.len(), |(i, _)| i);
            let (field, after) = rest.split_at(end);
            rest = after;
            Field::value(field.trim().to_string(), false)
        })
        .collect()
}

/// Finds one top-level JSON object after another in a stream, counting lines.
#[derive(Default)]
struct JsonScanner {
    line: u64,
}

impl JsonScanner {
    /// Appends the next object to `out`; the line it ends on, or `None` at the end.
    async fn next(
        &mut self,
        reader: &mut (dyn AsyncBufRead + Unpin + Send),
        out: &mut Vec<u8>,
    ) -> Result<Option<u64>, JobError> {
        let (mut depth, mut strings) = (0usize, crate::sql::json::Strings::default());
        loop {
            let available = reader.fill_buf().await.map_err(read_failed)?;
            if available.is_empty() {
                return match out.iter().all(u8::is_ascii_whitespace) {
                    true => Ok(None),
                    false => Ok(Some(self.line + 1)),
                };
            }
            let mut taken = 0;
            let mut done = false;
            for &b in available {
                taken += 1;
                if b == b'\n' {
                    self.line += 1;
                }
                if depth == 0 && !strings.is_open() && b != b'{' {
                    if !b.is_ascii_whitespace() {
                        out.push(b);
                    }
                    continue;
                }
                out.push(b);
                if strings.take(b) {
                    continue;
                }
                match b {
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            done = true;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            reader.consume(taken);
            if out.len() > MAX_RECORD_BYTES {
                return Err(JobError::new(
                    "XX000",
                    "a JSON object is longer than Redshift allows",
                ));
            }
            if done {
                return Ok(Some(self.line + 1));
            }
        }
    }
}

/// Writes the load errors on a connection of their own, so they stay whatever becomes of
/// the statement's transaction.
async fn record_errors(
    context: &Context<'_>,
    ids: &Ids,
    started: chrono::NaiveDateTime,
    errors: &[LoadError],
) {
    let Ok(admin) = context.lease.admin(context.database).await else {
        tracing::warn!("load errors could not be recorded: no admin connection");
        return;
    };
    let collect = |f: fn(&LoadError) -> String| errors.iter().map(f).collect::<Vec<String>>();
    let files = collect(|e| e.file.clone());
    let lines: Vec<i64> = errors.iter().map(|e| e.line as i64).collect();
    let columns = collect(|e| e.column.clone());
    let types = collect(|e| e.ty.clone());
    let lengths = collect(|e| e.length.clone());
    let raw_lines = collect(|e| e.raw_line.clone());
    let raw_values = collect(|e| e.raw_value.clone());
    let codes: Vec<i32> = errors.iter().map(|e| e.bad.code).collect();
    let reasons = collect(|e| truncated(&e.bad.reason, 512));
    let started = started.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    let written = admin
        .execute(
            "INSERT INTO pg_catalog.redshift_load_errors (userid, slice, tbl, starttime, session, \
               query, transaction_id, database_name, filename, line_number, colname, type, \
               col_length, position, raw_line, raw_field_value, err_code, err_reason) \
             SELECT $1, 0, $2, $3::text::timestamp, $4, $5, 0, $6, f, l, c, t, n, 0, r, v, e, m \
             FROM unnest($7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[], \
               $12::text[], $13::text[], $14::int[], $15::text[]) AS x(f, l, c, t, n, r, v, e, m)",
            &[
                &ids.user,
                &ids.table,
                &started,
                &context.key.pid,
                &ids.query,
                &context.database,
                &files,
                &lines,
                &columns,
                &types,
                &lengths,
                &raw_lines,
                &raw_values,
                &codes,
                &reasons,
            ],
        )
        .await;
    if let Err(e) = written {
        tracing::warn!("load errors could not be recorded: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(fields: Vec<Field>) -> Vec<String> {
        fields.into_iter().map(|f| f.text).collect()
    }

    #[test]
    fn csv_records() {
        let f = csv_fields("1,\"a,b\",\"say \"\"hi\"\"\",,x", ',', '"').unwrap();
        assert!(f[1].quoted && !f[3].quoted);
        assert_eq!(texts(f), ["1", "a,b", "say \"hi\"", "", "x"]);
        assert_eq!(
            texts(csv_fields("\"two\nlines\"|z", '|', '"').unwrap()),
            ["two\nlines", "z"]
        );
        assert_eq!(csv_fields("\"open", ',', '"').err().unwrap().code, 1216);
    }

    #[test]
    fn text_records() {
        assert_eq!(
            texts(text_fields("a|b||c", '|', false, false)),
            ["a", "b", "", "c"]
        );
        assert_eq!(
            texts(text_fields("a\\|b|c\\\\", '|', true, false)),
            ["a|b", "c\\"]
        );
        let escaped = text_fields("\\N|x\\N", '|', true, false);
        assert!(escaped[0].null && !escaped[1].null && escaped[1].text == "xN");
        assert_eq!(
            texts(text_fields("\"x|y\"|z", '|', false, true)),
            ["x|y", "z"]
        );
        assert_eq!(
            texts(fixed_fields("ab  cdef", &[4, 2, 5])),
            ["ab", "cd", "ef"]
        );
    }

    #[test]
    fn json_paths_parse() {
        assert_eq!(
            json_path("$.a['b c'][2]").unwrap(),
            [
                Step::Member("a".into()),
                Step::Member("b c".into()),
                Step::Element(2)
            ]
        );
        assert!(json_path("a.b").is_err());
    }

    #[tokio::test]
    async fn json_objects_stream_out_of_any_layout() {
        let input = b"{\"a\": 1}\n{\"a\": \"}\",\n \"b\": [1, {\"c\": 2}]}  {\"z\":0}\n".to_vec();
        let mut reader: Box<dyn AsyncBufRead + Unpin + Send> =
            Box::new(std::io::Cursor::new(input));
        let mut scanner = JsonScanner::default();
        let mut got = Vec::new();
        loop {
            let mut out = Vec::new();
            match scanner.next(&mut *reader, &mut out).await.unwrap() {
                Some(line) => got.push((line, String::from_utf8(out).unwrap())),
                None => break,
            }
        }
        assert_eq!(got.len(), 3);
        assert_eq!(got[0], (1, "{\"a\": 1}".to_string()));
        assert_eq!(got[1].0, 3);
        assert_eq!(got[2].1, "{\"z\":0}");
    }
}
