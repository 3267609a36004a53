//! COPY ... FROM 's3://...' and UNLOAD (...) TO 's3://...', read from the dialect's tokens
//! into typed commands. [`classify`] is the cheap first look every `Query` gets: only a
//! statement whose first word is COPY or UNLOAD is lexed, and only one that names S3 (not
//! the engine's own `COPY ... FROM STDIN`) becomes a [`Command`].

use crate::sql::dialect::lex::{self, Kind, Token};

/// A statement the emulator runs itself rather than the engine.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Copy(Copy),
    Unload(Unload),
}

/// How the statement reaches the objects: the keys it gives, or the emulator's own
/// environment (IAM_ROLE).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    pub iam_role: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compression {
    #[default]
    None,
    Gzip,
    Bzip2,
    Zstd,
}

impl Compression {
    /// The file name extension UNLOAD gives a compressed part.
    pub fn extension(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip => ".gz",
            Compression::Bzip2 => ".bz2",
            Compression::Zstd => ".zst",
        }
    }
}

/// How the JSON of a COPY maps onto columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonMapping {
    /// Keys named as the columns are.
    Auto { ignore_case: bool },
    /// A JSONPaths file: one path per column, in order.
    Paths(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadFormat {
    /// Redshift's default: delimited text (`|` unless DELIMITER says otherwise).
    Text,
    Csv,
    Json(JsonMapping),
    /// Column widths, in characters, in column order.
    FixedWidth(Vec<usize>),
    /// Apache Parquet: columns by position.
    Parquet,
}

/// A COPY from S3.
#[derive(Clone, Debug, PartialEq)]
pub struct Copy {
    /// The table as the engine names it (a `#temp` name quoted).
    pub table: String,
    /// The table's name as Redshift words it in messages.
    pub table_name: String,
    pub columns: Vec<String>,
    /// The `s3://` prefix, or the manifest's URL.
    pub source: String,
    pub manifest: bool,
    pub credentials: Credentials,
    pub region: Option<String>,
    pub format: LoadFormat,
    pub delimiter: Option<char>,
    pub quote: char,
    pub ignore_header: u64,
    pub null_as: Option<String>,
    pub blanks_as_null: bool,
    pub empty_as_null: bool,
    pub accept_inv_chars: Option<char>,
    pub fill_record: bool,
    pub truncate_columns: bool,
    pub escape: bool,
    pub remove_quotes: bool,
    pub ignore_blank_lines: bool,
    pub trim_blanks: bool,
    pub date_format: Option<String>,
    pub time_format: Option<String>,
    pub max_error: u64,
    pub compression: Compression,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnloadFormat {
    Text,
    Csv,
    Json,
    Parquet,
}

/// An UNLOAD to S3.
#[derive(Clone, Debug, PartialEq)]
pub struct Unload {
    /// The query, its doubled quotes undone.
    pub query: String,
    /// The `s3://` name prefix.
    pub target: String,
    pub credentials: Credentials,
    pub region: Option<String>,
    pub format: UnloadFormat,
    pub delimiter: Option<char>,
    pub header: bool,
    pub add_quotes: bool,
    pub null_as: Option<String>,
    pub escape: bool,
    pub parallel: bool,
    pub max_file_size: Option<u64>,
    pub manifest: Option<ManifestKind>,
    pub allow_overwrite: bool,
    pub clean_path: bool,
    pub partition_by: Vec<String>,
    pub partition_include: bool,
    pub compression: Compression,
    pub extension: Option<String>,
    /// ROWGROUPSIZE, in bytes (Parquet).
    pub row_group_size: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestKind {
    Plain,
    Verbose,
}

/// Why a COPY or UNLOAD cannot run as written (a syntax error, as the engine words one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

fn syntax(near: &str) -> Refusal {
    Refusal {
        code: "42601",
        message: match near.is_empty() {
            true => "syntax error at end of input".into(),
            false => format!("syntax error at or near \"{near}\""),
        },
    }
}

fn invalid(message: impl Into<String>) -> Refusal {
    Refusal {
        code: "0A000",
        message: message.into(),
    }
}

/// The first word of `sql`, past whitespace and comments, if it is one of `words` (folded).
fn first_word_is(sql: &str, words: &[&str]) -> bool {
    let bytes = sql.as_bytes();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i..].starts_with(b"--") {
            i = bytes[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |n| i + n);
        } else if bytes[i..].starts_with(b"/*") {
            match lex::tokens(&sql[i..]).next() {
                Some(t) => i += t.end,
                None => return false,
            }
        } else {
            break;
        }
    }
    let end = bytes[i..]
        .iter()
        .position(|b| !b.is_ascii_alphabetic())
        .map_or(bytes.len(), |n| i + n);
    words.iter().any(|w| sql[i..end].eq_ignore_ascii_case(w))
}

/// Whether `sql` may name S3 at all: the cheap test every statement gets first.
fn names_s3(sql: &str) -> bool {
    sql.contains("s3://") || sql.contains("S3://")
}

/// What `sql` (one statement's text) asks of S3, if anything: `None` for every statement the
/// engine runs; `Some(Err)` for a COPY or UNLOAD of S3 that is malformed or shares its text
/// with other statements.
pub fn classify(sql: &str) -> Option<Result<Command, Refusal>> {
    if !names_s3(sql) || !first_word_is(sql, &["copy", "unload"]) {
        return None;
    }
    let tokens = lex::significant(sql);
    let mut statements = tokens.split(|t| &sql[t.start..t.end] == ";");
    let command = statement(sql, statements.next().unwrap_or_default())?;
    if statements.any(|rest| !rest.is_empty()) {
        return Some(Err(invalid(
            "COPY and UNLOAD of Amazon S3 must be the only statement of a query",
        )));
    }
    Some(command)
}

/// One statement of a query's text, for the front to run in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    /// A statement the engine runs (as written, in Redshift's dialect).
    Engine(String),
    S3(Box<Result<Command, Refusal>>),
}

/// The statements of `sql` (a `Query`'s text) when one of them is a COPY or UNLOAD of S3;
/// `None` when the engine runs all of them.
pub fn pieces(sql: &str) -> Option<Vec<Piece>> {
    if !names_s3(sql) {
        return None;
    }
    let tokens = lex::significant(sql);
    let mut pieces = Vec::new();
    let mut any = false;
    for tokens in tokens.split(|t| &sql[t.start..t.end] == ";") {
        let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else {
            continue;
        };
        match statement(sql, tokens) {
            Some(command) => {
                any = true;
                pieces.push(Piece::S3(Box::new(command)));
            }
            None => pieces.push(Piece::Engine(sql[first.start..last.end].to_string())),
        }
    }
    any.then_some(pieces)
}

/// The command of one statement's tokens, if it is a COPY or UNLOAD of S3.
fn statement(sql: &str, tokens: &[Token]) -> Option<Result<Command, Refusal>> {
    let parser = Parser { sql, tokens, at: 0 };
    match parser.word(0).as_deref() {
        Some("copy") => {
            // COPY ... FROM 's3://...': the engine's own COPY names STDIN, STDOUT or a file.
            let from = (0..tokens.len()).find(|&i| parser.is_word_at(i, "from"))?;
            let source = parser.string_at(from + 1)?;
            if !source.starts_with("s3://") {
                return None;
            }
            Some(parser.copy())
        }
        Some("unload") => Some(parser.unload()),
        _ => None,
    }
}

struct Parser<'a> {
    sql: &'a str,
    tokens: &'a [Token],
    at: usize,
}

impl Parser<'_> {
    fn text_at(&self, i: usize) -> &str {
        self.tokens.get(i).map_or("", |t| &self.sql[t.start..t.end])
    }

    fn word(&self, i: usize) -> Option<String> {
        let t = self.tokens.get(i)?;
        (t.kind == Kind::Word).then(|| self.text_at(i).to_ascii_lowercase())
    }

    fn is_word_at(&self, i: usize, word: &str) -> bool {
        self.tokens.get(i).is_some_and(|t| t.kind == Kind::Word)
            && self.text_at(i).eq_ignore_ascii_case(word)
    }

    fn string_at(&self, i: usize) -> Option<String> {
        let t = self.tokens.get(i)?;
        (t.kind == Kind::String).then(|| unquote(self.text_at(i)))?
    }

    fn peek_word(&self) -> Option<String> {
        self.word(self.at)
    }

    fn refuse_here(&self) -> Refusal {
        syntax(self.text_at(self.at))
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let yes = self.is_word_at(self.at, word);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn eat_punct(&mut self, punct: &str) -> bool {
        let yes = self
            .tokens
            .get(self.at)
            .is_some_and(|t| t.kind == Kind::Punct)
            && self.text_at(self.at) == punct;
        if yes {
            self.at += 1;
        }
        yes
    }

    fn expect_punct(&mut self, punct: &str) -> Result<(), Refusal> {
        match self.eat_punct(punct) {
            true => Ok(()),
            false => Err(self.refuse_here()),
        }
    }

    /// A string literal, after an optional AS.
    fn string(&mut self) -> Result<String, Refusal> {
        self.eat_word("as");
        let value = self.string_at(self.at).ok_or_else(|| self.refuse_here())?;
        self.at += 1;
        Ok(value)
    }

    fn number(&mut self) -> Result<u64, Refusal> {
        self.eat_word("as");
        let t = self.tokens.get(self.at).ok_or_else(|| self.refuse_here())?;
        let value = match t.kind {
            Kind::Number => self.text_at(self.at).parse().ok(),
            _ => None,
        }
        .ok_or_else(|| self.refuse_here())?;
        self.at += 1;
        Ok(value)
    }

    /// One character given as a string (escapes such as `\t` and `\001` understood).
    fn character(&mut self, option: &str) -> Result<char, Refusal> {
        let value = unescape(&self.string()?);
        let mut chars = value.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(c),
            _ => Err(invalid(format!("{option} must be a single character"))),
        }
    }

    /// A name: a word (folded), a quoted name, or `#temp`.
    fn name(&mut self) -> Result<(String, String), Refusal> {
        let t = *self.tokens.get(self.at).ok_or_else(|| self.refuse_here())?;
        let text = self.text_at(self.at).to_string();
        let named = match t.kind {
            Kind::Word => (text.to_ascii_lowercase(), text.to_ascii_lowercase()),
            Kind::QuotedName => {
                let inner = text[1..text.len() - 1].replace("\"\"", "\"");
                (text.clone(), inner)
            }
            Kind::Punct if text == "#" => {
                let Some(word) = self.word(self.at + 1) else {
                    return Err(self.refuse_here());
                };
                self.at += 1;
                (format!("\"#{word}\""), format!("#{word}"))
            }
            _ => return Err(self.refuse_here()),
        };
        self.at += 1;
        Ok(named)
    }

    /// `a.b.c`: the engine's text and the last part as Redshift names it.
    fn dotted_name(&mut self) -> Result<(String, String), Refusal> {
        let (mut sql, mut last) = self.name()?;
        while self.eat_punct(".") {
            let (part, name) = self.name()?;
            sql = format!("{sql}.{part}");
            last = name;
        }
        Ok((sql, last))
    }

    /// `(a, b, ...)`: the names, folded.
    fn name_list(&mut self) -> Result<Vec<String>, Refusal> {
        self.expect_punct("(")?;
        let mut names = Vec::new();
        loop {
            names.push(self.name()?.1);
            if self.eat_punct(")") {
                return Ok(names);
            }
            self.expect_punct(",")?;
        }
    }

    fn done(&self) -> bool {
        self.at >= self.tokens.len()
    }

    /// An authorization clause, if one starts here.
    fn credentials(&mut self, into: &mut Credentials) -> Result<bool, Refusal> {
        let Some(word) = self.peek_word() else {
            return Ok(false);
        };
        match word.as_str() {
            "iam_role" => {
                self.at += 1;
                into.iam_role = Some(match self.eat_word("default") {
                    true => "default".into(),
                    false => self.string()?,
                });
            }
            "access_key_id" => {
                self.at += 1;
                into.access_key_id = Some(self.string()?);
            }
            "secret_access_key" => {
                self.at += 1;
                into.secret_access_key = Some(self.string()?);
            }
            "session_token" => {
                self.at += 1;
                into.session_token = Some(self.string()?);
            }
            "credentials" | "with"
                if word == "credentials" || self.is_word_at(self.at + 1, "credentials") =>
            {
                self.at += if word == "with" { 2 } else { 1 };
                credential_string(&self.string()?, into)?;
            }
            "master_symmetric_key" | "encrypted" => {
                return Err(invalid("client-side encryption is not supported"));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn compression(&mut self) -> Option<Compression> {
        let compression = match self.peek_word()?.as_str() {
            "gzip" => Compression::Gzip,
            "bzip2" => Compression::Bzip2,
            "zstd" => Compression::Zstd,
            _ => return None,
        };
        self.at += 1;
        Some(compression)
    }

    fn copy(mut self) -> Result<Command, Refusal> {
        self.at = 1;
        let (table, table_name) = self.dotted_name()?;
        let columns = match self.text_at(self.at) == "(" {
            true => self.name_list()?,
            false => Vec::new(),
        };
        if !self.eat_word("from") {
            return Err(self.refuse_here());
        }
        let source = self.string()?;
        let mut copy = Copy {
            table,
            table_name,
            columns,
            source,
            manifest: false,
            credentials: Credentials::default(),
            region: None,
            format: LoadFormat::Text,
            delimiter: None,
            quote: '"',
            ignore_header: 0,
            null_as: None,
            blanks_as_null: false,
            empty_as_null: false,
            accept_inv_chars: None,
            fill_record: false,
            truncate_columns: false,
            escape: false,
            remove_quotes: false,
            ignore_blank_lines: false,
            trim_blanks: false,
            date_format: None,
            time_format: None,
            max_error: 0,
            compression: Compression::None,
        };
        // The options given, as written, for the ones PARQUET refuses.
        let mut given: Vec<String> = Vec::new();
        while !self.done() {
            if self.credentials(&mut copy.credentials)? {
                continue;
            }
            if let Some(c) = self.compression() {
                given.push(self.text_at(self.at - 1).to_ascii_uppercase());
                copy.compression = c;
                continue;
            }
            let word = self.peek_word().ok_or_else(|| self.refuse_here())?;
            given.push(word.to_ascii_uppercase());
            self.at += 1;
            match word.as_str() {
                "region" => copy.region = Some(self.string()?),
                "manifest" => copy.manifest = true,
                "format" => {
                    self.eat_word("as");
                    let format = self.peek_word().ok_or_else(|| self.refuse_here())?;
                    self.at += 1;
                    copy.format = self.load_format(&format, &mut copy.quote)?;
                }
                "csv" | "json" | "fixedwidth" | "parquet" | "orc" | "avro" => {
                    copy.format = self.load_format(&word, &mut copy.quote)?
                }
                "delimiter" => copy.delimiter = Some(self.character("DELIMITER")?),
                "quote" => copy.quote = self.character("QUOTE")?,
                "ignoreheader" => copy.ignore_header = self.number()?,
                "null" => copy.null_as = Some(unescape(&self.string()?)),
                "blanksasnull" => copy.blanks_as_null = true,
                "emptyasnull" => copy.empty_as_null = true,
                "acceptinvchars" => {
                    let replacement = self.is_word_at(self.at, "as")
                        || self
                            .tokens
                            .get(self.at)
                            .is_some_and(|t| t.kind == Kind::String);
                    copy.accept_inv_chars = Some(match replacement {
                        true => self.character("ACCEPTINVCHARS")?,
                        false => '?',
                    });
                }
                "fillrecord" => copy.fill_record = true,
                "truncatecolumns" => copy.truncate_columns = true,
                "escape" => copy.escape = true,
                "removequotes" => copy.remove_quotes = true,
                "ignoreblanklines" => copy.ignore_blank_lines = true,
                "trimblanks" => copy.trim_blanks = true,
                "dateformat" => copy.date_format = Some(self.string()?),
                "timeformat" => copy.time_format = Some(self.string()?),
                "maxerror" => copy.max_error = self.number()?.min(100_000),
                "compupdate" | "statupdate" => {
                    let _ = self.eat_word("on")
                        || self.eat_word("off")
                        || self.eat_word("true")
                        || self.eat_word("false")
                        || self.eat_word("preset");
                }
                "encoding" => {
                    self.eat_word("as");
                    let _ = self.peek_word().ok_or_else(|| self.refuse_here())?;
                    self.at += 1;
                }
                // Accepted; they change nothing the emulator checks (SERIALIZETOJSON: nested
                // Parquet columns into SUPER, which the emulator refuses anyway).
                "acceptanydate" | "explicit_ids" | "roundec" | "serializetojson" => {}
                "noload" => return Err(invalid("NOLOAD is not supported by this emulator")),
                "lzop" => return Err(invalid("LZOP compression is not supported")),
                _ => return Err(syntax(self.text_at(self.at - 1))),
            }
        }
        if copy.format == LoadFormat::Csv && (copy.escape || copy.remove_quotes) {
            let option = if copy.escape {
                "ESCAPE"
            } else {
                "REMOVEQUOTES"
            };
            return Err(invalid(format!("CSV is not compatible with {option}")));
        }
        if copy.format == LoadFormat::Parquet {
            // The parameters the COPY from columnar formats takes (besides the authorization).
            const TAKEN: &[&str] = &[
                "FORMAT",
                "PARQUET",
                "MANIFEST",
                "ACCEPTINVCHARS",
                "FILLRECORD",
                "STATUPDATE",
                "EXPLICIT_IDS",
                "SERIALIZETOJSON",
            ];
            if let Some(option) = given.iter().find(|o| !TAKEN.contains(&o.as_str())) {
                return Err(parquet_refuses(option, "COPY"));
            }
        }
        Ok(Command::Copy(copy))
    }

    /// The format named by `word` (its argument read).
    fn load_format(&mut self, word: &str, quote: &mut char) -> Result<LoadFormat, Refusal> {
        Ok(match word {
            "csv" => {
                if self.eat_word("quote") {
                    *quote = self.character("QUOTE")?;
                }
                LoadFormat::Csv
            }
            "json" => {
                let at = self.at;
                let spec = match self.is_word_at(at, "as")
                    || self.tokens.get(at).is_some_and(|t| t.kind == Kind::String)
                {
                    true => self.string()?,
                    false => "auto".into(),
                };
                let folded = spec.trim().to_ascii_lowercase();
                LoadFormat::Json(match folded.as_str() {
                    "auto" => JsonMapping::Auto { ignore_case: false },
                    "auto ignorecase" => JsonMapping::Auto { ignore_case: true },
                    _ if folded.starts_with("s3://") => JsonMapping::Paths(spec),
                    _ => return Err(invalid(format!("invalid JSON option '{spec}'"))),
                })
            }
            "fixedwidth" => LoadFormat::FixedWidth(fixed_widths(&self.string()?)?),
            "parquet" => LoadFormat::Parquet,
            "orc" | "avro" => {
                return Err(invalid(format!(
                    "COPY FORMAT {} is not supported by this emulator",
                    word.to_ascii_uppercase()
                )))
            }
            _ => return Err(syntax(word)),
        })
    }

    fn unload(mut self) -> Result<Command, Refusal> {
        self.at = 1;
        self.expect_punct("(")?;
        let query = self.string_at(self.at).ok_or_else(|| self.refuse_here())?;
        self.at += 1;
        self.expect_punct(")")?;
        if !self.eat_word("to") {
            return Err(self.refuse_here());
        }
        let target = self.string()?;
        if !target.starts_with("s3://") {
            return Err(invalid(format!(
                "UNLOAD destination '{target}' is not an s3:// URL"
            )));
        }
        let mut unload = Unload {
            query,
            target,
            credentials: Credentials::default(),
            region: None,
            format: UnloadFormat::Text,
            delimiter: None,
            header: false,
            add_quotes: false,
            null_as: None,
            escape: false,
            parallel: true,
            max_file_size: None,
            manifest: None,
            allow_overwrite: false,
            clean_path: false,
            partition_by: Vec::new(),
            partition_include: false,
            compression: Compression::None,
            extension: None,
            row_group_size: None,
        };
        // The options given, as written, for the ones PARQUET refuses.
        let mut given: Vec<String> = Vec::new();
        while !self.done() {
            if self.credentials(&mut unload.credentials)? {
                continue;
            }
            if let Some(c) = self.compression() {
                given.push(self.text_at(self.at - 1).to_ascii_uppercase());
                unload.compression = c;
                continue;
            }
            let word = self.peek_word().ok_or_else(|| self.refuse_here())?;
            given.push(word.to_ascii_uppercase());
            self.at += 1;
            match word.as_str() {
                "region" => unload.region = Some(self.string()?),
                "format" => {
                    self.eat_word("as");
                    let format = self.peek_word().ok_or_else(|| self.refuse_here())?;
                    self.at += 1;
                    unload.format = unload_format(&format)?;
                }
                "csv" => unload.format = UnloadFormat::Csv,
                "json" => unload.format = UnloadFormat::Json,
                "parquet" => unload.format = UnloadFormat::Parquet,
                "delimiter" => unload.delimiter = Some(self.character("DELIMITER")?),
                "header" => unload.header = true,
                "addquotes" => unload.add_quotes = true,
                "null" => unload.null_as = Some(unescape(&self.string()?)),
                "escape" => unload.escape = true,
                "parallel" => {
                    unload.parallel = match self.peek_word().as_deref() {
                        Some("off" | "false") => false,
                        Some("on" | "true") | None => true,
                        Some(_) => return Err(self.refuse_here()),
                    };
                    if !self.done() && self.is_any(&["on", "off", "true", "false"]) {
                        self.at += 1;
                    }
                }
                "maxfilesize" => {
                    let n = self.number()?;
                    let unit = match self.peek_word().as_deref() {
                        Some("mb") => 1 << 20,
                        Some("gb") => 1 << 30,
                        _ => 1 << 20,
                    };
                    if self.is_any(&["mb", "gb"]) {
                        self.at += 1;
                    }
                    let bytes = n.saturating_mul(unit);
                    if !(5 << 20..=6_200 << 20).contains(&bytes) {
                        return Err(invalid("MAXFILESIZE must be between 5 MB and 6.2 GB"));
                    }
                    unload.max_file_size = Some(bytes);
                }
                "manifest" => {
                    unload.manifest = Some(match self.eat_word("verbose") {
                        true => ManifestKind::Verbose,
                        false => ManifestKind::Plain,
                    })
                }
                "allowoverwrite" => unload.allow_overwrite = true,
                "cleanpath" => unload.clean_path = true,
                "partition" => {
                    if !self.eat_word("by") {
                        return Err(self.refuse_here());
                    }
                    unload.partition_by = self.name_list()?;
                    unload.partition_include = self.eat_word("include");
                }
                "extension" => unload.extension = Some(self.string()?),
                "rowgroupsize" => {
                    let n = self.number()?;
                    let unit = match self.peek_word().as_deref() {
                        Some("gb") => 1 << 30,
                        _ => 1 << 20,
                    };
                    if self.is_any(&["mb", "gb"]) {
                        self.at += 1;
                    }
                    let bytes = n.saturating_mul(unit);
                    if !(32 << 20..=128 << 20).contains(&bytes) {
                        return Err(invalid("ROWGROUPSIZE must be between 32 MB and 128 MB"));
                    }
                    unload.row_group_size = Some(bytes);
                }
                "fixedwidth" => {
                    return Err(invalid(format!(
                        "UNLOAD {} is not supported by this emulator",
                        word.to_ascii_uppercase()
                    )))
                }
                _ => return Err(syntax(self.text_at(self.at - 1))),
            }
        }
        if unload.allow_overwrite && unload.clean_path {
            return Err(invalid(
                "ALLOWOVERWRITE and CLEANPATH cannot be used together",
            ));
        }
        if unload.format == UnloadFormat::Json && (unload.header || unload.delimiter.is_some()) {
            return Err(invalid(
                "FORMAT JSON cannot be used with HEADER or DELIMITER",
            ));
        }
        if unload.format == UnloadFormat::Parquet {
            const REFUSED: &[&str] = &[
                "DELIMITER",
                "FIXEDWIDTH",
                "ADDQUOTES",
                "ESCAPE",
                "NULL",
                "HEADER",
                "GZIP",
                "BZIP2",
                "ZSTD",
            ];
            if let Some(option) = given.iter().find(|o| REFUSED.contains(&o.as_str())) {
                return Err(parquet_refuses(option, "UNLOAD"));
            }
        } else if unload.row_group_size.is_some() {
            return Err(invalid("ROWGROUPSIZE is only supported with PARQUET"));
        }
        Ok(Command::Unload(unload))
    }

    fn is_any(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.is_word_at(self.at, w))
    }
}

fn unload_format(word: &str) -> Result<UnloadFormat, Refusal> {
    match word {
        "csv" => Ok(UnloadFormat::Csv),
        "json" => Ok(UnloadFormat::Json),
        "parquet" => Ok(UnloadFormat::Parquet),
        _ => Err(syntax(word)),
    }
}

/// An option Redshift does not take with PARQUET, worded as Redshift words it
/// ("REGION argument is not supported for PARQUET based COPY").
fn parquet_refuses(option: &str, statement: &str) -> Refusal {
    invalid(format!(
        "{option} argument is not supported for PARQUET based {statement}"
    ))
}

/// A string literal's value: its quotes removed and doubled quotes undone (`E'...'`'s
/// backslash escapes too).
pub(crate) fn unquote(literal: &str) -> Option<String> {
    if let Some(body) = literal
        .strip_prefix(['e', 'E'])
        .and_then(|s| s.strip_prefix('\''))
    {
        let body = body.strip_suffix('\'')?;
        return Some(unescape(&body.replace("''", "'")));
    }
    if let Some(after) = literal.strip_prefix('$') {
        let tag_end = after.find('$')? + 2;
        return Some(literal.get(tag_end..literal.len() - tag_end)?.to_string());
    }
    let body = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(body.replace("''", "'"))
}

/// `\t`, `\n`, `\r`, `\\`, `\'` and octal `\ooo` escapes, as COPY's characters take them.
fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some(d) if d.is_digit(8) => {
                let mut value = 0u32;
                let mut n = 0;
                while n < 3 && chars.peek().is_some_and(|d| d.is_digit(8)) {
                    value = value * 8 + chars.next().and_then(|d| d.to_digit(8)).unwrap_or(0);
                    n += 1;
                }
                out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
                continue;
            }
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    out
}

/// `aws_access_key_id=...;aws_secret_access_key=...[;token=...]` or `aws_iam_role=...`.
fn credential_string(s: &str, into: &mut Credentials) -> Result<(), Refusal> {
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| invalid(format!("invalid credentials '{part}'")))?;
        let value = Some(value.trim().to_string());
        match key.trim().to_ascii_lowercase().as_str() {
            "aws_access_key_id" => into.access_key_id = value,
            "aws_secret_access_key" => into.secret_access_key = value,
            "token" | "aws_session_token" => into.session_token = value,
            "aws_iam_role" => into.iam_role = value,
            "master_symmetric_key" => {
                return Err(invalid("client-side encryption is not supported"))
            }
            other => return Err(invalid(format!("invalid credentials key '{other}'"))),
        }
    }
    Ok(())
}

/// `label:width,label:width,...`.
fn fixed_widths(spec: &str) -> Result<Vec<usize>, Refusal> {
    spec.split(',')
        .map(|part| {
            let width = part.rsplit_once(':').map_or(part, |(_, w)| w).trim();
            width
                .parse()
                .ok()
                .filter(|&w: &usize| w > 0)
                .ok_or_else(|| invalid(format!("invalid FIXEDWIDTH specification '{spec}'")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(sql: &str) -> Copy {
        match classify(sql) {
            Some(Ok(Command::Copy(c))) => c,
            other => panic!("{sql}: {other:?}"),
        }
    }

    fn unload(sql: &str) -> Unload {
        match classify(sql) {
            Some(Ok(Command::Unload(u))) => u,
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn only_copy_of_s3_and_unload_are_ours() {
        assert!(classify("select 1").is_none());
        assert!(classify("copy t from stdin").is_none());
        assert!(classify("COPY t TO STDOUT").is_none());
        assert!(classify("copy (select 1) to stdout").is_none());
        assert!(classify("/* c */ -- x\n copy t from 's3://b/k'").is_some());
        assert!(matches!(
            classify("copy t from 's3://b/k'; select 1"),
            Some(Err(_))
        ));
        assert!(matches!(classify("copy t from 's3://b/k';"), Some(Ok(_))));
        let pieces = pieces("begin; copy t from 's3://b/k'; insert into u select 1;").unwrap();
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[0], Piece::Engine("begin".into()));
        assert!(matches!(&pieces[1], Piece::S3(c) if matches!(**c, Ok(Command::Copy(_)))));
        assert_eq!(pieces[2], Piece::Engine("insert into u select 1".into()));
        assert!(pieces_none("select 's3://x'; select 2"));
    }

    fn pieces_none(sql: &str) -> bool {
        pieces(sql).is_none()
    }

    #[test]
    fn copy_options() {
        let c = copy(
            "COPY public.Sales (a, \"B\") FROM 's3://bucket/pre' IAM_ROLE 'arn:aws:iam::1:role/r' \
             FORMAT AS CSV QUOTE AS '''' DELIMITER ';' IGNOREHEADER 1 NULL AS '\\N' \
             BLANKSASNULL EMPTYASNULL ACCEPTINVCHARS FILLRECORD TRUNCATECOLUMNS \
             DATEFORMAT 'auto' TIMEFORMAT 'epochsecs' MAXERROR 5 GZIP REGION 'eu-west-1'",
        );
        assert_eq!(c.table, "public.sales");
        assert_eq!(c.table_name, "sales");
        assert_eq!(c.columns, ["a", "B"]);
        assert_eq!(c.source, "s3://bucket/pre");
        assert_eq!(c.format, LoadFormat::Csv);
        assert_eq!(c.quote, '\'');
        assert_eq!(c.delimiter, Some(';'));
        assert_eq!(c.ignore_header, 1);
        assert_eq!(c.null_as.as_deref(), Some("\\N"));
        assert!(c.blanks_as_null && c.empty_as_null && c.fill_record && c.truncate_columns);
        assert_eq!(c.accept_inv_chars, Some('?'));
        assert_eq!(c.time_format.as_deref(), Some("epochsecs"));
        assert_eq!(c.max_error, 5);
        assert_eq!(c.compression, Compression::Gzip);
        assert_eq!(c.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            c.credentials.iam_role.as_deref(),
            Some("arn:aws:iam::1:role/r")
        );

        let c = copy(
            "copy #stage from 's3://b/m.json' credentials 'aws_access_key_id=AK;aws_secret_access_key=SK;token=T' \
             manifest json 'auto ignorecase' delimiter '\\t'",
        );
        assert_eq!(c.table, "\"#stage\"");
        assert_eq!(c.table_name, "#stage");
        assert!(c.manifest);
        assert_eq!(
            c.format,
            LoadFormat::Json(JsonMapping::Auto { ignore_case: true })
        );
        assert_eq!(c.delimiter, Some('\t'));
        assert_eq!(c.credentials.access_key_id.as_deref(), Some("AK"));
        assert_eq!(c.credentials.session_token.as_deref(), Some("T"));

        let c = copy("copy t from 's3://b/f' fixedwidth 'a:3,b:10' escape removequotes");
        assert_eq!(c.format, LoadFormat::FixedWidth(vec![3, 10]));
        assert!(c.escape && c.remove_quotes);
        assert!(matches!(
            classify("copy t from 's3://b/f' csv escape"),
            Some(Err(_))
        ));
        assert!(matches!(
            classify("copy t from 's3://b/f' bogus"),
            Some(Err(Refusal { code: "42601", .. }))
        ));
    }

    #[test]
    fn unload_options() {
        let u = unload(
            "unload ('select * from venue where venuestate=''NV''') to 's3://b/unload/venue_' \
             iam_role default format as csv header delimiter as '|' parallel off \
             maxfilesize 100 mb manifest verbose allowoverwrite partition by (a, b) include \
             zstd extension 'csv'",
        );
        assert_eq!(u.query, "select * from venue where venuestate='NV'");
        assert_eq!(u.target, "s3://b/unload/venue_");
        assert_eq!(u.format, UnloadFormat::Csv);
        assert!(u.header && !u.parallel && u.allow_overwrite && u.partition_include);
        assert_eq!(u.max_file_size, Some(100 << 20));
        assert_eq!(u.manifest, Some(ManifestKind::Verbose));
        assert_eq!(u.partition_by, ["a", "b"]);
        assert_eq!(u.compression, Compression::Zstd);
        assert_eq!(u.extension.as_deref(), Some("csv"));
        let u = unload(
            "UNLOAD ($$select 'x'$$) TO 's3://b/p/' ADDQUOTES NULL AS 'nil' ESCAPE PARALLEL",
        );
        assert_eq!(u.query, "select 'x'");
        assert!(u.add_quotes && u.escape && u.parallel);
        assert!(matches!(
            classify("unload ('select 1') to 's3://b/p' allowoverwrite cleanpath"),
            Some(Err(_))
        ));
        assert!(matches!(
            classify("unload select 1 to 's3://b/p'"),
            Some(Err(_))
        ));
    }

    #[test]
    fn parquet_options() {
        let c = copy("copy t (a, b) from 's3://b/p/' iam_role default format as parquet manifest");
        assert_eq!(c.format, LoadFormat::Parquet);
        assert!(c.manifest);
        assert_eq!(
            copy("copy t from 's3://b/p/' parquet fillrecord serializetojson").format,
            LoadFormat::Parquet
        );
        let refused = |sql: &str| match classify(sql) {
            Some(Err(r)) => r.message,
            other => panic!("{sql}: {other:?}"),
        };
        assert_eq!(
            refused("copy t from 's3://b/p/' parquet maxerror 3"),
            "MAXERROR argument is not supported for PARQUET based COPY"
        );
        assert_eq!(
            refused("copy t from 's3://b/p/' gzip format parquet"),
            "GZIP argument is not supported for PARQUET based COPY"
        );
        let u = unload("unload ('select 1') to 's3://b/p/' format parquet rowgroupsize 64 mb");
        assert_eq!(u.format, UnloadFormat::Parquet);
        assert_eq!(u.row_group_size, Some(64 << 20));
        assert_eq!(
            refused("unload ('select 1') to 's3://b/p/' null as 'x' parquet"),
            "NULL argument is not supported for PARQUET based UNLOAD"
        );
        assert!(matches!(
            classify("unload ('select 1') to 's3://b/p/' csv rowgroupsize 64"),
            Some(Err(_))
        ));
    }

    #[test]
    fn escapes_in_characters() {
        assert_eq!(unescape("\\t"), "\t");
        assert_eq!(unescape("\\001"), "\u{1}");
        assert_eq!(unescape("a\\\\b"), "a\\b");
        assert_eq!(unescape("\\N"), "\\N");
    }
}
