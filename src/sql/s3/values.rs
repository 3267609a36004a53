//! A loaded value checked against its column's type as Redshift checks it, and written in
//! the engine's COPY text format. What Redshift refuses is a [`Bad`] value with its load
//! error code and reason (STL_LOAD_ERRORS' `err_code` and `err_reason`); what it takes is
//! passed on in a form the engine takes too, so a row either loads whole or is skipped here.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use std::borrow::Cow;

/// A column's type, as far as loading checks it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    Int {
        bits: u8,
    },
    Numeric {
        precision: Option<u32>,
        scale: u32,
    },
    Float {
        double: bool,
    },
    Bool,
    Date,
    Timestamp {
        tz: bool,
    },
    Time,
    /// CHAR(n) and VARCHAR(n): lengths in bytes, as Redshift counts them.
    Chars {
        bytes: Option<usize>,
        fixed: bool,
    },
    /// Anything else (TEXT, SUPER as JSON text, ...): the engine checks it.
    Other,
}

impl Type {
    /// From the engine's `typname` and `atttypmod`.
    pub fn from_catalog(typname: &str, typmod: i32) -> Type {
        let length = (typmod >= 4).then(|| (typmod - 4) as usize);
        match typname {
            "int2" => Type::Int { bits: 16 },
            "int4" => Type::Int { bits: 32 },
            "int8" => Type::Int { bits: 64 },
            "numeric" => match typmod >= 4 {
                true => Type::Numeric {
                    precision: Some(((typmod - 4) >> 16) as u32 & 0xffff),
                    scale: (typmod - 4) as u32 & 0xffff,
                },
                false => Type::Numeric {
                    precision: None,
                    scale: 0,
                },
            },
            "float4" => Type::Float { double: false },
            "float8" => Type::Float { double: true },
            "bool" => Type::Bool,
            "date" => Type::Date,
            "timestamp" => Type::Timestamp { tz: false },
            "timestamptz" => Type::Timestamp { tz: true },
            "time" => Type::Time,
            "bpchar" => Type::Chars {
                bytes: length,
                fixed: true,
            },
            "varchar" => Type::Chars {
                bytes: length,
                fixed: false,
            },
            "text" => Type::Chars {
                bytes: None,
                fixed: false,
            },
            _ => Type::Other,
        }
    }

    pub fn is_chars(&self) -> bool {
        matches!(self, Type::Chars { .. })
    }

    /// The type's name in STL_LOAD_ERRORS.
    pub fn name(&self) -> &'static str {
        match self {
            Type::Int { bits: 16 } => "int2",
            Type::Int { bits: 32 } => "int4",
            Type::Int { .. } => "int8",
            Type::Numeric { .. } => "numeric",
            Type::Float { double: false } => "float4",
            Type::Float { .. } => "float8",
            Type::Bool => "bool",
            Type::Date => "date",
            Type::Timestamp { tz: false } => "timestamp",
            Type::Timestamp { .. } => "timestamptz",
            Type::Time => "time",
            Type::Chars { fixed: true, .. } => "char",
            Type::Chars { .. } => "varchar",
            Type::Other => "other",
        }
    }
}

/// A value Redshift refuses: its load error code and reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bad {
    pub code: i32,
    pub reason: String,
}

/// `bytes` as text: invalid UTF-8 replaced by `accept_inv_chars` (ACCEPTINVCHARS) or refused
/// with Redshift's load error 1220.
pub fn utf8_text(bytes: &[u8], accept_inv_chars: Option<char>) -> Result<Cow<'_, str>, Bad> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(e) => match accept_inv_chars {
            Some(c) => Ok(Cow::Owned(
                String::from_utf8_lossy(bytes).replace('\u{fffd}', &c.to_string()),
            )),
            None => {
                let at = e.valid_up_to();
                let hex: String = bytes[at..(at + 4).min(bytes.len())]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                Err(Bad {
                    code: 1220,
                    reason: format!(
                        "String contains invalid or unsupported UTF8 codepoints. Bad UTF8 hex sequence: {hex}"
                    ),
                })
            }
        },
    }
}

fn bad(code: i32, reason: impl Into<String>) -> Bad {
    Bad {
        code,
        reason: reason.into(),
    }
}

/// How DATEFORMAT and TIMEFORMAT read values.
#[derive(Clone, Debug, Default)]
pub struct Formats {
    /// chrono's format for a given DATEFORMAT; `None` for the default or 'auto'.
    pub date: Option<String>,
    pub time: TimeFormat,
    pub truncate_columns: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TimeFormat {
    #[default]
    Auto,
    EpochSecs,
    EpochMillis,
    /// chrono's format for a given TIMEFORMAT.
    Given(String),
}

impl Formats {
    pub fn new(date: Option<&str>, time: Option<&str>, truncate_columns: bool) -> Formats {
        let date = date
            .filter(|f| !f.eq_ignore_ascii_case("auto"))
            .map(chrono_format);
        let time = match time.map(str::to_ascii_lowercase).as_deref() {
            None | Some("auto") => TimeFormat::Auto,
            Some("epochsecs") => TimeFormat::EpochSecs,
            Some("epochmillisecs") => TimeFormat::EpochMillis,
            Some(_) => TimeFormat::Given(chrono_format(time.unwrap_or_default())),
        };
        Formats {
            date,
            time,
            truncate_columns,
        }
    }
}

/// Redshift's DATEFORMAT/TIMEFORMAT elements as chrono's.
fn chrono_format(redshift: &str) -> String {
    const ELEMENTS: &[(&str, &str)] = &[
        ("YYYY", "%Y"),
        ("MONTH", "%B"),
        ("MON", "%b"),
        ("HH24", "%H"),
        ("HH12", "%I"),
        ("HH", "%H"),
        ("MI", "%M"),
        (".SSSSSS", "%.f"),
        (".SSS", "%.f"),
        ("SSSSSS", "%6f"),
        ("SS", "%S"),
        (".FF", "%.f"),
        ("FF", "%f"),
        ("YY", "%y"),
        ("MM", "%m"),
        ("DD", "%d"),
        ("AM", "%p"),
        ("PM", "%p"),
        ("TZH:TZM", "%:z"),
        ("TZ", "%#z"),
    ];
    let mut out = String::new();
    let mut rest = redshift;
    'outer: while !rest.is_empty() {
        for (element, chrono) in ELEMENTS {
            if rest.len() >= element.len() && rest[..element.len()].eq_ignore_ascii_case(element) {
                out.push_str(chrono);
                rest = &rest[element.len()..];
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        if c == '%' {
            out.push_str("%%");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

const AUTO_DATES: &[&str] = &[
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
    "%m/%d/%Y",
    "%m-%d-%Y",
    "%d-%b-%Y",
    "%b %d %Y",
    "%d %b %Y",
    "%Y.%m.%d",
    "%B %d, %Y",
];

const AUTO_TIMESTAMPS: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S%.f",
    "%m/%d/%Y %H:%M:%S%.f",
    "%Y%m%d %H:%M:%S",
    "%Y%m%dT%H%M%S",
];

/// `value` (neither NULL nor, for a non-character type, empty) as the engine is to get it.
pub fn convert<'a>(value: &'a str, ty: &Type, formats: &Formats) -> Result<Cow<'a, str>, Bad> {
    match ty {
        Type::Int { bits } => integer(value.trim(), *bits).map(Cow::Borrowed),
        Type::Numeric { precision, scale } => {
            decimal(value.trim(), *precision, *scale).map(Cow::Borrowed)
        }
        Type::Float { double } => float(value.trim(), *double).map(Cow::Borrowed),
        Type::Bool => boolean(value.trim()).map(Cow::Borrowed),
        Type::Date => date(value.trim(), formats),
        Type::Timestamp { tz } => timestamp(value.trim(), *tz, formats),
        Type::Time => time(value.trim()).map(Cow::Borrowed),
        Type::Chars { bytes, fixed } => chars(value, *bytes, *fixed, formats.truncate_columns),
        Type::Other => Ok(Cow::Borrowed(value)),
    }
}

fn integer_type(bits: u8) -> &'static str {
    match bits {
        16 => "Short",
        32 => "Integer",
        _ => "Long",
    }
}

fn invalid_digit(value: &str, pos: usize, ty: &str) -> Bad {
    let c = value[pos..].chars().next().unwrap_or(' ');
    bad(
        1207,
        format!("Invalid digit, Value '{c}', Pos {pos}, Type: {ty}"),
    )
}

fn integer(value: &str, bits: u8) -> Result<&str, Bad> {
    let ty = integer_type(bits);
    let digits_at = usize::from(value.starts_with(['+', '-']));
    if let Some(pos) = value[digits_at..].find(|c: char| !c.is_ascii_digit()) {
        return Err(invalid_digit(value, digits_at + pos, ty));
    }
    if value.len() == digits_at {
        return Err(invalid_digit(value, 0, ty));
    }
    let fits = match bits {
        16 => value.parse::<i16>().is_ok(),
        32 => value.parse::<i32>().is_ok(),
        _ => value.parse::<i64>().is_ok(),
    };
    match fits {
        true => Ok(value),
        false => Err(bad(
            1216,
            format!("Overflow, Value '{value}', Pos 0, Type: {ty}"),
        )),
    }
}

fn decimal(value: &str, precision: Option<u32>, scale: u32) -> Result<&str, Bad> {
    let digits_at = usize::from(value.starts_with(['+', '-']));
    let mut seen_point = false;
    let (mut whole, mut any) = (0u32, false);
    for (i, c) in value[digits_at..].char_indices() {
        match c {
            '0'..='9' => {
                any = true;
                if !(seen_point || whole == 0 && c == '0') {
                    whole += 1;
                }
            }
            '.' if !seen_point => seen_point = true,
            _ => return Err(invalid_digit(value, digits_at + i, "Decimal")),
        }
    }
    if !any {
        return Err(invalid_digit(value, 0, "Decimal"));
    }
    if let Some(precision) = precision {
        if whole > precision.saturating_sub(scale) {
            return Err(bad(
                1216,
                format!("Numeric data overflow (result precision), Value '{value}'"),
            ));
        }
    }
    Ok(value)
}

fn float(value: &str, double: bool) -> Result<&str, Bad> {
    let ok = match double {
        true => value
            .parse::<f64>()
            .is_ok_and(|v| v.is_finite() || !value.chars().any(|c| c.is_ascii_digit())),
        false => value
            .parse::<f32>()
            .is_ok_and(|v| v.is_finite() || !value.chars().any(|c| c.is_ascii_digit())),
    };
    match ok {
        true => Ok(value),
        false => {
            let pos = value
                .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
                .unwrap_or(0);
            let ty = if double { "Double" } else { "Float" };
            let mut e = invalid_digit(value, pos, ty);
            e.code = 1208;
            Err(e)
        }
    }
}

fn boolean(value: &str) -> Result<&str, Bad> {
    const WORDS: &[&str] = &[
        "t", "f", "true", "false", "1", "0", "y", "n", "yes", "no", "on", "off",
    ];
    match WORDS.iter().any(|w| value.eq_ignore_ascii_case(w)) {
        true => Ok(value),
        false => Err(bad(1210, format!("Invalid boolean value '{value}'"))),
    }
}

/// `YYYY-MM-DD` as written, if it is a real date: the engine takes it as it is.
fn iso_date(value: &str) -> Option<&str> {
    let b = value.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return None;
    }
    let (y, m, d) = (
        value[..4].parse().ok()?,
        value[5..7].parse().ok()?,
        value[8..].parse().ok()?,
    );
    NaiveDate::from_ymd_opt(y, m, d).map(|_| value)
}

fn date<'a>(value: &'a str, formats: &Formats) -> Result<Cow<'a, str>, Bad> {
    if formats.date.is_none() {
        if let Some(iso) = iso_date(value) {
            return Ok(Cow::Borrowed(iso));
        }
    }
    date_parsed(value, formats).map(Cow::Owned)
}

fn date_parsed(value: &str, formats: &Formats) -> Result<String, Bad> {
    let parsed = match &formats.date {
        Some(format) => NaiveDate::parse_from_str(value, format).ok(),
        None => AUTO_DATES
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(value, f).ok())
            .or_else(|| naive_timestamp(value).map(|t| t.date())),
    };
    match parsed {
        Some(d) => Ok(d.format("%Y-%m-%d").to_string()),
        None if value.len() < 10 && formats.date.is_none() => {
            Err(bad(1205, "Invalid Date Format - length must be 10 or more"))
        }
        None => Err(bad(1205, "Invalid date format - Invalid digit encountered")),
    }
}

fn naive_timestamp(value: &str) -> Option<NaiveDateTime> {
    AUTO_TIMESTAMPS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
        .or_else(|| {
            AUTO_DATES
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(value, f).ok())
                .map(|d| d.and_time(NaiveTime::MIN))
        })
}

/// A trailing zone (`Z`, `+hh`, `+hh:mm`, `+hhmm`, ` UTC`) split off.
fn split_zone(value: &str) -> (&str, &str) {
    if let Some(rest) = value.strip_suffix('Z') {
        return (rest, "+00");
    }
    for suffix in [" UTC", " GMT", "UTC"] {
        if let Some(rest) = value.strip_suffix(suffix) {
            return (rest, "+00");
        }
    }
    if let Some(at) = value.rfind(['+', '-']) {
        let zone = &value[at + 1..];
        let looks = (2..=5).contains(&zone.len())
            && zone.chars().all(|c| c.is_ascii_digit() || c == ':')
            && value[..at].contains(':');
        if looks {
            return (value[..at].trim_end(), &value[at..]);
        }
    }
    (value, "")
}

fn timestamp<'a>(value: &'a str, tz: bool, formats: &Formats) -> Result<Cow<'a, str>, Bad> {
    let refused = || {
        bad(
            1206,
            "Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]",
        )
    };
    let iso = |t: NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S%.f").to_string();
    match &formats.time {
        TimeFormat::EpochSecs | TimeFormat::EpochMillis => {
            let seconds: f64 = value.parse().map_err(|_| refused())?;
            let seconds = match formats.time {
                TimeFormat::EpochMillis => seconds / 1000.0,
                _ => seconds,
            };
            let whole = seconds.floor();
            let nanos = ((seconds - whole) * 1e9).round() as u32;
            let t = chrono::DateTime::from_timestamp(whole as i64, nanos.min(999_999_999))
                .ok_or_else(refused)?;
            let text = iso(t.naive_utc());
            Ok(Cow::Owned(if tz { format!("{text}+00") } else { text }))
        }
        TimeFormat::Given(format) => {
            if let Ok(t) = chrono::DateTime::parse_from_str(value, format) {
                return Ok(Cow::Owned(t.to_rfc3339()));
            }
            let t = NaiveDateTime::parse_from_str(value, format).map_err(|_| refused())?;
            Ok(Cow::Owned(iso(t)))
        }
        TimeFormat::Auto => {
            // ISO as written: the engine takes it as it is.
            if !tz && NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S%.f").is_ok() {
                return Ok(Cow::Borrowed(value));
            }
            let (local, zone) = split_zone(value);
            let t = naive_timestamp(local).ok_or_else(refused)?;
            Ok(Cow::Owned(match (tz, zone.is_empty()) {
                (true, false) => format!("{}{zone}", iso(t)),
                _ => iso(t),
            }))
        }
    }
}

fn time(value: &str) -> Result<&str, Bad> {
    let ok = ["%H:%M:%S%.f", "%H:%M"]
        .iter()
        .any(|f| NaiveTime::parse_from_str(value, f).is_ok());
    match ok {
        true => Ok(value),
        false => Err(bad(1206, "Invalid time format [HH24:MI:SS]")),
    }
}

fn chars(
    value: &str,
    bytes: Option<usize>,
    fixed: bool,
    truncate: bool,
) -> Result<Cow<'_, str>, Bad> {
    let Some(limit) = bytes else {
        return Ok(Cow::Borrowed(value));
    };
    // CHAR's trailing blanks are not data.
    let value = if fixed {
        value.trim_end_matches(' ')
    } else {
        value
    };
    if value.len() <= limit {
        return Ok(Cow::Borrowed(value));
    }
    if !truncate {
        return Err(bad(1204, "String length exceeds DDL length"));
    }
    let mut end = limit;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    Ok(Cow::Borrowed(&value[..end]))
}

/// Appends `value` in the engine's COPY text format (`None`: `\N`).
pub fn put_copy_text(out: &mut Vec<u8>, value: Option<&str>) {
    let Some(value) = value else {
        out.extend_from_slice(b"\\N");
        return;
    };
    let bytes = value.as_bytes();
    if !bytes
        .iter()
        .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        out.extend_from_slice(bytes);
        return;
    }
    for &b in bytes {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: &str, ty: Type) -> Result<String, Bad> {
        convert(value, &ty, &Formats::default()).map(|v| v.into_owned())
    }

    #[test]
    fn integers_as_redshift_checks_them() {
        assert_eq!(check("42", Type::Int { bits: 32 }).unwrap(), "42");
        assert_eq!(check(" -7 ", Type::Int { bits: 16 }).unwrap(), "-7");
        let e = check("12x", Type::Int { bits: 32 }).unwrap_err();
        assert_eq!(e.code, 1207);
        assert_eq!(e.reason, "Invalid digit, Value 'x', Pos 2, Type: Integer");
        assert_eq!(
            check("abc", Type::Int { bits: 64 }).unwrap_err().reason,
            "Invalid digit, Value 'a', Pos 0, Type: Long"
        );
        assert!(check("70000", Type::Int { bits: 16 }).is_err());
    }

    #[test]
    fn decimals_floats_and_booleans() {
        let n = Type::Numeric {
            precision: Some(5),
            scale: 2,
        };
        assert_eq!(check("123.45", n.clone()).unwrap(), "123.45");
        assert_eq!(check("1234.5", n.clone()).unwrap_err().code, 1216);
        assert_eq!(check("1.2.3", n).unwrap_err().code, 1207);
        assert!(check("1e10", Type::Float { double: true }).is_ok());
        assert_eq!(
            check("one", Type::Float { double: true }).unwrap_err().code,
            1208
        );
        assert!(check("TRUE", Type::Bool).is_ok());
        assert_eq!(check("maybe", Type::Bool).unwrap_err().code, 1210);
    }

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(check("2024-02-29", Type::Date).unwrap(), "2024-02-29");
        assert_eq!(check("02/29/2024", Type::Date).unwrap(), "2024-02-29");
        assert_eq!(check("2024-13-01", Type::Date).unwrap_err().code, 1205);
        let given = Formats::new(Some("DD.MM.YYYY"), None, false);
        assert_eq!(
            convert("01.03.2024", &Type::Date, &given).unwrap(),
            "2024-03-01"
        );
        let ts = Type::Timestamp { tz: false };
        assert_eq!(
            check("2024-01-02 03:04:05", ts.clone()).unwrap(),
            "2024-01-02 03:04:05"
        );
        assert_eq!(
            check("2024-01-02T03:04:05.5", ts.clone()).unwrap(),
            "2024-01-02 03:04:05.500"
        );
        assert_eq!(check("noon", ts.clone()).unwrap_err().code, 1206);
        let epoch = Formats::new(None, Some("epochsecs"), false);
        assert_eq!(
            convert("86400", &ts, &epoch).unwrap(),
            "1970-01-02 00:00:00"
        );
        let tz = Type::Timestamp { tz: true };
        assert_eq!(
            check("2024-01-02 03:04:05+02", tz).unwrap(),
            "2024-01-02 03:04:05+02"
        );
    }

    #[test]
    fn character_lengths_are_bytes() {
        let v = Type::Chars {
            bytes: Some(3),
            fixed: false,
        };
        assert_eq!(check("abc", v.clone()).unwrap(), "abc");
        assert_eq!(check("é€", v.clone()).unwrap_err().code, 1204);
        let truncating = Formats {
            truncate_columns: true,
            ..Formats::default()
        };
        assert_eq!(convert("aé€", &v, &truncating).unwrap(), "aé");
        let c = Type::Chars {
            bytes: Some(2),
            fixed: true,
        };
        assert_eq!(check("ab   ", c).unwrap(), "ab");
    }

    #[test]
    fn copy_text_escapes() {
        let mut out = Vec::new();
        put_copy_text(&mut out, Some("a\tb\\c\nd"));
        out.push(b'\t');
        put_copy_text(&mut out, None);
        assert_eq!(out, b"a\\tb\\\\c\\nd\t\\N");
    }
}
