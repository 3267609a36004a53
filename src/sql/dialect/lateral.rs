//! Lateral column aliases: Redshift lets a SELECT's list name an alias made earlier in the
//! same list (`CASE ... END AS is_autoincrement, is_autoincrement AS is_generatedcolumn`, as
//! redshift_connector's metadata queries write it), and its WHERE clause name an alias of its
//! list (`SELECT n.nspname AS schema ... WHERE schema = 'x'`, as sqlalchemy-redshift's
//! reflection writes it); PostgreSQL knows only the FROM clause's columns. Each such name
//! becomes the expression it names, translated, in parentheses. Only explicit `AS` aliases are
//! read, and never an alias that names the column it is an alias of; names inside a subquery
//! are that subquery's own.
//!
//! A column of the FROM clause's relations wins over an alias of the same name, and only the
//! engine knows a user table's columns; so this is done only for SELECTs that read the
//! catalog alone (`pg_*`, `svv_*`, `information_schema`, ...), whose columns are known not to
//! be those aliases: the drivers' metadata queries. Elsewhere the statement goes as written.

use super::{translate, Edit, Statement, CATALOG_PREFIXES};

impl Statement<'_> {
    /// The edits that put a select list's expressions where its aliases are named: later in
    /// the list, and in its WHERE.
    pub(super) fn lateral_aliases(&self) -> Vec<Edit> {
        let mut edits = Vec::new();
        for w in 0..self.tokens.len() {
            if self.is_word(w, "where") {
                edits.extend(self.aliases_in_where(w));
            } else if self.is_word(w, "select") {
                edits.extend(self.aliases_in_list(w));
            }
        }
        edits
    }

    fn aliases_in_list(&self, select: usize) -> Vec<Edit> {
        let mut first = select + 1;
        if self.is_any_word(first, &["distinct", "all"]) {
            first += 1;
        }
        let end = self.list_end(first);
        let items = self.split_at_commas(first, end);
        if items.len() < 2 || !(first..end).any(|j| self.is_word(j, "as")) {
            return Vec::new();
        }
        if self.is_word(end, "from") && !self.reads_catalog_only(end) {
            return Vec::new();
        }
        let mut aliases: Vec<(String, String)> = Vec::new();
        let mut edits = Vec::new();
        for (a, b) in items {
            if !aliases.is_empty() {
                edits.extend(self.named(a, b, &aliases));
            }
            aliases.extend(self.explicit_alias(a, b));
        }
        edits
    }

    /// Where a select list starting at `first` ends: its FROM (or the clause or level that
    /// ends a list without one).
    fn list_end(&self, first: usize) -> usize {
        let mut depth = 0usize;
        for j in first..self.tokens.len() {
            if self.is(j, "(") {
                depth += 1;
            } else if self.is(j, ")") {
                if depth == 0 {
                    return j;
                }
                depth -= 1;
            } else if depth == 0
                && (self.is_any_word(j, &["from", "into", "where"]) || self.ends_where(j))
            {
                return j;
            }
        }
        self.tokens.len()
    }

    /// Edits naming `aliases`' expressions where tokens `a..b` (outside subqueries) name them.
    fn named(&self, a: usize, b: usize, aliases: &[(String, String)]) -> Vec<Edit> {
        let mut edits = Vec::new();
        let mut j = a;
        while j < b {
            if self.is(j, "(") && self.is_word(j + 1, "select") {
                j = self.closing(j).map_or(b, |c| c + 1);
                continue;
            }
            edits.extend(self.alias_reference(j, aliases));
            j += 1;
        }
        edits
    }

    /// Token `j` as a reference to one of `aliases`: a bare name, not a call or a qualifier.
    fn alias_reference(&self, j: usize, aliases: &[(String, String)]) -> Option<Edit> {
        let bare = !(self.qualified(j)
            || self.is(j + 1, "(")
            || self.is(j + 1, ".")
            || self.is_word(j.wrapping_sub(1), "as"));
        let name = self.folded(j).filter(|_| bare)?;
        let (_, expression) = aliases.iter().find(|(alias, _)| *alias == name)?;
        Some(Edit {
            start: self.tokens[j].start,
            end: self.tokens[j].end,
            text: format!("({})", translate(expression)),
        })
    }

    fn aliases_in_where(&self, w: usize) -> Vec<Edit> {
        let Some(select) = self.level_start(w) else {
            return Vec::new();
        };
        let mut first = select + 1;
        if self.is_any_word(first, &["distinct", "all"]) {
            first += 1;
        }
        let Some(from) = self.at_level(first, w, &["from"]) else {
            return Vec::new();
        };
        if !self.reads_catalog_only(from) {
            return Vec::new();
        }
        let aliases: Vec<(String, String)> = self
            .split_at_commas(first, from)
            .into_iter()
            .filter_map(|(a, b)| self.explicit_alias(a, b))
            .collect();
        if aliases.is_empty() {
            return Vec::new();
        }
        let mut edits = Vec::new();
        let mut depth = 0usize;
        let mut j = w + 1;
        while j < self.tokens.len() {
            if self.is(j, "(") && self.is_word(j + 1, "select") {
                j = self.closing(j).map_or(self.tokens.len(), |c| c + 1);
                continue;
            }
            if self.is(j, "(") {
                depth += 1;
            } else if self.is(j, ")") {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            } else if depth == 0 && self.ends_where(j) {
                break;
            }
            edits.extend(self.alias_reference(j, &aliases));
            j += 1;
        }
        edits
    }

    /// Select item `a..b` as `expression AS alias`: the alias (folded) and the expression's
    /// text; `None` without `AS`, or when the alias is the name of the column it shows.
    fn explicit_alias(&self, a: usize, b: usize) -> Option<(String, String)> {
        if b < a + 3 || !self.is_word(b - 2, "as") {
            return None;
        }
        let alias = self.folded(b - 1)?;
        let shown = b - 3;
        let column = (shown == a || self.is(shown - 1, ".")).then(|| self.folded(shown));
        if column.flatten().as_deref() == Some(alias.as_str()) {
            return None;
        }
        let expression = &self.sql[self.tokens[a].start..self.tokens[b - 3].end];
        Some((alias, expression.to_string()))
    }

    /// Whether every relation of the FROM clause at `from` is one of the catalog's.
    fn reads_catalog_only(&self, from: usize) -> bool {
        let catalog = |i: usize| {
            self.folded(i)
                .is_some_and(|name| CATALOG_PREFIXES.iter().any(|p| name.starts_with(p)))
        };
        let mut depth = 0usize;
        let mut relations = 0;
        let mut j = from;
        while j < self.tokens.len() {
            if self.is(j, "(") {
                depth += 1;
            } else if self.is(j, ")") {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            } else if depth == 0 && (self.is_word(j, "where") || self.ends_where(j)) {
                break;
            } else if depth == 0 && (self.is_any_word(j, &["from", "join"]) || self.is(j, ",")) {
                // The relation's name (its schema's, when qualified, must be the catalog's too).
                if !catalog(j + 1) {
                    return false;
                }
                relations += 1;
            }
            j += 1;
        }
        relations > 0
    }

    /// A word that ends a WHERE condition at its level.
    fn ends_where(&self, j: usize) -> bool {
        self.is_any_word(j, super::CLAUSES_AFTER_WHERE)
    }
}
