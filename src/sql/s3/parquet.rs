//! Apache Parquet for COPY and UNLOAD, with the `parquet` crate's low-level column readers
//! and writers (no Arrow). Parquet keeps its footer at the end, so a COPY stages each object
//! in a temporary file first; an UNLOAD writes each part to a temporary file and uploads it
//! when it is complete. The file work is blocking and runs on the blocking pool, fed or
//! drained through a bounded channel, so memory stays bounded by a batch of rows (reading)
//! or a row group (writing).
//!
//! Values cross as text: a COPY turns each Parquet value into the text the engine takes
//! (then checked by `values` as any other format's), an UNLOAD parses the engine's COPY text
//! into the Parquet type Redshift writes for the column's type.

use super::values::{Bad, Type};
use super::JobError;
use chrono::{DateTime, NaiveDate, NaiveTime};
use object_store::path::Path as ObjectPath;
use object_store::ObjectStore;
use parquet::basic::{
    Compression as Codec, ConvertedType, LogicalType, Repetition, TimeUnit, Type as Physical,
};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DataType, DoubleType, FixedLenByteArray,
    FixedLenByteArrayType, FloatType, Int32Type, Int64Type,
};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{ColumnDescriptor, Type as SchemaType};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

/// Rows cross the channel this many at a time.
const BATCH_ROWS: usize = 1024;
/// Batches the channel holds before its sender waits.
const CHANNEL_BATCHES: usize = 4;
/// Redshift's default ROWGROUPSIZE.
const DEFAULT_ROW_GROUP_BYTES: u64 = 32 << 20;
/// A row group never holds more rows than this, however small they are.
const MAX_ROW_GROUP_ROWS: usize = 1 << 20;
/// 1970-01-01 as days from 0001-01-01 (chrono's common era).
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// A temporary file, removed when dropped.
pub struct Staged {
    path: PathBuf,
}

impl Staged {
    pub fn new() -> Staged {
        let name = format!("redshift-local-{}.parquet", uuid::Uuid::new_v4());
        Staged {
            path: std::env::temp_dir().join(name),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Default for Staged {
    fn default() -> Staged {
        Staged::new()
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One value of a row read from a file: NULL, text the engine takes, or a value Redshift
/// refuses.
pub type Cell = Result<Option<String>, Bad>;

/// What a COPY reads a file for: its URL (for messages) and the columns it loads.
pub struct ReadSpec {
    pub url: String,
    pub types: Vec<Type>,
    pub fill_record: bool,
    pub accept_inv_chars: Option<char>,
}

/// The error Redshift's Spectrum scan gives for a file it cannot read.
fn scan_error(detail: impl std::fmt::Display) -> JobError {
    JobError::new("XX000", format!("Spectrum Scan Error: {detail}"))
}

fn invalid_file(url: &str, e: impl std::fmt::Display) -> JobError {
    scan_error(format!("File '{url}' is not a valid Parquet file: {e}"))
}

/// Reads the Parquet file at `path` and sends its rows, a batch at a time, in the order of
/// the table's columns (blocking: run it on the blocking pool). It stops early, without an
/// error, when the receiver is gone.
pub fn read_file(
    path: &Path,
    spec: &ReadSpec,
    tx: &mpsc::Sender<Vec<Vec<Cell>>>,
) -> Result<(), JobError> {
    let url = spec.url.as_str();
    let file = std::fs::File::open(path).map_err(|e| invalid_file(url, e))?;
    let reader = SerializedFileReader::new(file).map_err(|e| invalid_file(url, e))?;
    let metadata = reader.metadata();
    let schema = metadata.file_metadata().schema_descr();
    let fields = schema.root_schema().get_fields();
    if let Some(nested) = fields.iter().find(|f| f.is_group()) {
        return Err(scan_error(format!(
            "File '{url}' has a nested column '{}', which only a SUPER column can take; this emulator loads flat Parquet columns only",
            nested.name()
        )));
    }
    let want = spec.types.len();
    let have = fields.len();
    if have != want && !(spec.fill_record && have < want) {
        return Err(scan_error(format!(
            "Unmatched number of columns between table and file. Table columns: {want}, Data columns: {have}, File name: {url}"
        )));
    }
    let columns: Vec<Column> = (0..have)
        .map(|i| Column::new(&schema.column(i), &spec.types[i], spec.accept_inv_chars))
        .collect();
    for g in 0..metadata.num_row_groups() {
        let group = reader.get_row_group(g).map_err(|e| invalid_file(url, e))?;
        let rows = usize::try_from(group.metadata().num_rows()).unwrap_or(0);
        let mut readers = (0..have)
            .map(|i| group.get_column_reader(i))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid_file(url, e))?;
        let mut done = 0;
        while done < rows {
            let take = BATCH_ROWS.min(rows - done);
            let mut batch: Vec<Vec<Cell>> = (0..take).map(|_| Vec::with_capacity(want)).collect();
            for (column, reader) in columns.iter().zip(readers.iter_mut()) {
                let cells = column
                    .read(reader, take)
                    .map_err(|e| invalid_file(url, e))?;
                if cells.len() != take {
                    return Err(invalid_file(
                        url,
                        format!("column '{}' has fewer values than rows", column.name),
                    ));
                }
                for (row, cell) in batch.iter_mut().zip(cells) {
                    row.push(cell);
                }
            }
            for row in &mut batch {
                row.resize_with(want, || Ok(None));
            }
            if tx.blocking_send(batch).is_err() {
                return Ok(());
            }
            done += take;
        }
    }
    Ok(())
}

/// How a Parquet column's values read, from its logical (or legacy converted) type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Logical {
    Plain,
    Unsigned,
    Decimal {
        scale: u32,
    },
    Date,
    /// `unit`: the values per second (1000 for millis...).
    Timestamp {
        unit: i64,
        utc: bool,
    },
    Time {
        unit: i64,
    },
    Text,
}

fn per_second(unit: &TimeUnit) -> i64 {
    match unit {
        TimeUnit::MILLIS => 1_000,
        TimeUnit::MICROS => 1_000_000,
        TimeUnit::NANOS => 1_000_000_000,
    }
}

impl Logical {
    fn of(d: &ColumnDescriptor) -> Logical {
        let scale = d.type_scale().max(0) as u32;
        match d.logical_type_ref() {
            Some(LogicalType::Decimal(t)) => Logical::Decimal {
                scale: t.scale.max(0) as u32,
            },
            Some(LogicalType::Date) => Logical::Date,
            Some(LogicalType::Timestamp(t)) => Logical::Timestamp {
                unit: per_second(&t.unit),
                utc: t.is_adjusted_to_u_t_c,
            },
            Some(LogicalType::Time(t)) => Logical::Time {
                unit: per_second(&t.unit),
            },
            Some(LogicalType::Integer(t)) if !t.is_signed => Logical::Unsigned,
            Some(LogicalType::String | LogicalType::Enum | LogicalType::Json) => Logical::Text,
            Some(_) => Logical::Plain,
            None => match d.converted_type() {
                ConvertedType::DECIMAL => Logical::Decimal { scale },
                ConvertedType::DATE => Logical::Date,
                ConvertedType::TIMESTAMP_MILLIS => Logical::Timestamp {
                    unit: 1_000,
                    utc: true,
                },
                ConvertedType::TIMESTAMP_MICROS => Logical::Timestamp {
                    unit: 1_000_000,
                    utc: true,
                },
                ConvertedType::TIME_MILLIS => Logical::Time { unit: 1_000 },
                ConvertedType::TIME_MICROS => Logical::Time { unit: 1_000_000 },
                ConvertedType::UINT_8
                | ConvertedType::UINT_16
                | ConvertedType::UINT_32
                | ConvertedType::UINT_64 => Logical::Unsigned,
                ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON => Logical::Text,
                _ => Logical::Plain,
            },
        }
    }
}

/// One column of a file being read, and how its values become text.
struct Column {
    name: String,
    logical: Logical,
    max_def: i16,
    /// Unannotated bytes load as text into a character column, as hex (`\x...`) otherwise.
    bytes_as_text: bool,
    accept_inv_chars: Option<char>,
}

impl Column {
    fn new(d: &ColumnDescriptor, target: &Type, accept_inv_chars: Option<char>) -> Column {
        Column {
            name: d.name().to_string(),
            logical: Logical::of(d),
            max_def: d.max_def_level(),
            bytes_as_text: target.is_chars(),
            accept_inv_chars,
        }
    }

    /// The next `take` values of `reader` (fewer at the end of the column chunk).
    fn read(&self, reader: &mut ColumnReader, take: usize) -> Result<Vec<Cell>, ParquetError> {
        let max_def = self.max_def;
        match reader {
            ColumnReader::BoolColumnReader(r) => read_typed(r, take, max_def, |v| {
                Ok(Some(if *v { "t" } else { "f" }.into()))
            }),
            ColumnReader::Int32ColumnReader(r) => {
                read_typed(r, take, max_def, |v| self.integer(i64::from(*v), 32))
            }
            ColumnReader::Int64ColumnReader(r) => {
                read_typed(r, take, max_def, |v| self.integer(*v, 64))
            }
            ColumnReader::Int96ColumnReader(r) => read_typed(r, take, max_def, |v| {
                // Spark's INT96: nanoseconds of the day, then the Julian day, an instant.
                let d = v.data();
                let nanos = i128::from(d[0]) | (i128::from(d[1]) << 32);
                let days = i128::from(d[2]) - 2_440_588;
                let micros = days * 86_400_000_000 + nanos / 1_000;
                timestamp_text(i64::try_from(micros).ok(), true)
            }),
            ColumnReader::FloatColumnReader(r) => {
                read_typed(r, take, max_def, |v| Ok(Some(v.to_string())))
            }
            ColumnReader::DoubleColumnReader(r) => {
                read_typed(r, take, max_def, |v| Ok(Some(v.to_string())))
            }
            ColumnReader::ByteArrayColumnReader(r) => {
                read_typed(r, take, max_def, |v| self.bytes(v.data()))
            }
            ColumnReader::FixedLenByteArrayColumnReader(r) => {
                read_typed(r, take, max_def, |v| self.bytes(v.data()))
            }
        }
    }

    fn integer(&self, v: i64, bits: u32) -> Cell {
        let unsigned = |v: i64| match bits {
            32 => u64::from(v as u32),
            _ => v as u64,
        };
        match self.logical {
            Logical::Decimal { scale } => Ok(Some(decimal_text(i128::from(v), scale))),
            Logical::Date => date_text(v),
            Logical::Timestamp { unit, utc } => timestamp_text(to_micros(v, unit), utc),
            Logical::Time { unit } => time_text(to_micros(v, unit)),
            Logical::Unsigned => Ok(Some(unsigned(v).to_string())),
            _ => Ok(Some(v.to_string())),
        }
    }

    fn bytes(&self, b: &[u8]) -> Cell {
        match self.logical {
            Logical::Decimal { scale } => match be_integer(b) {
                Some(v) => Ok(Some(decimal_text(v, scale))),
                None => Err(Bad {
                    code: 1216,
                    reason: "Numeric data overflow (result precision)".into(),
                }),
            },
            Logical::Text => self.text(b),
            _ if self.bytes_as_text => self.text(b),
            _ => {
                let mut hex = String::with_capacity(2 + 2 * b.len());
                hex.push_str("\\x");
                for byte in b {
                    hex.push_str(&format!("{byte:02x}"));
                }
                Ok(Some(hex))
            }
        }
    }

    fn text(&self, b: &[u8]) -> Cell {
        super::values::utf8_text(b, self.accept_inv_chars).map(|t| Some(t.into_owned()))
    }
}

/// Up to `take` records of a flat column: each value through `cell`, NULL where the
/// definition level says so.
fn read_typed<T: DataType>(
    reader: &mut ColumnReaderImpl<T>,
    take: usize,
    max_def: i16,
    mut cell: impl FnMut(&T::T) -> Cell,
) -> Result<Vec<Cell>, ParquetError> {
    let mut defs: Vec<i16> = Vec::with_capacity(take);
    let mut values: Vec<T::T> = Vec::with_capacity(take);
    let mut out = Vec::with_capacity(take);
    while out.len() < take {
        defs.clear();
        values.clear();
        let levels = (max_def > 0).then_some(&mut defs);
        let (records, _, _) = reader.read_records(take - out.len(), levels, None, &mut values)?;
        if records == 0 {
            break;
        }
        match max_def > 0 {
            true => {
                let mut next = values.iter();
                for &d in &defs {
                    out.push(match (d == max_def).then(|| next.next()).flatten() {
                        Some(v) => cell(v),
                        None => Ok(None),
                    });
                }
            }
            false => out.extend(values.iter().map(&mut cell)),
        }
    }
    Ok(out)
}

fn to_micros(v: i64, unit: i64) -> Option<i64> {
    match unit {
        1_000 => v.checked_mul(1_000),
        1_000_000 => Some(v),
        _ => Some(v.div_euclid(1_000)),
    }
}

/// A big-endian two's-complement integer (a Parquet decimal's bytes), if it fits in i128.
fn be_integer(b: &[u8]) -> Option<i128> {
    let negative = b.first().is_some_and(|&b| b & 0x80 != 0);
    let sign = if negative { 0xff } else { 0 };
    let skip = b.len().saturating_sub(16);
    if b[..skip].iter().any(|&x| x != sign) {
        return None;
    }
    let mut v: i128 = if negative { -1 } else { 0 };
    for &byte in &b[skip..] {
        v = (v << 8) | i128::from(byte);
    }
    Some(v)
}

fn decimal_text(v: i128, scale: u32) -> String {
    let digits = v.unsigned_abs().to_string();
    let scale = scale as usize;
    let mut out = String::with_capacity(digits.len() + scale + 3);
    if v < 0 {
        out.push('-');
    }
    if scale == 0 {
        out.push_str(&digits);
        return out;
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = padded.split_at(padded.len() - scale);
    out.push_str(whole);
    out.push('.');
    out.push_str(fraction);
    out
}

fn date_text(days: i64) -> Cell {
    i32::try_from(days)
        .ok()
        .and_then(|d| d.checked_add(EPOCH_DAYS_FROM_CE))
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .map(|d| Some(d.format("%Y-%m-%d").to_string()))
        .ok_or_else(|| Bad {
            code: 1205,
            reason: format!("Invalid date: {days} days from 1970-01-01"),
        })
}

/// A timestamp's text; an instant (adjusted to UTC) says so, for a TIMESTAMPTZ column.
fn timestamp_text(micros: Option<i64>, utc: bool) -> Cell {
    let t = micros
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(|| Bad {
            code: 1206,
            reason: "Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]".into(),
        })?;
    let text = t.naive_utc().format("%Y-%m-%d %H:%M:%S%.6f").to_string();
    Ok(Some(if utc { format!("{text}+00") } else { text }))
}

fn time_text(micros: Option<i64>) -> Cell {
    micros
        .and_then(|m| {
            let seconds = u32::try_from(m.div_euclid(1_000_000)).ok()?;
            let nanos = (m.rem_euclid(1_000_000) * 1_000) as u32;
            NaiveTime::from_num_seconds_from_midnight_opt(seconds, nanos)
        })
        .map(|t| Some(t.format("%H:%M:%S%.6f").to_string()))
        .ok_or_else(|| Bad {
            code: 1206,
            reason: "Invalid time format [HH24:MI:SS]".into(),
        })
}

/// A column an UNLOAD writes, as the query's RowDescription gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutColumn {
    pub name: String,
    pub type_oid: u32,
    pub typmod: i32,
}

/// The Parquet type Redshift writes for a column's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Bool,
    Int16,
    Int32,
    Int64,
    Float,
    Double,
    /// INT64 up to 18 digits, a 16-byte FIXED_LEN_BYTE_ARRAY past them.
    Decimal {
        precision: u32,
        scale: u32,
    },
    Date,
    Timestamp {
        utc: bool,
    },
    Time,
    Text,
    Binary,
}

/// A NUMERIC without a declared precision (a computed one) is written as Redshift's widest.
const UNDECLARED_NUMERIC: (u32, u32) = (38, 18);

impl Encoding {
    fn of(type_oid: u32, typmod: i32) -> Encoding {
        match type_oid {
            16 => Encoding::Bool,
            21 => Encoding::Int16,
            23 => Encoding::Int32,
            20 | 26 => Encoding::Int64,
            700 => Encoding::Float,
            701 => Encoding::Double,
            1700 => {
                let (precision, scale) = match typmod >= 4 {
                    true => (
                        (((typmod - 4) >> 16) & 0xffff) as u32,
                        ((typmod - 4) & 0xffff) as u32,
                    ),
                    false => UNDECLARED_NUMERIC,
                };
                Encoding::Decimal {
                    precision: precision.clamp(1, 38),
                    scale: scale.min(precision),
                }
            }
            1082 => Encoding::Date,
            1114 => Encoding::Timestamp { utc: false },
            1184 => Encoding::Timestamp { utc: true },
            1083 => Encoding::Time,
            17 => Encoding::Binary,
            _ => Encoding::Text,
        }
    }

    fn schema(self, name: &str) -> Result<SchemaType, ParquetError> {
        let (physical, logical) = match self {
            Encoding::Bool => (Physical::BOOLEAN, None),
            Encoding::Int16 => (Physical::INT32, Some(LogicalType::integer(16, true))),
            Encoding::Int32 => (Physical::INT32, None),
            Encoding::Int64 => (Physical::INT64, None),
            Encoding::Float => (Physical::FLOAT, None),
            Encoding::Double => (Physical::DOUBLE, None),
            Encoding::Decimal { precision, scale } => {
                let physical = match precision <= 18 {
                    true => Physical::INT64,
                    false => Physical::FIXED_LEN_BYTE_ARRAY,
                };
                let logical = LogicalType::decimal(scale as i32, precision as i32);
                let mut builder = SchemaType::primitive_type_builder(name, physical)
                    .with_repetition(Repetition::OPTIONAL)
                    .with_logical_type(Some(logical))
                    .with_precision(precision as i32)
                    .with_scale(scale as i32);
                if physical == Physical::FIXED_LEN_BYTE_ARRAY {
                    builder = builder.with_length(16);
                }
                return builder.build();
            }
            Encoding::Date => (Physical::INT32, Some(LogicalType::Date)),
            Encoding::Timestamp { utc } => (
                Physical::INT64,
                Some(LogicalType::timestamp(utc, TimeUnit::MICROS)),
            ),
            Encoding::Time => (
                Physical::INT64,
                Some(LogicalType::time(false, TimeUnit::MICROS)),
            ),
            Encoding::Text => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
            Encoding::Binary => (Physical::BYTE_ARRAY, None),
        };
        SchemaType::primitive_type_builder(name, physical)
            .with_repetition(Repetition::OPTIONAL)
            .with_logical_type(logical)
            .build()
    }
}

/// The values of one column of the row group being gathered.
enum Values {
    Bool(Vec<bool>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Bytes(Vec<ByteArray>),
    Fixed(Vec<FixedLenByteArray>),
}

struct OutBuffer {
    encoding: Encoding,
    values: Values,
    defs: Vec<i16>,
}

impl OutBuffer {
    fn new(encoding: Encoding) -> OutBuffer {
        let values = match encoding {
            Encoding::Bool => Values::Bool(Vec::new()),
            Encoding::Int16 | Encoding::Int32 | Encoding::Date => Values::I32(Vec::new()),
            Encoding::Int64 | Encoding::Timestamp { .. } | Encoding::Time => {
                Values::I64(Vec::new())
            }
            Encoding::Decimal { precision, .. } if precision <= 18 => Values::I64(Vec::new()),
            Encoding::Decimal { .. } => Values::Fixed(Vec::new()),
            Encoding::Float => Values::F32(Vec::new()),
            Encoding::Double => Values::F64(Vec::new()),
            Encoding::Text | Encoding::Binary => Values::Bytes(Vec::new()),
        };
        OutBuffer {
            encoding,
            values,
            defs: Vec::new(),
        }
    }

    /// Adds one value (the engine's text, `None` for NULL); `Err` gives back the value with
    /// the Parquet type it could not be.
    fn push(&mut self, value: Option<String>) -> Result<(), (&'static str, String)> {
        let Some(text) = value else {
            self.defs.push(0);
            return Ok(());
        };
        if let (Values::Bytes(out), Encoding::Text) = (&mut self.values, self.encoding) {
            out.push(ByteArray::from(text.into_bytes()));
            self.defs.push(1);
            return Ok(());
        }
        let v = text.as_str();
        let refused = match self.encoding {
            Encoding::Bool => "BOOLEAN",
            Encoding::Int16 | Encoding::Int32 => "INT32",
            Encoding::Int64 => "INT64",
            Encoding::Float => "FLOAT",
            Encoding::Double => "DOUBLE",
            Encoding::Decimal { .. } => "DECIMAL",
            Encoding::Date => "DATE",
            Encoding::Timestamp { .. } => "TIMESTAMP",
            Encoding::Time => "TIME",
            Encoding::Text | Encoding::Binary => "BYTE_ARRAY",
        };
        let pushed = match (&mut self.values, self.encoding) {
            (Values::Bool(out), _) => parse_bool(v).map(|b| out.push(b)),
            (Values::I32(out), Encoding::Date) => parse_date(v).map(|d| out.push(d)),
            (Values::I32(out), _) => v.parse().ok().map(|n| out.push(n)),
            (Values::I64(out), Encoding::Timestamp { utc }) => {
                parse_timestamp(v, utc).map(|t| out.push(t))
            }
            (Values::I64(out), Encoding::Time) => parse_time(v).map(|t| out.push(t)),
            (Values::I64(out), Encoding::Decimal { precision, scale }) => {
                unscaled(v, precision, scale)
                    .and_then(|n| i64::try_from(n).ok())
                    .map(|n| out.push(n))
            }
            (Values::I64(out), _) => v.parse().ok().map(|n| out.push(n)),
            (Values::F32(out), _) => v.parse().ok().map(|n| out.push(n)),
            (Values::F64(out), _) => v.parse().ok().map(|n| out.push(n)),
            (Values::Fixed(out), Encoding::Decimal { precision, scale }) => {
                unscaled(v, precision, scale)
                    .map(|n| out.push(FixedLenByteArray::from(n.to_be_bytes().to_vec())))
            }
            (Values::Fixed(_), _) => None,
            (Values::Bytes(out), Encoding::Binary) => {
                parse_hex(v).map(|b| out.push(ByteArray::from(b)))
            }
            (Values::Bytes(_), _) => None,
        };
        match pushed {
            Some(()) => {
                self.defs.push(1);
                Ok(())
            }
            None => Err((refused, text)),
        }
    }

    /// Writes the gathered values as the column's chunk of a row group, and clears them.
    fn write(
        &mut self,
        column: &mut parquet::file::writer::SerializedColumnWriter<'_>,
    ) -> Result<(), ParquetError> {
        let defs = Some(&self.defs[..]);
        match &mut self.values {
            Values::Bool(v) => write_typed::<BoolType>(column, v, defs),
            Values::I32(v) => write_typed::<Int32Type>(column, v, defs),
            Values::I64(v) => write_typed::<Int64Type>(column, v, defs),
            Values::F32(v) => write_typed::<FloatType>(column, v, defs),
            Values::F64(v) => write_typed::<DoubleType>(column, v, defs),
            Values::Bytes(v) => write_typed::<ByteArrayType>(column, v, defs),
            Values::Fixed(v) => write_typed::<FixedLenByteArrayType>(column, v, defs),
        }?;
        self.defs.clear();
        Ok(())
    }
}

fn write_typed<T: DataType>(
    column: &mut parquet::file::writer::SerializedColumnWriter<'_>,
    values: &mut Vec<T::T>,
    defs: Option<&[i16]>,
) -> Result<(), ParquetError> {
    column.typed::<T>().write_batch(values, defs, None)?;
    values.clear();
    Ok(())
}

fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "t" | "true" => Some(true),
        "f" | "false" => Some(false),
        _ => None,
    }
}

/// `YYYY-MM-DD` as days from 1970-01-01.
fn parse_date(v: &str) -> Option<i32> {
    use chrono::Datelike;
    let b = v.as_bytes();
    let d = match b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        true => NaiveDate::from_ymd_opt(
            v.get(..4)?.parse().ok()?,
            v.get(5..7)?.parse().ok()?,
            v.get(8..)?.parse().ok()?,
        )?,
        false => NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()?,
    };
    Some(d.num_days_from_ce() - EPOCH_DAYS_FROM_CE)
}

/// The engine's `YYYY-MM-DD HH:MM:SS[.ffffff]` (with a `+HH[:MM[:SS]]` zone for an
/// instant) as microseconds from 1970-01-01 (UTC).
fn parse_timestamp(v: &str, utc: bool) -> Option<i64> {
    let (date, rest) = v.split_at_checked(10)?;
    let days = i64::from(parse_date(date)?);
    let rest = rest.strip_prefix(' ')?;
    let (clock, zone) = match utc {
        true => rest.split_at(rest.find(['+', '-'])?),
        false => (rest, ""),
    };
    let offset = match zone.is_empty() {
        true => 0,
        false => zone_seconds(zone)?,
    };
    Some(days * 86_400_000_000 + parse_time(clock)? - offset * 1_000_000)
}

/// `+HH`, `+HH:MM` or `+HH:MM:SS` as seconds east of UTC.
fn zone_seconds(zone: &str) -> Option<i64> {
    let (sign, digits) = match zone.split_at_checked(1)? {
        ("+", rest) => (1, rest),
        ("-", rest) => (-1, rest),
        _ => return None,
    };
    let mut seconds = 0;
    let mut unit = 3600;
    for part in digits.split(':') {
        if part.len() != 2 || unit == 0 {
            return None;
        }
        seconds += part.parse::<i64>().ok()? * unit;
        unit /= 60;
    }
    Some(sign * seconds)
}

/// `HH:MM:SS[.ffffff]` as microseconds from midnight.
fn parse_time(v: &str) -> Option<i64> {
    let b = v.as_bytes();
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let field = |r: std::ops::Range<usize>| v.get(r)?.parse::<i64>().ok();
    let (h, m, s) = (field(0..2)?, field(3..5)?, field(6..8)?);
    if h > 24 || m > 59 || s > 60 {
        return None;
    }
    let mut micros = 0;
    if b.len() > 8 {
        let fraction = v.get(8..)?.strip_prefix('.')?;
        if fraction.is_empty() || !fraction.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        for (i, c) in fraction.bytes().take(6).enumerate() {
            micros += i64::from(c - b'0') * 10i64.pow(5 - i as u32);
        }
    }
    Some(((h * 60 + m) * 60 + s) * 1_000_000 + micros)
}

fn parse_hex(v: &str) -> Option<Vec<u8>> {
    let hex = v.strip_prefix("\\x")?.as_bytes();
    if hex.len() % 2 != 0 {
        return None;
    }
    hex.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

/// A decimal's text as an integer at `scale` (rounded half away from zero), if it has no
/// more than `precision` digits.
fn unscaled(v: &str, precision: u32, scale: u32) -> Option<i128> {
    let (negative, digits) = match v.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, v.strip_prefix('+').unwrap_or(v)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let scale = scale as usize;
    let mut n: i128 = 0;
    for b in whole
        .bytes()
        .chain(fraction.bytes().chain(std::iter::repeat(b'0')).take(scale))
    {
        n = n.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    if fraction.as_bytes().get(scale).is_some_and(|&b| b >= b'5') {
        n = n.checked_add(1)?;
    }
    if n >= 10i128.checked_pow(precision)? {
        return None;
    }
    Some(if negative { -n } else { n })
}

/// Writes one part: rows arrive in batches, gather into row groups of about
/// `row_group_bytes` (of their text), and go to the file at `path` (blocking).
fn write_part(
    path: &Path,
    columns: &[OutColumn],
    row_group_bytes: u64,
    mut rows: mpsc::Receiver<Vec<Vec<Option<String>>>>,
) -> Result<(), JobError> {
    let failed = |e: ParquetError| JobError::new("XX000", format!("Parquet write failed: {e}"));
    let encodings: Vec<Encoding> = columns
        .iter()
        .map(|c| Encoding::of(c.type_oid, c.typmod))
        .collect();
    let fields = columns
        .iter()
        .zip(&encodings)
        .map(|(c, e)| e.schema(&c.name).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()
        .map_err(failed)?;
    let schema = SchemaType::group_type_builder("schema")
        .with_fields(fields)
        .build()
        .map_err(failed)?;
    let properties = WriterProperties::builder()
        .set_compression(Codec::SNAPPY)
        .build();
    let file = std::fs::File::create(path).map_err(JobError::s3)?;
    let mut writer =
        SerializedFileWriter::new(file, Arc::new(schema), Arc::new(properties)).map_err(failed)?;
    let mut buffers: Vec<OutBuffer> = encodings.into_iter().map(OutBuffer::new).collect();
    let (mut gathered, mut bytes) = (0usize, 0u64);
    let flush = |writer: &mut SerializedFileWriter<std::fs::File>,
                 buffers: &mut [OutBuffer]|
     -> Result<(), ParquetError> {
        let mut group = writer.next_row_group()?;
        for buffer in buffers.iter_mut() {
            let mut column = group
                .next_column()?
                .ok_or_else(|| ParquetError::General("a column is missing".into()))?;
            buffer.write(&mut column)?;
            column.close()?;
        }
        group.close()?;
        Ok(())
    };
    while let Some(batch) = rows.blocking_recv() {
        for row in batch {
            for ((buffer, value), column) in buffers.iter_mut().zip(row).zip(columns) {
                bytes += value.as_ref().map_or(1, |v| v.len() as u64 + 1);
                buffer.push(value).map_err(|(ty, value)| {
                    JobError::new(
                        "22P02",
                        format!(
                            "UNLOAD could not write value '{value}' of column \"{}\" as Parquet {ty}",
                            column.name
                        ),
                    )
                })?;
            }
            gathered += 1;
            if bytes >= row_group_bytes || gathered >= MAX_ROW_GROUP_ROWS {
                flush(&mut writer, &mut buffers).map_err(failed)?;
                (gathered, bytes) = (0, 0);
            }
        }
    }
    if gathered > 0 {
        flush(&mut writer, &mut buffers).map_err(failed)?;
    }
    writer.close().map_err(failed)?;
    Ok(())
}

/// One Parquet part of an UNLOAD being written: rows go to its writer on the blocking pool
/// through a bounded channel; [`PartWriter::finish`] uploads the file.
pub struct PartWriter {
    tx: Option<mpsc::Sender<Vec<Vec<Option<String>>>>>,
    batch: Vec<Vec<Option<String>>>,
    task: Option<tokio::task::JoinHandle<Result<(), JobError>>>,
    staged: Staged,
}

impl PartWriter {
    pub fn start(columns: Vec<OutColumn>, row_group_bytes: Option<u64>) -> PartWriter {
        let staged = Staged::new();
        let path = staged.path().to_path_buf();
        let (tx, rx) = mpsc::channel(CHANNEL_BATCHES);
        let group = row_group_bytes.unwrap_or(DEFAULT_ROW_GROUP_BYTES);
        let task = tokio::task::spawn_blocking(move || write_part(&path, &columns, group, rx));
        PartWriter {
            tx: Some(tx),
            batch: Vec::with_capacity(BATCH_ROWS),
            task: Some(task),
            staged,
        }
    }

    pub async fn push(&mut self, row: Vec<Option<String>>) -> Result<(), JobError> {
        self.batch.push(row);
        match self.batch.len() >= BATCH_ROWS {
            true => self.send().await,
            false => Ok(()),
        }
    }

    async fn send(&mut self) -> Result<(), JobError> {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_ROWS));
        let sent = match &self.tx {
            Some(tx) => tx.send(batch).await.is_ok(),
            None => false,
        };
        match sent {
            true => Ok(()),
            // The writer stopped: its own error says why.
            false => Err(self
                .join()
                .await
                .err()
                .unwrap_or_else(|| JobError::new("XX000", "the Parquet writer stopped"))),
        }
    }

    async fn join(&mut self) -> Result<(), JobError> {
        self.tx = None;
        match self.task.take() {
            Some(task) => task.await.unwrap_or_else(|e| {
                Err(JobError::new(
                    "XX000",
                    format!("the Parquet writer failed: {e}"),
                ))
            }),
            None => Ok(()),
        }
    }

    /// Completes the file and uploads it to `key` (in parts, when large): its size.
    pub async fn finish(
        mut self,
        store: &Arc<dyn ObjectStore>,
        key: &str,
    ) -> Result<u64, JobError> {
        if !self.batch.is_empty() {
            self.send().await?;
        }
        self.join().await?;
        let mut file = tokio::fs::File::open(self.staged.path())
            .await
            .map_err(JobError::s3)?;
        let mut upload = object_store::buffered::BufWriter::with_capacity(
            store.clone(),
            ObjectPath::from(key),
            10 * 1024 * 1024,
        );
        let size = tokio::io::copy(&mut file, &mut upload)
            .await
            .map_err(JobError::s3)?;
        upload.shutdown().await.map_err(JobError::s3)?;
        Ok(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_cross_both_ways() {
        assert_eq!(decimal_text(12345, 2), "123.45");
        assert_eq!(decimal_text(-5, 3), "-0.005");
        assert_eq!(decimal_text(7, 0), "7");
        assert_eq!(unscaled("123.45", 8, 2), Some(12345));
        assert_eq!(unscaled("-0.005", 5, 3), Some(-5));
        assert_eq!(unscaled("1.235", 5, 2), Some(124));
        assert_eq!(unscaled("1000", 3, 0), None);
        assert_eq!(unscaled("1e5", 10, 0), None);
        assert_eq!(be_integer(&[0xff, 0xfe]), Some(-2));
        assert_eq!(be_integer(&[0x01, 0x00]), Some(256));
        let mut wide = vec![0u8; 20];
        wide[3] = 1;
        assert_eq!(be_integer(&wide), None);
        assert_eq!(be_integer(&(-12345i128).to_be_bytes()), Some(-12345));
    }

    #[test]
    fn dates_times_and_timestamps() {
        assert_eq!(date_text(0).unwrap().unwrap(), "1970-01-01");
        assert_eq!(date_text(19_782).unwrap().unwrap(), "2024-02-29");
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(
            timestamp_text(Some(1_500_000), true).unwrap().unwrap(),
            "1970-01-01 00:00:01.500000+00"
        );
        assert_eq!(to_micros(-1, 1_000_000_000), Some(-1));
        assert_eq!(
            parse_timestamp("2024-01-02 03:04:05.5+02", true),
            parse_timestamp("2024-01-02 01:04:05.5", false)
        );
        assert_eq!(parse_time("01:00:00.25"), Some(3_600_250_000));
        assert_eq!(parse_timestamp("1969-12-31 23:00:00-01", true), Some(0),);
        assert_eq!(
            parse_timestamp("2024-01-02 03:04:05+05:30:15", true).map(|t| t % 60_000_000),
            Some(50_000_000)
        );
        assert_eq!(parse_timestamp("2024-01-02", false), None);
        assert_eq!(parse_time("1:00:00"), None);
        assert_eq!(
            time_text(Some(3_600_250_000)).unwrap().unwrap(),
            "01:00:00.250000"
        );
        assert_eq!(parse_hex("\\x0aff"), Some(vec![10, 255]));
    }

    #[test]
    fn redshift_types_become_parquet_types() {
        assert_eq!(Encoding::of(21, -1), Encoding::Int16);
        assert_eq!(
            Encoding::of(1700, ((10 << 16) | 2) + 4),
            Encoding::Decimal {
                precision: 10,
                scale: 2
            }
        );
        let mut b = OutBuffer::new(Encoding::of(1700, ((30 << 16) | 3) + 4));
        b.push(Some("12.5".into())).unwrap();
        b.push(None).unwrap();
        assert_eq!(b.push(Some("x".into())), Err(("DECIMAL", "x".into())));
        assert_eq!(b.defs, [1, 0]);
        let mut b = OutBuffer::new(Encoding::Bool);
        assert!(b.push(Some("maybe".into())).is_err());
    }
}
