//! Redshift's table options, read from a CREATE TABLE before the rules drop them, so that
//! the catalog can show them (`pg_table_def.distkey`, `svv_table_info.diststyle`, ...). They
//! travel to the engine in a comment at the statement's end, `/*redshift-table:{json}*/`,
//! which an event trigger the catalog installs reads (with `current_query()`) and records
//! against the table it names.

use super::lex::Kind;
use super::Statement;
use serde::Serialize;
use std::collections::BTreeMap;

/// The marker's prefix; `catalog.sql` looks for the same.
pub const MARKER: &str = "/*redshift-table:";

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct TableOptions {
    /// The table as the engine will resolve it (`to_regclass`).
    pub table: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diststyle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distkey: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sortkey: Vec<String>,
    /// COMPOUND (the default) or INTERLEAVED; AUTO for `SORTKEY AUTO`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sortstyle: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub encodings: BTreeMap<String, String>,
    /// The table of a `(LIKE parent)`, whose options the new table inherits (as Redshift's
    /// LIKE carries ENCODE, DISTKEY and SORTKEY); the catalog's trigger reads them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub like: Option<String>,
}

impl TableOptions {
    fn is_empty(&self) -> bool {
        self.diststyle.is_none()
            && self.distkey.is_none()
            && self.sortkey.is_empty()
            && self.sortstyle.is_none()
            && self.encodings.is_empty()
            && self.like.is_none()
    }

    /// The marker comment, safe inside `/* */`.
    pub fn marker(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("{MARKER}{}*/", json.replace("*/", "*\\/"))
    }
}

const CONSTRAINTS: &[&str] = &[
    "constraint",
    "primary",
    "unique",
    "foreign",
    "check",
    "like",
    "exclude",
];

impl Statement<'_> {
    /// A name as the engine folds it: unquoted lowercased, quoted as written.
    pub(super) fn folded(&self, i: usize) -> Option<String> {
        let token = self.tokens.get(i)?;
        let text = self.text(i);
        match token.kind {
            Kind::Word => Some(text.to_lowercase()),
            Kind::QuotedName => Some(text[1..text.len() - 1].replace("\"\"", "\"")),
            _ => None,
        }
    }

    /// The names in `(a, b, ...)` opening at `open`.
    fn name_list(&self, open: usize) -> (Vec<String>, usize) {
        let close = self.closing(open).unwrap_or(open);
        let names = (open + 1..close).filter_map(|i| self.folded(i)).collect();
        (names, close)
    }

    /// The options of a `CREATE [TEMP] TABLE`, if it has any Redshift options.
    pub(super) fn table_options(&self) -> Option<TableOptions> {
        if !self.is_word(0, "create") {
            return None;
        }
        let mut i = 1;
        while self.is_any_word(i, &["temp", "temporary", "local", "global", "unlogged"]) {
            i += 1;
        }
        if !self.is_word(i, "table") {
            return None;
        }
        i += 1;
        if self.is_word(i, "if") && self.is_word(i + 1, "not") && self.is_word(i + 2, "exists") {
            i += 3;
        }
        // The name, up to its column list or its options.
        let name_start = i;
        if self.is(i, "#") {
            i += 2;
        } else {
            while i < self.tokens.len()
                && (matches!(self.tokens[i].kind, Kind::Word | Kind::QuotedName) || self.is(i, "."))
                && !self.is_any_word(
                    i,
                    &[
                        "as",
                        "diststyle",
                        "distkey",
                        "sortkey",
                        "compound",
                        "interleaved",
                        "backup",
                        "encode",
                    ],
                )
            {
                i += 1;
            }
        }
        if i == name_start {
            return None;
        }
        let table = if self.is(name_start, "#") {
            format!("\"#{}\"", self.text(name_start + 1))
        } else {
            self.sql[self.tokens[name_start].start..self.tokens[i - 1].end].to_string()
        };
        let mut options = TableOptions {
            table,
            ..TableOptions::default()
        };
        if self.is(i, "(") {
            i = self.columns(i, &mut options) + 1;
        }
        // Table-level options, up to AS (a CTAS's query).
        while i < self.tokens.len() && !self.is_word(i, "as") {
            if self.is_word(i, "diststyle") {
                options.diststyle = Some(self.text(i + 1).to_uppercase());
            } else if self.is_word(i, "distkey") && self.is(i + 1, "(") {
                let (names, close) = self.name_list(i + 1);
                options.distkey = names.into_iter().next();
                i = close;
            } else if self.is_word(i, "sortkey") {
                let style = (i > 0 && self.is_any_word(i - 1, &["compound", "interleaved"]))
                    .then(|| self.text(i - 1).to_uppercase());
                if self.is(i + 1, "(") {
                    let (names, close) = self.name_list(i + 1);
                    options.sortkey = names;
                    options.sortstyle = Some(style.unwrap_or_else(|| "COMPOUND".into()));
                    i = close;
                } else if self.is_word(i + 1, "auto") {
                    options.sortstyle = Some("AUTO".into());
                }
            }
            i += 1;
        }
        if options.distkey.is_some() && options.diststyle.is_none() {
            options.diststyle = Some("KEY".into());
        }
        (!options.is_empty()).then_some(options)
    }

    /// Reads the column list opening at `open` (column ENCODE, DISTKEY, SORTKEY); its `)`.
    fn columns(&self, open: usize, options: &mut TableOptions) -> usize {
        let Some((columns, close)) = self.items(open) else {
            return self.tokens.len() - 1;
        };
        for (from, to) in columns {
            self.column(from, to, options);
        }
        close
    }

    /// One column definition, tokens `from..to`.
    fn column(&self, from: usize, to: usize, options: &mut TableOptions) {
        if from + 1 < to && self.is_word(from, "like") {
            let end = (from + 1..to)
                .find(|&i| self.is_any_word(i, &["including", "excluding"]))
                .unwrap_or(to);
            options.like =
                Some(self.sql[self.tokens[from + 1].start..self.tokens[end - 1].end].to_string());
            return;
        }
        if from >= to || self.is_any_word(from, CONSTRAINTS) {
            return;
        }
        let Some(name) = self.folded(from) else {
            return;
        };
        let mut depth = 0usize;
        for i in from + 1..to {
            if self.is(i, "(") {
                depth += 1;
            } else if self.is(i, ")") {
                depth = depth.saturating_sub(1);
            } else if depth > 0 {
                continue;
            } else if self.is_word(i, "encode")
                && self.tokens.get(i + 1).is_some_and(|t| t.kind == Kind::Word)
            {
                options
                    .encodings
                    .insert(name.clone(), self.text(i + 1).to_lowercase());
            } else if self.is_word(i, "distkey") {
                options.distkey = Some(name.clone());
            } else if self.is_word(i, "sortkey") {
                options.sortkey.push(name.clone());
                options.sortstyle.get_or_insert_with(|| "COMPOUND".into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::lex;
    use super::*;

    fn options(sql: &str) -> Option<TableOptions> {
        let tokens = lex::significant(sql);
        Statement {
            sql,
            tokens: &tokens,
        }
        .table_options()
    }

    #[test]
    fn table_and_column_options_are_read() {
        let read = options(
            "create table if not exists s.\"Sales\" (id int encode az64 distkey, \"When\" timestamp sortkey, note varchar(10) encode zstd, primary key (id)) diststyle key backup no",
        )
        .unwrap();
        assert_eq!(read.table, "s.\"Sales\"");
        assert_eq!(read.diststyle.as_deref(), Some("KEY"));
        assert_eq!(read.distkey.as_deref(), Some("id"));
        assert_eq!(read.sortkey, ["When"]);
        assert_eq!(read.sortstyle.as_deref(), Some("COMPOUND"));
        assert_eq!(read.encodings.get("note").map(String::as_str), Some("zstd"));
        let ctas =
            options("create temp table #t distkey(b) interleaved sortkey(a, b) as select 1 a, 2 b")
                .unwrap();
        assert_eq!(ctas.table, "\"#t\"");
        assert_eq!(ctas.diststyle.as_deref(), Some("KEY"));
        assert_eq!(ctas.sortkey, ["a", "b"]);
        assert_eq!(ctas.sortstyle.as_deref(), Some("INTERLEAVED"));
        assert_eq!(options("create table t (a int)"), None);
        let like = options("create table t2 (like s.\"T\" including defaults)").unwrap();
        assert_eq!(like.like.as_deref(), Some("s.\"T\""));
        assert_eq!(options("create index i on t (a)"), None);
        assert!(ctas.marker().starts_with(MARKER) && ctas.marker().ends_with("*/"));
    }
}
